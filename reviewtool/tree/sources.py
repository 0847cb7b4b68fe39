"""Base trees: where the content before the series comes from (a directory, a git revision,
or nothing: files rebuilt from hunks)."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
from pathlib import Path
from typing import Protocol

from reviewtool.errors import InputError

MAX_FILE_BYTES = 64 * 1024 * 1024
GIT_TIMEOUT = 60


class FileTooLarge(Exception):
    """A base file is past MAX_FILE_BYTES: it is not analysed."""


class BaseTree(Protocol):
    def read(self, path: str) -> str | None:
        """The file's text (utf-8, surrogateescape) at the base, None when it does not exist."""
        ...

    def describe(self) -> str: ...


def path_problem(path: str) -> str | None:
    """Why a path taken from a patch must not be used, or None when it is a plain relative path.
    Git refuses the same names (verify_path), so a well-formed series never trips this."""
    if not path:
        return "empty path"
    if "\0" in path:
        return "path contains a NUL byte"
    if "\n" in path or "\r" in path:
        return "path contains a line break"
    if path.startswith("/"):
        return "absolute path"
    for part in path.split("/"):
        if part in ("", "."):
            return "empty or '.' path component"
        if part == "..":
            return "path climbs out of the tree with '..'"
        if part.lower() == ".git":
            return "path inside .git"
    return None


def decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


class DirTree:
    """A plain directory as the base. Reads only; never follows a symlink out of the root."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise InputError(f"base tree {root}: not a directory")
        self._real = os.path.realpath(self.root)

    def describe(self) -> str:
        return f"directory {self.root}"

    def escapes(self, path: str) -> bool:
        """True when `path` resolves (through a symlink) to somewhere outside the root."""
        return self._inside(path) is None

    def _inside(self, path: str) -> str | None:
        """Where `path` resolves to, when that is inside the root."""
        real = os.path.realpath(os.path.join(self._real, path))
        return real if real.startswith(self._real.rstrip(os.sep) + os.sep) else None

    def read(self, path: str) -> str | None:
        real = None if path_problem(path) else self._inside(path)
        if real is None:
            return None
        try:
            info = os.stat(real)
            if not stat.S_ISREG(info.st_mode):
                return None
            if info.st_size > MAX_FILE_BYTES:
                raise FileTooLarge(path)
            with open(real, "rb") as handle:
                return decode(handle.read(MAX_FILE_BYTES + 1))
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as error:
            raise InputError(f"cannot read {path} in {self.root}: {error.strerror}") from None


class GitTree:
    """A git revision as the base, read through one long-lived `git cat-file --batch`."""

    def __init__(self, repo: Path, rev: str) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self.repo = Path(repo)
        self.rev = rev
        if not rev or rev.startswith("-") or any(c in rev for c in "\0\n\r"):
            raise InputError(f"invalid revision {rev!r}")
        self.commit = self._verify(rev)
        self._proc = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        try:
            return subprocess.Popen(
                ["git", "-C", str(self.repo), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=_git_env(),
            )
        except OSError as error:
            raise InputError(f"cannot run git: {error.strerror}") from None

    def reopen(self) -> None:
        """A `git cat-file` of this process' own, in a forked worker (lanes.py): the
        parent's pipe is left alone, neither read nor closed here."""
        self._inherited = self._proc
        self._proc = self._start()

    def _verify(self, rev: str) -> str:
        argv = ["git", "-C", str(self.repo), "rev-parse", "--verify", "--quiet"]
        argv += ["--end-of-options", f"{rev}^{{commit}}"]
        try:
            result = subprocess.run(
                argv, capture_output=True, timeout=GIT_TIMEOUT, env=_git_env(), check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise InputError(f"cannot run git rev-parse: {error}") from None
        if result.returncode != 0:
            raise InputError(f"{rev}: not a commit in {self.repo}")
        return result.stdout.decode("ascii", "replace").strip()

    def describe(self) -> str:
        return f"{self.rev} ({self.commit[:12]}) in {self.repo}"

    def read(self, path: str) -> str | None:
        if path_problem(path):
            return None
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdout is None:
            raise InputError("git cat-file is closed")
        try:
            proc.stdin.write(f"{self.commit}:{path}\n".encode("utf-8", "surrogateescape"))
            proc.stdin.flush()
            header = proc.stdout.readline().split()
        except OSError:
            header = []
        if not header:
            raise InputError(f"git cat-file stopped while reading {path}")
        if len(header) != 3 or header[-1] == b"missing":
            return None
        size = int(header[2])
        data = _read_exactly(proc, size + 1)[:size]  # the object, then its newline
        if header[1] != b"blob":
            return None
        if size > MAX_FILE_BYTES:
            raise FileTooLarge(path)
        return decode(data)

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()

    def __enter__(self) -> GitTree:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # At interpreter shutdown closing may fail; the process dies with us anyway.
        with contextlib.suppress(Exception):
            self.close()


def _read_exactly(proc: subprocess.Popen[bytes], size: int) -> bytes:
    assert proc.stdout is not None
    chunks: list[bytes] = []
    while size > 0:
        chunk = proc.stdout.read(min(size, 1 << 20))
        if not chunk:
            raise InputError("git cat-file stopped in the middle of an object")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _git_env() -> dict[str, str]:
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


class HunksOnly:
    """No base tree: every file is rebuilt from the hunks that touch it."""

    def read(self, path: str) -> str | None:
        return None

    def describe(self) -> str:
        return "no base tree (files rebuilt from hunks)"
