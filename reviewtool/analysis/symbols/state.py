"""Definitions, declarations and uses of one file state, with the candidates of its includes.

What a file sees through its includes at one step is `tree_view.py`'s `TreeView`."""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from reviewtool.csyntax import FileFacts
from reviewtool.model import FileState

MAX_ARG_SCAN = 8000  # characters scanned for the closing parenthesis of one call
MAX_SCAN_PER_FILE = 2_000_000  # and for all calls of one file (deeply nested calls)
C_SUFFIXES = (".c", ".h")

COMMENT_OR_LITERAL = re.compile(
    r"//[^\n]*|/\*.*?(?:\*/|\Z)|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.DOTALL
)
WORD = re.compile(r"[A-Za-z_]\w*")
INCLUDE = re.compile(r"^[ \t]*#[ \t]*include[ \t]*([<\"])([^>\"\n]+)[>\"]", re.MULTILINE)
UNUSED_ATTRIBUTE = re.compile(
    r"\b(?:__maybe_unused|__always_unused|__used)\b|__attribute__\s*\(\(\s*(?:__)?(?:unused|used)\b"
)
INLINE = re.compile(r"\b(?:inline|__inline__|__inline|__always_inline)\b")


@dataclass(frozen=True, slots=True)
class Provision:
    """Something a file makes known under a name: a function body, a prototype, a macro."""

    name: str
    path: str
    line: int
    kind: str  # "function", "prototype", "macro", "function-macro", "enumerator"
    arity: int | None = None  # parameters; None when variadic, unknown or not callable
    is_static: bool = False
    is_inline: bool = False

    @property
    def defines(self) -> bool:
        """True when this provides the code itself (a body or a macro), not only a promise."""
        return self.kind in ("function", "macro", "function-macro")


@dataclass(frozen=True, slots=True)
class Use:
    """A call `name(...)`; arg counts are recounted from the text the way cpp (parentheses
    only) and the compiler (all brackets) split arguments, so kernel macro arguments such as
    `struct foo` cannot skew them."""

    name: str
    path: str
    line: int
    function: str | None
    args: int | None  # as the compiler splits them (parentheses, brackets, braces)
    macro_args: int | None  # as the preprocessor splits them (parentheses only)


@dataclass(frozen=True)
class FileSymbols:
    path: str
    sha1: str
    provides: dict[str, tuple[Provision, ...]] = field(hash=False)
    calls: tuple[Use, ...]
    words: Counter[str] = field(hash=False)  # identifier occurrences outside comments/strings
    includes: tuple[tuple[str, ...], ...]  # per #include, candidate paths in lookup order
    types: frozenset[str] = frozenset()  # struct/union/enum tags and typedefs defined here
    unused_marked: frozenset[str] = frozenset()  # functions carrying __maybe_unused and kin
    function_errors: dict[str, int] = field(default_factory=dict, hash=False)
    function_spans: tuple[tuple[str, int, int], ...] = ()  # (name, first line, last line)
    self_words: dict[str, int] = field(default_factory=dict, hash=False)  # in its own bodies
    parameters: dict[str, frozenset[str]] = field(default_factory=dict, hash=False)
    uncounted: tuple[int, ...] = ()  # lines of calls a scan bound left uncounted (BS009)

    def shadowed(self, use: Use) -> bool:
        """True when the callee is a parameter of the calling function (a function pointer)."""
        return use.function is not None and use.name in self.parameters.get(use.function, ())

    def function_at(self, line: int) -> str | None:
        return next(
            (name for name, first, last in self.function_spans if first <= line <= last), None
        )

    def calls_to(self, name: str) -> list[Use]:
        return [use for use in self.calls if use.name == name]

    def defined_functions(self) -> Iterator[Provision]:
        for provisions in self.provides.values():
            yield from (p for p in provisions if p.kind == "function")

    def references(self, name: str) -> int:
        """Occurrences of `name` outside its own definitions and prototypes: calls, address
        taken, use in a macro body or an initializer. A function that only calls itself is
        unused, as gcc says."""
        prototypes = sum(1 for p in self.provides.get(name, ()) if p.kind == "prototype")
        return max(0, self.words.get(name, 0) - prototypes - self.self_words.get(name, 0))


