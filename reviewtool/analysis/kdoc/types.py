"""kernel-doc's struct, union, enum and typedef readers (dump_struct, dump_enum, dump_typedef):
the declaration after a block reduced to its name and the members kernel-doc checks. None
when kernel-doc cannot parse it (it then prints an error, "Cannot parse struct or union!")."""

from __future__ import annotations

import re

from reviewtool.analysis.kdoc.model import Prototype
from reviewtool.analysis.kdoc.params import CutShort, create_parameterlist, perl_split

A = re.ASCII
ATTRIBUTE = r"__attribute__\s*\(\([a-z0-9,_\*\s\(\)]*\)\)"
_QUALIFIERS = (
    rf"(?:{ATTRIBUTE}|__packed|__aligned|____cacheline_aligned_in_smp|____cacheline_aligned)"
)
_DEFINITION_BODY = rf"\{{(.*)\}}\s*{_QUALIFIERS}*"
_STRUCT = re.compile(rf"(struct|union)\s+(\w+)\s*{_DEFINITION_BODY}", A)
_TYPEDEF_STRUCT = re.compile(rf"typedef\s+(struct|union)\s*{_DEFINITION_BODY}\s*(\w+)\s*;", A)
_NESTED = re.compile(r"(struct|union)([^\{\};]+)\{([^\{\}]*)\}([^\{\};]*);", A)
_ARGS = r"([^,)]+)"
_MEMBER_MACROS = tuple(
    (re.compile(pattern, A), replacement)
    for pattern, replacement in (
        (
            r"__ETHTOOL_DECLARE_LINK_MODE_MASK\s*\(([^\)]+)\)",
            r"DECLARE_BITMAP(\1, __ETHTOOL_LINK_MODE_MASK_NBITS)",
        ),
        (
            r"DECLARE_PHY_INTERFACE_MASK\s*\(([^\)]+)\)",
            r"DECLARE_BITMAP(\1, PHY_INTERFACE_MODE_MAX)",
        ),
        (rf"DECLARE_BITMAP\s*\({_ARGS},\s*{_ARGS}\)", r"unsigned long \1[BITS_TO_LONGS(\2)]"),
        (rf"DECLARE_HASHTABLE\s*\({_ARGS},\s*{_ARGS}\)", r"unsigned long \1[1 << ((\2) - 1)]"),
        (rf"DECLARE_KFIFO\s*\({_ARGS},\s*{_ARGS},\s*{_ARGS}\)", r"\2 *\1"),
        (rf"DECLARE_KFIFO_PTR\s*\({_ARGS},\s*{_ARGS}\)", r"\2 *\1"),
        (rf"(?:__)?DECLARE_FLEX_ARRAY\s*\({_ARGS},\s*{_ARGS}\)", r"\1 \2[]"),
        (rf"DEFINE_DMA_UNMAP_ADDR\s*\({_ARGS}\)", r"dma_addr_t \1"),
        (rf"DEFINE_DMA_UNMAP_LEN\s*\({_ARGS}\)", r"__u32 \1"),
    )
)
MAX_NESTING_ROUNDS = 200  # nested struct levels flattened; deeper ones are cut short


def parse_type_prototype(prototype: str, decl_type: str, line: int) -> Prototype | None:
    if decl_type in ("struct", "union"):
        return _struct(prototype, line)
    if decl_type == "enum":
        return _enum(prototype, line)
    if decl_type == "typedef":
        return _typedef(prototype, line)
    return None


def _truthy(text: str | None) -> bool:
    return text not in (None, "", "0")  # Perl's truth of a string


def _struct(text: str, line: int) -> Prototype | None:
    found = _STRUCT.search(text)
    if found:
        kind, name, members = found.group(1), found.group(2), found.group(3)
    else:
        found = _TYPEDEF_STRUCT.search(text)
        if not found:
            return None
        kind, members, name = found.group(1), found.group(2), found.group(3)
    if not _truthy(members):
        return None
    members = _flatten_nested(munge_members(members))
    members = re.sub(r"\{[^\{\}]*\}", "", members, flags=A)  # other nested bodies (enums)
    params = create_parameterlist(members, ";")
    return Prototype(
        name, kind, "", tuple(params.params), frozenset(params.auto), text, line,
        actual=tuple(params.actual),
    )  # fmt: skip


