"""The sendemail-validate hook with real git: install over an existing hook and restore it
exactly, and a real `git send-email` (to a local recording script, nothing leaves the machine)
that is stopped by a lock leak, lets a clean series through and runs the chained hook."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from reviewtool import hook
from tests.needs import require_send_email

FIXTURES = Path(__file__).parent / "fixtures" / "reply"
LEAK = sorted((FIXTURES / "leak").glob("*.patch"))
CLEAN = sorted((FIXTURES / "clean").glob("*.patch"))
DUMMY_HOOK = b'#!/bin/sh\n# patatt-like dummy: records each call\necho "$1" >> "$DUMMY_LOG"\n'
SENDMAIL = """#!/bin/sh
# stands in for sendmail: records the envelope and the message, delivers nothing
mkdir -p "{out}"
n=$(ls "{out}" | wc -l)
{{ echo "X-Envelope: $*"; cat; }} > "{out}/$n.eml"
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A git environment that ignores the user's and the system's configuration."""
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Rita Reviewer\n\temail = rita@example.net\n")
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": str(config),
        "GIT_CONFIG_NOSYSTEM": "1",
        "DUMMY_LOG": str(tmp_path / "dummy.log"),
        "HOME": str(tmp_path),
    }


@pytest.fixture
def repo(tmp_path: Path, env: dict[str, str]) -> Path:
    path = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(path)], check=True, env=env)
    return path


def _git(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, timeout=300
    )


def _reviewtool(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reviewtool", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def _dummy_hook(hooks: Path, mode: int = 0o750) -> Path:
    hooks.mkdir(parents=True, exist_ok=True)
    path = hooks / hook.HOOK_NAME
    path.write_bytes(DUMMY_HOOK)
    path.chmod(mode)
    return path


def _send(repo: Path, env: dict[str, str], files, out: Path) -> subprocess.CompletedProcess:
    script = out.parent / f"{out.name}-sendmail.sh"
    script.write_text(SENDMAIL.format(out=out))
    script.chmod(0o755)
    return _git(
        repo,
        env,
        "send-email",
        "--confirm=never",
        "--suppress-cc=all",
        "--from=Rita Reviewer <rita@example.net>",
        "--to=maint@example.org",
        f"--sendmail-cmd={script}",
        *map(str, files),
    )


# ---------------------------------------------------------------- install / uninstall


def test_install_chains_an_existing_hook_and_uninstall_restores_it(repo, env) -> None:
    hooks = repo / ".git" / "hooks"
    original = _dummy_hook(hooks, 0o750)
    result = _reviewtool(env, "hook", "install", "--repo", str(repo), cwd=repo)
    assert result.returncode == 0, result.stderr
    chained = hooks / hook.CHAINED_NAME
    assert chained.read_bytes() == DUMMY_HOOK
    assert stat.S_IMODE(chained.stat().st_mode) == 0o750
    assert hook.MARKER in original.read_text()
    assert os.access(original, os.X_OK)
    # installing again only refreshes the wrapper: the chained hook stays as it was
    assert _reviewtool(env, "hook", "install", "--repo", str(repo), cwd=repo).returncode == 0
    assert chained.read_bytes() == DUMMY_HOOK
    result = _reviewtool(env, "hook", "uninstall", "--repo", str(repo), cwd=repo)
    assert result.returncode == 0, result.stderr
    assert original.read_bytes() == DUMMY_HOOK
    assert stat.S_IMODE(original.stat().st_mode) == 0o750
    assert not chained.exists()


def test_install_without_a_previous_hook_and_uninstall_removes_it(repo, env) -> None:
    assert _reviewtool(env, "hook", "install", "--repo", str(repo), cwd=repo).returncode == 0
    installed = repo / ".git" / "hooks" / hook.HOOK_NAME
    assert installed.exists()
    assert _reviewtool(env, "hook", "uninstall", "--repo", str(repo), cwd=repo).returncode == 0
    assert not installed.exists()


def test_core_hooks_path_is_respected(repo, env) -> None:
    assert _git(repo, env, "config", "core.hooksPath", "shared-hooks").returncode == 0
    _dummy_hook(repo / "shared-hooks")
    assert _reviewtool(env, "hook", "install", "--repo", str(repo), cwd=repo).returncode == 0
    assert (repo / "shared-hooks" / hook.CHAINED_NAME).read_bytes() == DUMMY_HOOK
    assert not (repo / ".git" / "hooks" / hook.HOOK_NAME).exists()


def test_foreign_hooks_are_never_clobbered(repo, env) -> None:
    hooks = repo / ".git" / "hooks"
    _dummy_hook(hooks)
    (hooks / hook.CHAINED_NAME).write_bytes(b"#!/bin/sh\n# someone else's\n")
    result = _reviewtool(env, "hook", "install", "--repo", str(repo), cwd=repo)
    assert result.returncode == 2 and "already exists" in result.stderr
    assert (hooks / hook.HOOK_NAME).read_bytes() == DUMMY_HOOK
    (hooks / hook.CHAINED_NAME).unlink()
    result = _reviewtool(env, "hook", "uninstall", "--repo", str(repo), cwd=repo)
    assert result.returncode == 2 and "not installed by reviewtool" in result.stderr
    assert (hooks / hook.HOOK_NAME).read_bytes() == DUMMY_HOOK


# ---------------------------------------------------------------- real git send-email


def test_send_email_accepts_a_draft_and_keeps_its_threading(repo, env, tmp_path) -> None:
    require_send_email()
    drafts = tmp_path / "drafts"
    made = _reviewtool(env, "reply", str(FIXTURES / "leak"), "-o", str(drafts), cwd=repo)
    assert made.returncode == 0, made.stderr
    (draft,) = drafts.glob("*.eml")
    sent = tmp_path / "sent"
    result = _send(repo, env, [draft], sent)
    assert result.returncode == 0, result.stderr
    (delivered,) = sent.glob("*.eml")
    text = delivered.read_text()
    assert "\nIn-Reply-To: <leak1@example.org>\n" in text
    assert "\nReferences: <leak1@example.org>\n" in text
    assert "\nSubject: Re: [PATCH 1/2] foo: add foo_update()\n" in text
    assert "jane@example.org" in text.splitlines()[0]  # the author is a recipient


def test_hook_stops_a_leaky_series_and_lets_a_clean_one_through(repo, env, tmp_path) -> None:
    require_send_email()
    _dummy_hook(repo / ".git" / "hooks")
    assert _reviewtool(env, "hook", "install", "--repo", str(repo), cwd=repo).returncode == 0
    log = Path(env["DUMMY_LOG"])

    rejected = _send(repo, env, LEAK, tmp_path / "sent-leak")
    assert rejected.returncode != 0
    assert "LK001" in rejected.stderr and "rejected by sendemail-validate hook" in rejected.stderr
    assert not (tmp_path / "sent-leak").exists()  # the recording sendmail never ran
    assert not log.exists()  # ours runs first: the chained hook never saw the bad patch

    before = [p.read_bytes() for p in CLEAN]
    accepted = _send(repo, env, CLEAN, tmp_path / "sent-clean")
    assert accepted.returncode == 0, accepted.stderr
    assert len(list((tmp_path / "sent-clean").glob("*.eml"))) == len(CLEAN)
    calls = log.read_text().splitlines()
    assert [Path(c).name for c in calls] == [p.name for p in CLEAN]  # every file, same args
    assert [p.read_bytes() for p in CLEAN] == before  # nobody edited the patch files


# ---------------------------------------------------------------- the series-level run


def _hook_run(env, repo, patch: Path, counter: int | None, total: int | None, key="send-1"):
    run_env = {**env, "REVIEWTOOL_SEND_KEY": key}
    if counter is not None:
        run_env["GIT_SENDEMAIL_FILE_COUNTER"] = str(counter)
        run_env["GIT_SENDEMAIL_FILE_TOTAL"] = str(total)
    return _reviewtool(run_env, "hook", "run", "--", str(patch), cwd=repo)


def test_last_file_checks_the_whole_send(repo, env) -> None:
    """As git >= 2.41 calls it: files are collected in a private directory and the series
    is checked when the last one passes; the directory is gone afterwards."""
    assert _git(repo, env, "config", "reviewtool.failOn", "warning").returncode == 0
    git_dir = repo / ".git"
    first = _hook_run(env, repo, CLEAN[0], 1, 2)
    assert first.returncode == 0, first.stderr
    (directory,) = git_dir.glob(f"{hook.SEND_DIR_PREFIX}*")
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert [p.read_bytes() for p in directory.iterdir()] == [CLEAN[0].read_bytes()]
    last = _hook_run(env, repo, CLEAN[1], 2, 2)
    assert last.returncode == 0, last.stderr
    assert not list(git_dir.glob(f"{hook.SEND_DIR_PREFIX}*"))


def test_series_shape_counts_only_when_the_series_is_known(repo, env) -> None:
    """Sending 1/2 alone: with git < 2.41 (no counters) each patch is checked by itself and
    the missing 2/2 is not its business; a one-file send with counters is the whole series,
    so the gap is a warning that failOn=warning rejects."""
    assert _git(repo, env, "config", "reviewtool.failOn", "warning").returncode == 0
    assert _hook_run(env, repo, CLEAN[0], None, None).returncode == 0
    alone = _hook_run(env, repo, CLEAN[0], 1, 1)
    assert alone.returncode == 1 and "IN001" in alone.stderr


def test_leak_found_in_the_series_run_rejects_and_cleans_up(repo, env) -> None:
    first = _hook_run(env, repo, LEAK[0], 1, 2)
    assert first.returncode == 1 and "LK001" in first.stderr
    assert not list((repo / ".git").glob(f"{hook.SEND_DIR_PREFIX}*"))


def test_a_cover_letter_passes_on_its_own(repo, env) -> None:
    cover = FIXTURES.parent.parent.parent / "examples" / "anon-vma-v2" / "format-patch"
    result = _hook_run(env, repo, cover / "v2-0000-cover-letter.patch", None, None)
    assert result.returncode == 0, result.stderr


def test_git_241_second_argument_is_the_smtp_headers_file(repo, env, tmp_path) -> None:
    headers = tmp_path / "headers"
    headers.write_text("To: maint@example.org\n")
    run_env = {**env, "REVIEWTOOL_SEND_KEY": "two-args"}
    ok = _reviewtool(run_env, "hook", "run", "--", str(CLEAN[0]), str(headers), cwd=repo)
    assert ok.returncode == 0, ok.stderr
    bad = _reviewtool(run_env, "hook", "run", "--", str(LEAK[0]), str(headers), cwd=repo)
    assert bad.returncode == 1 and "LK001" in bad.stderr


def test_send_key_without_send_email_falls_back_to_the_patch_directory(tmp_path) -> None:
    patch = tmp_path / "series" / "0001.patch"
    assert hook.send_key({}, patch) == f"dir:{patch.parent.resolve()}"
    assert hook.send_key({"REVIEWTOOL_SEND_KEY": "x"}, patch) == "key:x"
