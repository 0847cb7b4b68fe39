"""Why a patch does not apply (BS001): the hunk, the line where the file differs (expected
and found, numbered as the file stands before the patch, at the place most of the hunk lines
up), a patch that is already applied (checked against `git apply -R --check`), and a hunk
that fails because an earlier one did."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

from reviewtool import pipeline
from tests.test_tree import BASE_C, _random_edit, build, modify

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "anon-vma-v2"
MBOX = SEED / "anon-vma-v2.mbox"
FIRST_HUNK = "hunk @@ -263,30 +263,62 @@ of mm/rmap.c"  # 1/8's first hunk


def _seed_on(base: Path) -> list:
    report = pipeline.check([str(MBOX)], tree=base, select=("BS001",))
    return [f for f in report.findings if f.code == "BS001"]


def _edited_base(tmp_path: Path, insert_at: int | None = None) -> Path:
    """The seed's base with mm/rmap.c line 269 (in 1/8's first hunk) edited, and optionally
    40 unrelated lines inserted higher up."""
    base = tmp_path / "base"
    shutil.copytree(SEED / "base", base)
    rmap = base / "mm" / "rmap.c"
    lines = rmap.read_text().split("\n")
    lines[268] += " /* edited */"
    if insert_at is not None:
        lines[insert_at:insert_at] = ["/* unrelated */"] * 40
    rmap.write_text("\n".join(lines))
    return base


def test_a_base_lacking_the_context_names_the_hunk_and_the_differing_line(tmp_path) -> None:
    findings = _seed_on(_edited_base(tmp_path))
    first = findings[0]
    assert first.location.patch == 1 and first.location.path == "mm/rmap.c"
    assert first.message == (
        f"patch 1/8 does not apply: {FIRST_HUNK} fails: context differs at line 269: "
        "expected ' *', found ' * /* edited */'"
    )


def test_the_differing_line_is_found_where_the_rest_of_the_hunk_lines_up(tmp_path) -> None:
    base = _edited_base(tmp_path, insert_at=100)
    first = _seed_on(base)[0]
    assert f"{FIRST_HUNK} fails: context differs at line 309: " in first.message
    assert "(the rest lines up 40 lines below the hunk)" in first.message
    line_309 = (base / "mm" / "rmap.c").read_text().split("\n")[308]
    assert line_309 == " * /* edited */"  # the number is the file's own


def test_later_failures_say_they_follow_from_an_earlier_one(tmp_path) -> None:
    later = [f for f in _seed_on(_edited_base(tmp_path)) if f.location.patch > 1]
    assert later and any(
        "lines that 1/8 adds in a hunk that did not apply" in f.message for f in later
    )


def test_an_applied_patch_is_one_already_applied_finding(tmp_path) -> None:
    base = tmp_path / "base"
    shutil.copytree(SEED / "base", base)
    first_patch = sorted((SEED / "format-patch").glob("v2-0001-*.patch"))[0]
    subprocess.run(["git", "apply", str(first_patch)], cwd=base, check=True)
    report = pipeline.check([str(MBOX)], tree=base, select=("BS001",))
    (finding,) = report.findings
    assert finding.location.patch == 1
    assert finding.message.startswith(
        "patch 1/8 does not apply: mm/rmap.c already has all 3 of its changes "
        "(it is already applied; hunk @@ -263,30 +263,62 @@ is at line 263)"
    )
    assert sum(1 for s in report.snapshots[1:] if s.applied) == 7  # 2/8.. apply on top


def test_line_numbers_are_those_of_the_file_before_the_patch() -> None:
    """Hunk 1 adds five lines; hunk 2's context was edited by hand: the line named is the
    file's line 16, not 21 (where it stands once hunk 1 applied)."""
    diff = modify(
        "f.c",
        "@@ -2,2 +2,7 @@\n line 2\n+a\n+b\n+c\n+d\n+e\n line 3\n"
        "@@ -15,3 +20,3 @@\n line 15\n-line 16 (edited by hand)\n+LINE 16\n line 17\n",
    )
    _, findings = build([diff], {"f.c": BASE_C})
    (finding,) = findings
    assert "@@ -15,3 +20,3 @@" in finding.message
    assert "context differs at line 16: expected 'line 16 (edited by hand)', found 'line 16'" in (
        finding.message
    )


