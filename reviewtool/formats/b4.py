"""b4's check protocols: the b4 format (checkpatch-style lines, what `prep-perpatch-check-cmd`
and `am-perpatch-check-cmd` read) and b4-json (b4 review's external check JSON)."""

from __future__ import annotations

import json

from reviewtool.engine import Report
from reviewtool.formats.text import RenderOptions
from reviewtool.model import Finding, Severity

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
