"""Position-preserving source repairs run before tree-sitter sees kernel C.

Attribute macros (`__init`, `__always_inline`, `__acquires(x)`) confuse tree-sitter-c's
declarator parsing. They are blanked with spaces of the same length, so every byte offset,
line and column of the rest of the file is unchanged; the lock annotations are recorded
first, because the lock analysis needs them.

Macro shapes tree-sitter-c misreads (for-each and scoped_guard statements, do-while closers,
SYSCALL_DEFINE-style heads, types passed to macros, `STATIC`) are rewritten by
csyntax/repair.py, with the same guarantee. Everything here is a pure function of the text
and the rule data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from reviewtool.csyntax.repair import LOOP_MARKERS, matching_paren, repair_macros, word_start
from reviewtool.resources import Rules

__all__ = ["LOOP_MARKERS", "Annotation", "blank_attributes", "seal_unknown_regions"]


@dataclass(frozen=True, slots=True)
class Annotation:
    """`__acquires(&x->lock)` and friends, by byte offset in the original text."""

    macro: str
    argument: str
    offset: int
    line: int  # 1-based


@cache
def _candidate_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Identifiers that start like one of `words`: a search on literal two-character prefixes
    (an alternation of ninety words behind `\\b` makes Python's re try every position)."""
    prefixes = sorted({re.escape(word[:2]) for word in words})
    return re.compile("(?:" + "|".join(prefixes) + r")\w*" if prefixes else "(?!)")


def attribute_words(rules: Rules) -> tuple[tuple[str, ...], tuple[str, ...]]:
    table = rules.table("csyntax")
    attributes = table.get("attributes", {})
    return tuple(attributes.get("plain", ())), tuple(attributes.get("with_arguments", ()))


def blank_attributes(
    text: str, rules: Rules, repair: bool = True
) -> tuple[str, tuple[Annotation, ...]]:
    """`text` with attribute macros replaced by spaces (newlines kept), then (unless
    `repair` is False) the macro shapes of csyntax/repair.py rewritten (same length), and
    the lock annotations."""
    plain, with_args = attribute_words(rules)
    chars = list(text)
    annotations: list[Annotation] = []
    plain_set, called_set = frozenset(plain), frozenset(with_args)
    for match in _candidate_pattern(plain + with_args).finditer(text):
        word, start = match.group(0), match.start()
        if not word_start(text, start):
            continue
        end = match.end()
        if word in called_set:
            opening = end
            while opening < len(text) and text[opening] in " \t\r\n":
                opening += 1
            close = matching_paren(text, opening) if text[opening : opening + 1] == "(" else -1
            if close >= 0:
                end = close + 1
                argument = text[opening + 1 : close].strip()
                line = text.count("\n", 0, start) + 1
                annotations.append(Annotation(word, argument, start, line))
            elif word not in plain_set:
                continue
        elif word not in plain_set:
            continue
        for index in range(start, end):
            if chars[index] != "\n":
                chars[index] = " "
    blanked = "".join(chars)
    if not repair:
        return blanked, tuple(annotations)
    repair_macros(chars, blanked, rules)
    return "".join(chars), tuple(annotations)


def _open_comment_after(lines: list[str], first: int, last: int) -> tuple[bool, bool]:
    """Scan lines[first:last] (0-based): (a block comment is still open at the end, the span
    began inside a comment, i.e. a `*/` came before any `/*`)."""
    in_comment = False
    began_inside = False
    seen_open = False
    for line in lines[first:last]:
        index = 0
        while index < len(line):
            pair = line[index : index + 2]
            if in_comment:
                if pair == "*/":
                    in_comment = False
                    index += 2
                    continue
            elif pair == "/*":
                in_comment = seen_open = True
                index += 2
                continue
            elif pair == "//":
                break
            elif pair == "*/":
                if not seen_open:
                    began_inside = True
                    seen_open = True
            elif line[index] in "\"'":
                index = _skip_literal(line, index)
                continue
            index += 1
    return in_comment, began_inside


def _skip_literal(line: str, index: int) -> int:
    quote = line[index]
    index += 1
    while index < len(line) and line[index] != quote:
        index += 2 if line[index] == "\\" else 1
    return index + 1


def seal_unknown_regions(text: str, unknown: tuple[tuple[int, int], ...]) -> str:
    """Hunks seen without their file can cut a block comment in half. Close a comment left
    open before an unknown region on that region's first line, and open one on its last line
    when the next known span starts inside a comment. Unknown lines are empty, so the line
    count and every known position stay the same."""
    if not unknown:
        return text
    lines = text.split("\n")
    last = len(lines) - 1
    spans = sorted((lo - 1, min(hi - 1, last)) for lo, hi in unknown if 1 <= lo <= len(lines))
    known_start = 0
    for lo, hi in spans:
        close, _ = _open_comment_after(lines, known_start, lo)
        next_start = next((s for s, _ in spans if s > hi), len(lines))
        _, reopen = _open_comment_after(lines, hi + 1, next_start)
        if lines[lo] or lines[hi]:
            pass  # not an unknown (empty) line after all: leave the text as it is
        elif lo == hi:
            lines[lo] = ("*/ " if close else "") + ("/*" if reopen else "")
        else:
            lines[lo] = "*/" if close else ""
            lines[hi] = "/*" if reopen else ""
        known_start = hi + 1
    return "\n".join(lines)
