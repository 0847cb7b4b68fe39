"""Callees defined in other files of the base tree (analysis/locks/callees.py), through the
real `scan --tree` pipeline on a small tree: tests/fixtures/locks_tree/kernel/acct.c carries
its expectations as `// ruleid:` / `// ok:` lines."""

from __future__ import annotations

from pathlib import Path

from reviewtool.pipeline import scan
from tests.test_locks_fixtures import annotations

TREE = Path(__file__).parent / "fixtures" / "locks_tree"
CALLER = TREE / "kernel" / "acct.c"


def _found(tree: Path | None) -> set[tuple[str, int]]:
    return {(f.code, f.location.line) for f in scan([CALLER], select=("LK",), tree=tree).findings}


def test_callees_of_other_files_are_summarised_from_the_tree() -> None:
    expected, forbidden = annotations(CALLER.read_text())
    found = _found(TREE)
    assert found == expected
    assert not found & forbidden


def test_without_the_tree_the_callees_are_unknown() -> None:
    found = _found(None)
    # pin_kill() is unknown: the RCU read lock looks leaked; pin_unlock() unknown, but named
    # for unlocking and given the lock's owner, it releases the lock
    assert ("LK001", 14) in found
