"""BS002-BS008: every patch must parse and build, and leave no defect for a later patch to fix."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial

from reviewtool.analysis.symbols import (
    FileSymbols,
    Provision,
    TreeView,
    strip_comments_and_literals,
    tree_views,
)
from reviewtool.checks.base import Check, PatchContext, SeriesContext
from reviewtool.model import FileState, Finding, Location, Series, Severity

CALLABLE_KINDS = ("function", "prototype", "function-macro")
_C_KEYWORDS = frozenset(
    (
        "if", "for", "while", "switch", "return", "sizeof", "do", "else", "case", "goto",
        "typeof", "__typeof__", "_Generic", "__builtin_expect", "defined", "alignof",
        "_Alignof", "asm", "__asm__",
    )
)  # fmt: skip


# --------------------------------------------------------------------------- shared state


def _count(number: int, noun: str) -> str:
    """`1 argument`, `2 arguments`: messages read as sentences."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _label(series: Series, step: int) -> str:
    """Step k (the k-th patch present) as the mails number it: `4/6` when 3/6 is missing."""
    if 1 <= step <= len(series.patches):
        return f"{series.patches[step - 1].index}/{series.total}"
    return f"{step}/{series.total}"


def _history(ctx: SeriesContext) -> list[TreeView]:
    """Tree views of every step (symbols resolved lazily), shared by BS003..BS006."""

    def build() -> list[TreeView]:
        return tree_views(list(ctx.snapshots), ctx.facts, ctx.base_file, ctx.memo.get)

    return ctx.memo.get(f"bisect-run:{id(ctx.series)}", "views", build)


def _applied_steps(views: Sequence[TreeView]) -> list[int]:
    """Steps whose patch applied whole: a half-applied tree is not what the author built,
    and BS001 already reports it."""
    return [step for step in range(1, len(views)) if views[step].snapshot.applied]


def _renamed_from(view: TreeView) -> dict[str, str]:
    """new path → old path for the renames done by this step."""
    return {new: old for old, new in view.snapshot.renamed}


def _previous(views: Sequence[TreeView], step: int, path: str) -> FileSymbols | None:
    old = _renamed_from(views[step]).get(path, path)
    return views[step - 1].symbols(old)


def _whole(view: TreeView, base: TreeView, path: str) -> bool:
    """True when every line of the file is known: complete, and either read from a real base
    tree or created by the series (hunks alone never show where a file ends)."""
    state = view.snapshot.files.get(path)
    if state is None or not state.complete:
        return False
    return path not in base.snapshot.files or base.base_state(path) is not None


# --------------------------------------------------------------------------- BS002


_LOOPISH = re.compile(r"each|^for_|_for_|scoped|iterate|loop|while")
MAX_IDIOM_SCAN = 2_000_000  # untrusted text: the idiom rewrite stays linear in the file size
_STATEMENT_MACRO = re.compile(r"(?m)^([ \t]+)([A-Za-z_]\w+)[ \t]*\(")
_TYPE_WORDS = (
    "const|volatile|unsigned|signed|struct|union|enum|long|short|int|char|float|double|_Bool"
)
# A type as a macro argument: `min_t(unsigned long, a, b)`, `container_of(p, struct foo, m)`.
_TYPE_ARGUMENT = re.compile(
    rf"(?<=[(,])(\s*)((?:(?:{_TYPE_WORDS})[ \t]+)*(?:{_TYPE_WORDS})(?:[ \t]+\w+)?)(?=\s*[,)])"
)
# A definition macro with a storage class: `static DECLARE_WORK(w, fn);`, `static DEFINE_MUTEX(m);`.
_STORAGE_BEFORE_MACRO = re.compile(r"\b(?:static|extern)(?=\s+[A-Z][A-Z0-9_]*\s*\()")
# A macro glued to a string literal: `pr_err(PFX "failed\n")`, `printk(KERN_ERR "x")`.
_STRING_PREFIX_MACRO = re.compile(r"\b([A-Z][A-Z0-9_]*)(?=[ \t]+\")")


def _close_paren(code: str, open_index: int, limit: int = 8000) -> int:
    depth = 0
    for index in range(open_index, min(len(code), open_index + limit)):
        if code[index] == "(":
            depth += 1
        elif code[index] == ")":
            depth -= 1
            if depth == 0:
                return index
    return -1