def strip_comments_and_literals(text: str) -> str:
    """`text` with comments and string/char literals blanked (newlines kept): same offsets."""

    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    return COMMENT_OR_LITERAL.sub(blank, text)


def _split_args(
    code: str, open_index: int, limit: int = MAX_ARG_SCAN
) -> tuple[int | None, int | None]:
    """Argument counts of the call whose `(` is at open_index: (compiler, preprocessor);
    (None, None) when no closing parenthesis comes within `limit` characters."""
    compiler, preprocessor, _scanned = scan_args(code, open_index, limit)
    return compiler, preprocessor


_ARG_MARKS = re.compile(r"[()\[\]{},]")  # what scan_args counts; the rest it jumps over
_NONBLANK = re.compile(r"\S")  # the same set as str.isspace's complement


def scan_args(code: str, open_index: int, limit: int) -> tuple[int | None, int | None, int]:
    """_split_args, plus how many characters it read."""
    depth_all = depth_paren = commas_all = commas_paren = 0
    end = min(len(code), open_index + 1 + limit)
    for match in _ARG_MARKS.finditer(code, open_index + 1, end):
        char = match.group()
        if char == "(":
            depth_paren += 1
            depth_all += 1
        elif char in "[{":
            depth_all += 1
        elif char in "]}":
            depth_all -= 1
        elif char == ")":
            if depth_paren == 0:
                index = match.start()
                scanned = index - open_index
                if not _NONBLANK.search(code, open_index + 1, index):
                    return 0, 0, scanned
                return commas_all + 1, commas_paren + 1, scanned
            depth_paren -= 1
            depth_all -= 1
        else:
            commas_all += depth_all == 0
            commas_paren += depth_paren == 0
    return None, None, end - open_index


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(match.end() for match in re.finditer("\n", text))
    return starts


CALL_OPEN = re.compile(r"\b([A-Za-z_]\w*)\s*\(")


def _textual_calls(facts: FileFacts, code: str) -> tuple[tuple[Use, ...], tuple[int, ...]]:
    """Every call csyntax found, with arguments recounted from the stripped text; and the
    lines of calls left uncounted by a scan bound (not by a parenthesis the file never closes)."""
    starts = _line_starts(code)
    opened: dict[int, dict[str, list[int]]] = {}  # line → name → `(` offsets, in order
    seen: Counter[tuple[str, int]] = Counter()
    uses = []
    uncounted: list[int] = []
    budget = MAX_SCAN_PER_FILE  # past it, counts are unknown: untrusted input stays linear
    for call in facts.calls:
        args: tuple[int | None, int | None] = (None, None)
        if 0 < call.line <= len(starts):
            if call.line not in opened:
                begin = starts[call.line - 1]
                end = starts[call.line] if call.line < len(starts) else len(code)
                per_name: dict[str, list[int]] = {}
                for match in CALL_OPEN.finditer(code, begin, end):
                    per_name.setdefault(match.group(1), []).append(match.end() - 1)
                opened[call.line] = per_name
            nth = seen[(call.name, call.line)]
            seen[(call.name, call.line)] += 1
            offsets = opened[call.line].get(call.name, [])
            if nth < len(offsets):
                limit = min(MAX_ARG_SCAN, budget)
                if limit > 0:
                    *counts, scanned = scan_args(code, offsets[nth], limit)
                    args = (counts[0], counts[1])
                    budget -= scanned
                if args[0] is None and offsets[nth] + 1 + limit < len(code):
                    uncounted.append(call.line)
        uses.append(Use(call.name, facts.path, call.line, call.function, *args))
    return tuple(uses), tuple(uncounted)


