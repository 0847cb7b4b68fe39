"""KD checks: kernel-doc comments that scripts/kernel-doc -Wall would warn about."""

from __future__ import annotations

from collections.abc import Iterator

from reviewtool.analysis.kdoc import KdocResult, analyse
from reviewtool.analysis.kdoc.incremental import analyse_by_region
from reviewtool.checks.base import Check, FileContext
from reviewtool.model import Finding, Severity


def kdoc_result(ctx: FileContext) -> KdocResult:
    """One kernel-doc reading per file state, shared by every KD check."""

    def compute() -> KdocResult:
        if not ctx.state.complete:
            return analyse(ctx.state.text, ctx.rules, lambda line: ctx.state.is_known(line, line))
        if ctx.memo.across_states:  # a series: most regions were read at an earlier step
            return analyse_by_region(ctx.state.text, ctx.rules)
        return analyse(ctx.state.text, ctx.rules)

    return ctx.derived("kdoc", compute)


class _KdocCheck(Check):
    """Reports kernel-doc problems of the kinds in `kinds`."""

    scope = "file"
    severity = Severity.WARNING
    kinds: tuple[str, ...] = ()

    def run(self, ctx: FileContext) -> Iterator[Finding]:
        for problem in kdoc_result(ctx).problems:
            if problem.kind in self.kinds:
                yield self.finding(
                    problem.message,
                    path=ctx.path,
                    line=problem.line,
                    function=problem.function,
                    subject=problem.subject,
                )


class ParamNotDescribed(_KdocCheck):
    """What it checks:
        A kernel-doc comment that does not describe one of the parameters of the function
        (or macro, or function-pointer typedef) it documents, or a member of the struct,
        union or enum. Worded like kernel-doc: "Function parameter or struct member 'x' not
        described in 'foo'".

    Why it matters:
        `make htmldocs` and W=1 builds print the warning, and the rendered documentation
        shows the parameter as undocumented. Most often a patch added or renamed a parameter
        and forgot the comment above.

    Example:
        /**
         * vxfs_find_entry - find a mathing directory entry for a dentry
         * @dp: directory dentry
         */
        static struct vxfs_direct *vxfs_find_entry(struct inode *ip, struct dentry *dp)

    Better:
        Add ` * @ip: directory inode`. As in kernel-doc, a bare `@ip:` line counts as a
        description (kernel-doc reads the line's newline as its text), `@ip: ` with only a
        space after the colon does not.

    Rule data:
        rules/kerneldoc.toml: [sections] names, [prototype] words stripped before the
        prototype is matched.
    """

    code = "KD001"
    name = "param-not-described"
    kinds = ("param-not-described", "member-not-described")


class ExcessParam(_KdocCheck):
    """What it checks:
        An `@name:` description for a parameter (or member) the documented declaration does
        not have: "Excess function parameter 'flags' description in 'foo'".

    Why it matters:
        Usually a parameter was removed or renamed and the comment kept the old name, so the
        documentation now describes an interface that does not exist.

    Example:
        /**
         * tlb_flush_rmaps - do pending rmap removals after we have flushed the TLB
         * @tlb: the current mmu_gather
         * @vma: The memory area from which the pages are being removed.
         * @flags: unused
         */
        void tlb_flush_rmaps(struct mmu_gather *tlb, struct vm_area_struct *vma)

    Better:
        Drop the `@flags:` line, or rename it to the parameter it now describes.

    Rule data:
        rules/kerneldoc.toml: [sections] names (an `@word:` line is a parameter).
    """

    code = "KD002"
    name = "excess-param"
    kinds = ("excess-param", "excess-member")


class NameMismatch(_KdocCheck):
    """What it checks:
        The name on the first line of a kernel-doc comment differs from the declaration that
        follows it: "expecting prototype for foo(). Prototype was for bar() instead".

    Why it matters:
        The comment documents nothing (kernel-doc skips the excess-parameter and return
        checks) and the documentation index names a function that does not exist; typical
        after a rename or when a helper is inserted between a comment and its function. The
        finding is filed under the documented name; the declaration found is its subject.

    Example:
        /**
         * ocfs2_find_resv_lhs() - find the window before goal
         ...
         */
        static struct ocfs2_alloc_reservation *
        ocfs2_find_resv_lhs_locked(struct ocfs2_reservation_map *resmap, unsigned int goal)

    Better:
        Rename the comment together with the function, or move the helper above the comment.

    Rule data:
        None.
    """

    code = "KD003"
    name = "name-mismatch"
    kinds = ("name-mismatch",)


class ReturnNotDescribed(_KdocCheck):
    """What it checks:
        A kernel-doc comment of a function with a non-void return type and no `Return:` (or
        `Returns:`) section: "No description found for return value of 'foo'" (kernel-doc
        -Wall / -Wreturn).

    Why it matters:
        Callers need to know what the value means (error codes, NULL, reference ownership);
        `Returns 0 on success` in the body text is not picked up, only a section is.

    Example:
        /**
         * anon_vma_clone - attach the anon_vmas from src to dst
         * @dst: destination VMA
         * @src: source VMA
         */
        int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src)

    Better:
        Add ` * Return: 0 on success, -ENOMEM on failure.`

    Rule data:
        rules/kerneldoc.toml: [sections] names (`returns?` satisfies the check).
    """

    code = "KD004"
    name = "return-not-described"
    kinds = ("return-not-described",)


