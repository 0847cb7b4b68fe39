"""`--format b4-review` and `reviewtool b4-agent`: the files b4 review's agent hook reads, laid
out as b4 0.16's misc/agent-reviewer.md gives them ("Directory layout": identity.txt, series.txt,
NNNN.txt 1-based; "NNNN.txt": a note, then the diff quoted with `> `, comments unquoted
between quoted lines, no diff line deleted; "If you find no issues in a patch, skip it
entirely"). tests/test_b4.py has the real b4 take them in; these tests need no b4."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewtool import b4checkout, pipeline, render
from reviewtool.cli import main
from reviewtool.errors import InputError
from reviewtool.model import Address
from reviewtool.render.b4review import IDENTITY, agent_files
from reviewtool.resources import default_rules

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "anon-vma-v2"
MBOX = SEED / "anon-vma-v2.mbox"


@pytest.fixture(scope="module")
def seed():
    """The seed series checked against its base once, and the options comments are made with."""
    rules = default_rules()
    report = pipeline.check([str(MBOX)], tree=SEED / "base", rules=rules)
    options = render.options_from_rules(
        rules, report.checks, reviewer=Address("reviewtool", "reviewtool@reviewtool.invalid")
    )
    return report, options


@pytest.fixture(scope="module")
def seed_files(seed) -> dict[str, str]:
    return agent_files(*seed)


def _split(text: str) -> tuple[str, list[str]]:
    """agent-reviewer.md: the note is what comes before the first `diff --git` line."""
    note, _, rest = text.partition("\n> diff --git ")
    return note, ("> diff --git " + rest).split("\n")


def test_seed_writes_identity_series_and_only_the_patch_with_findings(seed_files) -> None:
    assert sorted(seed_files) == ["0001.txt", "identity.txt", "series.txt"]
    assert seed_files["identity.txt"] == IDENTITY + "\n"
    summary, blank, *body = seed_files["series.txt"].split("\n")
    assert summary == "reviewtool: 1 error in 8 patches" and blank == ""  # summary + body
    assert "No findings in 2/8, 3/8, 4/8, 5/8, 6/8, 7/8, 8/8." in body


def test_every_diff_line_is_quoted_in_order_and_the_comment_follows_the_loop(
    seed, seed_files
) -> None:
    note, lines = _split(seed_files["0001.txt"])
    assert note.startswith("reviewtool: 1 error (LK001 lock-not-released)\n\n")
    patch_diff = seed[0].series.patches[0].diff.rstrip("\n").split("\n")
    quoted = [line[2:] if line.startswith("> ") else "" for line in lines if line.startswith(">")]
    assert quoted == patch_diff  # no diff line deleted, none added
    first_comment = next(i for i, line in enumerate(lines) if line and not line.startswith(">"))
    above = lines[first_comment - 16 : first_comment - 1]
    assert lines[first_comment - 2] == "> +}"  # the end of cleanup_partial_anon_vmas()
    assert any("anon_vma_lock_write(anon_vma);" in line for line in above)
    assert any("list_for_each_entry_safe(avc, next" in line for line in above)
    assert lines[first_comment - 1] == ""  # a blank line between quote and comment
    assert lines[first_comment].startswith("anon_vma_lock_write() is taken earlier")


def test_the_comment_is_the_reply_drafts_comment(seed, seed_files) -> None:
    (draft,) = [d.as_text() for d in render.drafts(*seed) if d.patch == 1]
    _, lines = _split(seed_files["0001.txt"])
    first = next(i for i, line in enumerate(lines) if line and not line.startswith(">"))
    end = next(i for i in range(first, len(lines)) if lines[i].startswith(">"))
    comment = "\n".join(lines[first:end]).strip()
    assert comment.count("\n\n") == 1 and comment in draft  # both paragraphs, as drafted


def test_skipped_patches_get_no_file(seed) -> None:
    assert "0001.txt" not in agent_files(*seed, skip={1})


def test_comment_lines_starting_with_a_quote_mark_move_by_one_space() -> None:
    from reviewtool.render.b4review import _unquoted

    assert _unquoted("x\n> y\n>z") == "x\n > y\n >z"


# ---------------------------------------------------------------- the CLI


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_check_writes_the_files_and_never_overwrites_without_force(tmp_path: Path) -> None:
    out = tmp_path / "review"
    one = str(next((SEED / "format-patch").glob("v2-0001-*.patch")))  # 1/8 alone, hunks only
    args = ("check", "--format", "b4-review", "-o", str(out))
    code, output = _cli(*args, one)
    assert code == 1, output  # the usual exit code: an error was found
    assert sorted(p.name for p in out.iterdir()) == ["0001.txt", "identity.txt", "series.txt"]
    before = {p.name: p.read_text() for p in out.iterdir()}

    code, output = _cli(*args, one)
    assert code == 2 and "--force" in output
    assert {p.name: p.read_text() for p in out.iterdir()} == before

    (out / "0005.txt").write_text("a stale review of 5/8\n")
    code, output = _cli(*args, "--force", one)
    assert code == 1
    assert sorted(p.name for p in out.iterdir()) == ["0001.txt", "identity.txt", "series.txt"]
    assert "0005.txt" in output  # said so when it removed the stale file


def test_b4_review_needs_a_directory_outside_a_b4_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = _cli("check", "--format", "b4-review", str(MBOX))
    assert code == 2 and "-o DIR" in output
    target = tmp_path / "file.txt"
    target.write_text("x")
    code, output = _cli("check", "--format", "b4-review", "-o", str(target), str(MBOX))
    assert code == 2 and "not a directory" in output
    code, output = _cli("check", "-o", str(tmp_path), str(MBOX))
    assert code == 2 and "is a directory" in output


# ---------------------------------------------------------------- a b4 review checkout


def _git(repo: Path, *args: str, stdin: str | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True, input=stdin
    ).stdout


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A review branch shaped as b4 makes it: base, two patch commits, tracking commit."""
    repo = tmp_path / "linux"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "master")
    _git(repo, "config", "user.name", "T")
    _git(repo, "config", "user.email", "t@example.org")
    (repo / "a.c").write_text("int a;\n")
    _git(repo, "add", "a.c")
    _git(repo, "commit", "-qm", "base")
    _git(repo, "checkout", "-q", "-b", "b4/review/x")
    for n in (1, 2):
        (repo / "a.c").write_text((repo / "a.c").read_text() + f"int b{n};\n")
        _git(repo, "commit", "-qam", f"patch {n}")
    first = _git(repo, "rev-parse", "HEAD~1").strip()
    tracking = {
        "series": {"base-commit": _git(repo, "rev-parse", "HEAD~2").strip()}
        | {"first-patch-commit": first},
        "patches": [{"reviews": {"m@example.org": {"patch-state": "skip"}}}, {}],
    }
    message = "cover\n\n--- b4-review-tracking ---\n# b4 internal\n" + json.dumps(tracking) + "\n"
    _git(repo, "commit", "-q", "--allow-empty", "-F", "-", stdin=message)
    return repo


