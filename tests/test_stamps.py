"""The one rule the cross-run caches trust a path unchanged by (reviewtool/tree/stamps.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reviewtool.tree import stamps
from reviewtool.tree.stamps import settled_signature


def test_a_path_written_just_now_has_no_signature(tmp_path: Path) -> None:
    path = tmp_path / "a.c"
    path.write_text("int x;\n")
    assert settled_signature(str(path)) is None


def test_a_settled_file_is_signed_and_an_edit_changes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stamps, "SETTLE_SECONDS", 0)
    path = tmp_path / "a.c"
    path.write_text("int x;\n")
    first = settled_signature(str(path))
    assert first is not None and first[3] == len("int x;\n")
    path.write_text("int xy;\n")  # same inode, another size (and change time)
    assert settled_signature(str(path)) not in (None, first)
    entry = next(e for e in os.scandir(tmp_path) if e.name == "a.c")
    assert settled_signature(entry) == settled_signature(str(path))


def test_a_missing_path_says_so_and_an_unreadable_one_has_none(tmp_path: Path) -> None:
    gone = tmp_path / "gone.c"
    assert settled_signature(str(gone), missing=[-1]) == [-1]
    assert settled_signature(str(gone)) is None
    assert settled_signature(str(tmp_path / "a.c" / "under-a-file"), missing="x") == "x"
