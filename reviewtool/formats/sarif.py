"""The sarif format: SARIF 2.1.0, one run with a rule per selected check; findings the memory
found fixed are `absent` results."""

from __future__ import annotations

import json

from reviewtool import __version__
from reviewtool.engine import Report
from reviewtool.formats.text import RenderOptions
from reviewtool.memory import report as memory_report
from reviewtool.model import Finding, Location, Severity

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
