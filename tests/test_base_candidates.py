"""Base candidates (`-C REPO`, `--base-candidate REV`): when a series does not apply to the
base it is checked on, which revisions take it whole; from its `base-commit:`, its
`prerequisite-patch-id:` patches (as `git format-patch --base` writes them), and the
revisions the user names. Nothing is tried when the series applies and none is named."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewtool import pipeline
from reviewtool.cli import main
from reviewtool.tree import candidates

BASE = "".join(f"int v{n};\n" for n in range(1, 31))


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def _commit(repo: Path, text: str, message: str) -> str:
    (repo / "a.c").write_text(text)
    _git(repo, "commit", "-qam", message)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> dict:
    """master at B; branch `topic` = B + P (a prerequisite); the series (two patches) was
    made on P and sent with `git format-patch --base=B` (base-commit: B,
    prerequisite-patch-id: P's)."""
    root = tmp_path_factory.mktemp("candidates")
    repo = root / "linux"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "master")
    _git(repo, "config", "user.name", "T")
    _git(repo, "config", "user.email", "t@example.org")
    (repo / "a.c").write_text(BASE)
    _git(repo, "add", "a.c")
    _git(repo, "commit", "-qm", "base")
    base = _git(repo, "rev-parse", "HEAD")
    _git(repo, "checkout", "-q", "-b", "topic")
    prerequisite = _commit(repo, BASE.replace("int v10;", "long v10;"), "prerequisite")
    _git(repo, "checkout", "-q", "-b", "series")
    _commit(repo, BASE.replace("int v10;", "long v10;\nint w;"), "one")
    _commit(repo, BASE.replace("int v10;", "long v10;\nint w;").replace("v20", "x20"), "two")
    out = root / "mbox"
    _git(repo, "format-patch", "-q", "--cover-letter", f"--base={base}", "-o", str(out), "topic")
    _git(repo, "checkout", "-q", "master")
    _git(repo, "branch", "-D", "series")
    return {"repo": repo, "mbox": out, "base": base, "prerequisite": prerequisite}


def _check(repo: dict, *revs: str):
    return pipeline.check(
        [str(repo["mbox"])], repo=repo["repo"], select=("BS001",), base_candidates=revs
    )


def test_format_patch_base_writes_what_we_read(repo) -> None:
    report = _check(repo)
    assert report.series.base_commit == repo["base"]
    assert len(candidates.prerequisite_ids(report.series)) == 1


def test_the_prerequisites_carrier_is_found_and_takes_the_series(repo) -> None:
    report = _check(repo)
    failing = [f for f in report.findings if f.severity.label == "error"]
    assert failing and failing[0].location.patch == 1  # the base-commit lacks P
    used, found = report.base_candidates
    assert (used.source, used.commit, used.used, used.applies) == (
        "base-commit",
        repo["base"],
        True,
        False,
    )
    assert used.failure == (
        "1/2 a.c @@ -8,6 +8,7 @@: context differs at line 10: expected 'long v10;', "
        "found 'int v10;'"
    )
    assert (found.source, found.commit, found.applies) == (
        "prerequisites",
        repo["prerequisite"],
        True,
    )
    (note,) = [f for f in report.findings if f.severity.label == "note"]
    assert note.location.patch == 0 and note.code == "BS001"
    assert (
        "it applies whole to base-commit: with its prerequisite-patch-id: patches" in note.message
    )


def test_named_candidates_are_tried_in_order_and_reported_in_json(repo, tmp_path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "check",
            "--format",
            "json",
            "--select",
            "BS001",
            "-C",
            str(repo["repo"]),
            "--base-candidate",
            "topic",
            "--base-candidate",
            "master",
            "--base-candidate",
            "no-such-ref",
            str(repo["mbox"]),
        ],
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    rows = [(c["rev"], c["source"], c["applies"]) for c in data["base_candidates"]]
    assert rows == [
        (repo["base"], "base-commit", False),
        (repo["prerequisite"], "prerequisites", True),
        ("no-such-ref", "option", False),
    ]  # topic is the prerequisites' commit and master the base-commit: each said once
    assert data["base_candidates"][2]["failure"] == "not a commit in the repository"


def test_nothing_is_tried_when_the_series_applies_and_none_is_named(repo, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("a candidate was tried on the happy path")

    monkeypatch.setattr(candidates, "try_candidates", refuse)
    report = pipeline.check([str(repo["mbox"])], repo=repo["repo"], base="topic", select=("BS001",))
    assert report.findings == () and report.base_candidates == ()


def test_a_named_candidate_is_tried_even_when_the_base_takes_the_series(repo) -> None:
    report = pipeline.check(
        [str(repo["mbox"])],
        repo=repo["repo"],
        base="topic",
        select=("BS001",),
        base_candidates=("master",),
    )
    (note,) = report.findings  # master is the base-commit: said once, under that name
    assert note.severity.label == "note" and "the series applies whole" in note.message
    assert f"not to its base-commit: {repo['base'][:12]}: 1/2 a.c" in note.message
    assert "no candidate takes" not in note.message


def test_base_candidate_needs_a_repository(tmp_path, monkeypatch, repo) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--base-candidate", "master", str(repo["mbox"])])
    assert result.exit_code == 2 and "--base-candidate" in result.output


def test_the_note_stays_out_of_replies_to_the_author(repo) -> None:
    """Which revisions of the reviewer's repository take the series is the reviewer's to
    read, not something to tell the author."""
    from reviewtool.render.replies import for_author

    report = _check(repo)
    kept = for_author(report.findings)
    assert [f.severity.label for f in kept] == ["error"]
