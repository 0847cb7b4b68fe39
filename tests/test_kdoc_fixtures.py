"""Runs every annotated AS and KD fixture: `// ruleid: CODE` expects a finding of CODE on the
next line that is not an annotation (`+N`: N lines after it), `// ok: CODE` expects none there,
and a fixture must produce no other finding of the codes it annotates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviewtool.checks import asserts, kdoc
from reviewtool.checks.base import FileContext, Memo
from reviewtool.csyntax import parse_file
from reviewtool.model import FileState
from reviewtool.resources import default_rules

FIXTURES = Path(__file__).parent / "fixtures"
ANNOTATION = re.compile(
    r"^\s*//\s*(ruleid|ok):\s*([A-Z]{2}\d{3}(?:\s*,\s*[A-Z]{2}\d{3})*)\s*(\+\d+)?\s*$"
)
CHECKS = {check.code: check for check in [*asserts.CHECKS, *kdoc.CHECKS]}


def annotations(text: str) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """(expected, forbidden) sets of (code, line)."""
    lines = text.split("\n")
    expected: set[tuple[str, int]] = set()
    forbidden: set[tuple[str, int]] = set()
    pending: list[tuple[str, list[str], int]] = []
    for number, line in enumerate(lines, start=1):
        match = ANNOTATION.match(line)
        if match:
            codes = [code.strip() for code in match.group(2).split(",")]
            pending.append((match.group(1), codes, int(match.group(3) or 0)))
            continue
        for kind, codes, offset in pending:
            target = expected if kind == "ruleid" else forbidden
            target.update((code, number + offset) for code in codes)
        pending = []
    return expected, forbidden


def findings(path: Path) -> set[tuple[str, int]]:
    text = path.read_text(encoding="utf-8")
    relative = path.relative_to(FIXTURES).as_posix()
    ctx = FileContext(
        relative, FileState(relative, text), parse_file(relative, text), default_rules(), Memo()
    )
    return {(f.code, f.location.line) for check in CHECKS.values() for f in check.run(ctx)}


FIXTURE_FILES = sorted(
    [*FIXTURES.joinpath("asserts").glob("*.[ch]"), *FIXTURES.joinpath("kdoc").glob("*.[ch]")]
)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fixture_annotations(path: Path) -> None:
    expected, forbidden = annotations(path.read_text(encoding="utf-8"))
    annotated_codes = {code for code, _ in expected | forbidden}
    got = {(code, line) for code, line in findings(path) if code in annotated_codes}
    assert expected - got == set(), "expected findings missing"
    assert got & forbidden == set(), "findings on lines marked ok"
    assert got - expected == set(), "findings nobody annotated"


def test_every_as_and_kd_code_has_a_positive_fixture() -> None:
    covered = set()
    for path in FIXTURE_FILES:
        expected, _ = annotations(path.read_text(encoding="utf-8"))
        covered |= {code for code, _ in expected}
    assert set(CHECKS) <= covered, f"codes without a ruleid fixture: {set(CHECKS) - covered}"
