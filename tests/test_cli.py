"""The command line: exit codes, one-line errors, atomic output, rules documentation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewtool import checks, cli, pipeline

LEAKY = """\
#include <linux/mutex.h>
static DEFINE_MUTEX(lock);

int leaky(int x)
{
\tmutex_lock(&lock);
\tif (x)
\t\treturn -1;
\tmutex_unlock(&lock);
\treturn 0;
}
"""


def invoke(*args: str, **kw):
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False, **kw)


def test_rules_lists_every_registered_check_and_documents_one():
    listing = invoke("rules")
    assert listing.exit_code == 0
    listed = [line.split()[0] for line in listing.output.splitlines() if line.strip()]
    assert sorted(listed) == sorted(check.code for check in checks.ALL)
    if checks.ALL:
        first = checks.ALL[0]
        doc = invoke("rules", first.code.lower())
        assert doc.exit_code == 0
        assert doc.output.startswith(f"{first.code} {first.name}")


def test_unknown_rule_code_is_exit_2_with_one_line():
    result = invoke("rules", "XX999")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "reviewtool: error: no check 'XX999'; 'reviewtool rules' lists them"
    ]


def test_missing_input_is_exit_2_without_traceback(tmp_path: Path):
    result = invoke("scan", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_internal_error_is_exit_3_with_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("REVIEWTOOL_DEBUG", raising=False)

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(pipeline, "scan", broken)
    result = invoke("scan", str(tmp_path))
    assert result.exit_code == 3
    assert result.output.startswith("reviewtool: internal error: KeyError")
    assert len(result.output.strip().splitlines()) == 1


def test_scan_json_output_is_written_atomically_and_not_clobbered(tmp_path: Path):
    (tmp_path / "leaky.c").write_text(LEAKY)
    out = tmp_path / "out.json"
    first = invoke("scan", "--format", "json", "-o", str(out), "--fail-on", "note", str(tmp_path))
    data = json.loads(out.read_text())
    assert data["tool"] == "reviewtool"
    assert [(f["code"], f["line"], f["function"]) for f in data["findings"]] == [
        ("LK001", 8, "leaky")
    ]
    assert first.exit_code == 1
    out.write_text("mine")
    again = invoke("scan", "--format", "json", "-o", str(out), str(tmp_path))
    assert again.exit_code == 2
    assert out.read_text() == "mine"
    forced = invoke("scan", "--format", "json", "-o", str(out), "--force", str(tmp_path))
    assert forced.exit_code in (0, 1)
    assert json.loads(out.read_text())["tool"] == "reviewtool"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.json")] == []


def test_scan_text_names_each_finding_and_counts_the_files(tmp_path: Path):
    (tmp_path / "leaky.c").write_text(LEAKY)
    (tmp_path / "empty.h").write_text("")
    result = invoke("scan", str(tmp_path))
    lines = result.output.splitlines()
    assert lines[-1] == "1 error, 0 warnings, 0 notes in 2 files scanned"
    assert lines[0].startswith(f"{tmp_path / 'leaky.c'}:8: error: mutex_lock(&lock) at line 6")
    assert result.exit_code == 1
