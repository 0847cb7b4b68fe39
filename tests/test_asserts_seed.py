"""Corpus test: the assert inventory of every seed patch against seed-anon-vma/expected.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewtool.analysis.asserts import AssertChange, inventory
from reviewtool.checks import asserts
from reviewtool.checks.base import FileContext, Memo
from reviewtool.csyntax import parse_file
from reviewtool.model import FileState
from reviewtool.resources import default_rules
from tests.corpus import corpus_dir
from tests.test_kdoc_corpus import apply_series

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def seed_inventory(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[AssertChange]]:
    seed = corpus_dir() / "seed-anon-vma"
    patches = sorted((seed / "format-patch").glob("v2-000[1-9]-*.patch"))
    steps = apply_series(corpus_dir() / "linux-6.12-subset", patches, tmp_path_factory.mktemp("s"))
    changes: dict[int, list[AssertChange]] = {}
    for index in range(1, len(steps)):
        changes[index] = []
        for path in sorted(steps[index]):
            before, after = steps[index - 1].get(path), steps[index][path]
            if before == after or not path.endswith((".c", ".h")):
                continue
            old = parse_file(path, before) if before is not None else None
            changes[index] += inventory(old, parse_file(path, after))
    return changes


def expected_asserts() -> set[tuple[int, str, str, int, str]]:
    data = json.loads((corpus_dir() / "seed-anon-vma" / "expected.json").read_text("utf-8"))
    return {
        (f["patch"], f["file"], f["function"], f["line"], f["text"].strip())
        for f in data["findings"]
        if f.get("category") == "assert"
    }


def test_seed_new_asserts_match_expected(seed_inventory: dict[int, list[AssertChange]]) -> None:
    """Every assert the series adds or rewrites, with its post-image line, and nothing else."""
    got = {
        (patch, c.path, c.function, c.line, c.first_line)
        for patch, changes in seed_inventory.items()
        for c in changes
        if c.change in ("added", "changed")
    }
    expected = expected_asserts()
    print(
        f"seed asserts: {len(got & expected)}/{len(expected)} expected found, {len(got)} reported"
    )
    assert got == expected


def test_seed_patch1_inventory(seed_inventory: dict[int, list[AssertChange]]) -> None:
    by_function: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for change in seed_inventory[1]:
        assert change.change == "added"
        by_function.setdefault(change.function, []).append((change.macro, change.kinds))
    assert by_function["check_anon_vma_clone"][0] == ("mmap_assert_write_locked", ("lock", "write"))
    assert [m for m, _ in by_function["check_anon_vma_clone"][1:]] == ["VM_WARN_ON_ONCE"] * 5
    assert by_function["unlink_anon_vmas"] == [
        ("mmap_assert_locked", ("lock", "held")),
        ("VM_WARN_ON_ONCE", ("warn", "debug-only")),
    ]
    assert by_function["cleanup_partial_anon_vmas"] == [("mmap_assert_locked", ("lock", "held"))]
    locks = {c.lock for c in seed_inventory[1] if c.lock}
    assert locks == {"src->vm_mm->mmap_lock", "vma->vm_mm->mmap_lock"}


def test_seed_rewrites_and_removals(seed_inventory: dict[int, list[AssertChange]]) -> None:
    """2/8 narrows unlink_anon_vmas()'s VM_WARN_ON_ONCE (one "changed" entry, not a pair);
    4/8 removes anon_vma_merge()'s VM_BUG_ON_VMA; 7/8 drops cleanup_partial_anon_vmas()'s
    mmap_assert_locked with the rewrite."""
    patch2 = [(c.change, c.function) for c in seed_inventory[2]]
    assert ("changed", "unlink_anon_vmas") in patch2
    assert ("removed", "unlink_anon_vmas") not in patch2
    removed4 = [(c.function, c.macro, c.path) for c in seed_inventory[4] if c.change == "removed"]
    assert ("anon_vma_merge", "VM_BUG_ON_VMA", "include/linux/rmap.h") in removed4
    removed7 = [(c.function, c.macro) for c in seed_inventory[7] if c.change == "removed"]
    assert ("cleanup_partial_anon_vmas", "mmap_assert_locked") in removed7


def test_seed_series_introduces_no_as_finding(tmp_path: Path) -> None:
    """The seed adds VM_WARN_ON_ONCE and lock asserts only: no BUG_ON, no side effect."""
    seed = corpus_dir() / "seed-anon-vma"
    patches = sorted((seed / "format-patch").glob("v2-000[1-9]-*.patch"))
    steps = apply_series(corpus_dir() / "linux-6.12-subset", patches, tmp_path)

    def keys(path: str, text: str) -> set[str]:
        ctx = FileContext(
            path, FileState(path, text), parse_file(path, text), default_rules(), Memo()
        )
        return {f.key for check in asserts.CHECKS for f in check.run(ctx)}

    for index in range(1, len(steps)):
        for path, text in steps[index].items():
            before = steps[index - 1].get(path)
            if before is None or before == text or not path.endswith((".c", ".h")):
                continue
            assert keys(path, text) - keys(path, before) == set(), (index, path)
