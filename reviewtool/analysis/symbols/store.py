"""What `symbols.file_symbols` says of a file state, kept by region: a state is a tuple of
region parts, each part computed once per content and shared by every state holding that
region. A series of a thousand states of one file keeps about a kilobyte a state plus the
regions its patches wrote, and a new state costs the regions a patch changed.

Regions are csyntax/regions.py's (cut after a `}` line an empty line follows). A part holds
the region's symbols with lines relative to the region, keyed by the region's text and the
facts that fall in it (relative), so a part is exactly what the whole-file computation gives
for those lines: comments and literals cannot span a cut (a block comment that would is
detected), every function lies within one region, and the argument recount (bounded per
file) stays within each region and under its per-file budget. A state for which any of that
fails, or whose text has line breaks other than `\\n`, is kept whole (`file_symbols`)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, OrderedDict
from collections.abc import Callable

from reviewtool.analysis.symbols import state as symbols
from reviewtool.analysis.symbols.parts import Compact, Part, PartsView, includes_of_parts
from reviewtool.analysis.symbols.state import (
    CALL_OPEN,
    COMMENT_OR_LITERAL,
    INCLUDE,
    INLINE,
    UNUSED_ATTRIBUTE,
    WORD,
    FileSymbols,
    file_symbols,
    header_text,
    scan_args,
)
from reviewtool.csyntax import FileFacts
from reviewtool.csyntax.regions import split_regions
from reviewtool.model import FileState

# str.splitlines() breaks lines at these too; tree-sitter's rows count "\n" only
_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
RECENT = 64  # views kept (each builds its fields once): a step reads the states around it


class _Whole(Exception):
    """This state's symbols must be computed over the whole file."""


def _strip(region: str, last: bool) -> str:
    """strip_comments_and_literals of one region; _Whole when a block comment runs on past
    it (only the file's last region may end inside one: there it ends at the end)."""
    open_comment = False

    def blank(match: re.Match[str]) -> str:
        nonlocal open_comment
        found = match.group(0)
        if found.startswith("/*") and (len(found) < 4 or not found.endswith("*/")):
            open_comment = True
        return re.sub(r"[^\n]", " ", found)

    code = COMMENT_OR_LITERAL.sub(blank, region)
    if open_comment and not last:
        raise _Whole
    return code


def _uses(code: str, calls: list[tuple]) -> tuple[tuple, tuple[int, ...], int]:
    """symbols._textual_calls within one region: every scan must close or stop at its
    limit inside the region."""
    starts = [0]
    starts.extend(match.end() for match in re.finditer("\n", code))
    opened: dict[int, dict[str, list[int]]] = {}
    seen: Counter[tuple[str, int]] = Counter()
    uses: list[tuple] = []
    uncounted: list[int] = []
    scanned_total = 0
    for name, line, function in calls:
        args: tuple[int | None, int | None] = (None, None)
        if line not in opened:
            begin = starts[line - 1]
            end = starts[line] if line < len(starts) else len(code)
            per_name: dict[str, list[int]] = {}
            for match in CALL_OPEN.finditer(code, begin, end):
                per_name.setdefault(match.group(1), []).append(match.end() - 1)
            opened[line] = per_name
        nth = seen[(name, line)]
        seen[(name, line)] += 1
        offsets = opened[line].get(name, [])
        if nth < len(offsets):
            *counts, scanned = scan_args(code, offsets[nth], symbols.MAX_ARG_SCAN)
            args = (counts[0], counts[1])
            scanned_total += scanned
            if args[0] is None:
                if offsets[nth] + 1 + symbols.MAX_ARG_SCAN >= len(code):
                    raise _Whole  # the call runs on past the region
                uncounted.append(line)
        uses.append((name, line, function, *args))
    return tuple(uses), tuple(uncounted), scanned_total


def _part(region: str, last: bool, functions: list, declarations: list, calls: list) -> Part:
    code = _strip(region, last)
    lines = region.splitlines()
    code_lines = code.splitlines()
    found = []
    for name, start, end, body, is_static, variadic, params, errors in functions:
        header = header_text(lines, start, body)
        own = "\n".join(code_lines[start - 1 : end])
        found.append(
            (
                name,
                start,
                end,
                is_static,
                None if variadic else len(params),
                bool(INLINE.search(header)),
                bool(UNUSED_ATTRIBUTE.search(header)),
                errors,
                frozenset(p for p in params if p),
                sum(1 for word in WORD.findall(own) if word == name),
            )
        )
    uses, uncounted, scanned = _uses(code, calls)
    provides = {row[0] for row in found} | {row[0] for row in declarations}
    return Part(
        region.count("\n"),
        tuple(found),
        tuple(declarations),
        uses,
        uncounted,
        tuple(WORD.findall(code)),
        tuple((m.group(2).strip(), m.group(1) == '"') for m in INCLUDE.finditer(region)),
        scanned,
        frozenset(provides),
        frozenset(use[0] for use in uses),
    )


def _sorted(values: list[int]) -> bool:
    return values == sorted(values)  # timsort meets a sorted list in one pass, in C


def _other_breaks(text: str) -> bool:
    """_OTHER_BREAKS.search(text), by six scans for one character (C's memchr) when the
    text is ASCII, as kernel sources are: a character class costs more per character."""
    if text.isascii():
        return any(char in text for char in "\r\x0b\x0c\x1c\x1d\x1e")
    return _OTHER_BREAKS.search(text) is not None


