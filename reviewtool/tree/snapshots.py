"""The tree at every patch: base trees (directory, git revision, none) and in-memory `git apply`."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from reviewtool.errors import InputError
from reviewtool.model import FileState, Finding, Patch, Series, Severity, Snapshot

if TYPE_CHECKING:
    from unidiff.patch import Hunk as UnidiffHunk
    from unidiff.patch import PatchedFile

# Bounds on untrusted input: past them we report a finding instead of working (or hanging).
MAX_FILES_PER_PATCH = 5000
MAX_LINES_PER_FILE = 200_000
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_SEARCH_STEPS = 2_000_000  # offset positions tried, for the whole series (exact ones free)
MAX_DIFF_LINES = 1_000_000  # a larger diff is not parsed at all
GIT_TIMEOUT = 60


class FileTooLarge(Exception):
    """A base file is past MAX_FILE_BYTES: it is not analysed."""


# --------------------------------------------------------------------------- base trees


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


def _decode(data: bytes) -> str:
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
        real = os.path.realpath(os.path.join(self._real, path))
        return not real.startswith(self._real.rstrip(os.sep) + os.sep)

    def read(self, path: str) -> str | None:
        if path_problem(path) or self.escapes(path):
            return None
        real = os.path.realpath(os.path.join(self._real, path))
        try:
            info = os.stat(real)
            if not stat.S_ISREG(info.st_mode):
                return None
            if info.st_size > MAX_FILE_BYTES:
                raise FileTooLarge(path)
            with open(real, "rb") as handle:
                return _decode(handle.read(MAX_FILE_BYTES + 1))
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
        try:
            self._proc = subprocess.Popen(
                ["git", "-C", str(self.repo), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=_git_env(),
            )
        except OSError as error:
            raise InputError(f"cannot run git: {error.strerror}") from None

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
        return _decode(data)

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


# --------------------------------------------------------------------------- parsed diffs


@dataclass
class _Hunk:
    header: str  # "@@ -a,b +c,d @@"
    old_start: int
    new_start: int
    pre: list[str]  # context and removed lines, with their line endings
    post: list[str]  # context and added lines
    pre_numbers: list[int]  # source line number of each `pre` line (as unidiff gives them)
    trailing: int  # context lines after the last change: 0 means "ends the file" for git


@dataclass
class _FileDiff:
    old_path: str | None  # None when the patch creates the file
    new_path: str | None  # None when the patch deletes it
    copy: bool = False
    opaque: bool = False  # binary or submodule: the content cannot be followed
    hunks: list[_Hunk] = field(default_factory=list)
    problem: str | None = None  # why a path is unsafe
    bad_path: str = ""  # the path `problem` is about


_BODY_TYPES = frozenset("+- \\")


def _hunk_from_unidiff(hunk: UnidiffHunk) -> _Hunk:
    entries: list[list] = []  # [type, value, source line number]
    for line in hunk:
        if line.line_type not in _BODY_TYPES:
            continue  # unidiff's trailing empty line after a hunk is not part of it
        if line.line_type == "\\":
            # "\ No newline at end of file": the line before it has no line ending.
            if entries and entries[-1][1].endswith("\n"):
                entries[-1][1] = entries[-1][1][:-1]
            continue
        entries.append([line.line_type, line.value, line.source_line_no])
    pre = [value for kind, value, _ in entries if kind != "+"]
    post = [value for kind, value, _ in entries if kind != "-"]
    numbers = [number for kind, _, number in entries if kind != "+"]
    trailing = 0
    for kind, _, _ in reversed(entries):
        if kind != " ":
            break
        trailing += 1
    header = (
        f"@@ -{hunk.source_start},{hunk.source_length} +{hunk.target_start},{hunk.target_length} @@"
    )
    return _Hunk(header, hunk.source_start, hunk.target_start, pre, post, numbers, trailing)


def _unquote(name: str) -> str:
    """Git's C-style quoting of unusual file names: "a/tab\\there" → a/tab<TAB>here."""
    if len(name) < 2 or not (name.startswith('"') and name.endswith('"')):
        return name
    escapes = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
    raw = bytearray()
    body, i = name[1:-1], 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in escapes:
                raw.append(escapes[nxt])
                i += 2
                continue
            if body[i + 1 : i + 4].isdigit() and len(body[i + 1 : i + 4]) == 3:
                raw.append(int(body[i + 1 : i + 4], 8) & 0xFF)
                i += 4
                continue
        raw += char.encode("utf-8", "surrogateescape")
        i += 1
    return _decode(bytes(raw))


