"""The patchwork format: one check per patch in the shape patchwork's REST API takes
(`POST /api/patches/{id}/checks/`: state, context, description, target_url), plus the patch's
Message-ID so a bot can find the patchwork patch id. Pure: a bot runs it per series."""

from __future__ import annotations

import json
import string
import urllib.parse
from collections.abc import Sequence

from reviewtool.engine import Report
from reviewtool.errors import ReviewtoolError
from reviewtool.formats.text import RenderOptions
from reviewtool.model import Finding, Patch, Severity

CONTEXT = "reviewtool"  # patchwork's `context` is a slug: letters, digits, - and _
MAX_DESCRIPTION = 240  # one line in patchwork's checks table
URL_FIELDS = ("msgid", "patch", "total", "version")
_STATE = {Severity.ERROR: "fail", Severity.WARNING: "warning", Severity.NOTE: "success"}


def check_url_template(template: str) -> str:
    """The template, if it only uses our fields and makes an http(s) URL (patchwork stores
    target_url in a URLField and rejects anything else); a ReviewtoolError otherwise."""
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template)]
    except ValueError as exc:
        raise ReviewtoolError(f"--url-template {template!r}: {exc}") from None
    used = [(name, spec, conv) for name, spec, conv in fields if name is not None]
    if any(name not in URL_FIELDS or spec or conv for name, spec, conv in used):
        allowed = ", ".join("{" + name + "}" for name in URL_FIELDS)
        raise ReviewtoolError(f"--url-template {template!r}: only {allowed} may be used")
    if not template.startswith(("http://", "https://")):
        raise ReviewtoolError(f"--url-template {template!r}: must start with http:// or https://")
    return template


def target_url(template: str, patch: Patch, version: int) -> str:
    return template.format(
        msgid=urllib.parse.quote(patch.message_id, safe=""),
        patch=patch.index,
        total=patch.total,
        version=version,
    )


def _counts(findings: Sequence[Finding]) -> str:
    parts = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.NOTE):
        count = sum(1 for f in findings if f.severity == severity)
        if count:
            parts.append(f"{count} {severity.label}{'s' if count != 1 else ''}")
    return ", ".join(parts)


def _where(finding: Finding) -> str:
    loc = finding.location
    if not loc.path:
        return "series: " if loc.patch == 0 else ""
    return f"{loc.path}:{loc.line}: " if loc.line else f"{loc.path}: "


def description(findings: Sequence[Finding]) -> str:
    """One line: the counts, then the worst finding (first in reading order), then how many
    more; cut to MAX_DESCRIPTION characters."""
    if not findings:
        return "no findings"
    worst = max(findings, key=lambda f: f.severity)
    first = next(f for f in findings if f.severity == worst.severity)
    text = f"{_counts(findings)}: {_where(first)}{' '.join(first.message.split())} [{first.code}]"
    if len(findings) > 1:
        text += f" (+{len(findings) - 1} more)"
    if len(text) > MAX_DESCRIPTION:
        text = text[: MAX_DESCRIPTION - 1].rstrip() + "…"
    return text


def _reported(report: Report) -> list[Finding]:
    """Findings about the author's series, each problem once: those about the reviewer's
    input (other versions in the mbox, trailers not collected...) are no result of the patch,
    and a BS007 restating a finding of the same patch would count it twice."""
    # here, not at the top: the render package loads jinja2, which no other format needs
    from reviewtool.render.replies import INPUT_ONLY_CODES, INPUT_ONLY_KEYS, restated_transient

    return [
        f
        for f in report.findings
        if f.code not in INPUT_ONLY_CODES
        and f.key not in INPUT_ONLY_KEYS
        and not restated_transient(f, report.findings)
    ]


def report_patchwork(report: Report, url_template: str | None = None) -> list[dict]:
    """One object per patch of the series, in series order. Series-level findings (a patch
    missing from the series, a duplicate) go with the first patch: patchwork has checks on
    patches only, and the first is where a maintainer starts reading."""
    series = report.series
    if series is None:
        return []
    findings = _reported(report)
    by_patch: dict[int, list[Finding]] = {}
    for finding in findings:
        by_patch.setdefault(finding.location.patch, []).append(finding)
    checks = []
    for position, patch in enumerate(series.patches):
        mine = by_patch.get(patch.index, []) + (by_patch.get(0, []) if position == 0 else [])
        worst = max((f.severity for f in mine), default=None)
        check: dict = {
            "patch": patch.index,
            "message_id": patch.message_id,
            "subject": patch.subject.raw,
            "state": _STATE[worst] if worst is not None else "success",
            "context": CONTEXT,
            "description": description(mine),
        }
        if url_template:
            check["target_url"] = target_url(url_template, patch, series.version)
        checks.append(check)
    return checks


def render_patchwork(report: Report, options: RenderOptions = RenderOptions()) -> str:
    checks = report_patchwork(report, options.url_template)
    return json.dumps(checks, indent=2, ensure_ascii=False) + "\n"
