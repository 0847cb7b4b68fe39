"""Matching patches across versions: git patch-id --stable replayed in Python, range-diff's
assignment, and every version pair of the corpus threads."""

from __future__ import annotations

import importlib.util
import itertools
import random
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from reviewtool import ingest
from reviewtool.mail import to_patch
from reviewtool.memory.assignment import min_cost_assignment
from reviewtool.memory.patchid import patch_id
from reviewtool.memory.versions import match_patches
from tests.builders import patch
from tests.corpus import corpus_dir
from tests.memory_fixtures import V2

DIFF = "\n".join(
    [
        "diff --git a/mm/foo.c b/mm/foo.c",
        "index 1111111..2222222 100644",
        "--- a/mm/foo.c",
        "+++ b/mm/foo.c",
        "@@ -10,6 +10,8 @@ static int foo(void)",
        " {",
        " \tint x = 0;",
        " ",
        "+\tspin_lock(&foo_lock);",
        "+\tx = bar();",
        " \treturn x;",
        " }",
        " ",
        "",
    ]
)
SECOND_FILE = "\n".join(
    [
        "diff --git a/mm/bar.c b/mm/bar.c",
        "index 3333333..4444444 100644",
        "--- a/mm/bar.c",
        "+++ b/mm/bar.c",
        "@@ -1,3 +1,4 @@",
        " #include <linux/bar.h>",
        "+#include <linux/foo.h>",
        " ",
        " int bar(void);",
        "",
    ]
)


def test_patch_id_ignores_line_numbers_whitespace_and_file_order():
    base = patch_id(DIFF)
    assert base is not None and len(base) == 40
    assert patch_id(DIFF.replace("@@ -10,6 +10,8 @@", "@@ -210,6 +214,8 @@")) == base
    assert patch_id(DIFF.replace("index 1111111..2222222", "index 9999999..8888888")) == base
    assert patch_id(DIFF.replace("+\tx = bar();", "+    x  =  bar();")) == base
    assert patch_id(DIFF.replace("x = bar()", "x = baz()")) != base
    assert patch_id(DIFF + SECOND_FILE) == patch_id(SECOND_FILE + DIFF)  # --stable
    assert patch_id("no diff here\n") is None


def test_patch_id_equals_git_on_every_corpus_and_seed_patch():
    """One `git patch-id --stable` over all patches (each under its own `commit` line)."""
    root = corpus_dir() / "mbox"
    sources = [p for p in sorted(root.rglob("*")) if p.is_file() and p.suffix != ".md"]
    diffs: list[str] = []
    for source in [*sources, V2]:
        try:
            messages = ingest.read_messages([str(source)])
        except Exception:  # not mail (expected-output files of b4's tests)
            continue
        diffs.extend(p.diff for m in messages if (p := to_patch(m, 1, 1)) is not None)
    stream = "".join(f"commit {n:040x}\n{diff}" for n, diff in enumerate(diffs, start=1))
    out = subprocess.run(
        ["git", "patch-id", "--stable"],
        input=stream.encode("utf-8", "surrogateescape"),
        capture_output=True,
        check=True,
    ).stdout.decode()
    git = {int(commit, 16): pid for pid, commit in (line.split() for line in out.splitlines())}
    git.pop(0, None)  # git reports the (empty) text before the first `commit` line too
    ours = {n: patch_id(diff) for n, diff in enumerate(diffs, start=1)}
    assert len(diffs) > 250
    assert {n: pid for n, pid in ours.items() if pid is not None} == git


def test_assignment_is_minimal_against_brute_force():
    rng = random.Random(12)
    for size in range(1, 7):
        for _ in range(20):
            cost = [[rng.randint(0, 50) for _ in range(size)] for _ in range(size)]
            assigned = min_cost_assignment(cost)
            assert sorted(assigned) == list(range(size))
            best = min(
                sum(cost[r][c] for r, c in enumerate(perm))
                for perm in itertools.permutations(range(size))
            )
            assert sum(cost[r][c] for r, c in enumerate(assigned)) == best


def _edit(diff: str, old: str, new: str) -> str:
    assert old in diff
    return diff.replace(old, new)