def munge_members(members: str) -> str:
    """Private members, comments, attributes and member macros, as dump_struct removes them."""
    members = re.sub(r"/\*\s*private:.*?/\*\s*public:.*?\*/", "", members, flags=A | re.S | re.I)
    members = re.sub(r"/\*\s*private:.*", "", members, flags=A | re.S | re.I)
    members = re.sub(r"/\*.*?\*/", "", members, flags=A | re.S)
    members = re.sub(rf"\s*{ATTRIBUTE}", " ", members, flags=A | re.I)
    for pattern in (
        r"\s*__aligned\s*\([^;]*\)",
        r"\s*__counted_by\s*\([^;]*\)",
        r"\s*__counted_by_(le|be)\s*\([^;]*\)",
        r"\s*__packed\s*",
        r"\s*CRYPTO_MINALIGN_ATTR",
        r"\s*____cacheline_aligned_in_smp",
        r"\s*____cacheline_aligned",
    ):
        members = re.sub(pattern, " ", members, flags=A | re.S)
    members = re.sub(r"\bstruct_group\s*\(([^,]*,)", "STRUCT_GROUP(", members, flags=A)
    members = re.sub(r"\bstruct_group_attr\s*\(([^,]*,){2}", "STRUCT_GROUP(", members, flags=A)
    members = re.sub(
        r"\bstruct_group_tagged\s*\(([^,]*),([^,]*),", r"struct \1 \2; STRUCT_GROUP(", members,
        flags=A,
    )  # fmt: skip
    members = re.sub(r"\b__struct_group\s*\(([^,]*,){3}", "STRUCT_GROUP(", members, flags=A)
    members = _unwrap_struct_groups(members)
    for pattern, replacement in _MEMBER_MACROS:
        members = pattern.sub(replacement, members)
    return members


def _unwrap_struct_groups(members: str) -> str:
    """`STRUCT_GROUP(a; b;) x;` -> `a; b;` (kernel-doc's recursive regex, by hand)."""
    out: list[str] = []
    position = 0
    for start in (m.start() for m in re.finditer(r"\bSTRUCT_GROUP\(", members, A)):
        if start < position:
            continue
        open_at = start + len("STRUCT_GROUP")
        depth, close = 0, -1
        for index in range(open_at, len(members)):
            depth += {"(": 1, ")": -1}.get(members[index], 0)
            if depth == 0:
                close = index
                break
        semicolon = members.find(";", close) if close >= 0 else -1
        if semicolon < 0:
            continue
        out += [members[position:start], members[open_at + 1 : close]]
        position = semicolon + 1
    return "".join(out) + members[position:]


def _flatten_nested(members: str) -> str:
    """Innermost nested struct/union bodies become members (anonymous ones by their own
    names, named ones as `name.member`), level by level, as dump_struct's loop does."""
    for _ in range(MAX_NESTING_ROUNDS):
        flattened = _NESTED.sub(_nested_members, members)
        if flattened == members:
            return members
        members = flattened
    if _NESTED.search(members):
        raise CutShort(f"struct nested more than {MAX_NESTING_ROUNDS} levels")
    return members


def _nested_members(nested: re.Match[str]) -> str:
    maintype, content, ids = nested.group(1), nested.group(3), nested.group(4)
    out = ""
    for raw_id in perl_split(",", ids):
        out += f"{maintype} {raw_id}; "
        ident = re.sub(r"[:\[].*", "", raw_id, count=1, flags=A)
        ident = re.sub(r"^\s*\**(\S+)\s*", r"\1", ident, count=1, flags=A)
        prefix = "" if re.match(r"^\s*$", ident, A) else f"{ident}."
        for arg in perl_split(";", content):
            if re.match(r"^\s*$", arg, A):
                continue
            pointer = re.match(r"^([^\(]+\(\*?\s*)([\w\.]*)(\s*\).*)", arg, A)
            if pointer:
                if pointer.group(2):
                    out += f"{pointer.group(1)}{prefix}{pointer.group(2)}{pointer.group(3)}; "
                continue
            arg = re.sub(r"^\s+", "", arg, flags=A)
            arg = re.sub(r"\s+$", "", arg, count=1, flags=A)
            arg = re.sub(r":\s*\d+\s*", "", arg, flags=A)
            arg = re.sub(r"\[.*\]", "", arg, flags=A)
            arg = re.sub(r"\s*,\s*", ",", arg, flags=A)
            typed = re.search(r"(.*)\s+([\S+,]+)", arg, A)
            if typed is None:
                out += f"{arg}; "
                continue
            for name in perl_split(",", typed.group(2)):
                name = re.sub(r"^\s*\**(\S+)\s*", r"\1", name, count=1, flags=A)
                if not re.match(r"^\s*$", name, A):
                    out += f"{typed.group(1)} {prefix}{name}; "
    return out