def test_find_reads_the_tracking_commit(checkout: Path) -> None:
    found = b4checkout.find(checkout / ".git" / "..")
    assert found is not None
    assert found.head == _git(checkout, "rev-parse", "HEAD").strip()
    assert found.first_patch == _git(checkout, "rev-parse", "HEAD~2").strip()
    assert found.patch_range == f"{found.first_patch}~1..{found.head}~1"
    assert (found.patches, found.skipped) == (2, frozenset({1}))
    assert b4checkout.agent_dir(found) == checkout / ".git" / "b4-review" / found.head
    _git(checkout, "checkout", "-q", "master")
    assert b4checkout.find(checkout) is None  # not on a review branch


def test_a_linked_worktree_cannot_hold_b4s_directory(checkout: Path, tmp_path: Path) -> None:
    _git(checkout, "worktree", "add", "-q", "-b", "b4/review/y", str(tmp_path / "wt"), "HEAD")
    found = b4checkout.find(tmp_path / "wt")
    assert found is not None
    with pytest.raises(InputError, match="linked worktree"):
        b4checkout.agent_dir(found)


def test_b4_agent_writes_into_the_checkouts_git_dir(
    checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run as b4 runs it (an extra prompt argument, in the top of the work tree): the patches
    of the branch are checked against their base and the files land where b4 looks."""
    monkeypatch.chdir(checkout)
    head = _git(checkout, "rev-parse", "HEAD").strip()
    code, output = _cli("b4-agent", "Read and execute the prompt from /nowhere.txt")
    assert code == 0, output
    spool = checkout / ".git" / "b4-review" / head
    assert sorted(p.name for p in spool.iterdir()) == ["identity.txt", "series.txt"]
    series = (spool / "series.txt").read_text()
    assert series.startswith("reviewtool: no findings in 2 patches\n\n")
    assert "No findings in 2/2." in series  # 1/2 is marked skip: not mentioned
    first = _git(checkout, "rev-parse", "HEAD~2").strip()
    assert f"Base: {first}~1 " in series and "2 of 2 patches applied" in series
    code, output = _cli("b4-agent")
    assert code == 2 and "--force" in output  # b4 did not take the files in: refuse
