"""What a C header defines, read as text: function-like macros, functions (static inlines)
and prototypes, with parameter types, lock annotations and bodies. Enough to follow a lock
primitive through its wrappers; a pure function of the text, cached by content.

The text is first prepared like C files are (csyntax.prepare: attribute macros blanked, lock
annotations recorded, positions kept; the statement repairs are not needed here) and read
with comments and literals blanked."""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass

from reviewtool.csyntax.prepare import blank_attributes
from reviewtool.csyntax.repair import code_view, matching_paren
from reviewtool.resources import Rules

MAX_BODY = 20_000  # characters of a body read (a longer one is not a wrapper)
_CACHE: OrderedDict[tuple[str, int], tuple[Definition, ...]] = OrderedDict()
_CACHE_SIZE = 8192


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: str  # without qualifiers and pointer stars: "spinlock_t", "struct mutex"


@dataclass(frozen=True, slots=True)
class Definition:
    """One macro, function or prototype of a header."""

    name: str
    kind: str  # "macro", "function", "prototype"
    params: tuple[Param, ...]
    body: str  # the macro's replacement text or the function's body, "" for a prototype
    returns: str  # the return type ("" for a macro)
    annotations: tuple[tuple[str, str], ...]  # (__acquires, "lock"), ...
    path: str
    line: int


_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)\(([^)]*)\)", re.MULTILINE)
_CALL = re.compile(r"([A-Za-z_]\w*)[ \t\n]*\(")
_QUALIFIERS = re.compile(r"\b(?:const|volatile|static|inline|extern|register|restrict)\b")
_NOT_NAMES = frozenset({"if", "for", "while", "switch", "return", "sizeof", "typeof", "do"})


def definitions(path: str, text: str, rules: Rules) -> tuple[Definition, ...]:
    """Every macro, function and prototype `text` defines, cached by content."""
    key = (hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest(), id(rules))
    found = _CACHE.get(key)
    if found is None:
        found = _read(path, text, rules)
        _CACHE[key] = found
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return tuple(d if d.path == path else _relabel(d, path) for d in found)


def _relabel(definition: Definition, path: str) -> Definition:
    return Definition(
        definition.name,
        definition.kind,
        definition.params,
        definition.body,
        definition.returns,
        definition.annotations,
        path,
        definition.line,
    )


def _read(path: str, text: str, rules: Rules) -> tuple[Definition, ...]:
    prepared, annotations = blank_attributes(text, rules, repair=False)
    code = code_view(prepared)
    found = list(_macros(path, code))
    marks = [(a.offset, a.macro, a.argument) for a in annotations]
    found.extend(_functions(path, code, marks))
    return tuple(found)


def _logical_line(code: str, start: int) -> int:
    """End of the preprocessor line starting at `start` (continuations included)."""
    end = code.find("\n", start)
    while end > 0 and code[end - 1] == "\\":
        end = code.find("\n", end + 1)
    return len(code) if end < 0 else end


def _macros(path: str, code: str):
    for match in _DEFINE.finditer(code):
        end = _logical_line(code, match.start())
        body = code[match.end() : end].replace("\\\n", " ")
        names = [p.strip() for p in match.group(2).split(",") if p.strip()]
        params = tuple(Param("__VA_ARGS__" if p == "..." else p, "") for p in names)
        line = code.count("\n", 0, match.start()) + 1
        yield Definition(match.group(1), "macro", params, body.strip(), "", (), path, line)


