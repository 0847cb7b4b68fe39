"""The cross-run cache of tree-wide work (reviewtool/diskcache.py): callee summaries of a
base tree's other files and the tree's listing, through the real `scan --tree` pipeline on
tests/fixtures/locks_tree. A hit gives the same report as a miss, byte for byte; a corrupt
entry is ignored; a changed file or directory is read again; --no-cache reads and writes
nothing."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from reviewtool import diskcache
from reviewtool.analysis.locks import callees
from reviewtool.formats import RenderOptions, render_json
from reviewtool.pipeline import scan
from reviewtool.tree import DirTree, stamps
from reviewtool.tree.listing import source_index

FIXTURE = Path(__file__).parent / "fixtures" / "locks_tree"
OLD = 1_600_000_000  # seconds: a tree last touched long ago


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("REVIEWTOOL_NO_CACHE", raising=False)
    diskcache.set_enabled(None)
    # the copied tree's change times are now (utime cannot set them back): trust it at once,
    # as a tree settled long ago would be (the settle rule itself: tests/test_stamps.py)
    monkeypatch.setattr(stamps, "SETTLE_SECONDS", 0)
    yield tmp_path / "xdg" / "reviewtool"
    diskcache.set_enabled(None)


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(FIXTURE, root)
    _age(root)
    return root


def _age(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        os.utime(path, (OLD, OLD))


def _report(root: Path) -> str:
    report = scan([root / "kernel" / "acct.c"], select=("LK",), tree=root)
    return render_json(report, RenderOptions()).replace(str(root), "TREE")


def _entries(cache: Path, kind: str) -> list[Path]:
    return sorted((cache / kind).glob("*.json"))


def test_a_hit_gives_the_report_of_a_miss_without_parsing_the_callee_files(
    tmp_path, cache, monkeypatch
):
    root = _tree(tmp_path)
    missed = _report(root)
    assert _entries(cache, "callees") and _entries(cache, "listing")

    def no_parse(*args):
        raise AssertionError("a stored file was parsed again")

    monkeypatch.setattr(callees, "_parsed", no_parse)
    assert _report(root) == missed
    assert '"LK003"' in missed  # the header's unlock helper was summarised


def test_a_corrupt_or_foreign_entry_is_ignored_and_rewritten(tmp_path, cache):
    root = _tree(tmp_path)
    missed = _report(root)
    entries = _entries(cache, "callees") + _entries(cache, "listing")
    for number, entry in enumerate(entries):
        if number % 3 == 0:
            entry.write_bytes(b"\x00not json")
        elif number % 3 == 1:
            key = json.loads(entry.read_text())["key"]  # ours, but a value of another shape
            entry.write_text(json.dumps({"key": key, "value": {"defines": 5, "sources": 5}}))
        else:
            entry.write_text(json.dumps({"key": "another key", "value": {}}))
    assert _report(root) == missed  # no NOTE, no error: the same report
    assert all(json.loads(entry.read_text())["key"] != "another key" for entry in entries)


def test_a_changed_callee_file_is_read_again(tmp_path, cache):
    root = _tree(tmp_path)
    before = _report(root)
    pin = root / "fs" / "pin.c"
    pin.write_text(pin.read_text().replace("\trcu_read_unlock();\n", ""))
    _age(root)
    after = _report(root)
    assert after != before
    diskcache.set_enabled(False)
    assert _report(root) == after  # what the analysis gives without any cache


def test_a_file_added_to_a_directory_is_listed(tmp_path, cache):
    root = _tree(tmp_path)
    assert source_index(DirTree(root)).in_directory("fs") == ["fs/pin.c"]
    (root / "fs" / "pin_extra.c").write_text("void extra(void) {}\n")
    os.utime(root / "fs", (OLD + 10, OLD + 10))
    assert source_index(DirTree(root)).in_directory("fs") == ["fs/pin.c", "fs/pin_extra.c"]


def test_the_listing_skips_hidden_and_symlinked_directories(tmp_path, cache):
    root = tmp_path / "tree"
    for name in ("a/b/deep.c", "a/notes.txt", ".git/x.c", "a/.hidden/y.c", "top.c"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("int x;\n")
    (root / "a" / "dir.c").mkdir()  # a directory named like a source: not a file
    (root / "outside").mkdir()
    (root / "outside" / "far.c").write_text("int y;\n")
    (root / "a" / "link").symlink_to(root / "outside", target_is_directory=True)
    (root / "a" / "alias.c").symlink_to(root / "top.c")  # a file, as os.walk lists it
    listed = source_index(DirTree(root))
    assert sorted(p for paths in listed.by_directory.values() for p in paths) == [
        "a/alias.c",
        "a/b/deep.c",
        "outside/far.c",
        "top.c",
    ]
    assert listed.in_directory("a/link") == []  # not followed


def test_no_cache_reads_and_writes_nothing(tmp_path, cache, monkeypatch):
    root = _tree(tmp_path)
    monkeypatch.setenv("REVIEWTOOL_NO_CACHE", "1")
    first = _report(root)
    assert not cache.exists()
    monkeypatch.delenv("REVIEWTOOL_NO_CACHE")
    assert _report(root) == first


def test_a_store_keeps_the_entries_used_last(cache):
    store = diskcache.Store("test-kind", keep=3)
    for number in range(5):
        store.put(f"key {number}", number)
        os.utime(store._path(f"key {number}"), (OLD + number, OLD + number))
    diskcache.prune(cache / "test-kind", 3)
    assert [store.get(f"key {n}") for n in range(5)] == [None, None, 2, 3, 4]


def test_the_no_cache_flag_turns_the_caches_off_for_one_command(tmp_path, cache):
    from click.testing import CliRunner

    from reviewtool.cli import main

    root = _tree(tmp_path)
    caller = str(root / "kernel" / "acct.c")
    args = ["scan", "--select", "LK", "--format", "json", "--tree", str(root), caller]
    off = CliRunner().invoke(main, [*args[:1], "--no-cache", *args[1:]])
    assert off.exit_code == 1 and not cache.exists()
    on = CliRunner().invoke(main, args)
    assert on.output == off.output and _entries(cache, "callees")
