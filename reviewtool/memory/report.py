"""How the series memory shows in each format: pieces `formats` puts in its text, JSON and
SARIF output. Pure functions of the Report; nothing here decides anything."""

from __future__ import annotations

from collections.abc import Sequence

from reviewtool.model import Finding, Fixed, History, Raised


def _where(patch: int | None, total: int | None) -> str:
    if not patch:
        return ""
    return f"{patch}/{total}" if total else f"patch {patch}"


def totals_of(report) -> dict[int, int]:
    """Each compared version's patch total, to write "1/8" for a patch of v2."""
    totals: dict[int, int] = {}
    memory = report.memory
    if memory is not None:
        for step in memory.steps:
            totals.setdefault(step.old_version, step.old_total)
            totals[step.new_version] = step.new_total
    return totals


def history_phrase(history: History | None, totals: dict[int, int]) -> str:
    if history is None:
        return ""
    if history.state == "new":
        return f"new since v{history.previous_version}"
    where = _where(history.since_patch, totals.get(history.since_version or 0))
    return f"persisting since v{history.since_version}" + (f", {where}" if where else "")


def raised_phrase(people: Sequence[Raised]) -> str:
    if not people:
        return ""
    said = "; ".join(f"{_person(p)} in <{p.message_id}>" for p in people)
    return f"raised by {said}"


def _person(person: Raised) -> str:
    return f"{person.name} <{person.email}>" if person.name else f"<{person.email}>"


def text_suffix(finding: Finding, totals: dict[int, int]) -> str:
    """ " (new since v2; raised by …)" after a finding's text line, or ""."""
    parts = [history_phrase(finding.history, totals), raised_phrase(finding.raised_by)]
    parts = [part for part in parts if part]
    return f" ({'; '.join(parts)})" if parts else ""


def since_block(report) -> list[str]:
    """The "since vN" lines of the text format: counts, patch matching, and what is fixed."""
    memory = report.memory
    if memory is None or memory.last is None:
        return []
    step = memory.last
    totals = totals_of(report)
    states = [f.history.state for f in report.findings if f.history is not None]
    fixed = memory.fixed_by_newest()
    matched = ", ".join(
        f"{step.count(how)} by {how.replace('-', ' ')}"
        for how in ("patch-id", "subject", "similarity")
        if step.count(how)
    )
    lines = [
        f"--- since v{step.old_version}: {states.count('new')} new, "
        f"{states.count('persisting')} persisting, {len(fixed)} fixed "
        f"(patches matched: {matched or 'none'}; {len(step.dropped)} dropped, "
        f"{len(step.added)} added)"
    ]
    order = sorted(memory.fixed, key=_fixed_order)
    lines.extend(fixed_line(gone, totals) for gone in order)
    return lines


def _fixed_order(gone: Fixed) -> tuple:
    """Newest fixes first; per patch the problem before what restates it (BS007)."""
    code = gone.finding.code
    return (-gone.fixed_in_version, gone.finding.location.patch, code == "BS007", code)


def fixed_line(gone: Fixed, totals: dict[int, int]) -> str:
    """ "fixed in v3: LK001 lock-not-released in f(), mm/rmap.c (v2 1/8)"."""
    finding = gone.finding
    loc = finding.location
    where = " ".join(
        part for part in (f"v{gone.version}", _where(loc.patch, totals.get(gone.version))) if part
    )
    what = f"{finding.code} {finding.name}"
    if loc.function:
        what += f" in {loc.function}()"
    if loc.path:
        what += f", {loc.path}"
    dropped = ", whose patch was dropped" if loc.patch and gone.new_patch is None else ""
    return f"fixed in v{gone.fixed_in_version}: {what} ({where}{dropped})"


# ---------------------------------------------------------------- JSON


def history_json(history: History | None) -> dict | None:
    if history is None:
        return None
    return {
        "state": history.state,
        "previous_version": history.previous_version,
        "previous_patch": history.previous_patch,
        "since_version": history.since_version,
        "since_patch": history.since_patch,
    }


def raised_json(people: Sequence[Raised]) -> list[dict]:
    return [
        {"name": p.name, "email": p.email, "message_id": p.message_id, "version": p.version}
        for p in people
    ]


def fixed_json(report) -> list[dict]:
    memory = report.memory
    if memory is None:
        return []
    return [
        {
            "code": gone.finding.code,
            "name": gone.finding.name,
            "message": gone.finding.message,
            "path": gone.finding.location.path,
            "function": gone.finding.location.function,
            "patch": gone.finding.location.patch,
            "version": gone.version,
            "fixed_in_version": gone.fixed_in_version,
            "new_patch": gone.new_patch,
            "key": gone.finding.key,
        }
        for gone in memory.fixed
    ]


def versions_json(report) -> dict | None:
    memory = report.memory
    if memory is None:
        return None
    return {
        "compared": [
            {
                "old_version": step.old_version,
                "new_version": step.new_version,
                "pairs": [
                    {"old": p.old, "new": p.new, "how": p.how, "cost": p.cost} for p in step.pairs
                ],
                "dropped": list(step.dropped),
                "added": list(step.added),
            }
            for step in memory.steps
        ]
    }


# ---------------------------------------------------------------- SARIF

_BASELINE = {"new": "new", "persisting": "unchanged"}


def sarif_baseline_state(finding: Finding) -> str | None:
    """SARIF 2.1.0 §3.27.24: "new" (not in the baseline run, here the previous posting),
    "unchanged" (in both); "absent" results are the fixed ones (`sarif_absent`)."""
    return _BASELINE.get(finding.history.state) if finding.history is not None else None


def sarif_properties(finding: Finding) -> dict:
    """Result properties: who already raised the finding (`raisedBy`), when someone did."""
    if not finding.raised_by:
        return {}
    return {
        "raisedBy": [
            {"name": p.name, "email": p.email, "messageId": p.message_id} for p in finding.raised_by
        ]
    }


def sarif_absent(report, rule_index: dict[str, int]) -> list[dict]:
    """The previous posting's findings the reviewed one no longer has: results with
    baselineState "absent", kind "pass" (the rule finds nothing there now) and level
    "none", located by file and function only (their lines are another tree's)."""
    memory = report.memory
    if memory is None:
        return []
    results = []
    for gone in memory.fixed_by_newest():
        finding = gone.finding
        result: dict = {
            "ruleId": finding.code,
            "ruleIndex": rule_index[finding.code],
            "kind": "pass",
            "level": "none",
            "baselineState": "absent",
            "message": {"text": f"fixed in v{gone.fixed_in_version}: {finding.message}"},
            "partialFingerprints": {"reviewtoolKey/v1": finding.key},
            "properties": {
                "patch": finding.location.patch,
                "version": gone.version,
                "fixedInVersion": gone.fixed_in_version,
                "newPatch": gone.new_patch,
            },
        }
        if finding.location.path:
            location: dict = {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.location.path, "uriBaseId": "%SRCROOT%"}
                }
            }
            if finding.location.function:
                location["logicalLocations"] = [
                    {"name": finding.location.function, "kind": "function"}
                ]
            result["locations"] = [location]
        results.append(result)
    return results


def fixed_findings(report) -> list[Finding]:
    """The findings `sarif_absent` reports (their rules must be in the driver's list)."""
    memory = report.memory
    return [gone.finding for gone in memory.fixed_by_newest()] if memory is not None else []


__all__ = [
    "fixed_json",
    "history_json",
    "raised_json",
    "sarif_absent",
    "sarif_baseline_state",
    "sarif_properties",
    "since_block",
    "text_suffix",
    "versions_json",
]
