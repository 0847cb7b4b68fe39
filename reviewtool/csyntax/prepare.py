"""Position-preserving source repairs run before tree-sitter sees kernel C.

Attribute macros (`__init`, `__always_inline`, `__acquires(x)`) confuse tree-sitter-c's
declarator parsing. They are blanked with spaces of the same length, so every byte offset,
line and column of the rest of the file is unchanged; the lock annotations are recorded
first, because the lock analysis needs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from reviewtool.resources import Rules


@dataclass(frozen=True, slots=True)
class Annotation:
    """`__acquires(&x->lock)` and friends, by byte offset in the original text."""

    macro: str
    argument: str
    offset: int
    line: int  # 1-based


@cache
def _attribute_pattern(words: tuple[str, ...], with_args: tuple[str, ...]) -> re.Pattern[str]:
    plain = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    called = "|".join(re.escape(word) for word in sorted(with_args, key=len, reverse=True))
    parts = []
    if called:
        parts.append(rf"(?P<call>\b(?:{called}))\s*\(")
    if plain:
        parts.append(rf"(?P<word>\b(?:{plain})\b)")
    return re.compile("|".join(parts))


def attribute_words(rules: Rules) -> tuple[tuple[str, ...], tuple[str, ...]]:
    table = rules.table("csyntax")
    attributes = table.get("attributes", {})
    return tuple(attributes.get("plain", ())), tuple(attributes.get("with_arguments", ()))


def _matching_paren(text: str, open_index: int) -> int:
    """Index of the `)` closing the `(` at open_index, or -1 (bounded by the text)."""
    depth = 0
    for index in range(open_index, min(len(text), open_index + 4096)):
        char = text[index]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    return -1


def blank_attributes(text: str, rules: Rules) -> tuple[str, tuple[Annotation, ...]]:
    """`text` with attribute macros replaced by spaces (newlines kept), and the annotations."""
    plain, with_args = attribute_words(rules)
    if not plain and not with_args:
        return text, ()
    pattern = _attribute_pattern(plain, with_args)
    chars = list(text)
    annotations: list[Annotation] = []
    for match in pattern.finditer(text):
        start = match.start()
        if match.group("call"):
            close = _matching_paren(text, match.end() - 1)
            if close < 0:
                continue
            end = close + 1
            argument = text[match.end() : close].strip()
            annotations.append(
                Annotation(match.group("call"), argument, start, text.count("\n", 0, start) + 1)
            )
        else:
            end = match.end()
        for index in range(start, end):
            if chars[index] != "\n":
                chars[index] = " "
    return "".join(chars), tuple(annotations)