def _strip_prefix(name: str | None) -> str | None:
    """The path `git am` uses (-p1): drop the first component, unquote; None for /dev/null."""
    if name is None or name == "/dev/null":
        return None
    name = _unquote(name)
    return name.split("/", 1)[1] if "/" in name else ""


def _extended_headers(pfile: PatchedFile) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in pfile.patch_info or ():
        for key in ("rename from ", "rename to ", "rename old ", "rename new "):
            if line.startswith(key):
                headers[key.strip()] = _unquote(line[len(key) :].rstrip("\n"))
        for key in ("copy from ", "copy to "):
            if line.startswith(key):
                headers[key.strip()] = _unquote(line[len(key) :].rstrip("\n"))
    return headers


def _is_git_diff(pfile: PatchedFile) -> bool:
    return any(line.startswith("diff --git ") for line in pfile.patch_info or ())


def _traditional_name(old: str, new: str) -> str:
    """A plain `diff -u` never renames: git apply edits the `+++` name, or the `---` name
    when that is a prefix of it (`foo.c` / `foo.c.new`)."""
    return old if len(old) < len(new) and new.startswith(old) else new


def _file_diff(pfile: PatchedFile) -> _FileDiff:
    headers = _extended_headers(pfile)
    old = _strip_prefix(pfile.source_file)
    new = _strip_prefix(pfile.target_file)
    copy = "copy from" in headers
    old = headers.get("rename from", headers.get("rename old", headers.get("copy from", old)))
    new = headers.get("rename to", headers.get("rename new", headers.get("copy to", new)))
    if old is not None and new is not None and not _is_git_diff(pfile):
        old = new = _traditional_name(old, new)
    result = _FileDiff(old, new, copy=copy)
    result.opaque = bool(pfile.is_binary_file or pfile.is_submodule)
    if old is None and new is None:
        result.problem = "no file name on either side"
    for name in (old, new):
        if name is not None and result.problem is None:
            result.problem, result.bad_path = path_problem(name), name
    if not result.opaque and result.problem is None:
        result.hunks = [_hunk_from_unidiff(hunk) for hunk in pfile]
    return result


def parse_diff(diff: str) -> list[_FileDiff]:
    """The file diffs of one patch, in order. Raises UnidiffParseError on a malformed diff."""
    if diff and not diff.endswith("\n"):
        diff += "\n"
    return [_file_diff(pfile) for pfile in PatchSet(diff)]


# --------------------------------------------------------------------------- file images


def split_lines(text: str) -> list[str]:
    """Lines as git sees them: split after each LF only (CR stays part of the line)."""
    lines = text.split("\n")
    last = lines.pop()
    result = [line + "\n" for line in lines]
    if last:
        result.append(last)
    return result


@dataclass
class _Image:
    """A file being patched. Complete (from a base: every line a str) or partial (hunks only):
    then a line no hunk showed is an int, the number of that line in the base file (every
    unknown line is a base line: patches only add known ones). Lines past the end of `lines`
    are unknown too, numbered from `tail_base`, unless `end_known` (a hunk without trailing
    context, or a missing final newline, showed the end). `origin` is the base path whose
    unknown lines these are (None when there is no such base to learn about)."""

    lines: list[str | int]
    partial: bool = False
    end_known: bool = True
    origin: str | None = None
    tail_base: int = 1

    def copy(self) -> _Image:
        return _Image(list(self.lines), self.partial, self.end_known, self.origin, self.tail_base)

    def grow(self, count: int) -> None:
        """Extend into the unknown tail by `count` lines."""
        self.lines.extend(range(self.tail_base, self.tail_base + count))
        self.tail_base += count