def neutralize_kernel_idioms(text: str, keep: frozenset[str] = frozenset()) -> str:
    """`text` with the kernel idioms tree-sitter-c cannot parse rewritten into plain C of the
    same length, so the error nodes left are real ones: a for-each macro followed by its
    body becomes `if (...)`, a type passed to a macro (`container_of(p, struct foo, m)`,
    `min_t(unsigned long, a, b)`) becomes one identifier, a macro glued to a string literal
    (`pr_err(PFX "x")`) and `static` before a definition macro (`static DEFINE_MUTEX(m);`)
    are blanked. Names in `keep` (attribute macros such as
    `__acquires(x)` before a body, which csyntax blanks itself) are left alone."""
    code = strip_comments_and_literals(text)
    chars = list(text)
    budget = MAX_IDIOM_SCAN  # characters searched for closing parentheses, per file
    for match in _STATEMENT_MACRO.finditer(code):
        name = match.group(2)
        if name in _C_KEYWORDS or name in keep or budget <= 0:
            continue
        open_at, limit = match.end() - 1, min(8000, budget)
        close = _close_paren(code, open_at, limit)
        budget -= close - open_at if close >= 0 else limit
        if close < 0:
            continue
        rest = code[close + 1 : close + 200].lstrip()
        # A body block after any macro; a bare statement only after a loop-like name, since
        # `mutex_lock(&m)` followed by a statement is a missing semicolon, not an idiom.
        if rest[:1] == "{" or ((rest[:1].isalpha() or rest[:1] == "_") and _LOOPISH.search(name)):
            start = match.start(2)
            chars[start : start + len(name)] = list("if".ljust(len(name)))
    for match in _TYPE_ARGUMENT.finditer(code):
        if code[match.start() - 1] == "(" and not _after_word(code, match.start() - 1):
            continue  # `(int)x` is a cast, not an argument
        start, words = match.start(2), match.group(2)
        # One identifier of the same length: `unsigned long` → `Unsigned_long`.
        chars[start : match.end(2)] = list(words[0].upper() + re.sub(r"\s", "_", words[1:]))
    for match in _STORAGE_BEFORE_MACRO.finditer(code):
        chars[match.start() : match.end()] = [" "] * (match.end() - match.start())
    for match in _STRING_PREFIX_MACRO.finditer(text):
        if code[match.start() : match.end()] == match.group(1):  # not in a comment
            chars[match.start() : match.end()] = [" "] * len(match.group(1))
    return "".join(chars)


def _after_word(code: str, index: int) -> bool:
    """True when the `(` at index follows an identifier: a call's or macro's parenthesis."""
    before = code[max(0, index - 64) : index].rstrip()
    return bool(before) and (before[-1].isalnum() or before[-1] == "_")


_CONDITIONAL = re.compile(r"(?m)^[ \t]*#[ \t]*(?:if|ifdef|ifndef|elif|else|endif)\b")


@dataclass(frozen=True)
class _Shape:
    """What BS002 compares for one function across a patch."""

    errors: int
    first: int
    last: int
    conditional: bool  # `#if` inside the body: tree-sitter sees both branches at once
    swallows: str | None  # a function whose definition now starts inside this one


def _shapes(ctx: PatchContext, state: FileState) -> dict[str, _Shape]:
    """function → its parse shape in one file state, kernel idioms rewritten first."""
    from reviewtool.csyntax import parse_file
    from reviewtool.csyntax.prepare import attribute_words

    def compute() -> dict[str, _Shape]:
        plain, with_args = attribute_words(ctx.rules)
        text = neutralize_kernel_idioms(state.text, frozenset(plain) | frozenset(with_args))
        functions = sorted(
            parse_file(state.path, text, ctx.rules).functions, key=lambda f: f.start_line
        )
        lines = state.text.splitlines()
        shapes = {}
        for index, fn in enumerate(functions):
            inner = next(
                (g.name for g in functions[index + 1 :] if g.start_line <= fn.end_line), None
            )
            body = "\n".join(lines[fn.body_line - 1 : fn.end_line])
            shapes[fn.name] = _Shape(
                fn.error_count, fn.start_line, fn.end_line, bool(_CONDITIONAL.search(body)), inner
            )
        return shapes

    return ctx.memo.get(state.sha1, f"bisect-shapes:{state.path}", compute)


def changed_lines(diff: str) -> dict[str, set[int]]:
    from reviewtool.engine import added_lines  # lazy: the engine imports the check registry

    return added_lines(diff)