def _enum(text: str, line: int) -> Prototype | None:
    text = re.sub(r"/\*\s*private:.*?/\*\s*public:.*?\*/", "", text, flags=A | re.S | re.I)
    text = re.sub(r"/\*\s*private:.*}", "}", text, flags=A | re.S | re.I)
    text = re.sub(r"/\*.*?\*/", "", text, flags=A | re.S)
    text = re.sub(r"#\s*((define|ifdef|if)\s+|endif)[^;]*;", "", text, flags=A | re.S)
    found = re.search(r"typedef\s+enum\s*\{(.*)\}\s*(\w*)\s*;", text, A)
    if found:
        members, name = found.group(1), found.group(2)
    else:
        found = re.search(r"enum\s+(\w*)\s*\{(.*)\}", text, A)
        if not found:
            return None
        name, members = found.group(1), found.group(2)
    if not _truthy(members):
        return None
    members = re.sub(r"\s+$", "", members, count=1, flags=A)
    members = _drop_parenthesised(members)
    values = [
        re.sub(r"^\s*(\w+).*", r"\1", arg, count=1, flags=A) for arg in perl_split(",", members)
    ]
    return Prototype(name, "enum", "", tuple(values), frozenset(), text, line)


def _drop_parenthesised(members: str) -> str:
    r"""`s/\([^;]*?[\)]//g` in one pass: each `(` up to the next `)` unless a `;` comes first
    (the regex, run by re, is quadratic on many unclosed parentheses)."""
    out: list[str] = []
    index = 0
    next_close = next_semicolon = -1
    while index < len(members):
        if members[index] != "(":
            start = members.find("(", index)
            start = len(members) if start < 0 else start
            out.append(members[index:start])
            index = start
            continue
        if next_close < index:
            next_close = members.find(")", index)
            next_close = len(members) if next_close < 0 else next_close
        if next_semicolon < index:
            next_semicolon = members.find(";", index)
            next_semicolon = len(members) if next_semicolon < 0 else next_semicolon
        if next_close < next_semicolon:
            index = next_close + 1
        else:
            out.append("(")
            index += 1
    return "".join(out)


_TAIL_SPACE = " \t\n\r\f\v"


def _trim_tail(text: str, opening: str, closing: str) -> str:
    r"""One `s/\(*.\)\s*;$/;/` (or the `[`/`]` one) without a regex scan of the whole
    text: the `)` is the last non-space before the final `;`, the `.` the character
    before it, and the match starts at the run of `(` in front of that."""
    if not text.endswith(";"):
        return text
    end = len(text) - 1
    while end > 0 and text[end - 1] in _TAIL_SPACE:
        end -= 1
    if end < 2 or text[end - 1] != closing or text[end - 2] == "\n":
        return text
    start = end - 2
    while start > 0 and text[start - 1] == opening:
        start -= 1
    return text[:start] + ";"


_TYPEDEF_TYPE = r"((?:\s+[\w\*]+\b){1,8})\s*"
_TYPEDEF_IDENT = r"\*?\s*(\w\S+)\s*"
_TYPEDEF_ARGS = r"\s*\((.*)\);"
_TYPEDEF_FORMS = (
    re.compile(rf"typedef{_TYPEDEF_TYPE}\({_TYPEDEF_IDENT}\){_TYPEDEF_ARGS}", A),
    re.compile(rf"typedef{_TYPEDEF_TYPE}{_TYPEDEF_IDENT}{_TYPEDEF_ARGS}", A),
)


def _typedef(text: str, line: int) -> Prototype | None:
    text = re.sub(r"/\*.*?\*/", "", text, flags=A | re.S)
    for form in _TYPEDEF_FORMS:
        found = form.search(text)
        if found:
            params = create_parameterlist(found.group(3), ",")
            rtype = re.sub(r"^\s+", "", found.group(1), flags=A)
            return Prototype(
                found.group(2), "typedef", rtype, tuple(params.params), frozenset(params.auto),
                text, line, actual=tuple(params.actual),
            )  # fmt: skip
    while True:  # `s/\(*.\)\s*;$/;/; s/\[*.\]\s*;$/;/` while either matches
        trimmed = _trim_tail(text, "(", ")")
        trimmed = _trim_tail(trimmed, "[", "]")
        if trimmed == text:
            break
        text = trimmed
    found = re.search(r"typedef.*\s+(\w+)\s*;", text, A)
    if found:
        return Prototype(found.group(1), "typedef-plain", "", (), frozenset(), text, line)
    return None