def _known(line: str | int) -> bool:
    return isinstance(line, str)


def _image_from_preimage(
    fdiff: _FileDiff, origin: str | None = None, learned: dict[int, str] | None = None
) -> _Image:
    """A partial image of the file before `fdiff`: each hunk's context and removed lines at
    their source line numbers, plus the base lines later patches revealed (`learned`),
    everything else unknown."""
    image = _Image([], partial=True, end_known=False, origin=origin)
    lines = image.lines
    for hunk in fdiff.hunks:
        if not hunk.pre_numbers or hunk.pre_numbers[-1] > MAX_LINES_PER_FILE:
            continue
        last = hunk.pre_numbers[-1]
        if len(lines) < last:
            image.grow(last - len(lines))
        slots = [number - 1 for number in hunk.pre_numbers]
        pairs = list(zip(slots, hunk.pre, strict=True))
        if any(_known(lines[slot]) and lines[slot] != value for slot, value in pairs):
            continue  # overlapping hunks that disagree: git rejects them, keep the first
        for slot, value in pairs:
            lines[slot] = value
        if hunk.trailing == 0 or not hunk.pre[-1].endswith("\n"):
            image.end_known = True
            del lines[last:]
    for number, value in sorted((learned or {}).items()):
        if number > len(lines):
            if image.end_known or number > MAX_LINES_PER_FILE:
                break
            image.grow(number - len(lines))
        if not _known(lines[number - 1]):
            lines[number - 1] = value
    return image


def image_state(path: str, image: _Image) -> FileState:
    """The FileState of an image. A partial image ends after its last known line: the length
    of the real file past that line is not known, so no trailing unknown region is invented."""
    lines = image.lines
    if not image.partial:
        return FileState(path, "".join(lines))  # type: ignore[arg-type]
    end = len(lines)
    while end and not _known(lines[end - 1]):
        end -= 1
    unknown: list[tuple[int, int]] = []
    start = None
    for index in range(end):
        if not _known(lines[index]):
            if start is None:
                start = index + 1
        elif start is not None:
            unknown.append((start, index))
            start = None
    text = "".join(line if isinstance(line, str) else "\n" for line in lines[:end])
    return FileState(path, text, tuple(unknown))


# --------------------------------------------------------------------------- applying hunks


def _search_order(start: int, count: int) -> Iterator[int]:
    """git apply's find_pos order: start, start+1, start-1, start+2, start-2, ... in 0..count."""
    yield start
    back = forward = start
    turn = 0
    while back > 0 or forward < count:
        if turn % 2:
            if back > 0:
                back -= 1
                yield back
        elif forward < count:
            forward += 1
            yield forward
        turn += 1