class ParseRegression(Check):
    """What it checks:
        Each function a patch changes is parsed before and after the patch, with the kernel
        idioms tree-sitter cannot read (for-each macros followed by a body, types passed to
        macros) rewritten first. The check reports a function whose count of syntax errors
        grows, or that now runs into the next function (a closing brace went missing).
        Functions with `#if` inside their body are only checked for the latter: tree-sitter
        reads both branches of a conditional at once.

    Why it matters:
        A missing brace, parenthesis or semicolon, a leftover conflict marker, or a half-applied
        hand edit stops the kernel from building at this patch, and git bisect then lands on a
        kernel that does not build. Later patches in the series often hide the mistake by
        rewriting the same lines.

    Example:
            if (!anon_vma)
                    goto out;
            +       if (locked
            +               anon_vma_unlock_write(anon_vma);

    Better:
            +       if (locked)
            +               anon_vma_unlock_write(anon_vma);

    Rule data:
        None. Macros in the attribute list of `rules/csyntax.toml` are blanked before parsing,
        as for every other check. This is a parser's opinion, not a compiler's: it is a
        warning, and `--build-cmd` (BS008) gives the compiler's.
    """

    code = "BS002"
    name = "parse-regression"
    severity = Severity.WARNING
    scope = "patch"

    def run(self, ctx: PatchContext) -> Iterator[Finding]:
        if not ctx.after.applied:
            return  # BS001 says so; a half-applied tree is not what the author built
        changed = changed_lines(ctx.patch.diff)
        renamed_from = {new: old for old, new in ctx.after.renamed}
        for path in sorted(ctx.after.touched):
            after = ctx.after.files.get(path)
            if after is None or not path.endswith((".c", ".h")):
                continue
            lines = changed.get(path, set())
            before = ctx.before.files.get(renamed_from.get(path, path))
            shapes_before = _shapes(ctx, before) if before is not None else {}
            for name, shape in _shapes(ctx, after).items():
                touched = sorted(line for line in lines if shape.first <= line <= shape.last)
                if not touched or not after.is_known(shape.first, shape.last):
                    continue
                message = _regression(name, shape, shapes_before.get(name), touched[0])
                if message:
                    yield self.finding(
                        message,
                        patch=ctx.step,
                        path=path,
                        line=touched[0],
                        function=name,
                        subject=name,
                    )


def _regression(name: str, now: _Shape, before: _Shape | None, line: int) -> str | None:
    if now.swallows and not (before and before.swallows):
        return (
            f"{name}() now runs into {now.swallows}(): a closing brace is missing (or one "
            f"too many opened) near line {line}"
        )
    old = before.errors if before else 0
    if now.conditional or now.errors <= old:
        return None
    return (
        f"{name}() no longer parses cleanly after this patch "
        f"({_count(now.errors, 'syntax error')}, {old} before): look for a missing brace, "
        f"parenthesis or semicolon near line {line}"
    )


# --------------------------------------------------------------------------- BS003


def _adds_word(series: Series, step: int, name: str) -> bool:
    """Whether patch `step` adds a line naming `name`. Without a base tree a hunk can reveal
    a definition that was always there; only a patch that writes it makes it appear."""
    return _diff_names(series, step, name, "+")


def _diff_names(series: Series, step: int, name: str, signs: str = "+-") -> bool:
    """Whether patch `step` adds (+) or removes (-) a line naming `name`: without a base tree
    a definition can also seem to come or go because the lines around it are unknown."""
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    return any(
        line[:1] in signs and not line.startswith(("+++", "---")) and pattern.search(line)
        for line in series.patches[step - 1].diff.splitlines()
    )


def _removes_definition_line(series: Series, step: int, name: str) -> bool:
    """Whether patch `step` removes a line that defines or declares `name` (kernel style puts
    those at column 0, calls are indented), or deletes a whole file."""
    pattern = re.compile(
        rf"^-(?:#\s*define\s+{re.escape(name)}\b|(?=[^\s-]).*?\b{re.escape(name)}\s*\()"
    )
    diff = series.patches[step - 1].diff
    return "\ndeleted file mode" in diff or any(
        pattern.search(line) for line in diff.splitlines() if not line.startswith("---")
    )


def _used_names(symbols: FileSymbols | None) -> Counter[str]:
    if symbols is None:
        return Counter()
    return Counter(use.name for use in symbols.calls if not symbols.shadowed(use))