def split_arguments(text: str) -> list[str]:
    """`a, f(b, c), d` -> ["a", "f(b, c)", "d"] (top-level commas only)."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    last = "".join(current).strip()
    if last or parts:
        parts.append(last)
    return parts


def parse_param(text: str) -> Param | None:
    """`spinlock_t *lock` -> Param("lock", "spinlock_t"); None for `void` or `...`."""
    text = _QUALIFIERS.sub(" ", text)
    words = re.findall(r"[A-Za-z_]\w*|\*|\[|\(", text)
    if not words or words == ["void"] or "(" in words:
        return None  # a function pointer parameter: never a lock
    names = [w for w in words if w not in ("*", "[")]
    unnamed = len(names) < 2 or names[-1] in _TYPE_WORDS or names[-2] in ("struct", "union", "enum")
    if unnamed:
        return Param("", " ".join(names))
    return Param(names[-1], " ".join(names[:-1]))


_TYPE_WORDS = frozenset(
    {"int", "long", "short", "char", "unsigned", "signed", "void", "bool", "_Bool", "float"}
)


def _statement_start(code: str, index: int) -> int:
    """Start of the declaration whose name is at `index`: after the previous `;`, brace,
    or preprocessor line."""
    back = max(code.rfind(";", 0, index), code.rfind("{", 0, index), code.rfind("}", 0, index))
    start = back + 1
    line_start = code.find("\n", start)
    while 0 <= line_start < index:  # a directive between: the declaration starts after it
        line_end = code.find("\n", line_start + 1)
        line = code[line_start + 1 : line_end if line_end >= 0 else len(code)]
        if line.lstrip().startswith("#"):
            start = _logical_line(code, line_start + 1) + 1
            line_start = start - 1
        else:
            line_start = line_end
    return min(start, index)


class _Lines:
    """Line numbers of increasing offsets, counted incrementally."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1

    def at(self, offset: int) -> int:
        if offset < self.offset:
            self.offset, self.line = 0, 1
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def _functions(path: str, code: str, marks: list[tuple[int, str, str]]):
    """Top-level `type name(params) {body}` and `type name(params);`."""
    depth = 0
    position = 0
    lines = _Lines(code)
    for match in _CALL.finditer(code):
        start = match.start()
        if start < position:
            continue
        chunk = code[position:start]
        depth = max(0, depth + chunk.count("{") - chunk.count("}"))
        position = start
        name = match.group(1)
        if depth or name in _NOT_NAMES or _in_directive(code, start):
            continue
        open_index = match.end() - 1
        close = matching_paren(code, open_index)
        if close < 0:
            continue
        head_start = _statement_start(code, start)
        returns = " ".join(code[head_start:start].split())
        if not returns or returns.endswith(("=", ",", "(")) or "typedef" in returns:
            continue  # a call, an initializer or a typedef, not a declaration
        after = close + 1
        while after < len(code) and code[after] in " \t\r\n":
            after += 1
        if after >= len(code) or code[after] not in "{;":
            continue
        params = tuple(
            p for p in (parse_param(a) for a in split_arguments(code[open_index + 1 : close])) if p
        )
        line = lines.at(start)
        notes = tuple((m, a) for offset, m, a in marks if head_start <= offset <= after)
        if code[after] == ";":
            yield Definition(name, "prototype", params, "", returns, notes, path, line)
            position = after + 1
            continue
        end = _matching_brace(code, after)
        if end < 0:
            continue
        body = code[after + 1 : end] if end - after <= MAX_BODY else ""
        yield Definition(name, "function", params, body, returns, notes, path, line)
        position = end + 1


def _matching_brace(code: str, open_index: int) -> int:
    depth = 0
    index = open_index
    while index < len(code):
        char = code[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return -1


def _in_directive(code: str, index: int) -> bool:
    line_start = code.rfind("\n", 0, index) + 1
    if code[line_start:index].lstrip().startswith("#"):
        return True
    return line_start > 1 and code[line_start - 2] == "\\"


def calls_in(body: str) -> list[tuple[str, list[str], int, int]]:
    """(callee, arguments, start, end) of every call in a body, outermost first."""
    found = []
    for match in _CALL.finditer(body):
        name = match.group(1)
        if name in _NOT_NAMES:
            continue
        close = matching_paren(body, match.end() - 1)
        if close < 0:
            continue
        found.append((name, split_arguments(body[match.end() : close]), match.start(), close))
    return found
