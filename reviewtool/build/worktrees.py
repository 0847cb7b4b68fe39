"""The git side of `--build-cmd`: git commands, temporary worktrees and the build processes
run in them (`BuildSession`), all removed on exit, also on ^C or SIGTERM."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from reviewtool.errors import InputError

GIT_TIMEOUT = 120


class BuildInterrupted(KeyboardInterrupt):
    """SIGTERM during a build: unwinds like ^C, so the worktrees are removed on the way out."""


# --------------------------------------------------------------------------- git plumbing


def _git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    env.update(extra or {})
    return env


def git(
    cwd: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-C", str(cwd), *args],
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            timeout=GIT_TIMEOUT,
            env=_git_env(env),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise InputError(f"git {args[0]} failed: {error}") from None


def git_out(cwd: Path, *args: str, **kwargs) -> str:
    result = git(cwd, *args, **kwargs)
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["failed"])[-1]
        raise InputError(f"git {args[0]}: {message}")
    return result.stdout.strip()


# The commits are internal to one run: a fixed identity, so odd names or dates in the mail
# can never make `git commit-tree` refuse them.
COMMIT_ENV = {
    "GIT_AUTHOR_NAME": "reviewtool",
    "GIT_AUTHOR_EMAIL": "reviewtool@localhost",
    "GIT_COMMITTER_NAME": "reviewtool",
    "GIT_COMMITTER_EMAIL": "reviewtool@localhost",
}

# --------------------------------------------------------------------------- the session


class BuildSession:
    """Worktrees, running builds and their cleanup. Everything it creates is removed on exit,
    also on ^C, SIGTERM or a crash."""

    def __init__(self, repo: Path, argv: Sequence[str], timeout: float) -> None:
        self.repo = repo
        self.argv = list(argv)
        self.timeout = timeout
        self.tmp = Path(tempfile.mkdtemp(prefix="reviewtool-build-"))
        self.worktrees: list[Path] = []
        self._procs: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._add_lock = threading.Lock()
        self.stopping = False

    def add_worktree(self, commit: str) -> Path:
        with self._lock:  # the name too: two threads must never both pick wtN
            path = self.tmp / f"wt{len(self.worktrees)}"
            self.worktrees.append(path)
        # One at a time: a `git worktree add` reads every other worktree's admin directory and
        # fails on one another thread is still creating ("failed to read .../commondir").
        with self._add_lock:
            git_out(self.repo, "worktree", "add", "--quiet", "--detach", str(path), commit)
        return path

    def close_processes(self) -> None:
        self.stopping = True
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            _kill_group(proc)

    def close(self) -> None:
        self.close_processes()
        for path in self.worktrees:
            git(self.repo, "worktree", "remove", "--force", str(path))
        git(self.repo, "worktree", "prune")
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_command(self, cwd: Path, log: Path) -> int | None:
        """The build command in `cwd`, output to `log`; None when it timed out or we stop."""
        if self.stopping:
            return None
        with open(log, "wb") as out:
            try:
                proc = subprocess.Popen(
                    self.argv,
                    cwd=cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    # Its own process group: a timeout or ^C also kills make's children.
                    start_new_session=True,
                )
            except OSError as error:
                out.write(f"reviewtool: cannot run {self.argv[0]}: {error.strerror}\n".encode())
                return 127
            with self._lock:
                self._procs.add(proc)
            if self.stopping:  # stopped between Popen and add: close_processes missed it
                _kill_group(proc)
            try:
                return proc.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                return None
            finally:
                with self._lock:
                    self._procs.discard(proc)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


@contextlib.contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """Make SIGTERM unwind the stack (running finally blocks), like ^C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        raise BuildInterrupted()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
