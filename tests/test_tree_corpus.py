"""Corpus test: every tree state build_snapshots makes equals, byte for byte, what `git am`
makes on the same base (the seed series step by step, and every lockbugs-dev patch)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewtool.model import Series, Snapshot
from reviewtool.tree import DirTree, build_snapshots
from tests.corpus import corpus_dir

pytestmark = pytest.mark.corpus

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Corpus Test",
    "GIT_AUTHOR_EMAIL": "corpus@example.org",
    "GIT_COMMITTER_NAME": "Corpus Test",
    "GIT_COMMITTER_EMAIL": "corpus@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "core.autocrlf=false", *args],
        capture_output=True,
        check=check,
        env={**os.environ, **GIT_ENV},
    )


@pytest.fixture(scope="module")
def corpus() -> Path:
    return corpus_dir()


@pytest.fixture(scope="module")
def shared_repo(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ONE repository holding the 6.12 subset, made once for the module."""
    root = tmp_path_factory.mktemp("am") / "linux"
    shutil.copytree(corpus / "linux-6.12-subset", root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-verify", "-m", "base")
    git(root, "tag", "base")
    return root


@pytest.fixture
def repo(shared_repo: Path) -> Iterator[Path]:
    """The shared repository at `base` (as made, or as the previous test's reset left it);
    reset afterwards even when the test fails, so a git am left half-done never leaks into
    the next test."""
    try:
        yield shared_repo
    finally:
        reset(shared_repo)


def reset(repo: Path) -> None:
    git(repo, "am", "--abort", check=False)
    git(repo, "reset", "-q", "--hard", "base")
    git(repo, "clean", "-qfd")


def load_series(sources: list[Path]) -> Series:
    from reviewtool import ingest
    from reviewtool import series as series_mod

    return series_mod.assemble(ingest.read_messages([str(p) for p in sources], None))


def assert_same_as_work_tree(repo: Path, snapshot: Snapshot, label: str) -> int:
    """Every path the step touched: same bytes as git's work tree, or absent in both."""
    compared = 0
    for path in sorted(snapshot.touched):
        on_disk = repo / path
        state = snapshot.files.get(path)
        if state is None:
            assert not on_disk.exists(), f"{label}: {path} exists after git am"
            continue
        assert state.complete, f"{label}: {path} has unknown lines"
        ours = state.text.encode("utf-8", "surrogateescape")
        assert ours == on_disk.read_bytes(), f"{label}: {path} differs from git am"
        compared += 1
    return compared


def apply_with_git(repo: Path, mail: Path, label: str) -> None:
    result = git(repo, "am", "-q", "--no-3way", "--no-gpg-sign", str(mail), check=False)
    assert result.returncode == 0, f"{label}: git am failed: {result.stderr.decode()[-300:]}"


def test_seed_series_every_step_equals_git_am(corpus: Path, repo: Path):
    seed = corpus / "seed-anon-vma"
    mails = sorted((seed / "format-patch").glob("v2-000[1-9]-*.patch"))
    series = load_series([seed / "series.mbox"])
    assert len(series.patches) == len(mails) == 8
    snapshots, findings = build_snapshots(series, DirTree(corpus / "linux-6.12-subset"))
    assert findings == ()
    for path, state in snapshots[0].files.items():
        assert state.text.encode("utf-8", "surrogateescape") == (repo / path).read_bytes()
    compared = 0
    for step, mail in enumerate(mails, start=1):
        apply_with_git(repo, mail, f"seed {step}/8")
        assert snapshots[step].applied
        compared += assert_same_as_work_tree(repo, snapshots[step], f"seed {step}/8")
    assert compared >= 8


def single_patches(corpus: Path) -> list[Path]:
    lock = sorted((corpus / "lockbugs-dev").glob("*/0001-*.patch"))
    kdoc = sorted((corpus / "kdoc-dev").glob("*/0001-*.patch"))
    assert len(lock) >= 100 and len(kdoc) >= 13
    return lock + kdoc


def test_every_lockbugs_and_kdoc_patch_equals_git_am(corpus: Path, repo: Path):
    mails = single_patches(corpus)
    base = DirTree(corpus / "linux-6.12-subset")
    mismatched: list[str] = []
    for mail in mails:
        label = mail.parent.name
        series = load_series([mail])
        snapshots, findings = build_snapshots(series, base)
        assert findings == (), f"{label}: {findings}"
        assert len(snapshots) == 2 and snapshots[1].touched, label
        apply_with_git(repo, mail, label)
        try:
            assert_same_as_work_tree(repo, snapshots[1], label)
        except AssertionError as error:
            mismatched.append(str(error))
        reset(repo)
    assert mismatched == []


def test_seed_fixed_series_every_step_equals_git_am(corpus: Path, repo: Path):
    seed = corpus / "seed-anon-vma" / "fixed"
    mails = sorted((seed / "format-patch").glob("*-000[1-9]-*.patch"))
    series = load_series([seed / "series.mbox"])
    snapshots, findings = build_snapshots(series, DirTree(corpus / "linux-6.12-subset"))
    assert findings == () and len(series.patches) == len(mails) == 8
    for step, mail in enumerate(mails, start=1):
        apply_with_git(repo, mail, f"fixed {step}/8")
        assert_same_as_work_tree(repo, snapshots[step], f"fixed {step}/8")


def test_bisect_series_apply_exactly_where_git_am_applies(corpus: Path, repo: Path):
    """Each bisect-dev series patch by patch: where git am succeeds our tree is identical and
    there is no BS001; where it fails we report BS001 for that patch."""
    base = DirTree(corpus / "linux-6.12-subset")
    failures_seen = 0
    for case in sorted(p for p in (corpus / "bisect-dev").iterdir() if p.is_dir()):
        series = load_series([case / "series.mbox"])
        mails = sorted(case.glob("[0-9][0-9][0-9][0-9].patch"))
        assert len(series.patches) == len(mails), case.name
        snapshots, findings = build_snapshots(series, base)
        for step, mail in enumerate(mails, start=1):
            label = f"{case.name} {step}/{len(mails)}"
            ours = [f for f in findings if f.code == "BS001" and f.patch == step]
            result = git(repo, "am", "-q", "--no-3way", "--no-gpg-sign", str(mail), check=False)
            if result.returncode != 0:
                assert ours and not snapshots[step].applied, f"{label}: git am failed, we did not"
                failures_seen += 1
                break
            assert ours == [] and snapshots[step].applied, f"{label}: {ours}"
            assert_same_as_work_tree(repo, snapshots[step], label)
        reset(repo)
    assert failures_seen >= 1  # the corpus has a context-mismatch series


def assert_partial_agrees(partial: Snapshot, complete: Snapshot, label: str) -> int:
    """Every line the hunks-only rebuild knows equals the real line at the same number."""
    known = 0
    for path, state in partial.files.items():
        real = complete.files[path].text.split("\n")
        unknown = {n for lo, hi in state.unknown for n in range(lo, hi + 1)}
        ours = state.text.split("\n")
        if state.text.endswith("\n"):
            ours.pop()
        assert len(ours) <= len(real), f"{label}: {path} longer than the real file"
        for number, line in enumerate(ours, start=1):
            if number not in unknown:
                assert line == real[number - 1], f"{label}: {path}:{number} differs"
                known += 1
            else:
                assert line == "", f"{label}: {path}:{number} unknown but not empty"
    return known


def test_hunks_only_rebuild_agrees_with_the_real_tree_at_every_step(corpus: Path):
    base = DirTree(corpus / "linux-6.12-subset")
    sources = [[corpus / "seed-anon-vma" / "series.mbox"]]
    sources += [[mail] for mail in single_patches(corpus)]
    known = 0
    for source in sources:
        series = load_series(source)
        complete, _ = build_snapshots(series, base)
        partial, findings = build_snapshots(series, None)
        assert findings == (), source
        for step, (ours, real) in enumerate(zip(partial, complete, strict=True)):
            assert set(ours.files) <= set(real.files)
            known += assert_partial_agrees(ours, real, f"{source[0].parent.name} step {step}")
    assert known > 3000  # seed + 100 lockbugs patches show about 3.6k lines
