"""Series fixtures under tests/fixtures/bisect/: a format-patch mbox and its base tree, checked
through the whole pipeline (ingest, series, tree, engine) against a golden expected.txt."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtool import pipeline

FIXTURES = Path(__file__).parent / "fixtures" / "bisect"
CASES = sorted(path.name for path in FIXTURES.iterdir() if (path / "series.mbox").is_file())


def render(finding) -> str:
    loc = finding.location
    return (
        f"{finding.code} {loc.patch} {loc.path}:{loc.line} {loc.function} {finding.fixed_in} "
        f"| {finding.message}"
    )


@pytest.mark.parametrize("case", CASES)
def test_series_fixture_matches_its_golden_findings(case: str):
    directory = FIXTURES / case
    report = pipeline.check([str(directory / "series.mbox")], tree=directory / "base")
    expected = [
        line
        for line in (directory / "expected.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert [render(f) for f in report.findings] == expected


def test_there_are_fixtures():
    assert CASES
