"""The founding example: patch 1/8 of the anon_vma series leaks the anon_vma lock in
cleanup_partial_anon_vmas(); the fixed series does not; both with and without a base tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtool.pipeline import check
from tests.corpus import corpus_dir

pytestmark = pytest.mark.corpus


def lock_findings(series_dir: Path, tree: Path | None):
    patches = sorted(str(p) for p in (series_dir / "format-patch").glob("*.patch"))
    return check(patches, tree=tree, select=("LK",)).findings


@pytest.mark.parametrize("with_tree", [True, False], ids=["base-tree", "hunks-only"])
def test_patch_one_leaks_the_anon_vma_lock(with_tree: bool) -> None:
    corpus = corpus_dir()
    tree = corpus / "linux-6.12-subset" if with_tree else None
    findings = lock_findings(corpus / "seed-anon-vma", tree)
    assert [(f.code, f.location.function) for f in findings] == [
        ("LK001", "cleanup_partial_anon_vmas")
    ]
    leak = findings[0]
    assert leak.introduced_in == 1 and leak.fixed_in == 7
    assert leak.location.path == "mm/rmap.c" and leak.location.line in (463, 464)
    assert leak.message.startswith("anon_vma_lock_write(anon_vma) at line 456 is not released")
    assert leak.evidence[0].line == 456


@pytest.mark.parametrize("with_tree", [True, False], ids=["base-tree", "hunks-only"])
def test_fixed_series_has_no_lock_finding(with_tree: bool) -> None:
    corpus = corpus_dir()
    tree = corpus / "linux-6.12-subset" if with_tree else None
    assert lock_findings(corpus / "seed-anon-vma" / "fixed", tree) == ()