def header_text(lines: list[str], first: int, last: int) -> str:
    return "\n".join(lines[max(0, first - 1) : max(first, last)])


def _provisions(facts: FileFacts, text: str) -> tuple[dict[str, tuple[Provision, ...]], set[str]]:
    found: dict[str, list[Provision]] = {}
    unused_marked: set[str] = set()
    lines = text.splitlines()
    for fn in facts.functions:
        # Attribute macros are blanked before parsing: read them from the original text.
        header = header_text(lines, fn.start_line, fn.body_line)
        if UNUSED_ATTRIBUTE.search(header):
            unused_marked.add(fn.name)
        arity = None if fn.variadic else len(fn.params)
        provision = Provision(
            fn.name,
            facts.path,
            fn.start_line,
            "function",
            arity,
            fn.is_static,
            bool(INLINE.search(header)),
        )
        found.setdefault(fn.name, []).append(provision)
    for decl in facts.declarations:
        arity = decl.arg_count if decl.kind in ("prototype", "function-macro") else None
        provision = Provision(decl.name, facts.path, decl.line, decl.kind, arity, decl.is_static)
        found.setdefault(decl.name, []).append(provision)
    return {name: tuple(items) for name, items in found.items()}, unused_marked


def include_candidates(path: str, target: str, quoted: bool) -> tuple[str, ...]:
    """Where `#include "target"` / `<target>` in `path` may live in a kernel tree."""
    candidates: list[str] = []
    if quoted:
        candidates.append(posixpath.join(posixpath.dirname(path), target))
    candidates.append(posixpath.join("include", target))
    candidates.append(posixpath.join("include/uapi", target))
    if target.startswith("asm/"):
        candidates.append(posixpath.join("arch/x86/include", target))
        candidates.append(posixpath.join("include/asm-generic", target[4:]))
    normalized = []
    for candidate in candidates:
        clean = posixpath.normpath(candidate)
        if not clean.startswith(("..", "/")) and clean not in normalized:
            normalized.append(clean)
    return tuple(normalized)


def includes_of(path: str, text: str) -> tuple[tuple[str, ...], ...]:
    return tuple(
        include_candidates(path, match.group(2).strip(), match.group(1) == '"')
        for match in INCLUDE.finditer(text)
    )


def provides_of(state: FileState, facts: FileFacts) -> dict[str, tuple[Provision, ...]]:
    """`file_symbols(state, facts).provides` alone (what a base-tree header is read for:
    the calls, words and the rest of the whole were a quarter of its cost)."""
    return _provisions(facts, state.text)[0]


def file_symbols(state: FileState, facts: FileFacts) -> FileSymbols:
    code = strip_comments_and_literals(state.text)
    provides, unused_marked = _provisions(facts, state.text)
    calls, uncounted = _textual_calls(facts, code)
    return FileSymbols(
        path=state.path,
        sha1=state.sha1,
        provides=provides,
        calls=calls,
        uncounted=uncounted,
        words=Counter(WORD.findall(code)),
        includes=includes_of(state.path, state.text),
        types=facts.types,
        unused_marked=frozenset(unused_marked),
        function_errors={fn.name: fn.error_count for fn in facts.functions},
        function_spans=tuple((fn.name, fn.start_line, fn.end_line) for fn in facts.functions),
        self_words=_self_words(facts, code),
        parameters={
            fn.name: frozenset(p.name for p in fn.params if p.name) for fn in facts.functions
        },
    )


def _self_words(facts: FileFacts, code: str) -> dict[str, int]:
    """Per function name, its occurrences inside its own definitions (declarator included)."""
    lines = code.splitlines()
    found: Counter[str] = Counter()
    for fn in facts.functions:
        body = "\n".join(lines[fn.start_line - 1 : fn.end_line])
        found[fn.name] += sum(1 for word in WORD.findall(body) if word == fn.name)
    return dict(found)
