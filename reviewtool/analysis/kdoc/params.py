"""kernel-doc's create_parameterlist and push_parameter: a parameter or member list split the
way the Perl script splits it, with the names it then checks (`params`), the raw names its
struct check compares against (`actual`), and the names it describes by itself (`auto`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

A = re.ASCII
_ARG_EXPR = re.compile(r"(\([^\),]+),", A)
_FNPTR = re.compile(r"\(.+\)\s*\(", A)
_FNPTR_NAME = re.compile(r"[^\(]+\(\*?\s*([\w\[\]\.]*)\s*\)", A)
_ARRAY_OF_PTR = re.compile(r"\(.+\)\s*\[", A)
MAX_COMMA_ROUNDS = 1000  # rounds of kernel-doc's comma hiding (one per comma in a group)


class CutShort(Exception):
    """A bound on hostile input was reached: kernel-doc's answer is not known."""


_ARRAY_OF_PTR_NAME = re.compile(r"[^\(]+\(\s*\*\s*([\w\[\]\.]*?)\s*(\s*\[\s*[\w]+\s*\]\s*)*\)", A)


def perl_split(pattern: str, text: str) -> list[str]:
    """Perl's split with a pattern: trailing empty fields are dropped (an empty string gives
    no field at all); a leading empty field stays."""
    fields = re.split(pattern, text, flags=A) if text else []
    while fields and fields[-1] == "":
        fields.pop()
    return fields


@dataclass
class ParamList:
    """What one create_parameterlist call leaves behind, in kernel-doc's order."""

    params: list[str] = field(default_factory=list)  # @parameterlist
    actual: list[str] = field(default_factory=list)  # $struct_actual, spaces removed
    auto: dict[str, str] = field(default_factory=dict)  # names described by kernel-doc itself
    anonymous: bool = False  # $anon_struct_union: the next lone "}" is not a member


def create_parameterlist(args: str, splitter: str, out: ParamList | None = None) -> ParamList:
    out = out or ParamList()
    for _ in range(MAX_COMMA_ROUNDS):
        if not _ARG_EXPR.search(args):
            break
        args = _ARG_EXPR.sub(r"\1#", args)
    else:
        if _ARG_EXPR.search(args):
            raise CutShort(f"more than {MAX_COMMA_ROUNDS} commas inside one parenthesis")
    for arg in perl_split(re.escape(splitter), args):
        arg = re.sub(r"/\*.*\*/", "", arg, count=1, flags=A)
        arg = re.sub(r"\sPOS0?\s", " ", arg, count=1, flags=A)
        arg = re.sub(r"^\s*", "", arg, flags=A)
        arg = re.sub(r"\s*$", "", arg, count=1, flags=A)
        arg = re.sub(r"\s+", " ", arg, count=1, flags=A)
        if arg.startswith("#"):
            _push(out, arg, "")
        elif _FNPTR.search(arg):
            arg = arg.replace("#", ",")
            found = _FNPTR_NAME.search(arg)
            param = found.group(1) if found else ""
            out.actual.append(_actual(param))
            _push(out, param, arg)  # the type is never empty here
        elif _ARRAY_OF_PTR.search(arg):
            arg = arg.replace("#", ",")
            found = _ARRAY_OF_PTR_NAME.search(arg)
            param = found.group(1) if found and found.group(1) is not None else ""
            out.actual.append(_actual(param))
            _push(out, param, arg)
        elif arg:
            _plain(out, arg)
    return out


def _plain(out: ParamList, arg: str) -> None:
    arg = re.sub(r"\s*:\s*", ":", arg, flags=A)
    arg = re.sub(r"\s*\[", "[", arg, flags=A)
    args = perl_split(r"\s*,\s*", arg)
    if args and "*" in args[0]:
        args[0] = re.sub(r"(\*+)\s*", r" \1", args[0], count=1, flags=A)
    first: list[str] = []
    array = re.match(r"^(.*\s+)(.*?\[.*\].*)$", args[0], A) if args else None
    if array:
        args.pop(0)
        first = [*perl_split(r"\s+", array.group(1)), array.group(2)]
    elif args:
        first = perl_split(r"\s+", args.pop(0))
    args.insert(0, first.pop() if first else "")
    typ = " ".join(first)
    for param in args:
        pointer = re.match(r"^(\*+)\s*(.*)", param, A)
        bitfield = re.search(r"(.*?):(\w+)", param, A)
        if pointer:
            out.actual.append(_actual(pointer.group(2)))
            _push(out, pointer.group(2), f"{typ} {pointer.group(1)}")
        elif bitfield:
            if typ != "":  # unnamed bit-fields are skipped
                out.actual.append(_actual(bitfield.group(1)))
                _push(out, bitfield.group(1), f"{typ}:{bitfield.group(2)}")
        else:
            out.actual.append(_actual(param))
            _push(out, param, typ)


def _actual(param: str) -> str:
    return re.sub(r"\s*", "", param, flags=A)


def _push(out: ParamList, param: str, typ: str) -> None:
    """push_parameter: the name kernel-doc lists, and what it describes by itself."""
    if out.anonymous and typ == "" and param == "}":
        return  # the closing "};" of an anonymous struct/union
    out.anonymous = False
    param = re.sub(r"[\[\)].*", "", param, count=1, flags=A | re.S)
    if typ == "" and param.endswith("..."):
        if re.search(r"\w\.\.\.$", param, A):
            param = param[:-3]  # `args...`: named variadic arguments
        out.auto.setdefault(param, "variable arguments")
    elif typ == "" and param in ("", "void"):
        param = "void"
        out.auto[param] = "no arguments"
    elif typ == "" and param in ("struct", "union"):
        param = f"{{unnamed_{param}}}"
        out.auto[param] = "anonymous"
        out.anonymous = True
    elif "__cacheline_group" in param:
        return
    out.params.append(param)
