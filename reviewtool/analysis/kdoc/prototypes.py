"""kernel-doc's prototype readers: the declaration after a block (function, macro, struct,
union, enum, typedef) reduced to a name and the parameter or member names kernel-doc checks."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewtool.analysis.kdoc.model import KdocVocabulary, Prototype

_PROTO_NAME = r"[a-zA-Z0-9_~:]+"
_PROTO_END = r"\(([^\(]*|[^\{]*)\)"
_TYPE1 = r"[\w\s]+"
_TYPE2 = rf"{_TYPE1}\*+"
_PROTO_MACRO_OBJECT = re.compile(rf"^()({_PROTO_NAME})\s+")
_PROTO_FORMS = (
    re.compile(rf"^()({_PROTO_NAME})\s*{_PROTO_END}", re.S),
    re.compile(rf"^({_TYPE1})\s+({_PROTO_NAME})\s*{_PROTO_END}", re.S),
    re.compile(rf"^((?:{_TYPE2})+)\s*({_PROTO_NAME})\s*{_PROTO_END}", re.S),
)


def parse_function_prototype(prototype: str, vocabulary: KdocVocabulary, line: int) -> Prototype:
    """kernel-doc's dump_function: strip attribute words, then match one of three forms."""
    text = prototype
    for word in vocabulary.strip_prefixes:
        text = re.sub(rf"^{re.escape(word)} +", "", text)
    for word in vocabulary.strip_anywhere:
        text = re.sub(rf"{re.escape(word)} +", "", text)
    for pattern in vocabulary.strip_patterns:
        text = pattern.sub("", text)
    define = re.match(r"^#\s*define\s+", text)
    if define:
        text = text[define.end() :]
    if define and _PROTO_MACRO_OBJECT.match(text):
        name = _PROTO_MACRO_OBJECT.match(text).group(2)
        return Prototype(name, "object-macro", "", (), frozenset(), prototype, line)
    for form in _PROTO_FORMS:
        match = form.match(text)
        if match:
            params, auto = parameter_list(match.group(3))
            kind = "macro" if define else "function"
            return Prototype(match.group(2), kind, match.group(1), params, auto, prototype, line)
    return Prototype("", "function", "", (), frozenset(), prototype, line, understood=False)


def parameter_list(args: str, splitter: str = ",") -> tuple[tuple[str, ...], frozenset[str]]:
    """kernel-doc's create_parameterlist + push_parameter: the names it checks, and those it
    describes by itself (variadic `...`, `void`, anonymous struct/union members)."""
    while re.search(r"\([^),]+,", args):
        args = re.sub(r"(\([^),]+),", r"\1#", args)
    names: list[str] = []
    auto: set[str] = set()
    for arg in args.split(splitter):
        arg = re.sub(r"/\*.*\*/", "", arg)
        arg = re.sub(r"\sPOS0?\s", " ", arg).strip()
        arg = re.sub(r"\s+", " ", arg, count=1)
        for param, typ in _split_arg(arg):
            name = _push_name(param, typ, auto)
            if name is not None:
                names.append(name)
    return tuple(names), frozenset(auto)


