"""The json format: the whole report as one JSON object (findings with their history, the
series and its patches, what the memory found fixed, the base candidates tried)."""

from __future__ import annotations

import json

from reviewtool import __version__
from reviewtool.engine import Report
from reviewtool.formats.text import RenderOptions
from reviewtool.memory import report as memory_report
from reviewtool.model import Finding


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
