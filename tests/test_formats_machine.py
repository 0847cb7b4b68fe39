"""Machine formats: SARIF 2.1.0 against the official schema, b4's line and JSON protocols as b4
drives them (one patch on stdin), NIPA's exit codes and $DESC_FD description."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from reviewtool import checks
from reviewtool.engine import Report
from reviewtool.formats import (
    RENDERERS,
    b4_line,
    nipa_verdict,
    render_b4,
    report_b4_json,
    report_sarif,
)
from reviewtool.model import Finding, Location, Severity
from tests import builders

HERE = Path(__file__).parent
SCHEMA = json.loads((HERE / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
LEAK = HERE / "fixtures" / "reply" / "leak"
CLEAN = HERE / "fixtures" / "reply" / "clean"


def _finding(code="LK001", severity=Severity.ERROR, patch=1, path="mm/x.c", line=12, **kw):
    return Finding(
        code=code,
        name=kw.pop("name", "lock-not-released"),
        severity=severity,
        message=kw.pop("message", "&x->lock taken here is still held at the exit"),
        location=Location(patch, path, line, kw.pop("function", "f")),
        key=kw.pop("key", f"{code}|{path or ''}|f|&x->lock"),
        evidence=kw.pop("evidence", (Location(0, path, 10, "f"),)),
        introduced_in=patch,
        fixed_in=kw.pop("fixed_in", None),
    )


def _report(*findings: Finding) -> Report:
    series = builders.series(builders.patch(1, 2), builders.patch(2, 2))
    return Report(series=series, snapshots=(), findings=tuple(findings), checks=checks.ALL)


def _run(*args: str, stdin: bytes | None = None, env: dict | None = None, **kw):
    return subprocess.run(
        [sys.executable, "-m", "reviewtool", *args],
        input=stdin,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=300,
        **kw,
    )


# ---------------------------------------------------------------- SARIF


def test_sarif_validates_and_carries_rules_results_and_fingerprints() -> None:
    report = _report(
        _finding(),
        _finding("AS001", Severity.WARNING, patch=2, line=None, name="x", key="AS001|a.c||"),
        _finding("IN001", Severity.NOTE, patch=0, path=None, line=None, name="gap", key="IN001"),
    )
    sarif = report_sarif(report)
    jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate(sarif)
    (run,) = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    by_id = {rule["id"]: rule for rule in rules}
    assert set(by_id) >= {c.code for c in checks.ALL}
    documented = [c for c in checks.ALL if c.doc()]
    for check in documented:
        assert by_id[check.code]["fullDescription"]["text"] == check.doc().strip()
        assert by_id[check.code]["help"]["text"] == check.doc().strip()
    first, second, third = run["results"]
    assert first["ruleId"] == "LK001" and rules[first["ruleIndex"]]["id"] == "LK001"
    assert first["level"] == "error" and second["level"] == "warning" and third["level"] == "note"
    physical = first["locations"][0]["physicalLocation"]
    assert physical == {
        "artifactLocation": {"uri": "mm/x.c", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12},
    }
    assert first["partialFingerprints"] == {"reviewtoolKey/v1": "LK001|mm/x.c|f|&x->lock"}
    assert first["properties"]["patch"] == 1
    assert "region" not in second["locations"][0]["physicalLocation"]  # no line, no region
    assert "locations" not in third  # a series-level finding has no file


def test_sarif_of_a_real_run_validates() -> None:
    result = _run("check", "--format", "sarif", str(LEAK))
    assert result.returncode == 1, result.stderr
    sarif = json.loads(result.stdout)
    jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["LK001"]
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 15  # the `return -EINVAL;` in the post-image


def test_sarif_schema_rejects_what_we_must_not_emit() -> None:
    """The vendored schema really constrains: a level SARIF does not know fails."""
    sarif = report_sarif(_report(_finding()))
    sarif["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate(sarif)


# ---------------------------------------------------------------- b4


def test_b4_lines_use_checkpatch_prefixes() -> None:
    report = _report(
        _finding(),
        _finding("AS001", Severity.WARNING, message="assert\nremoved"),
        _finding("KD001", Severity.NOTE, path=None, line=None),
    )
    lines = render_b4(report).splitlines()
    assert lines == [
        "mm/x.c:12: ERROR: &x->lock taken here is still held at the exit [LK001]",
        "mm/x.c:12: WARNING: assert removed [AS001]",
        "CHECK: &x->lock taken here is still held at the exit [KD001]",
    ]
    assert render_b4(_report()) == ""  # silence is b4's "passed all checks"


def test_b4_protocol_one_patch_on_stdin() -> None:
    """As b4 runs prep-perpatch-check-cmd: the patch on stdin, lines on stdout, nothing on
    stderr (b4 counts every stderr line as a failure), ERROR: lines for errors."""
    # b4 writes the message as headers + body (LoreMessage.get_msg_as_bytes): no From_ line
    patch = (LEAK / "0001-foo-add.patch").read_bytes().split(b"\n", 1)[1]
    assert patch.startswith(b"From: Jane Dev")
    result = _run("check", "--format", "b4", "-", stdin=patch)
    assert result.returncode == 1
    assert result.stderr == b""
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("drivers/foo/foo.c:15: ERROR: ")
    assert lines[0].endswith("[LK001]")
    clean = _run("check", "--format", "b4", "-", stdin=(CLEAN / "0001-foo-add.patch").read_bytes())
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, b"", b"")


def test_b4_json_shape() -> None:
    report = _report(_finding(), _finding("AS001", Severity.WARNING))
    (entry,) = report_b4_json(report)
    assert set(entry) == {"tool", "status", "summary", "details"}
    assert entry["tool"] == "reviewtool" and entry["status"] == "fail"
    assert entry["summary"] == "1 error, 1 warning"
    details = json.loads(entry["details"])
    assert details == [
        {"status": "fail", "description": b4_line(report.findings[0])},
        {"status": "warn", "description": b4_line(report.findings[1])},
    ]
    assert report_b4_json(_report()) == [
        {"tool": "reviewtool", "status": "pass", "summary": "passed all checks"}
    ]
    warn_only = report_b4_json(_report(_finding("AS001", Severity.WARNING)))
    assert warn_only[0]["status"] == "warn"


def test_b4_json_on_stdin_is_a_json_array() -> None:
    patch = (LEAK / "0001-foo-add.patch").read_bytes()
    result = _run("check", "--format", "b4-json", "-", stdin=patch)
    data = json.loads(result.stdout)
    assert isinstance(data, list) and data[0]["status"] == "fail"
    assert json.loads(data[0]["details"])[0]["description"].startswith("drivers/foo/foo.c:15:")


def test_every_format_is_registered() -> None:
    assert list(RENDERERS) == ["text", "json", "sarif", "b4", "b4-json", "patchwork"]


# ---------------------------------------------------------------- NIPA


@pytest.mark.parametrize(
    ("findings", "code"),
    [
        ((), 0),
        ((_finding("KD001", Severity.NOTE),), 0),
        ((_finding("AS001", Severity.WARNING),), 250),
        ((_finding("AS001", Severity.WARNING), _finding()), 1),
    ],
)
def test_nipa_verdict(findings, code) -> None:
    verdict, description = nipa_verdict(_report(*findings))
    assert verdict == code
    assert "\n" not in description


def test_nipa_flag_exit_code_and_desc_fd() -> None:
    read_fd, write_fd = os.pipe()
    try:
        result = _run(
            "check", "--nipa", str(LEAK), env={"DESC_FD": str(write_fd)}, pass_fds=(write_fd,)
        )
    finally:
        os.close(write_fd)
    with os.fdopen(read_fd) as handle:
        description = handle.read()
    assert result.returncode == 1
    assert description.count("\n") == 1 and "1 error" in description
    clean = _run("check", "--nipa", str(CLEAN))
    assert clean.returncode == 0