class UsedBeforeDefined(Check):
    """What it checks:
        A call a patch adds to a function or function-like macro that nothing the calling file
        can see defines or declares at that patch (the file itself, the headers it includes,
        the other files of the series), while a later patch of the series does define or
        declare it. The finding names that later patch.

    Why it matters:
        The kernel does not build between the two patches (`implicit declaration of function`
        is an error), so git bisect cannot test them. Ordering the patches the other way round
        costs nothing.

    Example:
        1/2 adds `do_read_fault_sanity_check(vmf);` to do_read_fault(); 2/2 adds
        `static void do_read_fault_sanity_check(struct vm_fault *vmf)`.

    Better:
        Swap the patches, or add the helper in the same patch as its first caller.

    Rule data:
        None. Names nothing in the series ever provides are left alone: without the whole
        tree they may simply live in a header the base tree does not hold.
    """

    code = "BS003"
    name = "used-before-defined"
    severity = Severity.ERROR
    scope = "series"

    def run(self, ctx: SeriesContext) -> Iterator[Finding]:
        views = _history(ctx)
        appeared = [_appeared(views, step) for step in range(len(views))]
        for step in _applied_steps(views):
            later_names = set().union(*appeared[step + 1 :])
            yield from self._step(ctx.series, views, step, later_names)

    def _step(
        self, series: Series, views: list[TreeView], step: int, later_names: set[str]
    ) -> Iterator[Finding]:
        view = views[step]
        for path in view.c_paths():
            now = view.symbols(path)
            if path not in view.snapshot.touched or now is None:
                continue
            before = _previous(views, step, path)
            old_calls, new_calls = _used_names(before), _used_names(now)
            old_words = before.words if before is not None else Counter()
            # Calls to anything; other uses (a macro, an enumerator, a function's address)
            # only of names a later patch of the series provides.
            calls = {name for name, count in new_calls.items() if count > old_calls[name]}
            words = {n for n in later_names if now.words.get(n, 0) > old_words.get(n, 0)}
            for name in sorted(calls | words):
                if name in now.provides or view.visible(path, name):
                    continue
                used_before = old_calls[name] if name in calls else old_words.get(name, 0)
                if used_before and not views[step - 1].visible(path, name):
                    continue  # already unresolved before this patch: not this patch's doing
                later = _first_visible(series, views, step, path, name)
                if later is None:
                    continue  # an external symbol we cannot see: never guess
                yield self._report(series, views, step, path, name, name in calls, later)

    def _report(
        self,
        series: Series,
        views: list[TreeView],
        step: int,
        path: str,
        name: str,
        is_call: bool,
        later: int,
    ) -> Finding:
        symbols = views[step].symbols(path)
        assert symbols is not None
        if is_call:
            use = symbols.calls_to(name)[0]
            line, function = use.line, use.function
            what, error = f"{name}() is called", "implicit declaration"
        else:
            line = _first_use_line(views[step], series, step, path, name)
            function = symbols.function_at(line) if line else None
            what, error = f"{name} is used", f"'{name}' undeclared"
        return replace(
            self.finding(
                f"{what} here but nothing declares or defines it before "
                f"{_label(series, later)}: the kernel does not build at "
                f"{_label(series, step)} ({error}); reorder the patches",
                patch=step,
                path=path,
                line=line,
                function=function,
                subject=name,
                evidence=(Location(later, None, None, name),),
            ),
            introduced_in=step,
            fixed_in=later,
        )


PROVIDING_KINDS = ("function", "prototype", "macro", "function-macro", "enumerator")


def _appeared(views: list[TreeView], step: int) -> set[str]:
    """Names a file touched at `step` provides that it did not provide before."""
    if step == 0:
        return set()
    names: set[str] = set()
    for path in views[step].snapshot.touched:
        now = views[step].symbols(path)
        if now is None:
            continue
        before = _previous(views, step, path)
        old = before.provides if before is not None else {}
        names.update(
            name
            for name, provisions in now.provides.items()
            if name not in old and any(p.kind in PROVIDING_KINDS for p in provisions)
        )
    return names


def _first_visible(
    series: Series, views: list[TreeView], step: int, path: str, name: str
) -> int | None:
    """The first later step where `path` sees `name` because that patch wrote it (or changed
    the file's includes)."""
    for later in range(step + 1, len(views)):
        if not views[later].visible(path, name):
            continue
        if _adds_word(series, later, name) or _includes_changed(views, later, path):
            return later
    return None


def _includes_changed(views: list[TreeView], step: int, path: str) -> bool:
    now, before = views[step].symbols(path), _previous(views, step, path)
    return now is not None and before is not None and now.includes != before.includes


def _first_use_line(view: TreeView, series: Series, step: int, path: str, name: str) -> int | None:
    """The first line this patch added that uses `name`, else its first use in the file."""
    state = view.state(path)
    if state is None:
        return None
    code = strip_comments_and_literals(state.text).splitlines()
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    added = changed_lines(series.patches[step - 1].diff).get(path, set())
    uses = [number for number, line in enumerate(code, start=1) if pattern.search(line)]
    return next((n for n in uses if n in added), uses[0] if uses else None)