@dataclass
class _Applier:
    """Applies the hunks of one file diff to one image, like `git apply` without fuzz: every
    context line must match, first at the stated position, then at the nearest offset."""

    image: _Image
    budget: list[int]  # shared by the whole series: offset search steps left
    learned: dict[int, str] | None = None  # base lines of image.origin revealed by hunks
    patched: bytearray = field(default_factory=bytearray)  # lines written by this diff

    def __post_init__(self) -> None:
        self.patched = bytearray(len(self.image.lines))

    def matches(self, pre: list[str], pos: int, hunk: _Hunk) -> bool:
        lines, image = self.image.lines, self.image
        size = len(pre)
        if pos < 0 or (_starts_file(hunk) and pos != 0):
            return False
        if image.end_known:
            if pos + size > len(lines) or (hunk.trailing == 0 and pos + size != len(lines)):
                return False
        elif hunk.trailing == 0 and any(_known(x) for x in lines[pos + size :]):
            return False
        if self.patched.find(1, pos, pos + size) != -1:
            return False
        if not image.partial:
            return lines[pos : pos + size] == pre
        window = lines[pos : pos + size]
        return all(
            have == want or not _known(have) for have, want in zip(window, pre, strict=False)
        )

    def anchored(self, pre: list[str], pos: int) -> bool:
        """In a partial image an offset is only believed where a known line confirms it."""
        window = self.image.lines[pos : pos + len(pre)]
        return any(_known(have) for have in window) or not pre

    def find(self, hunk: _Hunk) -> int | None:
        lines, pre = self.image.lines, hunk.pre
        start = hunk.new_start - 1 if hunk.new_start else 0
        if _starts_file(hunk):
            start = 0
        elif hunk.trailing == 0 and self.image.end_known:
            start = len(lines) - len(pre)
        if self.image.end_known and not 0 <= start <= len(lines):
            start = len(lines)  # git compares unsigned: a negative start also lands here
        if start > MAX_LINES_PER_FILE:
            return None
        partial, first = self.image.partial, pre[0] if pre else None
        cost = 4 if partial else 1  # a step over wildcards costs about four exact ones
        for pos in _search_order(start, len(lines)):
            if pos != start:
                self.budget[0] -= cost
                if self.budget[0] < 0:
                    return None
            if first is not None:  # cheap test of the first line before the whole window
                have = lines[pos] if pos < len(lines) else 0
                if have != first and (_known(have) or not partial):
                    continue
            if self.matches(pre, pos, hunk) and (
                pos == start or not partial or self.anchored(pre, pos)
            ):
                return pos
        return None

    def apply(self, hunk: _Hunk) -> int | None:
        """Apply one hunk; the 0-based line where it went, or None when it does not apply."""
        pos = self.find(hunk)
        if pos is None:
            return None
        lines, size = self.image.lines, len(hunk.pre)
        if pos + size > len(lines):  # partial image: the hunk reaches into the unknown tail
            grow = pos + size - len(lines)
            self.image.grow(grow)
            self.patched.extend(bytes(grow))
        if self.learned is not None:
            for have, want in zip(lines[pos : pos + size], hunk.pre, strict=True):
                if not _known(have):
                    self.learned[have] = want  # type: ignore[index]
        lines[pos : pos + size] = hunk.post
        self.patched[pos : pos + size] = b"\x01" * len(hunk.post)
        if self.image.partial and (
            hunk.trailing == 0 or not (hunk.post or ["\n"])[-1].endswith("\n")
        ):
            self.image.end_known = True
            del lines[pos + len(hunk.post) :]
            del self.patched[pos + len(hunk.post) :]
        return pos

    def mismatch(self, hunk: _Hunk) -> str:
        """Why the hunk does not apply, for the finding."""
        reason = self._mismatch_at_stated_line(hunk)
        if self.budget[0] < 0:
            reason += "; the search for its context elsewhere was cut short (too much work)"
        return reason

    def _mismatch_at_stated_line(self, hunk: _Hunk) -> str:
        lines = self.image.lines
        start = 0 if _starts_file(hunk) else max(hunk.new_start - 1, 0)
        for offset, want in enumerate(hunk.pre):
            index = start + offset
            if index >= len(lines):
                if self.image.end_known:
                    return f"the file ends at line {len(lines)}, before {_show(want)}"
                break
            have = lines[index]
            if _known(have) and have != want:
                return f"line {index + 1} is {_show(have)} where the patch expects {_show(want)}"
        if _starts_file(hunk) or hunk.trailing == 0:
            return "its context does not sit at the start or end of the file as the hunk requires"
        return "its context only matches lines an earlier hunk of this patch already changed"


