"""Unit tests of reviewtool.tree: in-memory git apply, hunks-only rebuild, base trees, paths."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from reviewtool import tree
from reviewtool.checks import apply as apply_checks
from reviewtool.errors import InputError
from reviewtool.model import Severity
from reviewtool.tree import DirTree, GitTree, HunksOnly, build_snapshots
from reviewtool.tree import snapshots as tree_snapshots
from tests.builders import MemoryTree, patch, series

BASE_C = "".join(f"line {n}\n" for n in range(1, 21))


def build(diffs: list[str], base: dict[str, str] | None):
    patches = [patch(k, len(diffs), diff) for k, diff in enumerate(diffs, start=1)]
    return build_snapshots(series(*patches), MemoryTree(base) if base is not None else None)


def modify(path: str, body: str) -> str:
    header = f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n"
    return f"{header}--- a/{path}\n+++ b/{path}\n{body}"


# --------------------------------------------------------------------------- git apply semantics


def test_exact_position_applies_and_base_snapshot_holds_touched_files_only():
    diff = modify("foo.c", "@@ -4,3 +4,4 @@\n line 4\n line 5\n+inserted\n line 6\n")
    snapshots, findings = build([diff], {"foo.c": BASE_C, "other.c": "x\n"})
    assert findings == ()
    assert set(snapshots[0].files) == {"foo.c"}
    assert snapshots[0].files["foo.c"].text == BASE_C
    after = snapshots[1].files["foo.c"].text.splitlines()
    assert after[5] == "inserted" and after[6] == "line 6" and len(after) == 21
    assert snapshots[1].touched == {"foo.c"} and snapshots[1].applied


def test_hunk_found_at_an_offset_like_git_apply():
    shifted = "new top 1\nnew top 2\nnew top 3\n" + BASE_C
    diff = modify("foo.c", "@@ -10,3 +10,3 @@\n line 10\n-line 11\n+LINE 11\n line 12\n")
    snapshots, findings = build([diff], {"foo.c": shifted})
    assert findings == ()
    lines = snapshots[1].files["foo.c"].text.splitlines()
    assert lines[13] == "LINE 11"  # line 11 of the base sits at 14 after three added lines


def test_offset_search_prefers_the_nearest_match_forward_first():
    text = "k\nx\nk\nz\nz\nz\nz\nz\nk\nx\nk\nend\n"  # "k x k" at lines 1 and 9
    diff = modify("f.c", "@@ -5,3 +5,3 @@\n k\n-x\n+Y\n k\n")  # stated 4 lines from both
    snapshots, _ = build([diff], {"f.c": text})
    # git apply tries 5, 6, 4, 7, 3, 8, 2, 9, 1: the later copy wins the tie.
    assert snapshots[1].files["f.c"].text == text.replace("k\nx\nk\nend", "k\nY\nk\nend")


def test_unchanged_files_are_carried_over_by_reference():
    one = modify("a.c", "@@ -1,2 +1,2 @@\n-line 1\n+LINE 1\n line 2\n")
    two = modify("b.c", "@@ -1,2 +1,2 @@\n-line 1\n+LINE 1\n line 2\n")
    snapshots, _ = build([one, two], {"a.c": BASE_C, "b.c": BASE_C})
    assert snapshots[2].files["a.c"] is snapshots[1].files["a.c"]
    assert snapshots[1].files["b.c"] is snapshots[0].files["b.c"]
    assert snapshots[2].touched == {"b.c"}


def test_new_deleted_renamed_copied_and_mode_changed_files():
    new = (
        "diff --git a/new.c b/new.c\nnew file mode 100644\nindex 0000000..1111111\n"
        "--- /dev/null\n+++ b/new.c\n@@ -0,0 +1,2 @@\n+int a;\n+int b;\n"
    )
    gone = (
        "diff --git a/gone.c b/gone.c\ndeleted file mode 100644\nindex 1111111..0000000\n"
        "--- a/gone.c\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-y\n"
    )
    pure_rename = (
        "diff --git a/old.c b/moved.c\nsimilarity index 100%\n"
        "rename from old.c\nrename to moved.c\n"
    )
    edit_rename = (
        "diff --git a/moved.c b/final.c\nsimilarity index 80%\n"
        "rename from moved.c\nrename to final.c\nindex 1111111..2222222 100644\n"
        "--- a/moved.c\n+++ b/final.c\n@@ -1,2 +1,2 @@\n-line 1\n+LINE 1\n line 2\n"
    )
    copy = (
        "diff --git a/final.c b/copy.c\nsimilarity index 100%\ncopy from final.c\ncopy to copy.c\n"
    )
    mode = "diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n"
    base = {"gone.c": "x\ny\n", "old.c": BASE_C, "run.sh": "echo\n"}
    snapshots, findings = build([new + gone, pure_rename, edit_rename, copy + mode], base)
    assert findings == ()
    assert snapshots[1].files["new.c"].text == "int a;\nint b;\n"
    assert "gone.c" not in snapshots[1].files and "gone.c" in snapshots[0].files
    assert snapshots[2].renamed == (("old.c", "moved.c"),)
    assert snapshots[2].files["moved.c"].text == BASE_C and "old.c" not in snapshots[2].files
    assert snapshots[3].files["final.c"].text == "LINE 1\n" + BASE_C.split("\n", 1)[1]
    assert snapshots[3].touched == {"moved.c", "final.c"}
    assert snapshots[4].files["copy.c"].text == snapshots[3].files["final.c"].text
    assert "final.c" in snapshots[4].files
    assert snapshots[4].files["run.sh"].text == "echo\n"
    assert all(s.applied for s in snapshots)


def test_no_newline_at_end_of_file_is_kept_exactly():
    add_newline = modify("a.c", "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n")
    drop_newline = modify("b.c", "@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n")
    keep_missing = modify("c.c", "@@ -1,2 +1,3 @@\n a\n+new\n b\n\\ No newline at end of file\n")
    base = {"a.c": "a\nb", "b.c": "a\nb\n", "c.c": "a\nb"}
    snapshots, findings = build([add_newline + drop_newline + keep_missing], base)
    assert findings == ()
    assert snapshots[1].files["a.c"].text == "a\nb\n"
    assert snapshots[1].files["b.c"].text == "a\nb"
    assert snapshots[1].files["c.c"].text == "a\nnew\nb"


def test_missing_final_newline_must_match_like_git():
    # The patch says the file ends without a newline; the file has one: git refuses.
    diff = modify("a.c", "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n")
    snapshots, findings = build([diff], {"a.c": "a\nb\n"})
    assert [f.code for f in findings] == ["BS001"]
    assert snapshots[1].files["a.c"].text == "a\nb\n" and not snapshots[1].applied


def test_crlf_lines_are_preserved_byte_for_byte():
    base = "int a;\r\nint b;\r\nint c;\r\n"
    diff = modify("w.c", "@@ -1,3 +1,3 @@\n int a;\r\n-int b;\r\n+int B;\r\n int c;\r\n")
    snapshots, findings = build([diff], {"w.c": base})
    assert findings == ()
    assert snapshots[1].files["w.c"].text == "int a;\r\nint B;\r\nint c;\r\n"


def test_crlf_context_does_not_match_lf_file():
    diff = modify("w.c", "@@ -1,2 +1,2 @@\n int a;\r\n-int b;\r\n+int B;\r\n")
    _, findings = build([diff], {"w.c": "int a;\nint b;\n"})
    assert [f.code for f in findings] == ["BS001"]


def test_hunk_that_must_end_the_file_does_not_match_in_the_middle():
    # No trailing context: git requires the hunk at the end of the file.
    diff = modify("a.c", "@@ -2,2 +2,1 @@\n line 2\n-line 3\n")
    snapshots, findings = build([diff], {"a.c": BASE_C})
    assert [f.code for f in findings] == ["BS001"]
    assert snapshots[1].files["a.c"].text == BASE_C


def test_hunk_at_line_one_must_match_at_the_top():
    base = "extra\n" + BASE_C
    diff = modify("a.c", "@@ -1,3 +1,3 @@\n line 1\n-line 2\n+LINE 2\n line 3\n")
    _, findings = build([diff], {"a.c": base})
    assert [f.code for f in findings] == ["BS001"]


def test_a_patch_that_does_not_apply_changes_nothing_and_later_patches_apply_without_it():
    # git am stops at 1/3; we report it and go on with the tree as it was before it.
    bad_then_good = modify(
        "foo.c",
        "@@ -3,3 +3,3 @@\n line 3\n-line 4 (edited by hand)\n+LINE 4\n line 5\n"
        "@@ -15,3 +15,3 @@\n line 15\n-line 16\n+LINE 16\n line 17\n",
    )
    needs_the_first = modify("foo.c", "@@ -15,3 +15,4 @@\n line 15\n LINE 16\n+added\n line 17\n")
    on_the_base = modify("foo.c", "@@ -15,3 +15,4 @@\n line 15\n line 16\n+added\n line 17\n")
    snapshots, findings = build(
        [bad_then_good, needs_the_first, on_the_base], {"foo.c": BASE_C, "bar.c": "x\n"}
    )
    assert [(f.code, f.patch) for f in findings] == [("BS001", 1), ("BS001", 2)]
    finding = findings[0]
    assert (finding.name, finding.severity, finding.location.path) == (
        "does-not-apply",
        Severity.ERROR,
        "foo.c",
    )
    assert "@@ -3,3 +3,3 @@" in finding.message and "patch 1/3" in finding.message
    assert "'line 4'" in finding.message and "'line 4 (edited by hand)'" in finding.message
    # the hunk that would have applied did not: the step is the tree before the patch
    assert snapshots[1].files == snapshots[0].files and snapshots[1].touched == frozenset()
    assert not snapshots[1].applied and not snapshots[2].applied and snapshots[3].applied
    assert "'line 16'" in findings[1].message and "'LINE 16'" in findings[1].message
    lines = snapshots[3].files["foo.c"].text.splitlines()
    assert lines[3] == "line 4" and lines[15] == "line 16" and lines[16] == "added"


def test_a_failed_rename_or_deletion_leaves_every_file_where_it_was():
    rename_then_fail = (
        "diff --git a/foo.c b/moved.c\nsimilarity index 90%\nrename from foo.c\nrename to moved.c\n"
        "--- a/foo.c\n+++ b/moved.c\n@@ -1,2 +1,2 @@\n-no such line\n+x\n line 2\n"
    )
    delete_and_edit = modify("foo.c", "@@ -1,2 +1,2 @@\n-line 1\n+LINE 1\n line 2\n") + (
        "diff --git a/gone.c b/gone.c\ndeleted file mode 100644\n"
        "--- a/gone.c\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-not y\n"
    )
    snapshots, findings = build(
        [rename_then_fail, delete_and_edit], {"foo.c": BASE_C, "gone.c": "x\ny\n"}
    )
    assert [(f.code, f.patch) for f in findings] == [("BS001", 1), ("BS001", 2)]
    for step in (1, 2):
        assert snapshots[step].files == snapshots[0].files
        assert (snapshots[step].renamed, snapshots[step].applied) == ((), False)


def test_creating_an_existing_file_and_changing_a_missing_one_are_bs001():
    create = (
        "diff --git a/a.c b/a.c\nnew file mode 100644\n"
        "--- /dev/null\n+++ b/a.c\n@@ -0,0 +1 @@\n+x\n"
    )
    missing = modify("nope.c", "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n")
    snapshots, findings = build([create, missing], {"a.c": "old\n"})
    assert [(f.code, f.patch, f.location.path) for f in findings] == [
        ("BS001", 1, "a.c"),
        ("BS001", 2, "nope.c"),
    ]
    assert "already exists" in findings[0].message and "does not exist" in findings[1].message
    assert snapshots[1].files["a.c"].text == "old\n"
    assert "nope.c" not in snapshots[2].files  # a patch that does not apply changes nothing


def test_binary_patch_is_not_analysed_and_does_not_crash():
    binary = (
        "diff --git a/logo.png b/logo.png\nindex 1111111..2222222 100644\nGIT binary patch\n"
        "literal 5\nMcmZ?wbY@{=00ZX$H~;_u\n\nliteral 0\nHcmV?d00001\n\n"
    )
    text = modify("a.c", "@@ -1,2 +1,2 @@\n-line 1\n+LINE 1\n line 2\n")
    snapshots, findings = build([binary + text], {"logo.png": "\x89PNG", "a.c": BASE_C})
    assert findings == ()
    assert "logo.png" not in snapshots[1].files and "logo.png" in snapshots[1].touched
    assert snapshots[1].files["a.c"].text.startswith("LINE 1\n")


def test_malformed_diff_is_a_finding_not_a_traceback():
    broken = modify("a.c", "@@ -1,5 +1,5 @@\n line 1\n-line 2\n")  # hunk shorter than stated
    snapshots, findings = build([broken], {"a.c": BASE_C})
    assert [f.code for f in findings] == ["BS001"] and "cannot be parsed" in findings[0].message
    assert snapshots[1].files == snapshots[0].files and not snapshots[1].applied


# --------------------------------------------------------------------------- hunks only


def test_hunks_only_rebuild_keeps_real_line_numbers_and_lists_unknown_ranges():
    diff = modify(
        "mm/x.c",
        "@@ -10,3 +10,8 @@ static int a;\n line 10\n"
        "+static int helper(void)\n+{\n+\treturn 1;\n+}\n+\n line 11\n line 12\n"
        "@@ -30,3 +35,3 @@ void f(void)\n line 30\n-line 31\n+LINE 31\n line 32\n",
    )
    snapshots, findings = build([diff], None)
    assert findings == ()
    base = snapshots[0].files["mm/x.c"]
    assert base.unknown == ((1, 9), (13, 29)) and base.text.splitlines()[9] == "line 10"
    after = snapshots[1].files["mm/x.c"]
    lines = after.text.splitlines()
    assert lines[10:14] == ["static int helper(void)", "{", "\treturn 1;", "}"]
    assert lines[35] == "LINE 31"  # line 36 in the post-image, as the hunk header says
    assert lines[:9] == [""] * 9
    assert after.unknown == ((1, 9), (18, 34))
    assert len(lines) == 37  # ends after the last known line: the rest of the file is unknown
    assert after.is_known(11, 14) and not after.is_known(9, 14)


def test_hunks_only_later_patches_apply_against_the_partial_file():
    first = modify("k.c", "@@ -5,3 +5,4 @@\n line 5\n line 6\n+added\n line 7\n")
    # Patch 2 shows lines the first did not (20..22) and the line patch 1 added.
    second = modify(
        "k.c",
        "@@ -6,3 +6,3 @@\n line 6\n-added\n+ADDED\n line 7\n"
        "@@ -21,3 +21,3 @@\n line 20\n-line 21\n+LINE 21\n line 22\n",
    )
    patches = series(patch(1, 2, first), patch(2, 2, second))
    snapshots, findings = build_snapshots(patches, HunksOnly())
    assert findings == ()
    after = snapshots[2].files["k.c"]
    lines = after.text.splitlines()
    assert lines[6] == "ADDED" and lines[20:23] == ["line 20", "LINE 21", "line 22"]
    assert after.unknown == ((1, 4), (9, 20))


def test_hunks_only_conflicting_known_line_is_bs001():
    first = modify("k.c", "@@ -5,3 +5,3 @@\n line 5\n-line 6\n+LINE 6\n line 7\n")
    second = modify("k.c", "@@ -5,3 +5,3 @@\n line 5\n-line 6\n+again\n line 7\n")
    snapshots, findings = build([first, second], None)
    assert [(f.code, f.patch) for f in findings] == [("BS001", 2)]
    assert snapshots[2].files["k.c"].text.splitlines()[5] == "LINE 6"


def test_hunks_only_end_of_file_becomes_known():
    diff = modify("e.c", "@@ -8,2 +8,3 @@\n line 8\n line 9\n+tail\n")
    snapshots, _ = build([diff], None)
    text = snapshots[1].files["e.c"].text
    assert text.endswith("line 9\ntail\n") and len(text.splitlines()) == 10


@pytest.mark.parametrize(
    "end",
    [
        "@@ -8,2 +8,3 @@\n line 8\n line 9\n+tail\n",  # no trailing context: the file ends
        "@@ -8,2 +8,3 @@\n line 8\n+tail\n line 9\n\\ No newline at end of file\n",
    ],
)
def test_hunks_only_an_end_shown_by_a_later_patch_is_the_end(end):
    # Patch 1 leaves the length unknown; patch 2 shows where the file ends (10 lines after
    # it); a patch 3 changing lines 13..15 does not apply, as git refuses it on the real file.
    first = modify("e.c", "@@ -5,3 +5,3 @@\n line 5\n-line 6\n+LINE 6\n line 7\n")
    third = modify("e.c", "@@ -13,3 +13,3 @@\n line 13\n-line 14\n+LINE 14\n line 15\n")
    snapshots, findings = build([first, modify("e.c", end), third], None)
    assert [(f.code, f.patch) for f in findings] == [("BS001", 3)]
    assert snapshots[3].files["e.c"].text == snapshots[2].files["e.c"].text
    assert len(snapshots[2].files["e.c"].text.splitlines()) == 10


def test_hunks_only_a_hunk_claiming_the_end_before_known_lines_is_bs001():
    # Patch 1 showed line 20; patch 2's hunk has no trailing context, so it must end the
    # file (git's match_end), at line 6: the file goes on, git refuses it.
    first = modify(
        "t.c",
        "@@ -5,3 +5,3 @@\n line 5\n-line 6\n+LINE 6\n line 7\n"
        "@@ -19,3 +19,3 @@\n line 19\n-line 20\n+LINE 20\n line 21\n",
    )
    second = modify("t.c", "@@ -5,2 +5,3 @@\n line 5\n LINE 6\n+tail\n")
    snapshots, findings = build([first, second], None)
    assert [(f.code, f.patch) for f in findings] == [("BS001", 2)]
    assert "tail" not in snapshots[2].files["t.c"].text


def test_hunks_only_a_hand_edited_new_start_is_placed_where_its_context_was_shown():
    # Hunk 1 adds a line, but hunk 2's header still says +20 (edited by hand): git finds its
    # context one line lower, and so does a rebuild that knows where hunk 2's lines were.
    diff = modify(
        "h.c",
        "@@ -5,3 +5,4 @@\n line 5\n+added\n line 6\n line 7\n"
        "@@ -20,3 +20,3 @@\n line 20\n-line 21\n+LINE 21\n line 22\n",
    )
    for base in (None, {"h.c": BASE_C + "line 21\nline 22\n"}):
        snapshots, findings = build([diff], base)
        assert findings == ()
        lines = snapshots[1].files["h.c"].text.splitlines()
        assert lines[20:23] == ["line 20", "LINE 21", "line 22"], base is None


def test_hunks_only_huge_line_number_does_not_hang():
    diff = modify("h.c", "@@ -900000000,2 +900000000,2 @@\n a\n-b\n+c\n")
    snapshots, findings = build([diff], None)
    assert [f.code for f in findings] == ["BS001"]


# --------------------------------------------------------------------------- paths and limits


@pytest.mark.parametrize(
    "name",
    ["/etc/passwd", "../../.bashrc", "a/../../b", ".git/hooks/pre-commit", "a//b", "", "a\0b"],
)
def test_hostile_paths_are_in010_and_skipped(name, tmp_path):
    hostile = f"--- a/{name}\n+++ b/{name}\n@@ -1 +1 @@\n-x\n+y\n"
    fine = modify("ok.c", "@@ -1,2 +1,2 @@\n-line 1\n+LINE 1\n line 2\n")
    before = sorted(os.listdir(tmp_path))
    snapshots, findings = build([hostile + fine], {"ok.c": BASE_C})
    assert [(f.code, f.name, f.severity) for f in findings] == [
        ("IN010", "unsafe-path", Severity.ERROR)
    ]
    assert set(snapshots[1].files) == {"ok.c"} and snapshots[1].touched == {"ok.c"}
    assert snapshots[1].files["ok.c"].text.startswith("LINE 1")
    assert sorted(os.listdir(tmp_path)) == before


def test_path_problem_rejects_empty_and_nul():
    assert tree.path_problem("") == "empty path"
    assert "NUL" in (tree.path_problem("a\0b") or "")
    assert tree.path_problem("mm/rmap.c") is None


def test_dirtree_symlink_out_of_the_root_is_in010(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.c").write_text("secret\n")
    root = tmp_path / "root"
    (root / "lib").mkdir(parents=True)
    (root / "lib" / "ok.c").write_text(BASE_C)
    (root / "escape").symlink_to(outside)
    base = DirTree(root)
    assert base.read("escape/secret.c") is None and base.read("lib/ok.c") == BASE_C
    assert base.read("lib/absent.c") is None
    diffs = [
        modify("escape/secret.c", "@@ -1 +1 @@\n-secret\n+mine\n")
        + modify("lib/ok.c", "@@ -1,2 +1,2 @@\n-line 1\n+LINE 1\n line 2\n")
    ]
    snapshots, findings = build_snapshots(series(patch(1, 1, diffs[0])), base)
    assert [f.code for f in findings] == ["IN010"]
    assert (outside / "secret.c").read_text() == "secret\n"
    assert set(snapshots[1].files) == {"lib/ok.c"}


def test_too_many_files_is_a_finding(monkeypatch):
    monkeypatch.setattr(tree_snapshots, "MAX_FILES_PER_PATCH", 2)
    diff = "".join(modify(f"f{n}.c", "@@ -1 +1 @@\n-a\n+b\n") for n in range(4))
    snapshots, findings = build([diff], {f"f{n}.c": "a\n" for n in range(4)})
    assert [(f.code, f.severity) for f in findings] == [("BS001", Severity.WARNING)]
    assert snapshots[1].touched == {"f0.c", "f1.c"}


def test_checks_are_registered_and_documented():
    from reviewtool.checks import by_code

    registry = by_code()
    for code, cls in (("BS001", apply_checks.DoesNotApply), ("IN010", apply_checks.UnsafePath)):
        check = registry[code]
        assert isinstance(check, cls) and check.scope == "patch"
        for section in ("What it checks", "Why it matters", "Example", "Better", "Rule data"):
            assert section in check.doc()


# --------------------------------------------------------------------------- git


def _git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "T",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, env=env
    ).stdout.decode()


def test_gittree_reads_blobs_through_one_cat_file_process(tmp_path):
    repo = tmp_path / "repo"
    (repo / "mm").mkdir(parents=True)
    (repo / "mm" / "a.c").write_bytes(b"int a;\r\nno newline \xff")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    (repo / "mm" / "a.c").write_text("changed in the work tree\n")  # must not be read
    with GitTree(repo, "HEAD") as base:
        process = base._proc
        assert base.read("mm/a.c") == "int a;\r\nno newline \udcff"
        assert base.read("mm/missing.c") is None
        assert base.read("mm") is None  # a tree, not a file
        assert base.read("../etc/passwd") is None and base.read("/etc/passwd") is None
        assert base.read("mm/a.c") == "int a;\r\nno newline \udcff"
        assert base._proc is process and "HEAD" in base.describe()
        diff = modify(
            "mm/a.c",
            "@@ -1,2 +1,2 @@\n-int a;\r\n+int b;\r\n no newline \udcff\n"
            "\\ No newline at end of file\n",
        )
        snapshots, findings = build_snapshots(series(patch(1, 1, diff)), base)
    assert findings == ()
    assert snapshots[1].files["mm/a.c"].text == "int b;\r\nno newline \udcff"
    assert process.poll() is not None  # closed on leaving the with block


@pytest.mark.parametrize("rev", ["no-such-branch", "--output=/tmp/x", ""])
def test_gittree_rejects_a_bad_revision(tmp_path, rev):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "commit", "-q", "--allow-empty", "-m", "base")
    with pytest.raises(InputError):
        GitTree(repo, rev)


def test_dirtree_requires_a_directory(tmp_path):
    with pytest.raises(InputError):
        DirTree(tmp_path / "nope")


# --------------------------------------------------------------------------- against git apply


def _random_edit(rng: random.Random, lines: list[str]) -> list[str]:
    result = list(lines)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(result) + 1)
        action = rng.choice(["add", "del", "change"])
        if action == "add":
            result[at:at] = [f"added {rng.random():.6f}\n" for _ in range(rng.randint(1, 3))]
        elif result and at < len(result):
            if action == "del":
                del result[at : at + rng.randint(1, 2)]
            else:
                result[at] = f"changed {rng.random():.6f}\n"
    return result


def test_matches_git_apply_on_random_edits_with_shifted_bases(tmp_path):
    """Diffs made by git against one file, applied to a version with unrelated lines added
    or removed elsewhere: our result (or refusal) must be exactly git apply's."""
    rng = random.Random(20260106)
    work = tmp_path / "w"
    work.mkdir()
    for case in range(25):
        original = [f"{rng.choice(['int', 'long', '}', ''])} v{n % 7};\n" for n in range(40)]
        edited = _random_edit(rng, original)
        if rng.random() < 0.3:
            edited[-1] = edited[-1].rstrip("\n")
        (work / "old").write_text("".join(original))
        (work / "new").write_text("".join(edited))
        raw = subprocess.run(
            ["git", "diff", "--no-index", "old", "new"], cwd=work, capture_output=True
        ).stdout.decode()
        diff = raw.replace("a/old", "a/f.c").replace("b/new", "b/f.c")
        target = _random_edit(rng, original) if case % 2 else list(original)
        (work / "f.c").write_text("".join(target))
        (work / "p.diff").write_text(diff)
        result = subprocess.run(["git", "apply", "p.diff"], cwd=work, capture_output=True)
        snapshots, findings = build([diff], {"f.c": "".join(target)})
        ours = snapshots[1].files["f.c"].text
        if result.returncode == 0:
            assert findings == (), (case, findings)
            assert ours == (work / "f.c").read_text(), case
        else:
            assert any(f.code == "BS001" for f in findings), case


