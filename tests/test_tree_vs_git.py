"""The in-memory applier is as strict as real `git apply`: hand-written cases for the rules
that decide a match (bytes, not columns; never over lines this patch already rewrote), and
seeded generated cases (whitespace, overlapping and reordered hunks, offsets, changed
context, end-of-file newlines) where git's verdict and resulting text are the oracle."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtool.tree import build_snapshots
from tests.applygen import followup_diff, git_apply, make_case, random_file
from tests.builders import MemoryTree, patch, series

GENERATED_CASES = 80  # benchmarks/apply_vs_git.py runs thousands


def ours(base: str, *diffs: str) -> list[str | None]:
    """f.c after each patch, None where the patch got BS001 (and changed nothing)."""
    patches = [patch(k, len(diffs), diff) for k, diff in enumerate(diffs, start=1)]
    snapshots, findings = build_snapshots(series(*patches), MemoryTree({"f.c": base}))
    assert {f.code for f in findings} <= {"BS001"}
    failed = {f.patch for f in findings}
    for step in failed:  # like git am skipping it: the tree stays as it was before the patch
        assert snapshots[step].files == snapshots[step - 1].files
    return [
        None if step in failed else snapshot.files["f.c"].text
        for step, snapshot in enumerate(snapshots[1:], start=1)
    ]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    path = tmp_path / "w"
    path.mkdir()
    return path


def diff(body: str) -> str:
    return "diff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n" + body


BASE = "int f(void)\n{\n\tint a;\n\tint b;\n\treturn a;\n}\n"


@pytest.mark.parametrize(
    "context",
    [
        "        int a;\n",  # the tab as eight spaces
        "\tint a; \n",  # a trailing blank
        "\tint  a;\n",  # a doubled space
    ],
    ids=["tab-expanded", "trailing-blank", "inner-space"],
)
def test_context_is_compared_byte_for_byte(work: Path, context: str):
    # The differing line is not the hunk's first, so a match cannot be refused early.
    body = f"@@ -2,4 +2,4 @@\n {{\n {context}-\tint b;\n+\tint c;\n \treturn a;\n"
    assert git_apply(work, BASE, diff(body)) is None
    assert ours(BASE, diff(body)) == [None]
    exact = body.replace(context, "\tint a;\n")
    assert ours(BASE, diff(exact)) == [git_apply(work, BASE, diff(exact))]
    assert "\tint c;\n" in ours(BASE, diff(exact))[0]


def test_a_hunk_never_matches_lines_an_earlier_hunk_of_the_patch_rewrote(work: Path):
    # The second hunk's context is what the first hunk wrote: git refuses it (LINE_PATCHED),
    # even though the text it expects is there once the first hunk applied.
    base = "a\nb\nc\nd\ne\nf\ng\n"
    body = "@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n@@ -2,3 +2,3 @@\n b\n-C\n+X\n d\n"
    assert git_apply(work, base, diff(body)) is None
    assert ours(base, diff(body)) == [None]
    # the same second hunk as a patch of its own applies
    first, second = body.split("@@ -2,3 +2,3 @@\n")[1:]
    one, two = diff("@@ -2,3 +2,3 @@\n" + first), diff("@@ -2,3 +2,3 @@\n" + second)
    assert ours(base, one, two) == ["a\nb\nC\nd\ne\nf\ng\n", "a\nb\nX\nd\ne\nf\ng\n"]


def test_a_context_line_without_newline_matches_one_with_it_as_git_does(work: Path):
    # git compares the preimage as one buffer: `}` (no newline at end of file) is a prefix of
    # the file's `}\n`, so the hunk applies and the file loses its final newline.
    body = "@@ -1,3 +1,3 @@\n a\n-b\n+B\n }\n\\ No newline at end of file\n"
    base = "a\nb\n}\n"
    assert ours(base, diff(body)) == [git_apply(work, base, diff(body))] == ["a\nB\n}"]
    # ... and where the file goes on, git joins the line to the next one
    longer = "a\nb\n}\nmore\n"
    expected = git_apply(work, longer, diff(body))
    assert expected == "a\nB\n}more\n"
    later = diff("@@ -1,3 +1,3 @@\n a\n-B\n+b2\n }more\n")
    assert ours(longer, diff(body), later) == [expected, git_apply(work, expected, later)]
    # a removed line must end the file exactly (no trailing context: match_end)
    strict = "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n"
    assert git_apply(work, "a\nb\n", diff(strict)) is None
    assert ours("a\nb\n", diff(strict)) == [None]
    _, [finding] = build_snapshots(series(patch(1, 1, diff(strict))), MemoryTree({"f.c": "a\nb\n"}))
    assert "expected 'b' (no newline at end of file), found 'b'" in finding.message


@pytest.mark.parametrize("block", range(4))
def test_generated_patches_apply_exactly_where_git_applies_them(work: Path, block: int):
    """Each case: git's verdict on the patch, and its text where it applied; then a second
    patch made against git's result, so the state a patch leaves is checked too."""
    per_block = GENERATED_CASES // 4
    shapes: set[tuple[str, str, bool]] = set()
    for seed in range(block * per_block, (block + 1) * per_block):
        case = make_case(seed)
        theirs = git_apply(work, case.target, case.diff)
        shapes.add((case.shape, case.disturbance, theirs is not None))
        if theirs is None:
            assert ours(case.target, case.diff) == [None], (seed, case.diff)
            continue
        second = followup_diff(seed, theirs)
        assert ours(case.target, case.diff, second) == [
            theirs,
            git_apply(work, theirs, second),
        ], (seed, case.diff, second)
    assert any(applied for _, _, applied in shapes) and not all(a for _, _, a in shapes)