def _split_arg(arg: str) -> Iterator[tuple[str, str]]:
    if not arg:
        return
    if arg.startswith("#"):
        yield arg, ""
        return
    if re.search(r"\(.+\)\s*\(", arg):
        arg = arg.replace("#", ",")
        found = re.search(r"[^(]+\(\*?\s*([\w\[\].]*)\s*\)", arg)
        yield (found.group(1) if found else ""), "fnptr"
        return
    if re.search(r"\(.+\)\s*\[", arg):
        arg = arg.replace("#", ",")
        found = re.search(r"[^(]+\(\s*\*\s*([\w\[\].]*?)\s*(\s*\[\s*[\w]+\s*\]\s*)*\)", arg)
        yield (found.group(1) if found else ""), "array"
        return
    arg = re.sub(r"\s*:\s*", ":", arg)
    arg = re.sub(r"\s*\[", "[", arg)
    parts = re.split(r"\s*,\s*", arg)
    if "*" in parts[0]:
        parts[0] = re.sub(r"(\*+)\s*", r" \1", parts[0], count=1)
    array = re.match(r"^(.*\s+)(.*?\[.*\].*)$", parts[0])
    if array:
        parts.pop(0)
        first = [*array.group(1).split(), array.group(2)]
    else:
        first = parts.pop(0).split()
    parts.insert(0, first.pop() if first else "")
    typ = " ".join(first)
    for param in parts:
        pointer = re.match(r"^(\*+)\s*(.*)", param)
        bitfield = re.match(r"(.*?):(\d+)", param)
        if pointer:
            yield pointer.group(2), f"{typ} {pointer.group(1)}"
        elif bitfield:
            if typ:
                yield bitfield.group(1), f"{typ}:{bitfield.group(2)}"
        else:
            yield param, typ


def _push_name(param: str, typ: str, auto: set[str]) -> str | None:
    param = re.sub(r"[\[)].*", "", param)
    if typ == "" and param.endswith("..."):
        param = param[:-3] if re.search(r"\w\.\.\.$", param) else "..."
        auto.add(param)
    elif typ == "" and param in ("", "void"):
        param = "void"
        auto.add(param)
    elif typ == "" and param in ("struct", "union"):
        auto.add(f"{{unnamed_{param}}}")
        return f"{{unnamed_{param}}}"
    elif "__cacheline_group" in param:
        return None
    return param


_ATTRIBUTE = r"__attribute__\s*\(\([a-z0-9,_\*\s\(\)]*\)\)"
_QUALIFIERS = (
    rf"(?:{_ATTRIBUTE}|__packed|__aligned|____cacheline_aligned_in_smp|____cacheline_aligned)"
)
_DEFINITION_BODY = rf"\{{(.*)\}}\s*{_QUALIFIERS}*"
_NESTED = re.compile(r"(struct|union)([^{};]+)\{([^{}]*)\}([^{};]*);")
_MEMBER_MACROS = (
    (
        r"__ETHTOOL_DECLARE_LINK_MODE_MASK\s*\(([^\)]+)\)",
        r"DECLARE_BITMAP(\1, __ETHTOOL_LINK_MODE_MASK_NBITS)",
    ),
    (r"DECLARE_PHY_INTERFACE_MASK\s*\(([^\)]+)\)", r"DECLARE_BITMAP(\1, PHY_INTERFACE_MODE_MAX)"),
    (r"DECLARE_BITMAP\s*\(([^,)]+),\s*([^,)]+)\)", r"unsigned long \1[BITS_TO_LONGS(\2)]"),
    (r"DECLARE_HASHTABLE\s*\(([^,)]+),\s*([^,)]+)\)", r"unsigned long \1[1 << ((\2) - 1)]"),
    (r"DECLARE_KFIFO\s*\(([^,)]+),\s*([^,)]+),\s*([^,)]+)\)", r"\2 *\1"),
    (r"DECLARE_KFIFO_PTR\s*\(([^,)]+),\s*([^,)]+)\)", r"\2 *\1"),
    (r"(?:__)?DECLARE_FLEX_ARRAY\s*\(([^,)]+),\s*([^,)]+)\)", r"\1 \2[]"),
    (r"DEFINE_DMA_UNMAP_ADDR\s*\(([^,)]+)\)", r"dma_addr_t \1"),
    (r"DEFINE_DMA_UNMAP_LEN\s*\(([^,)]+)\)", r"__u32 \1"),
)
_MAX_NESTING_ROUNDS = 500


def parse_type_prototype(prototype: str, decl_type: str, line: int) -> Prototype | None:
    """A struct, union, enum or typedef as kernel-doc's dump_* read it; None when it cannot
    be parsed (kernel-doc then prints an error, not a warning)."""
    if decl_type in ("struct", "union"):
        return _parse_struct(prototype, line)
    if decl_type == "enum":
        return _parse_enum(prototype, line)
    if decl_type == "typedef":
        return _parse_typedef(prototype, line)
    return None


