"""kernel-doc's verdicts on one block and the declaration after it (dump_function, dump_struct,
dump_enum, dump_typedef, with push_parameter's and check_sections' warnings), worded as
kernel-doc -Wall words them. Pure: the reader reports what these return, in order."""

from __future__ import annotations

import re

from reviewtool.analysis.kdoc.model import RETURN, OpenBlock, Prototype

# (kind, function, subject, message): a KdocProblem before the reader places it
Verdict = tuple[str, str | None, str, str]


def function_verdicts(block: OpenBlock, parsed: Prototype, prototype: str) -> list[Verdict]:
    """kernel-doc's dump_function: parameters are checked while the prototype is parsed,
    so they are reported even when the name then turns out not to match."""
    if not parsed.understood:
        message = f"cannot understand function prototype: '{prototype.strip()}'"
        return [("bad-prototype", block.identifier, block.identifier, message)]
    name = parsed.name
    warnings = undescribed(block, parsed)
    if block.identifier != name:
        # Attributed to the documented name (the comment is what is wrong); the key's
        # subject is the declaration actually found.
        message = (
            f"expecting prototype for {block.identifier}(). Prototype was for {name}() instead"
        )
        return [*warnings, ("name-mismatch", block.identifier, name, message)]
    warnings += excess(block, parsed)
    needs_return = parsed.kind == "function" and not is_void(parsed.return_type)
    if needs_return and not block.sections.get(RETURN):
        message = f"No description found for return value of '{name}'"
        warnings.append(("return-not-described", name, "return", message))
    return warnings


def type_verdicts(block: OpenBlock, parsed: Prototype | None) -> list[Verdict]:
    """kernel-doc's dump_struct / dump_enum / dump_typedef: name first, then members."""
    if parsed is None:
        return []
    if block.identifier != parsed.name:
        shown = "typedef" if parsed.kind.startswith("typedef") else parsed.kind
        message = (
            f"expecting prototype for {shown} {block.identifier}. Prototype "
            f"was for {shown} {parsed.name} instead"
        )
        return [("name-mismatch", block.identifier, parsed.name, message)]
    warnings = undescribed(block, parsed)
    if parsed.kind in ("struct", "union", "enum"):
        warnings += excess(block, parsed)
    return warnings


def undescribed(block: OpenBlock, parsed: Prototype) -> list[Verdict]:
    """kernel-doc's push_parameter warnings."""
    name = parsed.name
    member = parsed.kind in ("struct", "union", "enum")
    warnings: list[Verdict] = []
    for param in parsed.params:
        skip = param in parsed.undescribed_ok or "." in param or param.startswith("#")
        if skip or param in block.params:
            continue
        if parsed.kind == "enum":
            message = f"Enum value '{param}' not described in enum '{name}'"
        else:
            message = f"Function parameter or struct member '{param}' not described in '{name}'"
        kind_name = "member-not-described" if member else "param-not-described"
        warnings.append((kind_name, name, param, message))
    return warnings


def excess(block: OpenBlock, parsed: Prototype) -> list[Verdict]:
    """kernel-doc's check_sections (and dump_enum's excess check)."""
    name = parsed.name
    kind = parsed.kind
    warnings: list[Verdict] = []
    for described in block.params:
        if described in parsed.params or described in parsed.undescribed_ok:
            continue
        if kind == "enum":
            message = f"Excess enum value '{described}' description in '{name}'"
            warnings.append(("excess-member", name, described, message))
        elif kind in ("struct", "union"):
            message = f"Excess {kind} member '{described}' description in '{name}'"
            warnings.append(("excess-member", name, described, message))
        else:
            message = f"Excess function parameter '{described}' description in '{name}'"
            warnings.append(("excess-param", name, described, message))
    return warnings


def is_void(return_type: str) -> bool:
    """kernel-doc ignores an empty return type (a macro) and `void` (not `void *`)."""
    return return_type == "" or re.search(r"void\s*\w*\s*$", return_type) is not None