def test_a_rebuild_from_hunks_knows_only_lines_git_agrees_with(work: Path):
    """Without a base: series of up to three generated patches git applies in turn, rebuilt
    from their hunks alone. No BS001, and at every step each known line is git's line at the
    same number; unknown lines are empty; the text never runs past git's file. (Hunks always
    show an old line here: a context-free insertion goes to the file's end in git, which a
    rebuild from hunks cannot place.)"""
    known = 0
    for seed in range(60):
        texts = [random_file(seed)]
        diffs: list[str] = []
        for k in range(3):
            diff_k = followup_diff(seed * 10 + k, texts[-1], bare=False)
            after = git_apply(work, texts[-1], diff_k)
            if after is None:
                break
            diffs.append(diff_k)
            texts.append(after)
        if not diffs:
            continue
        patches = [patch(k, len(diffs), d) for k, d in enumerate(diffs, start=1)]
        snapshots, findings = build_snapshots(series(*patches), None)
        assert findings == (), (seed, [f.message for f in findings])
        for step, snapshot in enumerate(snapshots):
            state = snapshot.files["f.c"]
            unknown = {n for lo, hi in state.unknown for n in range(lo, hi + 1)}
            real = texts[step].split("\n")
            ours = state.text.split("\n") if state.text else []
            if state.text.endswith("\n"):
                ours.pop()
            assert len(ours) <= len(real), (seed, step)
            for number, line in enumerate(ours, start=1):
                if number in unknown:
                    assert line == "", (seed, step, number)
                else:
                    assert line == real[number - 1], (seed, step, number)
                    known += 1
    assert known > 1000


@pytest.mark.parametrize(
    "base, body",
    [
        # 10 lines were inserted above: found 10 below its place, after the search has
        # passed the top of the file going up
        (
            "".join(f"new {n}\n" for n in range(10)) + "".join(f"line {n}\n" for n in range(1, 9)),
            "@@ -3,3 +3,3 @@\n line 3\n-line 4\n+LINE 4\n line 5\n",
        ),
        # 4 lines were removed above: found at the very top after the search has passed the
        # end of the file going down
        (
            "".join(f"line {n}\n" for n in range(5, 13)),
            "@@ -5,3 +5,3 @@\n line 5\n-line 6\n+LINE 6\n line 7\n",
        ),
    ],
    ids=["far-below", "at-the-top"],
)
def test_the_offset_search_goes_on_past_either_end_of_the_file(work: Path, base: str, body: str):
    theirs = git_apply(work, base, diff(body))
    assert theirs is not None and "LINE" in theirs
    assert ours(base, diff(body)) == [theirs]


def test_a_line_joined_to_the_next_is_one_line_for_the_next_patch(work: Path):
    # Patch 1's last context line says "No newline at end of file" but the file goes on:
    # git joins it to the next line ("yz"), and patch 2, made against git's result, changes
    # that one line.
    base = "x\ny\nz\n"
    first = diff("@@ -1,2 +1 @@\n-x\n y\n\\ No newline at end of file\n")
    second = diff("@@ -1 +1 @@\n-yz\n+YZ\n")
    after_first = git_apply(work, base, first)
    assert after_first == "yz\n"
    assert ours(base, first, second) == [after_first, git_apply(work, after_first, second)]
