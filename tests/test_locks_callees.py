"""Callees defined in other files of the base tree (analysis/locks/callees.py), through the
real `scan --tree` pipeline on a small tree: each caller under tests/fixtures/locks_tree/
carries its expectations as `// ruleid:` / `// ok:` lines."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reviewtool import diskcache
from reviewtool.analysis.locks import callees
from reviewtool.csyntax import parse_file
from reviewtool.pipeline import scan
from tests.test_locks_fixtures import annotations

TREE = Path(__file__).parent / "fixtures" / "locks_tree"
CALLERS = sorted(p for p in TREE.rglob("*.c") if "// ruleid:" in p.read_text())


def _found(caller: Path, tree: Path | None) -> set[tuple[str, int]]:
    return {(f.code, f.location.line) for f in scan([caller], select=("LK",), tree=tree).findings}


@pytest.mark.parametrize("caller", CALLERS, ids=lambda p: str(p.relative_to(TREE)))
def test_callees_of_other_files_are_summarised_from_the_tree(caller: Path) -> None:
    expected, forbidden = annotations(caller.read_text())
    found = _found(caller, TREE)
    assert found == expected
    assert not found & forbidden


def test_without_the_tree_the_callees_are_unknown() -> None:
    found = _found(TREE / "kernel" / "acct.c", None)
    # pin_kill() is unknown: the RCU read lock looks leaked; pin_unlock() unknown, but named
    # for unlocking and given the lock's owner, it releases the lock
    assert ("LK001", 14) in found


def test_without_the_tree_nested_headers_give_nothing() -> None:
    found = _found(TREE / "kernel" / "nested.c", None)
    # box_drop() unknown: a leak, and no second release; box_flush_unlock() unknown and
    # named for unlocking: it releases the buffer lock, so the unlock after it is a second
    assert found == {("LK001", 14), ("LK003", 30)}


def test_a_file_sees_the_headers_of_the_file_including_it(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(TREE, tree)
    caller = tree / "kernel" / "sched" / "policy.c"
    assert ("LK001", 13) not in _found(caller, tree)
    build = tree / "kernel" / "sched" / "build.c"
    build.write_text(build.read_text().replace('#include "policy.c"', ""))
    # compiled on its own, policy.c sees no sched.h: task_rq_drop() is unknown
    assert ("LK001", 13) in _found(caller, tree)


def test_a_parse_dropped_from_the_bounded_cache_is_parsed_again_to_the_same_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The finder keeps a few parses (a header's tree is megabytes); a file asked for
    another name after its parse was dropped is parsed again: the same findings."""
    diskcache.set_enabled(False)  # every summary from a parse, none from an earlier run
    try:

        def found(capacity: int) -> tuple[set[tuple[str, str, int]], int]:
            monkeypatch.setattr(callees, "_PARSED_CAPACITY", capacity)
            monkeypatch.setattr(callees, "SCAN_PARSES", capacity)  # what a scan keeps
            callees._PARSED.clear()
            report = scan(CALLERS, select=("LK",), tree=TREE)
            codes = {(f.location.path, f.code, f.location.line) for f in report.findings}
            return codes, len(callees._PARSED)

        unbounded, held = found(1000)
        bounded, kept = found(1)
        assert bounded == unbounded
        assert held > 1 and kept == 1  # the bound was in play
    finally:
        diskcache.set_enabled(None)


def test_a_scan_keeps_more_parses_while_it_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The files of a scanned directory ask the same headers for other names: while a scan
    runs, SCAN_PARSES parses are kept (each base-tree file parsed once here), then the few
    a check keeps."""
    tree = tmp_path / "tree"
    shutil.copytree(TREE, tree)
    head = "#include <linux/outer.h>\n#include <asm/boxflush.h>\n"
    body = "(struct box *b, struct buffer_head *bh)\n{\n\tspin_lock(&b->lock);\n\t%s;\n}\n"
    # one name asked per file, in this order: boxflush.h, inner.h, boxflush.h again
    calls = {"a": "box_flush_lock(bh)", "b": "box_drop(b)", "c": "box_flush_unlock(bh)"}
    callers = []
    for name, call in calls.items():
        release = "" if name == "b" else ";\n\tspin_unlock(&b->lock)"
        callers.append(tree / "kernel" / f"{name}.c")
        callers[-1].write_text(head + f"void {name}" + body % (call + release))
    diskcache.set_enabled(False)
    parsed: list[str] = []

    def counting(path: str, text: str, rules: object) -> object:
        parsed.append(path)
        return parse_file(path, text, rules)

    monkeypatch.setattr(callees, "parse_file", counting)
    try:
        counts = []
        for kept in (callees.SCAN_PARSES, 1):
            monkeypatch.setattr(callees, "SCAN_PARSES", kept)
            callees._PARSED.clear()
            parsed.clear()
            scan(callers, select=("LK",), tree=tree)
            counts.append((len(parsed), len(set(parsed))))
            assert len(callees._PARSED) <= callees._PARSED_CAPACITY
        (default, distinct), (one, _) = counts
        assert default == distinct  # ok: every file parsed once
        assert one > distinct  # ruleid: keeping one, a file asked again is parsed again
    finally:
        diskcache.set_enabled(None)