def test_quoted_unusual_names_from_real_git_diffs(tmp_path):
    """Names git quotes (tab, non-ASCII) and a rename with edits, read back through GitTree."""
    repo = tmp_path / "repo"
    (repo / "drivers").mkdir(parents=True)
    names = ["drivers/tab\there.c", "drivers/ünï.c", "drivers/plain name.c"]
    for name in names:
        (repo / name).write_text(BASE_C)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "tag", "base")
    for name in names:
        (repo / name).write_text(BASE_C.replace("line 7\n", "line seven\n"))
    _git(repo, "mv", "drivers/plain name.c", "drivers/renamed name.c")
    _git(repo, "commit", "-q", "-am", "edit")
    diff = _git(repo, "diff", "-M", "base", "HEAD")
    assert '"a/drivers/tab\\there.c"' in diff and "rename from" in diff
    with GitTree(repo, "base") as base:
        snapshots, findings = build_snapshots(series(patch(1, 1, diff)), base)
    assert findings == ()
    expected = BASE_C.replace("line 7\n", "line seven\n")
    for name in ["drivers/tab\there.c", "drivers/ünï.c", "drivers/renamed name.c"]:
        assert snapshots[1].files[name].text == expected
    assert snapshots[1].renamed == (("drivers/plain name.c", "drivers/renamed name.c"),)