def test_rebased_reordered_rewritten_dropped_and_added_patches():
    rebased = _edit(DIFF, "@@ -10,6 +10,8 @@", "@@ -40,6 +40,8 @@")
    rewritten = DIFF.replace("x = bar();", "x = bar() + 1;") + SECOND_FILE.replace(
        "foo.h", "foo_types.h"
    )
    other = (
        "diff --git a/Documentation/x.rst b/Documentation/x.rst\n"
        "--- a/Documentation/x.rst\n+++ b/Documentation/x.rst\n"
        "@@ -1 +1 @@\n-Old words.\n+New words.\n"
    )
    old = (
        patch(1, 3, DIFF, "mm: take the foo lock"),
        patch(2, 3, DIFF + SECOND_FILE, "mm: include foo.h in bar"),
        patch(3, 3, other.replace("zzz", "qqq"), "kernel: drop the qqq header"),
    )
    new = (
        patch(1, 3, SECOND_FILE, "mm: new first patch"),
        patch(2, 3, rebased, "mm: foo takes its lock"),  # same change, new subject
        patch(3, 3, rewritten, "mm: include foo.h in bar"),  # same subject, new change
    )
    pairs = {(p.old, p.new): p.how for p in match_patches(old, new)}
    assert pairs == {(1, 2): "patch-id", (2, 3): "subject"}


def test_similarity_pairs_a_rewritten_patch_and_leaves_a_replaced_one():
    grown = DIFF.replace("+\tx = bar();\n", "+\tx = bar();\n+\tspin_unlock(&foo_lock);\n")
    old = (patch(1, 2, DIFF, "mm: take the foo lock"), patch(2, 2, SECOND_FILE, "mm: bar"))
    new = (
        patch(1, 2, grown, "mm: take and drop the foo lock"),
        patch(2, 2, SECOND_FILE.replace("mm/bar.c", "lib/other.c").replace("bar", "qux"), "lib"),
    )
    (pair,) = match_patches(old, new)
    assert (pair.old, pair.new, pair.how) == (1, 1, "similarity") and pair.cost > 0


def _corpus_pairs():
    """The pairs benchmarks/versions.py lists (it is a script: loaded from the checkout)."""
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "versions.py"
    spec = importlib.util.spec_from_file_location("versions_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.version_pairs(corpus_dir())


@pytest.mark.corpus
def test_every_version_pair_of_the_corpus_threads_is_matched():
    pairs = _corpus_pairs()
    totals: Counter = Counter()
    for name, old, new in pairs:
        matched = match_patches(old.patches, new.patches)
        assert len({p.old for p in matched}) == len(matched) == len({p.new for p in matched})
        assert all(
            patch_id(o.diff) == patch_id(n.diff)
            for p in matched
            if p.how == "patch-id"
            for o in old.patches
            if o.index == p.old
            for n in new.patches
            if n.index == p.new
        )
        assert matched, f"{name}: v{old.version} and v{new.version} share no patch"
        totals.update(p.how for p in matched)
        totals["unmatched"] += len(old.patches) + len(new.patches) - 2 * len(matched)
    # the figures benchmarks/versions.py prints; every lore series with several postings
    # (cpuset v1..v6, memcg RFC..v5) is in, and the v4 thread's partial reroll pairs by id
    assert len(pairs) == 20
    assert totals == Counter({"patch-id": 25, "subject": 31, "similarity": 5, "unmatched": 19})


def test_many_big_patches_pair_the_same_by_line_counts_and_greedily(monkeypatch):
    """Past the diff budget the cost ignores line order, past MAX_ASSIGNED pairs are made
    cheapest first: a reroll of 130 patches that each changed one line still pairs 1:1."""
    from reviewtool.memory import versions

    def one(n: int, changed: bool) -> str:
        body = "".join(f"+\tstep_{n}_{k}();\n" for k in range(8))
        if changed:
            body = body.replace(f"step_{n}_3();", f"step_{n}_3(true);")
        return (
            f"diff --git a/drivers/d{n}.c b/drivers/d{n}.c\n--- a/drivers/d{n}.c\n"
            f"+++ b/drivers/d{n}.c\n@@ -1,0 +1,8 @@\n{body}"
        )

    old = tuple(patch(n, 130, one(n, False), f"d{n}: add steps") for n in range(1, 131))
    new = tuple(patch(n, 130, one(n, True), f"drivers {n}: steps") for n in range(1, 131))
    monkeypatch.setattr(versions, "DIFF_BUDGET", 0)
    pairs = match_patches(old, new)
    assert [(p.old, p.new, p.how) for p in pairs] == [(n, n, "similarity") for n in range(1, 131)]
