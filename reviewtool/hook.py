"""The git `sendemail-validate` hook: install a wrapper that chains any existing hook (patatt's,
say), uninstall it restoring exactly what was there, and run the checks git send-email asks for.

git send-email runs the hook once per file, before it sends anything, with the file's path
(and, from git 2.41, a second argument: a file holding the SMTP headers). git >= 2.41 also
sets GIT_SENDEMAIL_FILE_COUNTER / GIT_SENDEMAIL_FILE_TOTAL: then each file is also copied to a
private directory and the whole series is checked when the last one passes. Without them
(git 2.39, 2.40) every patch is checked alone.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reviewtool.errors import ConfigError, InputError
from reviewtool.model import Severity

HOOK_NAME = "sendemail-validate"
CHAINED_NAME = "sendemail-validate.reviewtool-chained"
MARKER = "# installed by reviewtool: sendemail-validate wrapper v1"
SEND_DIR_PREFIX = "reviewtool-send-"
MAX_PATCH_BYTES = 32 * 1024 * 1024
GIT_TIMEOUT = 60
MAX_ANCESTORS = 6  # processes walked up looking for git send-email
STALE_SECONDS = 24 * 3600  # a send directory older than this belongs to a dead send

_WRAPPER = """#!/bin/sh
{marker}
# reviewtool checks the patch first; a hook that was here before runs after it with the same
# arguments and environment. Neither this wrapper nor reviewtool edits the patch file.
# `reviewtool hook uninstall` puts the previous hook back.
{python} -m reviewtool hook run -- "$@" || exit $?
chained="$(dirname "$0")/{chained}"
if [ -x "$chained" ]; then
	exec "$chained" "$@"
