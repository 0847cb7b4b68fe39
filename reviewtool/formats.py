"""Renders a Report for people and machines: text, json (and the formats registered below)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from reviewtool import __version__
from reviewtool.engine import Report
from reviewtool.model import Finding, Severity


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    show_asserts: bool = False


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


def _finding_line(report: Report, finding: Finding, options: RenderOptions) -> str:
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
        message += f" (gone in {finding.fixed_in}/{report.series.total})"
    return f"{prefix}{where}{severity}: {message} [{finding.code} {finding.name}]"


def summary_line(report: Report) -> str:
    counts = {severity: 0 for severity in Severity}
    for finding in report.findings:
        counts[finding.severity] += 1
    parts = [f"{counts[s]} {s.label}{'s' if counts[s] != 1 else ''}" for s in reversed(Severity)]
    if report.series is not None:
        applied = sum(1 for s in report.snapshots[1:] if s.applied)
        scope = f"{len(report.series.patches)} patches ({applied} applied)"
        title = f"{report.series.title} (v{report.series.version}): "
    else:
        scope, title = "scan", ""
    return f"{title}{', '.join(parts)} in {scope}"


def render_text(report: Report, options: RenderOptions = RenderOptions()) -> str:
    lines: list[str] = []
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
            lines.extend(_finding_line(report, f, options) for f in found)
            if options.show_asserts:
                lines.extend(_assert_lines(asserts))
        series_level = by_patch.get(0, [])
        if series_level:
            lines.append(f"--- {_patch_label(report, 0)} {report.series.title}")
            lines.extend(_finding_line(report, f, options) for f in series_level)
    else:
        lines.extend(_finding_line(report, f, options) for f in report.findings)
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def _assert_lines(changes: list) -> list[str]:
    out = []
    for change in changes:
        data = change.to_json() if hasattr(change, "to_json") else dict(change)
        where = f"{data.get('path')}:{data.get('line')}"
        out.append(
            f"  assert {data.get('change')}: {where}: {data.get('function')}(): {data.get('text')}"
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
        for patch in series.patches:
            snapshot = (
                report.snapshots[patch.index] if patch.index < len(report.snapshots) else None
            )
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
    return data


def render_json(report: Report, options: RenderOptions = RenderOptions()) -> str:
    return json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n"


# name -> renderer; other modules register more formats here (sarif, b4, b4-json).
RENDERERS: dict[str, Callable[[Report, RenderOptions], str]] = {
    "text": render_text,
    "json": render_json,
}