def test_mangled_diffs_never_raise():
    """Lines dropped, cut, duplicated or replaced by diff syntax: findings, never a traceback."""
    rng = random.Random(7)
    good = modify("a.c", "@@ -3,3 +3,4 @@\n line 3\n-line 4\n+LINE 4\n+more\n line 5\n")
    good += "diff --git a/b.c b/c.c\nsimilarity index 90%\nrename from b.c\nrename to c.c\n"
    pieces = ["\\ No newline at end of file\n", "@@ -1 +1 @@\n", "--- /dev/null\n", "-\n", "+\n"]
    pieces += ["+++ /dev/null\n", "rename to ../y\n", "GIT binary patch\n", "\n", " x\n"]
    for _ in range(300):
        lines = good.splitlines(keepends=True)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(lines))
            choice = rng.randrange(4)
            if choice == 0:
                del lines[at]
            elif choice == 1:
                lines.insert(at, rng.choice(pieces))
            elif choice == 2:
                lines[at] = lines[at][: rng.randrange(4)] + "\n"
            else:
                lines.insert(at, lines[rng.randrange(len(lines))])
            if not lines:
                break
        for base in ({"a.c": BASE_C, "b.c": BASE_C}, None):
            snapshots, _ = build(["".join(lines)], base)
            assert len(snapshots) == 2


