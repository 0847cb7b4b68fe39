"""The callee lookups' scans of a base tree's files kept across runs (analysis/scan_store.py):
a second run over the same tree reads none of them again and finds the same, another caller
reads only what no lookup read before; a file changed since (an including .c file, a header
two levels down) is read again and changes the answer. Runs of `scan --tree` on a copy of
tests/fixtures/locks_tree/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reviewtool.analysis import scan_store
from reviewtool.analysis.locks.callees import CalleeFinder
from reviewtool.pipeline import scan
from reviewtool.tree import stamps

TREE = Path(__file__).parent / "fixtures" / "locks_tree"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "tree"
    shutil.copytree(TREE, copy)
    # the copy was written just now: trusted at once, as a file settled long ago would be
    monkeypatch.setattr(stamps, "SETTLE_SECONDS", 0)
    return copy


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tree files the lookups read (not taken from the cache), in order."""
    paths: list[str] = []
    original = CalleeFinder._scan

    def counted(self: CalleeFinder, path: str) -> scan_store.Scan:
        paths.append(path)
        return original(self, path)

    monkeypatch.setattr(CalleeFinder, "_scan", counted)
    return paths


def _found(caller: Path, tree: Path) -> set[tuple[str, int]]:
    return {(f.code, f.location.line) for f in scan([caller], select=("LK",), tree=tree).findings}


def test_a_second_run_reads_no_file_again_and_finds_the_same(tree: Path, reads: list[str]) -> None:
    caller = tree / "kernel" / "nested.c"
    first = _found(caller, tree)
    assert "include/linux/inner.h" in reads  # two levels below the caller's own includes
    reads.clear()
    assert _found(caller, tree) == first
    assert reads == []


def test_a_changed_nested_header_is_read_again(tree: Path, reads: list[str]) -> None:
    caller = tree / "kernel" / "nested.c"
    assert ("LK001", 14) not in _found(caller, tree)  # box_drop() of inner.h releases
    middle = tree / "include" / "linux" / "middle.h"
    middle.write_text(middle.read_text().replace("#include <linux/inner.h>", ""))
    reads.clear()
    # inner.h is no longer reached: box_drop() is unknown, the lock looks leaked
    assert ("LK001", 14) in _found(caller, tree)
    assert reads == ["include/linux/middle.h"]


def test_a_changed_including_file_is_read_again(tree: Path, reads: list[str]) -> None:
    caller = tree / "kernel" / "sched" / "policy.c"
    assert ("LK001", 13) not in _found(caller, tree)
    build = tree / "kernel" / "sched" / "build.c"
    build.write_text(build.read_text().replace('#include "policy.c"', ""))
    reads.clear()
    # compiled on its own, policy.c sees no sched.h: task_rq_drop() is unknown
    assert ("LK001", 13) in _found(caller, tree)
    assert reads == ["kernel/sched/build.c"]


def test_a_file_created_where_none_was_is_read(tree: Path, reads: list[str]) -> None:
    caller = tree / "kernel" / "nested.c"
    generic = tree / "include" / "asm-generic" / "boxflush.h"
    arch = tree / "include" / "asm" / "boxflush.h"
    arch.parent.mkdir()
    shutil.move(generic, arch)
    # `<asm/boxflush.h>` is looked for in include/asm-generic/ first: not there
    first = _found(caller, tree)
    shutil.copy(arch, generic)
    reads.clear()
    assert _found(caller, tree) == first  # the same header, found first where it now is
    assert reads == ["include/asm-generic/boxflush.h"]


def test_a_change_just_now_is_not_stored(
    tree: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stamps, "SETTLE_SECONDS", 3600)  # every file of the copy changed "just now"
    caller = tree / "kernel" / "nested.c"
    first = _found(caller, tree)
    count = len(reads)
    assert _found(caller, tree) == first
    assert len(reads) == 2 * count


def test_callers_share_what_was_read_for_another(tree: Path, reads: list[str]) -> None:
    caller = tree / "kernel" / "nested.c"
    other = tree / "kernel" / "nested_copy.c"
    shutil.copy(caller, other)
    _found(caller, tree)
    assert "include/linux/inner.h" in reads
    reads.clear()
    _found(other, tree)
    # the headers were read for nested.c; the copy's lookups read only nested.c (a .c file
    # of its directory, never read for itself)
    assert reads == ["kernel/nested.c"]