class _Lines:
    """One kind of fact (in line order) and its lines: a region's facts are a slice, found
    by bisection. A fact starting before the region would be one the previous regions did
    not take: in line order, only one before line 1 (checked once)."""

    def __init__(self, items: tuple, lines: list[int]) -> None:
        if lines and lines[0] < 1:
            raise _Whole
        self.items, self.lines = items, lines
        self.taken = 0

    def take(self, last_line: int) -> tuple:
        """The facts from the last taken on that begin by `last_line`."""
        start = self.taken
        self.taken = bisect_right(self.lines, last_line, start)
        return self.items[start : self.taken]

    def left(self) -> bool:
        return self.taken < len(self.items)


def _function_row(fn, shift: int, first: int, last_line: int) -> tuple:
    if not first <= fn.body_line <= fn.end_line <= last_line:
        raise _Whole  # a function cut in two
    params = tuple(p.name for p in fn.params)
    lines = (fn.start_line - shift, fn.end_line - shift, fn.body_line - shift)
    return (fn.name, *lines, fn.is_static, fn.variadic, params, fn.error_count)


class SymbolStore:
    """Every state's symbols of one run, by region; whole views built on demand (a few
    kept)."""

    def __init__(self) -> None:
        self._parts: dict[tuple, Part] = {}
        self._states: dict[tuple[str, str], Compact | FileSymbols] = {}
        self._recent: OrderedDict[tuple[str, str], FileSymbols | PartsView] = OrderedDict()
        self._types: dict[frozenset[str], frozenset[str]] = {}
        self.whole = 0  # states kept whole (tests read it)

    def record(self, state: FileState, facts: Callable[[FileState], FileFacts]) -> None:
        """Keep `state`'s symbols (while its facts are at hand)."""
        key = (state.path, state.sha1)
        if key not in self._states:
            self._states[key] = self._compact(state, facts(state))

    def symbols(
        self, state: FileState, facts: Callable[[FileState], FileFacts]
    ) -> FileSymbols | PartsView:
        key = (state.path, state.sha1)
        if key in self._recent:
            self._recent.move_to_end(key)
            return self._recent[key]
        self.record(state, facts)
        kept = self._states[key]
        built = kept if isinstance(kept, FileSymbols) else PartsView(kept)
        self._recent[key] = built
        if len(self._recent) > RECENT:
            self._recent.popitem(last=False)
        return built

    def includes(
        self, state: FileState, facts: Callable[[FileState], FileFacts]
    ) -> tuple[tuple[str, ...], ...]:
        """`symbols(state).includes`, without building the whole view."""
        self.record(state, facts)
        kept = self._states[(state.path, state.sha1)]
        return kept.includes if isinstance(kept, FileSymbols) else includes_of_parts(kept)

    def _compact(self, state: FileState, facts: FileFacts) -> Compact | FileSymbols:
        try:
            return self._split(state, facts)
        except _Whole:
            self.whole += 1
            return file_symbols(state, facts)

    def _split(self, state: FileState, facts: FileFacts) -> Compact:
        text = state.text
        functions = [fn.start_line for fn in facts.functions]
        declarations = [d.line for d in facts.declarations]
        calls = [c.line for c in facts.calls]
        if (
            _other_breaks(text)
            or not _sorted(functions)
            or not _sorted(declarations)
            or not _sorted(calls)
        ):
            raise _Whole
        kinds = (
            _Lines(facts.functions, functions),
            _Lines(facts.declarations, declarations),
            _Lines(facts.calls, calls),
        )
        regions = split_regions(text)
        parts: list[Part] = []
        first = 1
        for index, region in enumerate(regions):
            last = index == len(regions) - 1
            # the region's last line, inclusive (the file's last line need not end in "\n")
            last_line = first + region.count("\n") - (0 if last else 1)
            fns, decls, uses = _rows(kinds, first, last_line)
            key = (region, last, tuple(fns), tuple(decls), tuple(uses))
            part = self._parts.get(key)
            if part is None:
                part = self._parts[key] = _part(region, last, fns, decls, uses)
            parts.append(part)
            first += region.count("\n")
        if any(kind.left() for kind in kinds):
            raise _Whole  # facts past the text
        if sum(p.scanned for p in parts) > symbols.MAX_SCAN_PER_FILE - symbols.MAX_ARG_SCAN:
            raise _Whole  # the per-file recount budget comes into play: count it whole
        types = self._types.setdefault(facts.types, facts.types)
        return Compact(state.path, facts.path, state.sha1, tuple(parts), types)


def _rows(kinds: tuple[_Lines, _Lines, _Lines], first: int, last_line: int) -> tuple:
    """The rows of the functions, declarations and calls of the region [first, last_line],
    lines relative to it."""
    functions, declarations, calls = kinds
    shift = first - 1
    fns = [_function_row(fn, shift, first, last_line) for fn in functions.take(last_line)]
    decls = [
        (
            decl.name,
            decl.line - shift,
            decl.kind,
            decl.arg_count if decl.kind in ("prototype", "function-macro") else None,
            decl.is_static,
        )
        for decl in declarations.take(last_line)
    ]
    uses = [(call.name, call.line - shift, call.function) for call in calls.take(last_line)]
    return fns, decls, uses
