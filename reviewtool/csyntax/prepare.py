"""Position-preserving source repairs run before tree-sitter sees kernel C.

Attribute macros (`__init`, `__always_inline`, `__acquires(x)`) confuse tree-sitter-c's
declarator parsing. They are blanked with spaces of the same length, so every byte offset,
line and column of the rest of the file is unchanged; the lock annotations are recorded
first, because the lock analysis needs them.

Statement macros that open a block with a single bare argument (`for_each_online_cpu(cpu) { }`,
`for_each_online_cpu(cpu) stmt;`, `scoped_guard(rcu) { }`) read as declarations or even nested
function definitions to tree-sitter-c. Their name is rewritten in place to `while` plus a
marker comment of the same total length (`while/*fe*/        (cpu)`), so the parser sees a
loop around the body; csyntax/ir.py reads the marker back (fe: for-each, sg: scoped_guard,
scg: scoped_cond_guard). With more arguments they parse as a call whose `;` is MISSING
followed by the body, which csyntax/ir.py reads as the loop directly; their names stay.
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


LOOP_MARKERS = {"fe": "foreach", "sg": "scoped_guard", "scg": "scoped_cond_guard"}
_MACRO_CALL = re.compile(r"(?<![\w#.>])([A-Za-z_]\w*)[ \t]*\(")
_STATEMENT_BEFORE = frozenset(";{}):")


@cache
def _idiom_vocabulary(
    patterns: tuple[str, ...], scoped: tuple[str, ...], scoped_cond: tuple[str, ...]
) -> tuple[re.Pattern[str], dict[str, str]]:
    iterators = re.compile("|".join(f"(?:{p})" for p in patterns) or "(?!)")
    tags = {name: "sg" for name in scoped} | {name: "scg" for name in scoped_cond}
    return iterators, tags


def _statement_start(text: str, index: int) -> bool:
    """Whether position `index` begins a statement (after `;`, a brace, `)`, a label, else)."""
    back = index - 1
    while back >= 0 and text[back] in " \t\r\n":
        back -= 1
    if back < 0:
        return False
    if text[back] in _STATEMENT_BEFORE:
        return True
    return text[max(0, back - 3) : back + 1] == "else" and (
        back < 4 or not text[back - 4].isalnum()
    )


def _in_directive(text: str, index: int) -> bool:
    line_start = text.rfind("\n", 0, index) + 1
    if text[line_start:index].lstrip().startswith("#"):
        return True
    previous_end = line_start - 1
    return previous_end > 0 and text[previous_end - 1] == "\\"


def _skip_space_and_comments(text: str, index: int) -> int:
    """The first index at or after `index` that is neither whitespace nor in a comment."""
    for _ in range(64):  # bounded: a handful of comments between a macro and its body
        while index < len(text) and text[index] in " \t\r\n":
            index += 1
        if text.startswith("//", index):
            end = text.find("\n", index)
            index = len(text) if end < 0 else end
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            index = len(text) if end < 0 else end + 2
        else:
            break
    return index


def _loop_tag(name: str, iterators: re.Pattern[str], tags: dict[str, str]) -> str | None:
    if name in tags:
        return tags[name]
    return "fe" if iterators.search(name) else None


def repair_statement_macros(chars: list[str], text: str, rules: Rules) -> None:
    """Rewrite block-opening statement macros in `chars` (same length) as marked `while`."""
    table = rules.table("cfg")
    scopes = table.get("scopes", {})
    iterators, tags = _idiom_vocabulary(
        tuple(table.get("iterators", {}).get("patterns", ())),
        tuple(scopes.get("scoped_guard", ())),
        tuple(scopes.get("scoped_cond_guard", ())),
    )
    for match in _MACRO_CALL.finditer(text):
        name = match.group(1)
        tag = _loop_tag(name, iterators, tags)
        if tag is None or not _statement_start(text, match.start()):
            continue
        close = _matching_paren(text, match.end() - 1)
        if close < 0 or _in_directive(text, match.start()):
            continue
        inner = text[match.end() : close].strip()
        if inner and not inner.isidentifier():
            continue  # `name(a, b) {`: a call and a block, which csyntax/ir.py already reads
        after = _skip_space_and_comments(text, close + 1)
        if after >= len(text) or not (
            text[after] in "{(*" or text[after].isalpha() or text[after] == "_"
        ):
            continue  # `name(...);` or an expression: not a statement head
        replacement = f"while/*{tag}*/"
        if len(replacement) > len(name):
            replacement = "while" if len(name) >= 5 else ""
        if not replacement:
            continue
        padded = replacement.ljust(len(name))
        chars[match.start() : match.start() + len(name)] = list(padded)


def blank_attributes(text: str, rules: Rules) -> tuple[str, tuple[Annotation, ...]]:
    """`text` with attribute macros replaced by spaces (newlines kept), statement macros
    rewritten as marked loops (same length), and the lock annotations."""
    plain, with_args = attribute_words(rules)
    if not plain and not with_args:
        chars = list(text)
        repair_statement_macros(chars, text, rules)
        return "".join(chars), ()
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
    repair_statement_macros(chars, text, rules)
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
