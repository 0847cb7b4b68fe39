"""Renders a Report for people and machines: text, json, SARIF 2.1.0, b4's check protocols
(line and JSON), patchwork's checks and NIPA's exit-code contract."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from reviewtool import __version__
from reviewtool.engine import Report
from reviewtool.memory import report as memory_report
from reviewtool.model import Finding, Location, Severity


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    show_asserts: bool = False
    url_template: str | None = None  # patchwork: each check's target_url


_COLORS = {
    Severity.ERROR: "\033[1;31m",
    Severity.WARNING: "\033[1;35m",
    Severity.NOTE: "\033[1;36m",
}
_RESET = "\033[0m"


def _patch_label(report: Report, patch: int) -> str:
    total = report.series.total if report.series else 0
    if patch == 0:
        return f"PATCH 0/{total}" if report.series else ""
    return f"PATCH {patch}/{total}"


def _finding_line(
    report: Report, finding: Finding, options: RenderOptions, totals: dict[int, int] | None = None
) -> str:
    loc = finding.location
    where = ""
    if loc.path:
        where = loc.path + (f":{loc.line}" if loc.line else "") + ": "
    severity = finding.severity.label
    if options.color:
        severity = f"{_COLORS[finding.severity]}{severity}{_RESET}"
    label = _patch_label(report, loc.patch)
    prefix = f"{label} " if label else ""
    message = finding.message
    if finding.fixed_in is not None and report.series is not None:
        gone = f"{finding.fixed_in}/{report.series.total}"
        if gone not in message:
            message += f" (gone in {gone})"
    message += memory_report.text_suffix(finding, totals or {})
    return f"{prefix}{where}{severity}: {message} [{finding.code} {finding.name}]"


def summary_line(report: Report) -> str:
    counts = {severity: 0 for severity in Severity}
    for finding in report.findings:
        counts[finding.severity] += 1
    parts = [f"{counts[s]} {s.label}{'s' if counts[s] != 1 else ''}" for s in reversed(Severity)]
    if report.series is not None:
        applied = sum(1 for s in report.snapshots[1:] if s.applied)
        count = len(report.series.patches)
        scope = f"{count} patch{'es' if count != 1 else ''} ({applied} applied)"
        title = f"{report.series.title} (v{report.series.version}): "
    else:
        count = report.scanned_files
        scope, title = f"{count} file{'s' if count != 1 else ''} scanned", ""
    return f"{title}{', '.join(parts)} in {scope}"


def render_text(report: Report, options: RenderOptions = RenderOptions()) -> str:
    lines: list[str] = []
    totals = memory_report.totals_of(report)
    by_patch: dict[int, list[Finding]] = {}
    for finding in report.findings:
        by_patch.setdefault(finding.location.patch, []).append(finding)
    if report.series is not None:
        for patch in report.series.patches:
            found = by_patch.get(patch.index, [])
            asserts = report.patch_info.get(patch.index, {}).get("asserts", [])
            if not found and not (options.show_asserts and asserts):
                continue
            lines.append(f"--- {_patch_label(report, patch.index)} {patch.subject.title}")
            lines.extend(_finding_line(report, f, options, totals) for f in _reading_order(found))
            if options.show_asserts:
                lines.extend(_assert_lines(asserts))
        series_level = by_patch.get(0, [])
        if series_level:
            lines.append(f"--- {_patch_label(report, 0)} {report.series.title}")
            lines.extend(_finding_line(report, f, options, totals) for f in series_level)
        lines.extend(memory_report.since_block(report))
    else:
        lines.extend(_finding_line(report, f, options) for f in report.findings)
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def _reading_order(found: list[Finding]) -> list[Finding]:
    """The problem first, then what it means for the series: a BS007 restating a finding
    follows that finding on the same line (the sort is stable)."""
    return sorted(
        found, key=lambda f: (f.location.path or "", f.location.line or 0, f.code == "BS007")
    )


def _assert_lines(changes: list) -> list[str]:
    out = []
    for change in changes:
        data = change.to_json() if hasattr(change, "to_json") else dict(change)
        kinds = ",".join(data.get("kinds") or ())
        text = data.get("one_line") or data.get("text", "")
        out.append(
            f"  assert {data.get('change')}: {data.get('path')}:{data.get('line')}: "
            f"{data.get('function')}(): {text}" + (f" [{kinds}]" if kinds else "")
        )
    return out


def finding_json(finding: Finding) -> dict:
    loc = finding.location
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.label,
        "message": finding.message,
        "patch": loc.patch,
        "path": loc.path,
        "line": loc.line,
        "function": loc.function,
        "key": finding.key,
        "introduced_in": finding.introduced_in,
        "fixed_in": finding.fixed_in,
        "evidence": [
            {"patch": e.patch, "path": e.path, "line": e.line, "function": e.function}
            for e in finding.evidence
        ],
        "history": memory_report.history_json(finding.history),
        "raised_by": memory_report.raised_json(finding.raised_by),
    }


def report_json(report: Report) -> dict:
    series = report.series
    data: dict = {"tool": "reviewtool", "version": __version__}
    if series is not None:
        data["series"] = {
            "title": series.title,
            "version": series.version,
            "total": series.total,
            "cover_message_id": series.cover.message_id if series.cover else None,
            "base": report.base_description,
        }
        patches = []
        for step, patch in enumerate(series.patches, start=1):
            snapshot = report.snapshots[step] if step < len(report.snapshots) else None
            info = report.patch_info.get(patch.index, {})
            patches.append(
                {
                    "index": patch.index,
                    "subject": patch.subject.raw,
                    "message_id": patch.message_id,
                    "applied": bool(snapshot.applied) if snapshot is not None else False,
                    "asserts": [
                        c.to_json() if hasattr(c, "to_json") else c for c in info.get("asserts", [])
                    ],
                }
            )
        data["patches"] = patches
    else:
        data["series"] = None
        data["patches"] = []
    data["findings"] = [finding_json(f) for f in report.findings]
    data["fixed"] = memory_report.fixed_json(report)
    data["versions"] = memory_report.versions_json(report)
    data["base_candidates"] = base_candidates_json(report)
    return data


def base_candidates_json(report: Report) -> list[dict]:
    """The other bases tried (only when the series did not apply, or some were named):
    rev, source (base-commit, prerequisites, option), commit, applies, failure, used."""
    return [candidate.to_json() for candidate in report.base_candidates]


def render_json(report: Report, options: RenderOptions = RenderOptions()) -> str:
    return json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- SARIF 2.1.0

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
TOOL_URI = "https://github.com/reviewtool/reviewtool"


def _sarif_rule(code: str, name: str, severity: Severity, doc: str) -> dict:
    first = doc.strip().splitlines()[0] if doc.strip() else name
    rule: dict = {
        "id": code,
        "name": name,
        "shortDescription": {"text": first},
        "defaultConfiguration": {"level": _SARIF_LEVEL[severity]},
    }
    if doc.strip():
        rule["fullDescription"] = {"text": doc.strip()}
        rule["help"] = {"text": doc.strip()}
    return rule


def _sarif_rules(report: Report) -> list[dict]:
    """One rule per selected check, plus any code a finding carries that no check declares
    (the tree builder's early findings), so every ruleIndex resolves."""
    rules: dict[str, dict] = {}
    for check in report.checks:
        rules.setdefault(
            check.code, _sarif_rule(check.code, check.name, check.severity, check.doc())
        )
    for finding in [*report.findings, *memory_report.fixed_findings(report)]:
        rules.setdefault(
            finding.code, _sarif_rule(finding.code, finding.name, finding.severity, "")
        )
    return list(rules.values())


def _sarif_location(loc: Location, message: str | None = None) -> dict | None:
    if not loc.path:
        return None
    physical: dict = {"artifactLocation": {"uri": loc.path, "uriBaseId": "%SRCROOT%"}}
    if loc.line:
        physical["region"] = {"startLine": loc.line}
    location: dict = {"physicalLocation": physical}
    if loc.function:
        location["logicalLocations"] = [{"name": loc.function, "kind": "function"}]
    if message:
        location["message"] = {"text": message}
    return location


def _sarif_result(finding: Finding, rule_index: dict[str, int]) -> dict:
    result: dict = {
        "ruleId": finding.code,
        "ruleIndex": rule_index[finding.code],
        "level": _SARIF_LEVEL[finding.severity],
        "message": {"text": finding.message},
        "partialFingerprints": {"reviewtoolKey/v1": finding.key},
        "properties": {
            "patch": finding.location.patch,
            "introducedIn": finding.introduced_in,
            "fixedIn": finding.fixed_in,
            **memory_report.sarif_properties(finding),
        },
    }
    baseline = memory_report.sarif_baseline_state(finding)
    if baseline is not None:
        result["baselineState"] = baseline
    location = _sarif_location(finding.location)
    if location is not None:
        result["locations"] = [location]
    related = []
    for number, evidence in enumerate(finding.evidence, start=1):
        where = _sarif_location(evidence, f"evidence (patch {evidence.patch})")
        if where is not None:
            related.append({"id": number, **where})
    if related:
        result["relatedLocations"] = related
    return result


def report_sarif(report: Report) -> dict:
    rules = _sarif_rules(report)
    rule_index = {rule["id"]: index for index, rule in enumerate(rules)}
    run: dict = {
        "tool": {
            "driver": {
                "name": "reviewtool",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": TOOL_URI,
                "rules": rules,
            }
        },
        "results": [
            *(_sarif_result(f, rule_index) for f in report.findings),
            *memory_report.sarif_absent(report, rule_index),
        ],
        "columnKind": "unicodeCodePoints",
    }
    if report.series is not None:
        run["properties"] = {
            "series": report.series.title,
            "seriesVersion": report.series.version,
            "total": report.series.total,
        }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(report: Report, options: RenderOptions = RenderOptions()) -> str:
    return json.dumps(report_sarif(report), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- b4

# b4 (`prep-perpatch-check-cmd`, `am-perpatch-check-cmd`) pipes one patch on stdin and reads
# checkpatch-style lines: a line containing "ERROR:" is a failure, any other stdout line a
# warning, every stderr line a failure; no output at all means "passed all checks".
_B4_PREFIX = {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.NOTE: "CHECK"}
_B4_STATUS = {Severity.ERROR: "fail", Severity.WARNING: "warn", Severity.NOTE: "warn"}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def b4_line(finding: Finding) -> str:
    loc = finding.location
    where = (
        f"{loc.path}:{loc.line}: "
        if loc.path and loc.line
        else (f"{loc.path}: " if loc.path else "")
    )
    return f"{where}{_B4_PREFIX[finding.severity]}: {_one_line(finding.message)} [{finding.code}]"


def _per_patch(report: Report) -> list[Finding]:
    """b4 hands a check one patch at a time: series-level findings (patch 0: a gap in the
    numbering, a missing cover letter) describe a series it never showed us, so they stay out."""
    return [f for f in report.findings if f.location.patch != 0]


def render_b4(report: Report, options: RenderOptions = RenderOptions()) -> str:
    """checkpatch --terse --showfile lines; nothing at all when clean (b4 reads silence as a
    pass, and would count an ERROR-free summary line as a warning)."""
    return "".join(b4_line(f) + "\n" for f in _per_patch(report))


def _count_phrase(counts: dict[Severity, int]) -> str:
    parts = []
    for severity, word in (
        (Severity.ERROR, "error"),
        (Severity.WARNING, "warning"),
        (Severity.NOTE, "note"),
    ):
        if counts.get(severity):
            parts.append(f"{counts[severity]} {word}{'s' if counts[severity] != 1 else ''}")
    return ", ".join(parts)


def report_b4_json(report: Report) -> list[dict]:
    """b4 review's external check protocol: a JSON array of {tool, status, summary, details};
    status is pass, warn or fail; details is a string (here: JSON of one entry per finding,
    {status, description}, the shape b4's own checkpatch wrapper stores)."""
    findings = _per_patch(report)
    if not findings:
        return [{"tool": "reviewtool", "status": "pass", "summary": "passed all checks"}]
    counts: dict[Severity, int] = {}
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    worst = max(f.severity for f in findings)
    details = [{"status": _B4_STATUS[f.severity], "description": b4_line(f)} for f in findings]
    return [
        {
            "tool": "reviewtool",
            "status": _B4_STATUS[worst],
            "summary": _count_phrase(counts),
            "details": json.dumps(details, ensure_ascii=False),
        }
    ]


def render_b4_json(report: Report, options: RenderOptions = RenderOptions()) -> str:
    return json.dumps(report_b4_json(report), ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- NIPA

NIPA_PASS, NIPA_WARNING, NIPA_FAIL = 0, 250, 1


def nipa_verdict(report: Report) -> tuple[int, str]:
    """NIPA's test contract: exit 0 pass, 250 warning, anything else failure, plus a one-line
    description for the fd in $DESC_FD. Notes never fail or warn a NIPA run."""
    worst = max((f.severity for f in report.findings), default=None)
    if worst == Severity.ERROR:
        code = NIPA_FAIL
    elif worst == Severity.WARNING:
        code = NIPA_WARNING
    else:
        code = NIPA_PASS
    return code, summary_line(report)


def render_patchwork(report: Report, options: RenderOptions = RenderOptions()) -> str:
    """patchwork's checks API, one object per patch (reviewtool/patchwork.py)."""
    from reviewtool.patchwork import render_patchwork as render

    return render(report, options.url_template)


# formats that write a directory of files, which the cli writes: b4 review's agent files
# (reviewtool/render/b4review.py)
DIRECTORY_FORMATS = ("b4-review",)

# name -> renderer
RENDERERS: dict[str, Callable[[Report, RenderOptions], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "b4": render_b4,
    "b4-json": render_b4_json,
    "patchwork": render_patchwork,
}