fi
exit 0
"""


def _git(repo: Path, *args: str) -> str:
    try:
        result = subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"git {' '.join(args)}: {exc}") from None
    if result.returncode != 0:
        message = result.stderr.strip().splitlines()
        raise InputError(f"git {' '.join(args)}: {message[-1] if message else 'failed'}")
    return result.stdout.strip()


def git_config(repo: Path, name: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", "-C", str(repo), "config", "--get", name],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = result.stdout.strip()
    return value if result.returncode == 0 and value else None


def hooks_dir(repo: Path) -> Path:
    """Where git looks for hooks (core.hooksPath honoured), as an absolute path."""
    path = Path(_git(repo, "rev-parse", "--git-path", "hooks"))
    if not path.is_absolute():
        path = Path(_git(repo, "rev-parse", "--show-toplevel") or str(repo)) / path
    return path


def _is_ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError:
        return False


def wrapper_text(python: str) -> str:
    return _WRAPPER.format(marker=MARKER, python=shlex.quote(python), chained=CHAINED_NAME)


def install(repo: Path, python: str = sys.executable) -> str:
    """Install the wrapper; an existing foreign hook is moved aside (rename: bytes and mode
    kept) and chained. Installing twice only refreshes the wrapper."""
    directory = hooks_dir(repo)
    directory.mkdir(parents=True, exist_ok=True)
    hook = directory / HOOK_NAME
    chained = directory / CHAINED_NAME
    note = ""
    if (hook.exists() or hook.is_symlink()) and not _is_ours(hook):
        if chained.exists() or chained.is_symlink():
            raise ConfigError(f"{chained} already exists; move it away before installing")
        os.rename(hook, chained)
        note = f"; the existing hook now runs after it ({chained.name})"
    _write_executable(hook, wrapper_text(python))
    return f"installed {hook}{note}"


def _write_executable(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.reviewtool-tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.chmod(0o755)
    os.replace(temporary, path)


def uninstall(repo: Path) -> str:
    """Remove the wrapper and put a chained hook back exactly as it was."""
    directory = hooks_dir(repo)
    hook = directory / HOOK_NAME
    chained = directory / CHAINED_NAME
    if not (hook.exists() or hook.is_symlink()):
        if chained.exists() or chained.is_symlink():
            os.rename(chained, hook)
            return f"restored {hook}"
        return f"nothing to uninstall in {directory}"
    if not _is_ours(hook):
        raise ConfigError(f"{hook} was not installed by reviewtool; left alone")
    hook.unlink()
    if chained.exists() or chained.is_symlink():
        os.rename(chained, hook)
        return f"removed the reviewtool hook and restored {hook}"
    return f"removed {hook}"


# ---------------------------------------------------------------- running


@dataclass(frozen=True)
class Verdict:
    exit_code: int  # 0: let the send go on; 1: reject
    report_text: str  # for stderr


def fail_level(repo: Path) -> Severity:
    value = git_config(repo, "reviewtool.failOn") or "error"
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise ConfigError(f"git config reviewtool.failOn: {exc}") from None


def _counter(env: Mapping[str, str]) -> tuple[int, int] | None:
    try:
        counter = int(env["GIT_SENDEMAIL_FILE_COUNTER"])
        total = int(env["GIT_SENDEMAIL_FILE_TOTAL"])
    except (KeyError, ValueError):
        return None
    if not 1 <= counter <= total <= 100_000:
        return None
    return counter, total


def _parent_pid(pid: int) -> int | None:
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'
    fields = stat_line.rpartition(")")[2].split()
    return int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None


def _send_email_pid() -> int | None:
    """The git send-email process above us (Linux /proc): ours -> wrapper -> `git hook run`
    -> send-email; the same for every file of one send."""
    pid: int | None = os.getppid()
    for _ in range(MAX_ANCESTORS):
        if pid is None or pid <= 1:
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        if b"send-email" in cmdline and b"hook" not in cmdline.split(b"\0")[1:3]:
            return pid
        pid = _parent_pid(pid)
    return None


def send_key(env: Mapping[str, str], patch: Path) -> str:
    """What identifies one send across the hook's calls: REVIEWTOOL_SEND_KEY when set (tests),
    else the git send-email process, else the directory the patches are in."""
    if env.get("REVIEWTOOL_SEND_KEY"):
        return f"key:{env['REVIEWTOOL_SEND_KEY']}"
    pid = _send_email_pid()
    if pid is not None:
        return f"pid:{pid}"
    return f"dir:{patch.resolve().parent}"


def send_dir(git_dir: Path, key: str, total: int) -> Path:
    """The private directory of one send; a new send with the same key starts afresh."""
    digest = hashlib.sha1(f"{key}:{total}:{git_dir}".encode()).hexdigest()[:16]
    return git_dir / f"{SEND_DIR_PREFIX}{digest}"


def _sweep_stale(git_dir: Path) -> None:
    """Directories of sends that died half-way (git stops at the first rejected file)."""
    cutoff = time.time() - STALE_SECONDS
    for stale in git_dir.glob(f"{SEND_DIR_PREFIX}*"):
        try:
            if stale.is_dir() and not stale.is_symlink() and stale.stat().st_mtime < cutoff:
                shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            continue


def _private_dir(path: Path, fresh: bool) -> Path:
    if fresh and path.exists():
        shutil.rmtree(path, ignore_errors=True)
    path.mkdir(mode=0o700, exist_ok=True)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise InputError(f"{path}: not a private directory of ours")
    path.chmod(0o700)
    return path


def _carries_diff(path: Path) -> bool:
    from reviewtool.mail import has_diff, parse_message

    return has_diff(parse_message(path.read_bytes()).body)


def run(
    files: Sequence[Path],
    env: Mapping[str, str],
    repo: Path,
    check: Callable[[list[str]], object],
    render: Callable[[object], str],
    findings_of: Callable[[object], Sequence],
) -> Verdict:
    """Check the file(s) git passed: `check(sources)` runs the pipeline, `render(report)`
    formats it; rejects when a finding reaches `reviewtool.failOn`."""
    level = fail_level(repo)
    patch = files[0]  # git passes the patch first, then (2.41+) a headers file
    if not patch.is_file():
        raise InputError(f"{patch}: no such file")
    if patch.stat().st_size > MAX_PATCH_BYTES:
        raise InputError(f"{patch}: larger than {MAX_PATCH_BYTES} bytes")
    texts: list[str] = []
    rejected = False
    position = _counter(env)
    alone = position is not None and position[1] == 1  # a one-file send is the whole series
    if _carries_diff(patch):  # a cover letter has nothing to check on its own
        report = check([str(patch)])
        # checked alone, a patch of a series lacks its siblings: series-shape findings
        # (patch 0, "patch 2/3 is missing") wait for the whole-series run
        if any(
            f.severity >= level and (alone or f.location.patch != 0) for f in findings_of(report)
        ):
            rejected = True
            texts.append(render(report))
    if position is not None and position[1] > 1:
        counter, total = position
        git_dir = Path(_git(repo, "rev-parse", "--absolute-git-dir"))
        if counter == 1:
            _sweep_stale(git_dir)
        directory = _private_dir(send_dir(git_dir, send_key(env, patch), total), fresh=counter == 1)
        try:
            shutil.copyfile(patch, directory / f"{counter:05d}.patch")
            copies = sorted(directory.glob("*.patch"))
            if counter == total and not rejected and any(_carries_diff(c) for c in copies):
                series_report = check([str(directory)])
                if any(f.severity >= level for f in findings_of(series_report)):
                    rejected = True
                    texts.append(render(series_report))
        finally:
            if counter == total or rejected:
                shutil.rmtree(directory, ignore_errors=True)
    return Verdict(1 if rejected else 0, "".join(texts))