def _starts_file(hunk: _Hunk) -> bool:
    """git's match_beginning: a hunk at old line 0 or 1 must match at the top of the file."""
    return hunk.old_start <= 1


def _show(line: str, limit: int = 72) -> str:
    text = line.rstrip("\n")
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return repr(text)


# --------------------------------------------------------------------------- the series


@dataclass
class _Builder:
    """Walks the series one patch at a time, keeping a mutable image of every present file;
    each step's Snapshot carries unchanged FileStates over by reference."""

    series: Series
    base: BaseTree | None
    images: dict[str, _Image] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)  # known not to exist at this step
    opaque: set[str] = field(default_factory=set)  # binary or too large: not followed
    findings: list[Finding] = field(default_factory=list)
    step: int = 0
    failed: bool = False
    budget: list[int] = field(default_factory=lambda: [MAX_SEARCH_STEPS])
    snapshots: list[Snapshot] = field(default_factory=list)
    # Hunks-only: base lines (by base path and line number) that hunks revealed, and the
    # ones a previous walk revealed, known from step 0 on.
    learned: dict[str, dict[int, str]] = field(default_factory=dict)
    seed: dict[str, dict[int, str]] = field(default_factory=dict)

    @property
    def hunks_only(self) -> bool:
        return self.base is None or isinstance(self.base, HunksOnly)

    # -- findings

    def _does_not_apply(
        self,
        message: str,
        path: str | None,
        line: int | None = None,
        *,
        subject: str = "",
        severity: Severity | None = None,
    ) -> None:
        from reviewtool.checks.apply import DOES_NOT_APPLY

        self.failed = True
        if self.step:
            patch = self.series.patches[self.step - 1]
            message = f"patch {patch.index}/{patch.total} does not apply: {message}"
        self.findings.append(
            DOES_NOT_APPLY.finding(
                message,
                patch=self.step,
                path=path,
                line=line,
                subject=subject,
                severity=severity,
            )
        )

    def _unsafe(self, path: str, reason: str) -> None:
        from reviewtool.checks.apply import UNSAFE_PATH

        self.failed = True
        shown = repr(path[:200])
        self.findings.append(
            UNSAFE_PATH.finding(
                f"the patch names an unsafe path {shown} ({reason}); that file was skipped",
                patch=self.step,
                subject=shown,
            )
        )

    # -- the base

    def load_base(self, parsed: list[list[_FileDiff] | None]) -> dict[str, FileState]:
        diffs = [fdiff for files in parsed if files for fdiff in files if fdiff.problem is None]
        if self.hunks_only:
            return self._base_from_hunks(diffs)
        paths = sorted({p for d in diffs for p in (d.old_path, d.new_path) if p is not None})
        files: dict[str, FileState] = {}
        for path in paths:
            if isinstance(self.base, DirTree) and self.base.escapes(path):
                continue  # reported as IN010 by the patch that names it
            text = self._read_base(path)
            if text is None:
                continue
            if text.count("\n") > MAX_LINES_PER_FILE:
                self._too_large(path)
                continue
            files[path] = FileState(path, text)
            self.images[path] = _Image(split_lines(text))
        self.absent = {p for p in paths if p not in files and p not in self.opaque}
        return files

    def _read_base(self, path: str) -> str | None:
        assert self.base is not None
        try:
            return self.base.read(path)
        except FileTooLarge:
            self._too_large(path)
            return None

    def _too_large(self, path: str) -> None:
        self.opaque.add(path)
        self._does_not_apply(
            f"{path} is too large to analyse (over {MAX_LINES_PER_FILE} lines)",
            path,
            subject="too-large",
            severity=Severity.WARNING,
        )
        self.failed = False  # a size limit of ours is not a failure of the patch

    def _base_from_hunks(self, diffs: list[_FileDiff]) -> dict[str, FileState]:
        """Without a base, what the first patch touching a file shows of it is the base."""
        seen: set[str] = set()
        files: dict[str, FileState] = {}
        for fdiff in diffs:
            old, new = fdiff.old_path, fdiff.new_path
            if old is not None and old not in seen and not fdiff.opaque:
                image = _image_from_preimage(fdiff, old, self.seed.get(old))
                self.images[old] = image
                files[old] = image_state(old, image)
            seen.update(p for p in (old, new) if p is not None)
        return files

    # -- one patch

    def apply_patch(
        self, step: int, patch: Patch, files: list[_FileDiff] | None, error: str, previous: Snapshot
    ) -> Snapshot:
        self.step, self.failed = step, False
        touched: set[str] = set()
        renamed: list[tuple[str, str]] = []
        if files is None:
            too_big = error.startswith("more than")  # our limit, not a fault of the patch
            self._does_not_apply(
                f"its diff {'was not followed' if too_big else 'cannot be parsed'} ({error})",
                None,
                subject="parse",
                severity=Severity.WARNING if too_big else None,
            )
            files = []
        if len(files) > MAX_FILES_PER_PATCH:
            self._does_not_apply(
                f"it touches {len(files)} files; only the first {MAX_FILES_PER_PATCH} were "
                "followed",
                None,
                subject="too-many-files",
                severity=Severity.WARNING,
            )
            files = files[:MAX_FILES_PER_PATCH]
        for fdiff in files:
            if fdiff.problem is not None:
                self._unsafe(fdiff.bad_path, fdiff.problem)
                continue
            escaping = self._escaping(fdiff)
            if escaping is not None:
                self._unsafe(escaping, "resolves through a symlink out of the tree")
                continue
            touched.update(p for p in (fdiff.old_path, fdiff.new_path) if p is not None)
            self._apply_file(fdiff, self.budget, renamed)
        states = dict(previous.files)
        for path in touched:
            if path in self.images:
                states[path] = image_state(path, self.images[path])
            else:
                states.pop(path, None)
        return Snapshot(step, states, frozenset(touched), not self.failed, tuple(renamed))

    def _escaping(self, fdiff: _FileDiff) -> str | None:
        if not isinstance(self.base, DirTree):
            return None
        paths = (fdiff.old_path, fdiff.new_path)
        return next((p for p in paths if p is not None and self.base.escapes(p)), None)

    def _apply_file(
        self, fdiff: _FileDiff, budget: list[int], renamed: list[tuple[str, str]]
    ) -> None:
        old, new = fdiff.old_path, fdiff.new_path
        if fdiff.opaque or (old in self.opaque):
            for path in (old, new):
                self.images.pop(path, None)  # type: ignore[arg-type]
            if new is not None:
                self.opaque.add(new)
            return
        if old is None:
            assert new is not None
            self._create(new, fdiff, budget)
        elif new is None:
            self._delete(old, fdiff, budget)
        else:
            self._modify(old, new, fdiff, budget, renamed)

    def _create(self, path: str, fdiff: _FileDiff, budget: list[int]) -> None:
        if path in self.images or path in self.opaque:
            self._does_not_apply(f"it creates {path}, which already exists", path, subject="exists")
            return
        image = _Image([])
        self._apply_hunks(path, image, fdiff, budget)
        self.images[path] = image
        self.absent.discard(path)

    def _delete(self, path: str, fdiff: _FileDiff, budget: list[int]) -> None:
        image = self.images.get(path)
        if image is None:
            if path in self.absent:
                self._does_not_apply(
                    f"it deletes {path}, which does not exist", path, subject="missing"
                )
            return
        ok = self._apply_hunks(path, image, fdiff, budget)
        if ok and not image.partial and image.lines:
            self._does_not_apply(f"deleting {path} leaves content behind", path, subject="leftover")
            ok = False
        if ok:
            del self.images[path]
            self.absent.add(path)

    def _modify(
        self,
        old: str,
        new: str,
        fdiff: _FileDiff,
        budget: list[int],
        renamed: list[tuple[str, str]],
    ) -> None:
        image = self.images.get(old)
        if image is None:
            self._does_not_apply(f"it changes {old}, which does not exist", old, subject="missing")
            image = _image_from_preimage(fdiff)  # follow what the hunks show anyway
            self.images[old] = image
        if new != old:
            if new in self.images:
                verb = "copies" if fdiff.copy else "renames"
                self._does_not_apply(
                    f"it {verb} {old} onto {new}, which already exists", new, subject="exists"
                )
                return
            if fdiff.copy:
                image = image.copy()
            else:
                del self.images[old]
                self.absent.add(old)
                renamed.append((old, new))
            self.images[new] = image
            self.absent.discard(new)
        self._apply_hunks(new, image, fdiff, budget)

    def _apply_hunks(self, path: str, image: _Image, fdiff: _FileDiff, budget: list[int]) -> bool:
        learned = self.learned.setdefault(image.origin, {}) if image.origin else None
        applier = _Applier(image, budget, learned)
        ok = True
        for hunk in fdiff.hunks:
            if applier.apply(hunk) is None:
                ok = False
                self._does_not_apply(
                    f"hunk {hunk.header} of {path} fails: {applier.mismatch(hunk)}",
                    path,
                    max(hunk.new_start, 1),
                    subject=hunk.pre[0].strip() if hunk.pre else hunk.header,
                )
        return ok


