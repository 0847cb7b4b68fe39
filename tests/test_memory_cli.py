"""The series memory on the command line: check --since / --history, reply --include-raised
and --acknowledge-fixed, as the README and docs/memory.md show them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewtool import cli
from tests.memory_fixtures import inline_review, v2_text, v3_text, write

RITA = ["--from", "Rita Reviewer <rita@example.org>"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    where = tmp_path_factory.mktemp("memory-cli")
    return {
        "v2": write(where / "v2.mbox", v2_text()),
        "v3": write(where / "v3.mbox", v3_text()),
        "reviewed": write(where / "reviewed.mbox", v2_text(), inline_review()),
    }


def run(*args: str, stdin: bytes | None = None):
    return CliRunner().invoke(cli.main, list(args), input=stdin)


def test_check_since_reports_what_v3_fixed(inputs):
    result = run("check", "--format", "json", str(inputs["v3"]), "--since", str(inputs["v2"]))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {
        (f["code"], f["patch"], f["version"], f["fixed_in_version"]) for f in data["fixed"]
    } == {
        ("LK001", 1, 2, 3),
        ("BS007", 1, 2, 3),
    }
    assert not [f for f in data["findings"] if f["code"] in ("LK001", "BS007")]
    none = run(
        "check",
        "--format",
        "json",
        str(inputs["v3"]),
        "--since",
        str(inputs["v2"]),
        "--history",
        "0",
    )
    assert json.loads(none.output)["fixed"] == [] and json.loads(none.output)["versions"] is None


def test_check_since_rejects_what_is_no_posting_and_a_second_stdin(inputs, tmp_path):
    prose = tmp_path / "notes.txt"
    prose.write_text("no mail here\n")
    result = run("check", str(inputs["v3"]), "--since", str(prose))
    assert result.exit_code == 2 and "no patch found there" in result.output
    twice = run("check", "-", "--since", "-", stdin=inputs["v2"].read_bytes())
    assert twice.exit_code == 2 and "read once" in twice.output


def test_reply_leaves_a_raised_point_to_its_reviewer(inputs, tmp_path):
    out = tmp_path / "drafts"
    quiet = run("reply", str(inputs["reviewed"]), "-o", str(out), *RITA)
    assert quiet.exit_code == 0
    assert "2 already raised in the thread" in quiet.output
    assert not out.exists() or not list(out.iterdir())
    loud = run("reply", str(inputs["reviewed"]), "-o", str(out), *RITA, "--include-raised")
    assert loud.exit_code == 0
    assert sorted(p.name[:4] for p in out.iterdir()) == ["0000", "0001"]


def test_reply_acknowledges_what_the_new_version_fixed(inputs, tmp_path):
    out = tmp_path / "drafts"
    result = run(
        "reply",
        str(inputs["v3"]),
        "--since",
        str(inputs["v2"]),
        "-o",
        str(out),
        *RITA,
        "--acknowledge-fixed",
    )
    assert result.exit_code == 0, result.output
    (draft,) = list(out.iterdir())
    text = draft.read_text()
    assert "Subject: Re: [PATCH v3 0/8] mm: clean up anon_vma implementation" in text
    assert text.rstrip().endswith("v2's lock leak in 1/8 is fixed, thanks.")
