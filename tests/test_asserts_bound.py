"""AS005: a file with more assert macro calls than the reader's bound is a NOTE naming where
the reading stopped, never silence."""

from __future__ import annotations

from pathlib import Path

from reviewtool import pipeline
from reviewtool.analysis.asserts import sites


def bug_ons(count: int) -> str:
    body = "".join(f"\tBUG_ON(p == {i});\n" for i in range(count))
    return f"void demo(int *p)\n{{\n{body}}}\n"


def scan(tmp_path: Path, text: str) -> list[tuple[str, int | None]]:
    (tmp_path / "demo.c").write_text(text)
    report = pipeline.scan([tmp_path / "demo.c"])
    return [(f.code, f.location.line) for f in report.findings if f.code.startswith("AS")]


def test_under_the_bound_every_assert_is_checked_and_no_note(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sites, "MAX_SITES", 5)
    assert scan(tmp_path, bug_ons(4)) == [("AS001", line) for line in range(3, 7)]


def test_at_the_bound_the_rest_is_named(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sites, "MAX_SITES", 3)
    found = scan(tmp_path, bug_ons(6))
    assert found == [("AS001", 3), ("AS001", 4), ("AS001", 5), ("AS005", 5)]
    report = pipeline.scan([tmp_path / "demo.c"])
    note = next(f for f in report.findings if f.code == "AS005")
    assert note.severity.label == "note" and "after line 5 were not checked" in note.message