# --------------------------------------------------------------------------- BS004


def _unused_statics(view: TreeView, base: TreeView, path: str) -> dict[str, Provision]:
    """Static, non-inline functions defined in a .c file and referenced nowhere in it."""
    symbols = view.symbols(path)
    if symbols is None or not path.endswith(".c") or not _whole(view, base, path):
        return {}
    return {
        p.name: p
        for p in symbols.defined_functions()
        if p.is_static
        and not p.is_inline
        and p.name not in symbols.unused_marked
        and symbols.references(p.name) == 0
    }


class _EachStep(Check):
    """A series check that judges each applied step with every step in view (BS004..BS006)."""

    scope = "series"

    def run(self, ctx: SeriesContext) -> Iterator[Finding]:
        views = _history(ctx)
        for step in _applied_steps(views):
            yield from self._step(ctx.series, views, step)

    def _step(self, series: Series, views: list[TreeView], step: int) -> Iterator[Finding]:
        raise NotImplementedError


class UnusedStatic(_EachStep):
    """What it checks:
        A static function a patch leaves defined but referenced nowhere in its file: no call,
        no address taken, no use in a macro or an initializer. The finding says which later
        patch first uses it, or that none does. Static inline functions are left alone (gcc
        does not warn about them), and so are functions marked `__maybe_unused`.

    Why it matters:
        gcc warns `'foo' defined but not used [-Wunused-function]`, and with CONFIG_WERROR=y or
        `W=1 -Werror` builds that is an error: the kernel does not build at this patch, so
        bisection breaks. A helper is best added with its first user.

    Example:
        1/2 adds `static void rmap_walk_anon_sanity_check(struct folio *folio)`; only 2/2
        calls it.

    Better:
        Squash the helper into the patch that first calls it.

    Rule data:
        None.
    """

    code = "BS004"
    name = "unused-static"
    severity = Severity.ERROR

    def _step(self, series: Series, views: list[TreeView], step: int) -> Iterator[Finding]:
        view = views[step]
        for path in sorted(view.snapshot.touched):
            unused = _unused_statics(view, views[0], path)
            if not unused:
                continue
            old_path = _renamed_from(view).get(path, path)
            already = _unused_statics(views[step - 1], views[0], old_path)
            for name, provision in sorted(unused.items()):
                if name in already:
                    continue
                used_in, removed_in = self._fate(views, step, path, name)
                if used_in is not None:
                    tail = f"its first user comes only in {_label(series, used_in)}"
                elif removed_in is not None:
                    tail = f"it is removed again by {_label(series, removed_in)} without a user"
                else:
                    tail = "nothing in the series ever uses it"
                yield replace(
                    self.finding(
                        f"{name}() is defined but not used at {_label(series, step)} "
                        f"(-Wunused-function breaks CONFIG_WERROR=y builds): {tail}",
                        patch=step,
                        path=path,
                        line=provision.line,
                        function=name,
                        subject=name,
                    ),
                    introduced_in=step,
                    fixed_in=used_in or removed_in,
                )

    @staticmethod
    def _fate(
        views: list[TreeView], step: int, path: str, name: str
    ) -> tuple[int | None, int | None]:
        """(first later step that uses it, first later step where it is gone)."""
        for later in range(step + 1, len(views)):
            symbols = views[later].symbols(path)
            if symbols is None or not any(
                p.kind == "function" for p in symbols.provides.get(name, ())
            ):
                return None, later
            if symbols.references(name) > 0:
                return later, None
        return None, None


# --------------------------------------------------------------------------- BS005


def _callable_ok(view: TreeView, path: str, name: str, defined_before: bool) -> bool:
    """Whether a call to `name` in `path` compiles and links at this view."""
    provisions = view.visible(path, name)
    if any(p.defines for p in provisions):
        return True
    if any(p.kind == "prototype" for p in provisions):
        # A prototype is enough unless the series just deleted the only body it had.
        return bool(view.defined_in_series(name)) or not defined_before
    return False


