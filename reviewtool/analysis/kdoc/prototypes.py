"""kernel-doc's function prototype reader (process_proto_function's rewrites, syscall_munge,
tracepoint_munge and dump_function's matching): the declaration after a block reduced to a
name, a return type and the parameter names kernel-doc checks."""

from __future__ import annotations

import re

from reviewtool.analysis.kdoc.model import KdocVocabulary, Prototype
from reviewtool.analysis.kdoc.params import ParamList, create_parameterlist

A = re.ASCII
_PROTO_NAME = r"[a-zA-Z0-9_~:]+"
_PROTO_END = r"\(([^\(]*|[^\{]*)\)"
_TYPE1 = r"[\w\s]+"
_TYPE2 = rf"{_TYPE1}\*+"
_PROTO_MACRO_OBJECT = re.compile(rf"^()({_PROTO_NAME})\s+", A)
_PROTO_FORMS = (
    re.compile(rf"^()({_PROTO_NAME})\s*{_PROTO_END}", A),
    re.compile(rf"^({_TYPE1})\s+({_PROTO_NAME})\s*{_PROTO_END}", A),
    re.compile(rf"^((?:{_TYPE2})+)\s*({_PROTO_NAME})\s*{_PROTO_END}", A),
)
_DECL_BUCKET_PARAMS = re.compile(r"DECL_BUCKET_PARAMS\s*\(\s*(\S+)\s*,\s*(\S+)\s*\)", A)


def finished_prototype(text: str) -> str:
    """process_proto_function's rewrites once the prototype is complete: comments out, lines
    joined, `type (*name)(...)` read as `type name(...)`."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=A | re.S)
    text = re.sub(r"[\r\n]+", " ", text, flags=A)
    text = re.sub(r"^\s+", "", text, flags=A)
    return re.sub(r"^(\S+\s+)\(\s*\*(\S+)\)", r"\1\2", text, count=1, flags=A)


def syscall_munge(prototype: str) -> str:
    """`SYSCALL_DEFINEn(name, type, arg, ...)` as kernel-doc reads it: `long sys_name(type
    arg, ...)` (every odd comma becomes a space)."""
    prototype = re.sub(r"[\r\n]+", " ", prototype, flags=A)
    void = "SYSCALL_DEFINE0" in prototype
    prototype = re.sub(r"SYSCALL_DEFINE.*\(", "long sys_", prototype, count=1, flags=A)
    if re.search(r"long (sys_.*?),", prototype, A):
        prototype = prototype.replace(",", "(", 1)
    elif void:
        prototype = prototype.replace(")", "(void)", 1)
    if void:
        return prototype
    chars = list(prototype)
    count = 0
    for index, char in enumerate(chars):
        if char == ",":
            count += 1
            if count % 2 == 1:
                chars[index] = " "
    return "".join(chars)


def tracepoint_munge(prototype: str, identifier: str) -> tuple[str, str, bool]:
    """TRACE_EVENT / DEFINE_EVENT / DEFINE_SINGLE_EVENT as `static inline void trace_name(
    TP_PROTO args)`; (prototype, identifier, recognised)."""
    name: str | None = None
    for pattern, group in (
        (r"TRACE_EVENT\((.*?),", 1),
        (r"DEFINE_SINGLE_EVENT\((.*?),", 1),
        (r"DEFINE_EVENT\((.*?),(.*?),", 2),
    ):
        found = re.search(pattern, prototype, A)
        if found:
            name = found.group(group)
    args = re.search(r"TP_PROTO\((.*?)\)", prototype, A)
    if name is None or args is None:
        return prototype, identifier, False
    name = re.sub(r"^\s+", "", name, flags=A)
    if name == "0" or args.group(1) == "0":  # Perl compares with `eq 0`
        return prototype, identifier, False
    return f"static inline void trace_{name}({args.group(1)})", f"trace_{identifier}", True


def strip_attributes(text: str, vocabulary: KdocVocabulary) -> tuple[str, bool]:
    """dump_function's substitutions, each applied once as the Perl `s///` does;
    (prototype, whether it was a `#define`)."""
    for word in vocabulary.strip_prefixes:
        text = re.sub(rf"^{re.escape(word)} +", "", text, count=1, flags=A)
    for word in vocabulary.strip_anywhere:
        text = re.sub(rf"{re.escape(word)} +", "", text, count=1, flags=A)
    for pattern in vocabulary.strip_patterns:
        text = pattern.sub("", text, count=1)
    text = _DECL_BUCKET_PARAMS.sub(r"\1, \2", text, count=1)
    define = re.match(r"^#\s*define\s+", text, A)
    if define:
        text = text[define.end() :]
    return text, bool(define)


def parse_function_prototype(prototype: str, vocabulary: KdocVocabulary, line: int) -> Prototype:
    """dump_function: strip attribute words, then match an object-like macro or one of
    three function forms."""
    text, define = strip_attributes(prototype, vocabulary)
    if define and _PROTO_MACRO_OBJECT.match(text):
        name = _PROTO_MACRO_OBJECT.match(text).group(2)
        return Prototype(name, "object-macro", "", (), frozenset(), prototype, line)
    for form in _PROTO_FORMS:
        match = form.match(text)
        if match:
            found = create_parameterlist(match.group(3), ",")
            kind = "macro" if define else "function"
            return _prototype(match.group(2), kind, match.group(1), found, prototype, line)
    # kernel-doc prints the prototype as its substitutions left it
    return Prototype("", "function", "", (), frozenset(), text, line, understood=False)


def _prototype(name: str, kind: str, rtype: str, found: ParamList, text: str, line: int):
    return Prototype(
        name,
        kind,
        rtype,
        tuple(found.params),
        frozenset(found.auto),
        text,
        line,
        actual=tuple(found.actual),
    )


def parameter_list(args: str, splitter: str = ",") -> tuple[tuple[str, ...], frozenset[str]]:
    """The names kernel-doc checks in a parameter list, and those it describes itself."""
    found = create_parameterlist(args, splitter)
    return tuple(found.params), frozenset(found.auto)