def test_hunks_only_known_lines_equal_the_real_files_on_random_series(tmp_path):
    """Three-patch series made by git from random edits, rebuilt without a base: no finding,
    and every known line equals the real file's line at the same number, at every step."""
    rng = random.Random(4242)
    vocab = [f"v{n};\n" for n in range(6)] + ["}\n", "\n"]
    for _ in range(30):
        states = [[rng.choice(vocab) for _ in range(rng.randint(1, 60))]]
        for _ in range(3):
            states.append(_random_edit(rng, states[-1]))
        diffs = []
        for old, new in zip(states, states[1:], strict=False):
            (tmp_path / "old").write_text("".join(old))
            (tmp_path / "new").write_text("".join(new))
            raw = subprocess.run(
                ["git", "diff", "--no-index", "old", "new"], cwd=tmp_path, capture_output=True
            ).stdout.decode()
            diffs.append(raw.replace("a/old", "a/f.c").replace("b/new", "b/f.c"))
        snapshots, findings = build(diffs, None)
        assert findings == ()
        for step, snapshot in enumerate(snapshots):
            state = snapshot.files.get("f.c")
            if state is None:
                continue
            unknown = {n for lo, hi in state.unknown for n in range(lo, hi + 1)}
            ours = state.text.split("\n") if state.text else []
            if state.text.endswith("\n"):
                ours.pop()
            assert len(ours) <= len(states[step])
            for number, line in enumerate(ours, start=1):
                if number not in unknown:
                    assert line + "\n" == states[step][number - 1], (step, number)