def _removed_names(views: list[TreeView], step: int) -> dict[str, tuple[bool, bool]]:
    """Functions (bodies or prototypes) a file touched at `step` had before and lost:
    name → (a body was among what was lost, the file is wholly known on both sides)."""
    view = views[step]
    renamed_from = _renamed_from(view)
    renamed_to = {old: new for new, old in renamed_from.items()}
    removed: dict[str, tuple[bool, bool]] = {}
    for path in view.snapshot.touched | set(renamed_to):
        old_path = renamed_from.get(path, path)
        before = views[step - 1].symbols(old_path)
        if before is None:
            continue
        new_path = renamed_to.get(old_path, path)
        after = view.symbols(new_path)
        whole = _whole(views[step - 1], views[0], old_path) and (
            after is None or _whole(view, views[0], new_path)
        )
        for name, provisions in before.provides.items():
            kinds = {p.kind for p in provisions}
            still = {p.kind for p in (after.provides.get(name, ()) if after is not None else ())}
            lost_body = "function" in kinds and "function" not in still
            lost_all = "prototype" in kinds and not still & {"function", "prototype"}
            if lost_body or lost_all:
                body, known = removed.get(name, (False, True))
                removed[name] = (body or lost_body, known and whole)
    return removed


class RemovedStillUsed(_EachStep):
    """What it checks:
        A function whose definition or prototype a patch removes (or renames) while files of
        the series still call it and, at that patch, nothing they can see provides it any
        more. The finding counts the call sites left behind.

    Why it matters:
        The kernel does not build (implicit declaration) or link (undefined reference) until
        a later patch converts the callers; every kernel in between breaks bisection.

    Example:
        1/2 deletes `static bool vm_ops_needs_writenotify(...)`; its two callers in mm/vma.c
        are only open-coded by 2/2.

    Better:
        Convert the callers first, remove the function last (or in the same patch).

    Rule data:
        None. Callers are looked for in the files the series touches and the headers they
        include; callers elsewhere in the tree are not visible without a full checkout.
    """

    code = "BS005"
    name = "removed-still-used"
    severity = Severity.ERROR

    def _step(self, series: Series, views: list[TreeView], step: int) -> Iterator[Finding]:
        view = views[step]
        for name, (had_body, whole) in sorted(_removed_names(views, step).items()):
            if not whole and not _removes_definition_line(series, step, name):
                continue  # rebuilt from hunks, its definition line stays: a parse artefact
            defined_before = bool(views[step - 1].defined_in_series(name))
            broken = []
            for path in view.c_paths():
                symbols = view.symbols(path)
                calls = (
                    [use for use in symbols.calls_to(name) if not symbols.shadowed(use)]
                    if symbols is not None
                    else []
                )
                if not calls or not views[step - 1].visible(
                    _renamed_from(view).get(path, path), name
                ):
                    continue
                if not _callable_ok(view, path, name, defined_before):
                    broken.append((path, calls))
            if not broken:
                continue
            if not had_body and not all(_whole(view, views[0], path) for path, _ in broken):
                continue  # only a prototype went: the body may sit in lines we cannot see
            sites = [(path, use) for path, calls in broken for use in calls]
            callers = sorted({f"{use.function}()" for _, use in sites if use.function})
            fixed = self._fixed_in(views, step, name, [path for path, _ in broken])
            first_path, first = sites[0]
            yield replace(
                self.finding(
                    f"{name}() is removed by this patch but still called at "
                    f"{_count(len(sites), 'site')} ({', '.join(callers) or first_path}): "
                    "the kernel does not build "
                    f"at {_label(series, step)}"
                    + (
                        f"; the callers are only converted by {_label(series, fixed)}"
                        if fixed
                        else ""
                    ),
                    patch=step,
                    path=first_path,
                    line=first.line,
                    function=first.function,
                    subject=name,
                    evidence=tuple(Location(step, p, u.line, u.function) for p, u in sites),
                ),
                introduced_in=step,
                fixed_in=fixed,
            )

    @staticmethod
    def _fixed_in(views: list[TreeView], step: int, name: str, paths: list[str]) -> int | None:
        for later in range(step + 1, len(views)):
            view = views[later]
            defined_before = bool(views[later - 1].defined_in_series(name))
            if all(
                (s := view.symbols(p)) is None
                or not s.calls_to(name)
                or _callable_ok(view, p, name, defined_before)
                for p in paths
            ):
                return later
        return None


# --------------------------------------------------------------------------- BS006


def _expected_arity(view: TreeView, path: str, name: str) -> tuple[int, bool] | None:
    """(parameter count, is a macro) when everything `path` sees agrees; None otherwise."""
    provisions = view.visible(path, name)
    if not provisions or any(p.kind not in CALLABLE_KINDS for p in provisions):
        return None
    arities = {p.arity for p in provisions}
    macro = {p.kind == "function-macro" for p in provisions}
    if len(arities) != 1 or None in arities or len(macro) != 1:
        return None  # variadic, unknown, or #ifdef alternatives that disagree
    return arities.pop(), macro.pop()  # type: ignore[return-value]