def build_snapshots(
    series: Series, base: BaseTree | None
) -> tuple[tuple[Snapshot, ...], tuple[Finding, ...]]:
    """The tree before the series (step 0) and after each of its patches, with the BS001
    (does not apply) and IN010 (unsafe path) findings met on the way. Nothing is written.

    Step 0 holds the base content of every path a patch names (absent paths stay absent).
    Each patch is applied like `git am` would, except that a failing hunk only fails itself:
    the file keeps the hunks that applied and later patches run against it.

    Without a base (`None` or `HunksOnly`) each file is rebuilt from hunks: the context and
    removed lines of the first patch touching it form its step-0 state, placed at their
    source line numbers; the lines no hunk showed are unknown (empty in the text, listed in
    `FileState.unknown`) and match any context line of later hunks, becoming known then. The
    text ends after the last known line: how long the real file runs past it is not known,
    so no trailing unknown region is listed (unless a hunk showed the end of the file). A
    base that lacks a file a patch changes gives BS001 and the same rebuild for that file."""
    parsed: list[list[_FileDiff] | None] = []
    errors: list[str] = []
    for patch in series.patches:
        if patch.diff.count("\n") > MAX_DIFF_LINES:
            parsed.append(None)
            errors.append(f"more than {MAX_DIFF_LINES} lines")
            continue
        try:
            parsed.append(parse_diff(patch.diff))
            errors.append("")
        except (UnidiffParseError, ValueError, IndexError) as error:
            parsed.append(None)
            errors.append(str(error).splitlines()[0][:200] if str(error) else "malformed")
    builder = _walk(_Builder(series, base), parsed, errors)
    if builder.hunks_only and any(builder.learned.values()):
        # Later hunks showed base lines earlier steps did not know: walk again with them
        # known from step 0, so a function is known at every step where it really exists.
        builder = _walk(_Builder(series, base, seed=builder.learned), parsed, errors)
    return tuple(builder.snapshots), tuple(builder.findings)


def _walk(builder: _Builder, parsed: list[list[_FileDiff] | None], errors: list[str]) -> _Builder:
    builder.snapshots.append(Snapshot(0, builder.load_base(parsed)))
    for step, (patch, files, error) in enumerate(
        zip(builder.series.patches, parsed, errors, strict=True), start=1
    ):
        builder.snapshots.append(
            builder.apply_patch(step, patch, files, error, builder.snapshots[-1])
        )
    return builder