def test_a_hunk_overlapping_the_previous_one_names_its_line_before_the_patch() -> None:
    """Hunk 2 starts on line 7, which hunk 1 (one line added above it) showed as trailing
    context: the message names line 7 of the file, where git also says the patch failed."""
    diff = modify(
        "f.c",
        "@@ -5,3 +5,4 @@\n line 5\n+added\n line 6\n line 7\n"
        "@@ -7,3 +8,3 @@\n line 7\n-line 8\n+LINE 8\n line 9\n",
    )
    _, findings = build([diff], {"f.c": BASE_C})
    (finding,) = findings
    assert "@@ -7,3 +8,3 @@" in finding.message
    assert "its context at line 7 overlaps lines an earlier hunk of this patch changed" in (
        finding.message
    )


def test_a_hunk_placed_above_an_earlier_one_names_its_own_line() -> None:
    """Hunks out of order (git applies them so): hunk 2 sits above hunk 1, which added two
    lines further down; the line it names is not moved by them."""
    diff = modify(
        "f.c",
        "@@ -10,3 +10,5 @@\n line 10\n+a\n+b\n line 11\n line 12\n"
        "@@ -3,3 +3,3 @@\n line 3\n-line 4 (edited by hand)\n+LINE 4\n line 5\n",
    )
    _, findings = build([diff], {"f.c": BASE_C})
    (finding,) = findings
    assert "context differs at line 4: expected 'line 4 (edited by hand)', found 'line 4'" in (
        finding.message
    )


def test_creating_a_file_that_exists_with_that_content_is_already_applied() -> None:
    create = (
        "diff --git a/a.c b/a.c\nnew file mode 100644\n"
        "--- /dev/null\n+++ b/a.c\n@@ -0,0 +1 @@\n+x\n"
    )
    _, findings = build([create], {"a.c": "x\n"})
    assert "already exists with the same content (it is already applied)" in findings[0].message
    _, findings = build([create], {"a.c": "y\n"})
    assert "already applied" not in findings[0].message


def test_already_applied_matches_git_apply_reverse_check(tmp_path) -> None:
    """Diffs made by git, applied to a file that may already carry them (and unrelated
    edits): wherever ours refuses, "already applied" is said exactly when
    `git apply -R --check` takes the patch back."""
    verdicts = reverse_check_agreement(tmp_path, 30)
    assert verdicts[True] >= 5 and verdicts[False] >= 3, verdicts  # both kinds were met


def reverse_check_agreement(tmp_path: Path, cases: int) -> dict[bool, int]:
    """Refusals per verdict (already applied or not) over `cases` random cases, each
    asserted equal to git's; a longer run: python -c 'import pathlib, tempfile;
    from tests.test_tree_diagnose import reverse_check_agreement as r;
    print(r(pathlib.Path(tempfile.mkdtemp()), 600))'"""
    rng = random.Random(20260107)
    work = tmp_path / "w"
    work.mkdir()
    verdicts = {True: 0, False: 0}
    for case in range(cases):
        original = [f"{rng.choice(['int', 'long', '}', ''])} v{n % 7};\n" for n in range(40)]
        edited = _random_edit(rng, original)
        (work / "old").write_text("".join(original))
        (work / "new").write_text("".join(edited))
        raw = subprocess.run(
            ["git", "diff", "--no-index", "old", "new"], cwd=work, capture_output=True
        ).stdout.decode()
        diff = raw.replace("a/old", "a/f.c").replace("b/new", "b/f.c")
        target = list(edited) if case % 3 else _random_edit(rng, original)
        if case % 3 == 1:
            target = _random_edit(rng, target)  # applied, then edited elsewhere
        (work / "f.c").write_text("".join(target))
        (work / "p.diff").write_text(diff)
        forward = subprocess.run(
            ["git", "apply", "--check", "p.diff"], cwd=work, capture_output=True
        )
        reverse = subprocess.run(
            ["git", "apply", "-R", "--check", "p.diff"], cwd=work, capture_output=True
        )
        _, findings = build([diff], {"f.c": "".join(target)})
        if forward.returncode == 0 or not findings:
            continue
        ours = any("it is already applied" in f.message for f in findings)
        assert ours == (reverse.returncode == 0), (case, [f.message for f in findings])
        verdicts[ours] += 1
    return verdicts