def test_oversized_diff_is_not_parsed(monkeypatch):
    monkeypatch.setattr(tree_snapshots, "MAX_DIFF_LINES", 3)
    diff = modify("a.c", "@@ -1,2 +1,2 @@\n-line 1\n+LINE 1\n line 2\n")
    snapshots, findings = build([diff], {"a.c": BASE_C})
    assert [(f.code, f.severity) for f in findings] == [("BS001", Severity.WARNING)]
    assert "not followed" in findings[0].message
    assert snapshots[1].files == snapshots[0].files


def test_offset_search_is_bounded_but_exact_positions_always_apply(monkeypatch):
    monkeypatch.setattr(tree_snapshots, "MAX_SEARCH_STEPS", 2)
    shifted = "top 1\ntop 2\ntop 3\n" + BASE_C
    at_offset = modify("a.c", "@@ -10,3 +10,3 @@\n line 10\n-line 11\n+LINE 11\n line 12\n")
    exact = modify("b.c", "@@ -10,3 +10,3 @@\n line 10\n-line 11\n+LINE 11\n line 12\n")
    at_end = modify("c.c", "@@ -19,2 +19,3 @@\n line 19\n line 20\n+tail\n")  # ends the file
    snapshots, findings = build(
        [at_offset, exact, at_end], {"a.c": shifted, "b.c": BASE_C, "c.c": BASE_C}
    )
    assert [(f.code, f.patch) for f in findings] == [("BS001", 1)]
    assert "cut short" in findings[0].message
    assert "LINE 11" in snapshots[2].files["b.c"].text
    assert snapshots[3].files["c.c"].text == BASE_C + "tail\n"


