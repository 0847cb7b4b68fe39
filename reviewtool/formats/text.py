"""The text format for people (one line a finding, grouped by patch, a summary line), the
options every renderer takes, and NIPA's verdict (an exit code and the summary line)."""

from __future__ import annotations

from dataclasses import dataclass

from reviewtool.engine import Report
from reviewtool.memory import report as memory_report
from reviewtool.model import Finding, Severity


@dataclass(frozen=True)
class RenderOptions:
    """What the cli asks of a renderer; each format reads only what concerns it."""

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