def _parse_struct(text: str, line: int) -> Prototype | None:
    found = re.search(rf"(struct|union)\s+(\w+)\s*{_DEFINITION_BODY}", text, re.S | re.I)
    if found:
        kind, name, members = found.group(1), found.group(2), found.group(3)
    else:
        found = re.search(
            rf"typedef\s+(struct|union)\s*{_DEFINITION_BODY}\s*(\w+)\s*;", text, re.S | re.I
        )
        if not found:
            return None
        kind, members, name = found.group(1), found.group(2), found.group(3)
    if not members:
        return None
    members = _munge_members(members)
    members = _flatten_nested(members)
    members = re.sub(r"\{[^{}]*\}", "", members)  # other nested bodies, like enums
    params, auto = parameter_list(members, ";")
    return Prototype(name, kind, "", params, auto, text, line)


def _munge_members(members: str) -> str:
    """Private members, comments, attributes and member macros, as dump_struct removes them."""
    members = re.sub(r"/\*\s*private:.*?/\*\s*public:.*?\*/", "", members, flags=re.S | re.I)
    members = re.sub(r"/\*\s*private:.*", "", members, flags=re.S | re.I)
    members = re.sub(r"/\*.*?\*/", "", members, flags=re.S)
    members = re.sub(rf"\s*{_ATTRIBUTE}", " ", members, flags=re.I)
    for pattern in (
        r"\s*__aligned\s*\([^;]*\)",
        r"\s*__counted_by\s*\([^;]*\)",
        r"\s*__counted_by_(le|be)\s*\([^;]*\)",
        r"\s*__packed\s*",
        r"\s*CRYPTO_MINALIGN_ATTR",
        r"\s*____cacheline_aligned_in_smp",
        r"\s*____cacheline_aligned",
    ):
        members = re.sub(pattern, " ", members)
    members = re.sub(r"\bstruct_group\s*\(([^,]*,)", "STRUCT_GROUP(", members)
    members = re.sub(r"\bstruct_group_attr\s*\(([^,]*,){2}", "STRUCT_GROUP(", members)
    members = re.sub(
        r"\bstruct_group_tagged\s*\(([^,]*),([^,]*),", r"struct \1 \2; STRUCT_GROUP(", members
    )
    members = re.sub(r"\b__struct_group\s*\(([^,]*,){3}", "STRUCT_GROUP(", members)
    members = _unwrap_struct_groups(members)
    for pattern, replacement in _MEMBER_MACROS:
        members = re.sub(pattern, replacement, members)
    return members


def _unwrap_struct_groups(members: str) -> str:
    """`STRUCT_GROUP(a; b;) ;` -> `a; b;` (kernel-doc uses a recursive regex for this)."""
    for _ in range(_MAX_NESTING_ROUNDS):
        start = members.find("STRUCT_GROUP(")
        if start < 0:
            break
        open_at = start + len("STRUCT_GROUP")
        depth, close = 0, -1
        for index in range(open_at, len(members)):
            depth += {"(": 1, ")": -1}.get(members[index], 0)
            if depth == 0:
                close = index
                break
        semicolon = members.find(";", close) if close >= 0 else -1
        if semicolon < 0:
            break
        members = members[:start] + members[open_at + 1 : close] + members[semicolon + 1 :]
    return members


def _flatten_nested(members: str) -> str:
    """Innermost nested struct/union bodies become members: anonymous ones by their own
    names, named ones as `name.member` (which kernel-doc does not require)."""
    for _ in range(_MAX_NESTING_ROUNDS):
        nested = _NESTED.search(members)
        if nested is None:
            break
        members = members[: nested.start()] + _nested_members(nested) + members[nested.end() :]
    return members


