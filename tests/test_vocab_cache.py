"""The tree vocabulary's cache is found again without reading every header (by their stat
signature), and a header that changes is read again."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from reviewtool import diskcache
from reviewtool.analysis.locks import lock_table
from reviewtool.analysis.vocab import tablefiles
from reviewtool.analysis.vocab import tree as vocab_tree
from reviewtool.analysis.vocab.tree import TreeRules
from reviewtool.resources import default_rules
from reviewtool.tree import DirTree, stamps

FIXTURE = Path(__file__).parent / "fixtures" / "vocab"
OLD = 1_600_000_000  # seconds: a header last touched long ago


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURE, tree)
    for header in tree.rglob("*.h"):
        os.utime(header, (OLD, OLD))
    return tree


def _acquires(tree: DirTree) -> set[str]:
    return set(lock_table(TreeRules(default_rules(), tree)).acquires)


def test_an_unchanged_tree_is_not_read_again_and_a_changed_one_is(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    # the copy's change times are now (utime cannot set them back): trust it at once, as a
    # tree settled long ago would be
    monkeypatch.setattr(stamps, "SETTLE_SECONDS", 0)
    root = _copy(tmp_path)
    tree = DirTree(root)
    first = _acquires(tree)
    assert "widget_lock" in first

    real_headers = vocab_tree._headers
    reads = []
    monkeypatch.setattr(vocab_tree, "_headers", lambda t: reads.append(1) or real_headers(t))
    assert _acquires(tree) == first and reads == []  # the signature found the key

    header = next(p for p in root.rglob("*.h") if "widget_lock" in p.read_text())
    header.write_text(header.read_text().replace("widget_lock", "gadget_lock"))
    os.utime(header, (OLD + 10, OLD + 10))
    changed = _acquires(tree)
    assert reads and "gadget_lock" in changed and "widget_lock" not in changed


def test_a_table_derived_by_other_code_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(stamps, "SETTLE_SECONDS", 0)
    tree = DirTree(_copy(tmp_path))
    monkeypatch.setattr(diskcache, "code_version", lambda: "old code")
    first = _acquires(tree)
    real_headers = vocab_tree._headers
    reads = []
    monkeypatch.setattr(vocab_tree, "_headers", lambda t: reads.append(1) or real_headers(t))
    assert _acquires(tree) == first and reads == []  # the same code finds its table
    monkeypatch.setattr(diskcache, "code_version", lambda: "new code")
    assert _acquires(tree) == first and reads  # other code derives its own


def test_a_header_changed_just_now_is_hashed_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = _copy(tmp_path)
    next((root / "include").rglob("*.h")).touch()  # within the file system's time granularity
    assert vocab_tree._stat_signature(DirTree(root), {}) is None


def test_the_cache_keeps_the_tables_used_last_and_nothing_else_is_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(tablefiles, "KEEP_TABLES", 3)
    cache = tmp_path / "vocab"
    keys = [f"{n:040x}" for n in range(5)]
    for age, key in enumerate(keys[:3]):
        tablefiles.store(cache / f"{key}.json", {"acquire": [key]})
        os.utime(cache / f"{key}.json", (OLD + age, OLD + age))  # key 0 the oldest
    (cache / "notes.json").write_text("{}")  # not ours: never removed
    os.utime(cache / "notes.json", (OLD, OLD))
    assert tablefiles.load(cache / f"{keys[0]}.json") == {"acquire": [keys[0]]}  # used now
    for key in keys[3:]:
        tablefiles.store(cache / f"{key}.json", {"acquire": [key]})
    left = sorted(p.name for p in cache.iterdir())
    assert left == sorted([f"{keys[0]}.json", f"{keys[3]}.json", f"{keys[4]}.json", "notes.json"])


def test_a_private_scope_is_derived_once_and_again_when_its_headers_change(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = _copy(tmp_path)
    tree = DirTree(root)
    assert "gadget_lock" in lock_table(TreeRules(default_rules(), tree), "drivers/x.c").acquires
    assert list((tmp_path / "cache" / "reviewtool" / "vocab" / "scoped").glob("*.json"))

    real = vocab_tree.derive_private
    derivations = []
    monkeypatch.setattr(vocab_tree, "derive_private", lambda *a: derivations.append(1) or real(*a))
    again = lock_table(TreeRules(default_rules(), tree), "drivers/x.c")
    assert "gadget_lock" in again.acquires and derivations == []  # read from the cache

    header = root / "drivers" / "gadget.h"
    header.write_text(header.read_text().replace("gadget_lock", "gizmo_lock"))
    changed = lock_table(TreeRules(default_rules(), tree), "drivers/x.c")
    assert derivations == [1]
    assert "gizmo_lock" in changed.acquires and "gadget_lock" not in changed.acquires