@pytest.mark.parametrize("steps, applies", [(5, True), (4, False)])
def test_the_offset_search_budget_counts_one_step_per_position_tried(monkeypatch, steps, applies):
    # The context is 3 lines below its stated place: git's order tries +1, -1, +2, -2, +3.
    monkeypatch.setattr(tree_snapshots, "MAX_SEARCH_STEPS", steps)
    shifted = "top 1\ntop 2\ntop 3\n" + BASE_C
    at_offset = modify("a.c", "@@ -10,3 +10,3 @@\n line 10\n-line 11\n+LINE 11\n line 12\n")
    snapshots, findings = build([at_offset], {"a.c": shifted})
    assert ("LINE 11\n" in snapshots[1].files["a.c"].text) is applies
    assert [f.code for f in findings] == ([] if applies else ["BS001"])


def test_rename_onto_a_hostile_path_is_in010_and_the_file_stays():
    rename = (
        "diff --git a/ok.c b/ok.c\nsimilarity index 100%\nrename from ok.c\nrename to ../evil.c\n"
    )
    snapshots, findings = build([rename], {"ok.c": BASE_C})
    assert [f.code for f in findings] == ["IN010"] and "'../evil.c'" in findings[0].message
    assert snapshots[1].files == snapshots[0].files and snapshots[1].renamed == ()
    assert snapshots[1].touched == frozenset() and not snapshots[1].applied


