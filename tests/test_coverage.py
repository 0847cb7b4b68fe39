"""CV001: a file whose C parse was cancelled at its deadline is a NOTE, never silence."""

from __future__ import annotations

from pathlib import Path

import reviewtool.csyntax as csyntax
from reviewtool import pipeline

SPINS = "b/*d(&N(=m;}"  # tree-sitter-c loops on these bytes until the deadline cancels it
LEAKS = "int f(struct s *s)\n{\n\tspin_lock(&s->l);\n\treturn 0;\n}\n"


def test_a_parse_cut_at_the_deadline_is_a_note(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(csyntax._parse, "__defaults__", (0.5,))
    (tmp_path / "evil.c").write_text(SPINS + "\n" + LEAKS)
    (tmp_path / "good.c").write_text(LEAKS)
    report = pipeline.scan([tmp_path])
    by_file = {(Path(f.location.path).name, f.code) for f in report.findings}
    assert ("evil.c", "CV001") in by_file
    assert ("good.c", "CV001") not in by_file
    assert ("good.c", "LK001") in by_file  # the same function, parsed, is checked
    note = next(f for f in report.findings if f.code == "CV001")
    assert note.severity.label == "note" and "did not finish" in note.message