def _mismatches(view: TreeView, path: str, names: set[str]) -> dict[str, list]:
    """name → calls in `path` whose argument count disagrees with what the file sees."""
    symbols = view.symbols(path)
    found: dict[str, list] = {}
    if symbols is None:
        return found
    for name in sorted(names):
        calls = [use for use in symbols.calls_to(name) if not symbols.shadowed(use)]
        if not calls:
            continue
        expected = _expected_arity(view, path, name)
        if expected is None:
            continue
        arity, is_macro = expected
        wrong = [
            use
            for use in calls
            if (count := use.macro_args if is_macro else use.args) is not None and count != arity
        ]
        if wrong:
            found[name] = wrong
    return found


def _signature_changed(symbols: FileSymbols | None, name: str, lines: set[int]) -> bool:
    """Whether the patch changed a line of `name`'s definition header or prototype (a
    parameter added on a continuation line leaves the name's own line alone)."""
    if symbols is None:
        return False
    for provision in symbols.provides.get(name, ()):
        if provision.kind not in CALLABLE_KINDS:
            continue
        span = next(
            (s for s in symbols.function_spans if s[0] == name and s[1] == provision.line),
            (name, provision.line, provision.line + 4),
        )
        header_end = min(span[2], provision.line + 8)  # the signature, not the whole body
        if any(provision.line <= line <= header_end for line in lines):
            return True
    return False


def _call_shapes(symbols: FileSymbols | None) -> Counter[tuple]:
    if symbols is None:
        return Counter()
    return Counter((use.name, use.function, use.args) for use in symbols.calls)


def _arities(symbols: FileSymbols | None) -> dict[str, frozenset]:
    if symbols is None:
        return {}
    return {
        name: frozenset((p.kind, p.arity) for p in provisions if p.kind in CALLABLE_KINDS)
        for name, provisions in symbols.provides.items()
    }


class ArgumentCountMismatch(_EachStep):
    """What it checks:
        Calls whose number of arguments disagrees with the prototype, definition or
        function-like macro the calling file sees at this patch: after a patch changes a
        signature (all callers in the series' files are checked) or adds a call. Variadic
        functions, macros of unknown arity and names with disagreeing `#ifdef` alternatives
        are skipped.

    Why it matters:
        `too few arguments to function` is a build error: every kernel until the callers
        are updated cannot be bisected.

    Example:
        1/2 changes `static int nd_jump_root(struct nameidata *nd)` to take
        `unsigned int extra_flags`; the two callers are only updated by 2/2.

    Better:
        Change the signature and its callers in one patch.

    Rule data:
        None.
    """

    code = "BS006"
    name = "argument-count-mismatch"
    severity = Severity.ERROR

    @staticmethod
    def _candidates(series: Series, views: list[TreeView], step: int) -> set[str]:
        """Names whose signature changed at `step`, and names of calls the patch added."""
        view = views[step]
        names: set[str] = set()
        changed = changed_lines(series.patches[step - 1].diff)
        for path in view.snapshot.touched:
            now = view.symbols(path)
            before = _previous(views, step, path)
            old, new = _arities(before), _arities(now)
            lines = changed.get(path, set())
            names.update(
                n
                for n in set(old) | set(new)
                if old.get(n) != new.get(n)
                and (_diff_names(series, step, n) or _signature_changed(now, n, lines))
            )
            added = _call_shapes(now) - _call_shapes(before)
            names.update(name for name, _function, _args in added)
        return names

    def _step(self, series: Series, views: list[TreeView], step: int) -> Iterator[Finding]:
        view = views[step]
        names = self._candidates(series, views, step)
        if not names:
            return
        for path in view.c_paths():
            now = _mismatches(view, path, names)
            if not now:
                continue
            old_path = _renamed_from(view).get(path, path)
            before = _mismatches(views[step - 1], old_path, set(now))
            for name, wrong in sorted(now.items()):
                old_keys = Counter(use.function for use in before.get(name, []))
                new_keys = Counter(use.function for use in wrong)
                if not (new_keys - old_keys):
                    continue
                expected = _expected_arity(view, path, name)
                arity = expected[0] if expected else "?"
                callers = sorted({f"{use.function}()" for use in wrong if use.function})
                fixed = next(
                    (
                        j
                        for j in range(step + 1, len(views))
                        if not _mismatches(views[j], path, {name})
                    ),
                    None,
                )
                yield replace(
                    self.finding(
                        f"{name}() takes {_count(arity, 'argument')} at {_label(series, step)} "
                        f"but {_count(len(wrong), 'call site')} "
                        f"{'passes' if len(wrong) == 1 else 'pass'} a different number "
                        f"({', '.join(callers) or path}): the kernel does not build"
                        + (f" until {_label(series, fixed)}" if fixed else ""),
                        patch=step,
                        path=path,
                        line=wrong[0].line,
                        function=wrong[0].function,
                        subject=name,
                        evidence=tuple(Location(step, path, u.line, u.function) for u in wrong),
                    ),
                    introduced_in=step,
                    fixed_in=fixed,
                )


