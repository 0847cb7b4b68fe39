"""BS002: a function a patch changes must parse no worse after it (the kernel idioms
tree-sitter cannot read are rewritten first)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewtool.analysis.symbols.state import strip_comments_and_literals
from reviewtool.checks.base import Check, PatchContext
from reviewtool.checks.bisect.history import changed_lines, counted
from reviewtool.csyntax import FileFacts
from reviewtool.model import FileState, Finding, Severity

_C_KEYWORDS = frozenset(
    (
        "if", "for", "while", "switch", "return", "sizeof", "do", "else", "case", "goto",
        "typeof", "__typeof__", "_Generic", "__builtin_expect", "defined", "alignof",
        "_Alignof", "asm", "__asm__",
    )
)  # fmt: skip


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


class _Shapes:
    """The parse shapes of one file state's functions, kernel idioms rewritten first; a
    shape is worked out when asked for (a patch touches few functions)."""

    def __init__(self, state: FileState, facts: FileFacts) -> None:
        self.state = state
        self.functions = sorted(facts.functions, key=lambda f: f.start_line)
        self._last = {fn.name: index for index, fn in enumerate(self.functions)}
        self._lines: list[str] | None = None

    def names(self) -> list[str]:
        """Each function name once, in order of first definition (the last one counts)."""
        return list(dict.fromkeys(fn.name for fn in self.functions))

    def span(self, name: str) -> tuple[int, int]:
        fn = self.functions[self._last[name]]
        return fn.start_line, fn.end_line

    def get(self, name: str) -> _Shape | None:
        index = self._last.get(name)
        if index is None:
            return None
        fn = self.functions[index]
        inner = next(
            (g.name for g in self.functions[index + 1 :] if g.start_line <= fn.end_line), None
        )
        if self._lines is None:
            self._lines = self.state.text.splitlines()
        body = "\n".join(self._lines[fn.body_line - 1 : fn.end_line])
        conditional = bool(_CONDITIONAL.search(body))
        return _Shape(fn.error_count, fn.start_line, fn.end_line, conditional, inner)


def _shapes(ctx: PatchContext, state: FileState) -> _Shapes:
    """The shapes of one file state: its text with kernel idioms rewritten (region by
    region, as csyntax prepares text), parsed incrementally like any state of a series."""
    from reviewtool.csyntax import FactsCache
    from reviewtool.csyntax.prepare import attribute_words
    from reviewtool.csyntax.regions import by_region

    def compute() -> _Shapes:
        plain, with_args = attribute_words(ctx.rules)
        keep = frozenset(plain) | frozenset(with_args)
        text = by_region(
            state.text, ("neutralize", keep), lambda part: neutralize_kernel_idioms(part, keep)
        )
        cache = ctx.memo.get(
            "", "bisect-shapes-parses", lambda: FactsCache(ctx.rules, 4, functions_only=True)
        )
        return _Shapes(state, cache.facts(FileState(state.path, text)))

    return ctx.memo.get(state.sha1, f"bisect-shapes:{state.path}", compute)


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
            shapes_before = _shapes(ctx, before) if before is not None else None
            shapes = _shapes(ctx, after)
            for name in shapes.names():
                first, last = shapes.span(name)
                touched = sorted(line for line in lines if first <= line <= last)
                if not touched or not after.is_known(first, last):
                    continue
                shape = shapes.get(name)
                previous = shapes_before.get(name) if shapes_before is not None else None
                message = _regression(name, shape, previous, touched[0])
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
        f"({counted(now.errors, 'syntax error')}, {old} before): look for a missing brace, "
        f"parenthesis or semicolon near line {line}"
    )