def test_plain_diff_u_edits_the_file_named_on_the_plus_line():
    """quilt / diff -u output: `--- a/foo.c.orig` `+++ b/foo.c` edits foo.c, no rename."""
    diff = "--- a/foo.c.orig\t2024-01-01 10:00:00\n+++ b/foo.c\t2024-01-01 10:01:00\n"
    diff += "@@ -1,2 +1,2 @@\n-line 1\n+LINE 1\n line 2\n"
    snapshots, findings = build([diff], {"foo.c": BASE_C})
    assert findings == () and snapshots[1].renamed == ()
    assert snapshots[1].files["foo.c"].text.startswith("LINE 1\nline 2\n")


def test_hunks_only_lines_revealed_later_are_known_at_earlier_steps():
    """Patch 2 shows base lines 20..22 that patch 1 did not: they are known at steps 0 and 1
    too (moved by patch 1's added line), so a function is known wherever it really exists."""
    first = modify("k.c", "@@ -5,3 +5,4 @@\n line 5\n line 6\n+added\n line 7\n")
    second = modify("k.c", "@@ -21,3 +21,3 @@\n line 20\n-line 21\n+LINE 21\n line 22\n")
    snapshots, findings = build([first, second], None)
    assert findings == ()
    base, after_one, after_two = (s.files["k.c"] for s in snapshots)
    assert base.text.splitlines()[19:22] == ["line 20", "line 21", "line 22"]
    assert base.unknown == ((1, 4), (8, 19))
    assert after_one.text.splitlines()[20:23] == ["line 20", "line 21", "line 22"]
    assert after_one.unknown == ((1, 4), (9, 20))
    assert after_two.text.splitlines()[20:23] == ["line 20", "LINE 21", "line 22"]