class NotKernelDoc(_KdocCheck):
    """What it checks:
        A comment that opens with `/**` at the start of a line but whose first line is not a
        kernel-doc name line (`foo() - desc`, `struct foo - desc`, `DOC: title`): "This
        comment starts with '/**', but isn't a kernel-doc comment."

    Why it matters:
        `/**` marks a comment for the documentation tool; an ordinary comment that uses it
        produces warnings in every W=1 build and may be mis-rendered.

    Example:
        /**
         * Walk the chain and free every entry.
         */
        static void free_chain(struct chain *c)

    Better:
        Use `/*` for an ordinary comment, or write `free_chain() - walk the chain ...`.

    Rule data:
        None: the name-line grammar is kernel-doc's.
    """

    code = "KD005"
    name = "not-kernel-doc"
    kinds = ("not-kernel-doc",)


class MissingShortDescription(_KdocCheck):
    """What it checks:
        A kernel-doc name line with no short description after the name (`foo()` alone
        instead of `foo() - what it does`): "missing initial short description".

    Why it matters:
        The short description is the one-line summary shown in the generated index; without
        it the entry is empty. kernel-doc also says it of a `/**` comment that is not
        kernel-doc at all (next to KD005), and so does this check.

    Example:
        /**
         * unlink_anon_vmas()
         * @vma: the VMA
         */

    Better:
        ` * unlink_anon_vmas() - remove all links between a VMA and its anon_vmas`

    Rule data:
        None.
    """

    code = "KD006"
    name = "missing-short-description"
    kinds = ("missing-short-description",)


class PrototypeNotUnderstood(_KdocCheck):
    """What it checks:
        A function kernel-doc comment followed by something kernel-doc cannot read as a
        function prototype: "cannot understand function prototype: '...'"; a struct, union,
        enum or typedef it cannot parse ("Cannot parse struct or union!", an error in
        kernel-doc's output); a tracepoint without TP_PROTO ("Unrecognized tracepoint
        format").

    Why it matters:
        Nothing in the comment is checked or rendered; usually the comment sits above a
        variable, a struct without `struct` on its name line, or a macro invocation.

    Example:
        /**
         * default_limit - the default limit
         */
        static int default_limit = 16;

    Better:
        Document variables with a plain comment, and structs with `struct name - desc`.

    Rule data:
        rules/kerneldoc.toml: [prototype] words stripped before matching.
    """

    code = "KD007"
    name = "prototype-not-understood"
    severity = Severity.NOTE
    kinds = ("bad-prototype", "parse-error")


class MalformedLine(_KdocCheck):
    """What it checks:
        A line inside a kernel-doc comment that kernel-doc cannot read: a body line without
        the leading ` *` ("bad line: ..."), text glued to the closing `*/` ("suspicious ending
        line"), or a second `/**` block between a comment and its declaration, read as an
        inline member comment ("Incorrect use of kernel-doc format").

    Why it matters:
        kernel-doc drops the line (the text is lost from the documentation) or attaches the
        second comment to the wrong declaration.

    Example:
        /**
         * foo() - do foo
           continued without the asterisk
         */

    Better:
        Start every line of the comment with ` * `; keep one `/**` block per declaration.

    Rule data:
        None.
    """

    code = "KD008"
    name = "malformed-kernel-doc-line"
    kinds = ("bad-line",)


class DuplicateSection(_KdocCheck):
    """What it checks:
        A kernel-doc comment with the same section twice (`Return:`, `Context:`, `Note:`
        ...): "duplicate section name 'Context'". kernel-doc glues the two texts together.

    Why it matters:
        Usually a patch added a section the comment already had a few lines further down;
        the rendered documentation then says two things, possibly contradictory.

    Example:
        /**
         * foo() - do foo
         * Context: Process context.
         *
         * Context: Any context.
         */

    Better:
        Keep one section and merge what each said.

    Rule data:
        rules/kerneldoc.toml: [sections] names.
    """

    code = "KD009"
    name = "duplicate-section"
    kinds = ("duplicate-section",)


class KernelDocNotChecked(_KdocCheck):
    """What it checks:
        A kernel-doc comment whose declaration reviewtool stopped reading before kernel-doc
        would: more than 100,000 characters without the `;` or `{` that ends it (the largest
        real declaration in 6.12 is ~13,000), structs nested more than 200 levels, more than
        1,000 commas inside one parenthesis. Bounds on hostile input; kernel-doc has none.

    Why it matters:
        Nothing about that comment was checked, and silence would read as "no warning".

    Example:
        /**
         * struct huge - generated
         */
        struct huge { ... 200,000 characters ... };

    Better:
        Run `scripts/kernel-doc -none -Wall` on the file by hand.

    Rule data:
        None.
    """

    code = "KD010"
    name = "kernel-doc-not-checked"
    severity = Severity.NOTE
    kinds = ("cut-short",)


CHECKS: list[Check] = [
    ParamNotDescribed(),
    ExcessParam(),
    NameMismatch(),
    ReturnNotDescribed(),
    NotKernelDoc(),
    MissingShortDescription(),
    PrototypeNotUnderstood(),
    MalformedLine(),
    DuplicateSection(),
    KernelDocNotChecked(),
]
