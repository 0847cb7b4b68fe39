"""Every bundled example runs as the README says, with the findings it is there to show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewtool import cli

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "anon-vma-v2"


def check(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(cli.main, ["check", "--format", "json", *args])
    return result.exit_code, json.loads(result.output)


def codes(report: dict) -> list[tuple[str, int, str | None, int | None]]:
    return [
        (f["code"], f["patch"], f["function"], f["fixed_in"])
        for f in report["findings"]
        if f["severity"] == "error"
    ]


@pytest.mark.parametrize("tree", [["--tree", str(EXAMPLE / "base")], []], ids=["tree", "hunks"])
def test_seed_leak_is_found_at_1_of_8_and_gone_at_7(tree: list[str]):
    status, report = check(*tree, str(EXAMPLE / "anon-vma-v2.mbox"))
    assert status == 1
    assert report["series"]["total"] == 8 and report["series"]["version"] == 2
    assert sorted(codes(report)) == [
        ("BS007", 1, "cleanup_partial_anon_vmas", 7),
        ("LK001", 1, "cleanup_partial_anon_vmas", 7),
    ]


def test_format_patch_directory_reads_like_the_mbox():
    _, from_dir = check("--tree", str(EXAMPLE / "base"), str(EXAMPLE / "format-patch"))
    _, from_mbox = check("--tree", str(EXAMPLE / "base"), str(EXAMPLE / "anon-vma-v2.mbox"))
    assert from_dir["findings"] == from_mbox["findings"]


def test_fixed_series_is_clean():
    status, report = check(
        "--tree", str(EXAMPLE / "base"), str(EXAMPLE / "fixed/anon-vma-v2-fixed.mbox")
    )
    assert status == 0
    assert [f for f in report["findings"] if f["code"].startswith(("LK", "BS"))] == []
    assert all(p["applied"] for p in report["patches"])