def _nested_members(nested: re.Match[str]) -> str:
    maintype, content, ids = nested.group(1), nested.group(3), nested.group(4)
    out = ""
    for raw_id in ids.split(","):
        out += f"{maintype} {raw_id}; "
        ident = re.sub(r"[:\[].*", "", raw_id)
        ident = re.sub(r"^\s*\**(\S+)\s*", r"\1", ident)
        prefix = "" if not ident.strip() else f"{ident}."
        for arg in content.split(";"):
            if not arg.strip():
                continue
            pointer = re.match(r"^([^(]+\(\*?\s*)([\w.]*)(\s*\).*)", arg)
            if pointer:
                if pointer.group(2):
                    out += f"{pointer.group(1)}{prefix}{pointer.group(2)}{pointer.group(3)}; "
                continue
            arg = re.sub(r":\s*\d+\s*", "", arg.strip())
            arg = re.sub(r"\[.*\]", "", arg)
            arg = re.sub(r"\s*,\s*", ",", arg)
            typed = re.match(r"(.*)\s+([\S+,]+)", arg)
            if typed is None:
                out += f"{arg}; "
                continue
            for name in typed.group(2).split(","):
                name = re.sub(r"^\s*\**(\S+)\s*", r"\1", name)
                if name.strip():
                    out += f"{typed.group(1)} {prefix}{name}; "
    return out


def _parse_enum(text: str, line: int) -> Prototype | None:
    text = re.sub(r"/\*\s*private:.*?/\*\s*public:.*?\*/", "", text, flags=re.S | re.I)
    text = re.sub(r"/\*\s*private:.*}", "}", text, flags=re.S | re.I)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"#\s*((define|ifdef|if)\s+|endif)[^;]*;", "", text, flags=re.S)
    found = re.search(r"typedef\s+enum\s*\{(.*)\}\s*(\w*)\s*;", text, re.S)
    if found:
        members, name = found.group(1), found.group(2)
    else:
        found = re.search(r"enum\s+(\w*)\s*\{(.*)\}", text, re.S)
        if not found:
            return None
        name, members = found.group(1), found.group(2)
    if not members:
        return None
    members = re.sub(r"\([^;]*?[)]", "", members.rstrip())
    values = members.split(",")
    while values and values[-1] == "":
        values.pop()  # Perl's split drops trailing empty fields
    names = tuple(re.sub(r"^\s*(\w+).*", r"\1", value, flags=re.S) for value in values)
    return Prototype(name, "enum", "", names, frozenset(), text, line)


_TYPEDEF_TYPE = r"((?:\s+[\w*]+\b){1,8})\s*"
_TYPEDEF_IDENT = r"\*?\s*(\w\S+)\s*"
_TYPEDEF_ARGS = r"\s*\((.*)\);"
_TYPEDEF_FORMS = (
    re.compile(rf"typedef{_TYPEDEF_TYPE}\({_TYPEDEF_IDENT}\){_TYPEDEF_ARGS}", re.S),
    re.compile(rf"typedef{_TYPEDEF_TYPE}{_TYPEDEF_IDENT}{_TYPEDEF_ARGS}", re.S),
)


def _parse_typedef(text: str, line: int) -> Prototype | None:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    for form in _TYPEDEF_FORMS:
        found = form.search(text)
        if found:
            params, auto = parameter_list(found.group(3))
            return Prototype(
                found.group(2), "typedef", found.group(1).strip(), params, auto, text, line
            )
    for _ in range(_MAX_NESTING_ROUNDS):
        trimmed = re.sub(r"\(*.\)\s*;$", ";", text)
        trimmed = re.sub(r"\[*.\]\s*;$", ";", trimmed)
        if trimmed == text:
            break
        text = trimmed
    found = re.search(r"typedef.*\s+(\w+)\s*;", text, re.S)
    if found:
        return Prototype(found.group(1), "typedef-plain", "", (), frozenset(), text, line)
    return None
