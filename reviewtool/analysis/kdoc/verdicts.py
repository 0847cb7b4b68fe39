"""kernel-doc's verdicts on one block and the declaration after it (dump_function, dump_struct,
dump_enum, dump_typedef, with push_parameter's, check_sections' and check_return_section's
warnings), worded and ordered as kernel-doc -Wall prints them. Pure."""

from __future__ import annotations

import re

from reviewtool.analysis.kdoc.model import RETURN, OpenBlock, Prototype
from reviewtool.analysis.kdoc.types import ATTRIBUTE

A = re.ASCII
# (kind, function, subject, message): a KdocProblem before the reader places it
Verdict = tuple[str, str | None, str, str]


def function_verdicts(block: OpenBlock, parsed: Prototype, identifier: str) -> list[Verdict]:
    """dump_function: parameters are checked while the prototype is parsed, so they are
    reported even when the name then turns out not to match."""
    if not parsed.understood:
        message = f"cannot understand function prototype: '{parsed.text}'"
        return [("bad-prototype", identifier, identifier, message)]
    name = parsed.name
    warnings = undescribed(block, parsed)
    if identifier != name:
        # Attributed to the documented name (the comment is what is wrong); the key's
        # subject is the declaration actually found.
        message = f"expecting prototype for {identifier}(). Prototype was for {name}() instead"
        return [*warnings, ("name-mismatch", identifier, name, message)]
    prms = " ".join(parsed.params).split()
    warnings += excess(block, parsed, "function", prms)
    needs_return = parsed.kind == "function" and not is_void(parsed.return_type)
    if needs_return and not block.sections.get(RETURN):
        message = f"No description found for return value of '{name}'"
        warnings.append(("return-not-described", name, "return", message))
    return warnings


def type_verdicts(block: OpenBlock, parsed: Prototype, identifier: str) -> list[Verdict]:
    """dump_struct / dump_enum / dump_typedef: the name first, then the members."""
    name, kind = parsed.name, parsed.kind
    if identifier != name:
        if kind == "enum" and identifier == "":
            return [("not-kernel-doc", None, name, "wrong kernel-doc identifier on line:")]
        shown = "typedef" if kind.startswith("typedef") else kind
        message = (
            f"expecting prototype for {shown} {identifier}. Prototype was for {shown} {name} "
            "instead"
        )
        return [("name-mismatch", identifier, name, message)]
    if kind == "enum":
        return _enum(block, parsed)
    warnings = undescribed(block, parsed)
    if kind in ("struct", "union"):
        warnings += excess(block, parsed, kind, list(parsed.actual))
    return warnings


def undescribed(block: OpenBlock, parsed: Prototype) -> list[Verdict]:
    """push_parameter: each name without a description, once; names with a dot are
    marked but not reported, `#` lines are not parameters."""
    described = set(block.descs) | set(parsed.undescribed_ok)
    kind = "member-not-described" if parsed.kind in ("struct", "union") else "param-not-described"
    warnings: list[Verdict] = []
    for param in parsed.params:
        if param in described or param.startswith("#"):
            continue
        described.add(param)
        if "." not in param:
            message = (
                f"Function parameter or struct member '{param}' not described in '{parsed.name}'"
            )
            warnings.append((kind, parsed.name, param, message))
    return warnings


def _clean(prm: str) -> str:
    prm = re.sub(r"\[.*\]", "", prm, count=1, flags=A)
    prm = re.sub(ATTRIBUTE, "", prm, count=1, flags=A | re.I)
    return re.sub(r"\[.*", "", prm, count=1, flags=A)


def excess(block: OpenBlock, parsed: Prototype, kind: str, prms: list[str]) -> list[Verdict]:
    """check_sections: every `@name:` description (repeated ones again) that matches no
    parameter or member."""
    names = {_clean(prm) for prm in prms}
    warnings: list[Verdict] = []
    for described in block.sectcheck:
        if described in names:
            continue
        if kind == "function":
            message = f"Excess function parameter '{described}' description in '{parsed.name}'"
            warnings.append(("excess-param", parsed.name, described, message))
        else:
            message = f"Excess {kind} member '{described}' description in '{parsed.name}'"
            warnings.append(("excess-member", parsed.name, described, message))
    return warnings


def _enum(block: OpenBlock, parsed: Prototype) -> list[Verdict]:
    """dump_enum: undescribed values (Perl truth of the description), then every
    description that names no value."""
    name = parsed.name or "(anonymous)"
    described = {key for key, text in block.descs.items() if text not in ("", "0")}
    warnings: list[Verdict] = []
    for value in parsed.params:
        if value in described:
            continue
        described.add(value)
        message = f"Enum value '{value}' not described in enum '{name}'"
        warnings.append(("member-not-described", name, value, message))
    members = set(parsed.params)
    for key in block.descs:
        if key not in members:
            message = f"Excess enum value '{key}' description in '{name}'"
            warnings.append(("excess-member", name, key, message))
    return warnings


def is_void(return_type: str) -> bool:
    """kernel-doc ignores an empty return type (a macro) and `void` (not `void *`)."""
    return return_type == "" or re.search(r"void\s*\w*\s*$", return_type, A) is not None