# --------------------------------------------------------------------------- BS007


def _subject_of(key: str) -> str:
    return key.split("|", 3)[-1] if key.count("|") >= 3 else key


class TransientDefect(Check):
    """What it checks:
        Any finding of any other check that one patch introduces and a later patch of the
        same series removes. The finding is reported on the introducing patch with the patch
        that removes it (`fixed_in`). Series-level findings and the bisectability family's
        own findings (which already name their span) are not repeated.

    Why it matters:
        The end state of the series looks fine, but every kernel between the two patches
        carries the defect: git bisect may land there, and a backport of the first patch alone
        carries it for good. The fix belongs in the patch that introduced the problem.

    Example:
        1/8 adds cleanup_partial_anon_vmas(), which takes the anon_vma lock inside its loop
        and never releases it (LK001); 7/8 rewrites the function without locking, so the
        leak lives from 1/8 to 6/8.

    Better:
        Fold the fix into the introducing patch and send a new version.

    Rule data:
        None. Works over every check, present and future: it reads the engine's resolved
        findings (`introduced_in`, `fixed_in`).
    """

    code = "BS007"
    name = "transient-defect"
    severity = Severity.ERROR
    scope = "series"

    def run(self, ctx: SeriesContext) -> Iterator[Finding]:
        from reviewtool.checks import ALL  # lazy: the registry imports this module

        series_level = {check.code for check in ALL if check.scope == "series"}
        for original in ctx.findings:
            introduced = original.introduced_in or original.patch
            fixed = original.fixed_in
            if fixed is None or not introduced or fixed <= introduced:
                continue
            if original.code.startswith("BS") or original.code in series_level:
                continue  # already a bisection report, or about the series as a whole
            where = f" in {original.location.function}()" if original.location.function else ""
            label = partial(_label, ctx.series)
            carriers = label(introduced)
            if fixed - introduced > 1:
                carriers += f" to {label(fixed - 1)}"
            message = (
                f"the {original.name} problem ({original.code}){where} that this patch "
                f"introduces stays until {label(fixed)} removes it, so kernels built at "
                f"{carriers} carry it: fix it in {label(introduced)} itself"
            )
            finding = self.finding(
                message,
                patch=introduced,
                path=original.location.path,
                line=original.location.line,
                function=original.location.function,
                subject=f"{original.code}:{_subject_of(original.key)}",
                evidence=(original.location, Location(fixed, original.location.path)),
                severity=original.severity,
            )
            yield replace(finding, introduced_in=introduced, fixed_in=fixed)


# --------------------------------------------------------------------------- BS008


class BuildFailed(Check):
    """What it checks:
        With `reviewtool check --build-cmd CMD` (and a git base: `--base REV` or a
        `base-commit:` the repository has), each patch is applied with git in a temporary
        worktree and CMD is run there; a patch after which CMD fails, while it succeeded
        before, is reported with the compiler's first error line.

    Why it matters:
        This is the compiler's own verdict, where BS002..BS006 are the analyser's: a patch
        that does not build cannot be bisected, and maintainers build every patch.

    Example:
            reviewtool check --base v6.12 --build-cmd "make -j8 mm/rmap.o" series.mbox

        reports `mm/rmap.c:2629:13: error: 'foo' defined but not used` on 1/2.

    Better:
        Build each patch before sending: `git rebase -x 'make ...' base`.

    Rule data:
        None. Results are cached by tree hash under `.git/reviewtool-build-cache/`, so an
        unchanged tree is built once; `--jobs N` builds in N worktrees; `--build-timeout`
        bounds each build. The command runs without a shell unless you write `sh -c`.
        It runs code from the patches: use it on series you would build anyway.
    """

    code = "BS008"
    name = "build-failed"
    severity = Severity.ERROR
    scope = "patch"

    def run(self, ctx: PatchContext) -> Iterator[Finding]:
        # Made by reviewtool.build when --build-cmd is given (see the docstring).
        return iter(())


CHECKS: list[Check] = [
    ParseRegression(),
    UsedBeforeDefined(),
    UnusedStatic(),
    RemovedStillUsed(),
    ArgumentCountMismatch(),
    TransientDefect(),
    BuildFailed(),
]