def test_hunks_only_a_single_line_revealed_past_the_known_ones_ends_the_text():
    # Patch 2 inserts above base line 20 with that line as its only context: at steps 0 and
    # 1 the file is known to go on at least to it, after unknown lines.
    first = modify("k.c", "@@ -5,3 +5,4 @@\n line 5\n line 6\n+added\n line 7\n")
    second = modify("k.c", "@@ -21 +21,2 @@\n+new\n line 20\n")
    snapshots, findings = build([first, second], None)
    assert findings == ()
    base, after_one, after_two = (s.files["k.c"] for s in snapshots)
    assert base.text.splitlines()[-1] == "line 20" and len(base.text.splitlines()) == 20
    assert base.unknown == ((1, 4), (8, 19))
    assert after_one.text.splitlines()[20:] == ["line 20"] and after_one.unknown[-1] == (9, 20)
    assert after_two.text.splitlines()[20:] == ["new", "line 20"]


def test_hunks_only_a_context_free_deletion_at_the_end_is_placed_after_its_line():
    # Patch 2 deletes the file's last two lines without context (`-19,2 +18,0`: an empty new
    # range is numbered by the line before it; git applies it, since a hunk without trailing
    # context must end the file). The lines it shows are base lines 19 and 20, known at the
    # earlier steps; after it, lines 8..18 stay unknown and the text ends after line 7.
    first = modify("k.c", "@@ -5,3 +5,3 @@\n line 5\n-line 6\n+LINE 6\n line 7\n")
    second = modify("k.c", "@@ -19,2 +18,0 @@\n-line 19\n-line 20\n")
    snapshots, findings = build([first, second], None)
    assert findings == ()
    base, after_one, after_two = (s.files["k.c"] for s in snapshots)
    assert base.text.splitlines()[18:] == ["line 19", "line 20"]
    assert after_one.text.splitlines()[18:] == ["line 19", "line 20"]
    assert after_one.unknown == ((1, 4), (8, 18))
    assert after_two.text.splitlines()[4:] == ["line 5", "LINE 6", "line 7"]
    assert after_two.unknown == ((1, 4),)
    with_base = build([first, second], {"k.c": BASE_C})[0][2].files["k.c"].text
    assert with_base.splitlines()[4:] == ["line 5", "LINE 6", "line 7", *BASE_C.splitlines()[7:18]]


def test_hunks_only_learning_follows_renames():
    rename = (
        "diff --git a/old.c b/new.c\nsimilarity index 90%\nrename from old.c\nrename to new.c\n"
        "--- a/old.c\n+++ b/new.c\n@@ -1,3 +1,3 @@\n-line 1\n+LINE 1\n line 2\n line 3\n"
    )
    later = modify("new.c", "@@ -19,3 +19,3 @@\n line 19\n-line 20\n+LINE 20\n line 21\n")
    snapshots, findings = build([rename, later], None)
    assert findings == ()
    assert snapshots[0].files["old.c"].text.splitlines()[18:21] == ["line 19", "line 20", "line 21"]
    assert snapshots[1].files["new.c"].text.splitlines()[19] == "line 20"
    assert snapshots[2].files["new.c"].text.splitlines()[19] == "LINE 20"
