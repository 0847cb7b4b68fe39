"""The diff model: one patch's diff parsed into file diffs and hunks, the way `git am -p1`
names the files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from unidiff import PatchSet

from reviewtool.tree.sources import decode, path_problem

if TYPE_CHECKING:
    from unidiff.patch import Hunk as UnidiffHunk
    from unidiff.patch import PatchedFile


@dataclass
class Hunk:
    header: str  # "@@ -a,b +c,d @@"
    old_start: int
    new_start: int
    pre: list[str]  # context and removed lines, with their line endings
    post: list[str]  # context and added lines
    pre_numbers: list[int]  # source line number of each `pre` line (as unidiff gives them)
    trailing: int  # context lines after the last change: 0 means "ends the file" for git


@dataclass
class FileDiff:
    old_path: str | None  # None when the patch creates the file
    new_path: str | None  # None when the patch deletes it
    copy: bool = False
    opaque: bool = False  # binary or submodule: the content cannot be followed
    hunks: list[Hunk] = field(default_factory=list)
    problem: str | None = None  # why a path is unsafe
    bad_path: str = ""  # the path `problem` is about


_BODY_TYPES = frozenset("+- \\")


def _hunk_from_unidiff(hunk: UnidiffHunk) -> Hunk:
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
    return Hunk(header, hunk.source_start, hunk.target_start, pre, post, numbers, trailing)


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
    return decode(bytes(raw))


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


def _file_diff(pfile: PatchedFile) -> FileDiff:
    headers = _extended_headers(pfile)
    old = _strip_prefix(pfile.source_file)
    new = _strip_prefix(pfile.target_file)
    copy = "copy from" in headers
    old = headers.get("rename from", headers.get("rename old", headers.get("copy from", old)))
    new = headers.get("rename to", headers.get("rename new", headers.get("copy to", new)))
    if old is not None and new is not None and not _is_git_diff(pfile):
        old = new = _traditional_name(old, new)
    result = FileDiff(old, new, copy=copy)
    result.opaque = bool(pfile.is_binary_file or pfile.is_submodule)
    if old is None and new is None:
        result.problem = "no file name on either side"
    for name in (old, new):
        if name is not None and result.problem is None:
            result.problem, result.bad_path = path_problem(name), name
    if not result.opaque and result.problem is None:
        result.hunks = [_hunk_from_unidiff(hunk) for hunk in pfile]
    return result


def parse_diff(diff: str) -> list[FileDiff]:
    """The file diffs of one patch, in order. Raises UnidiffParseError on a malformed diff."""
    if diff and not diff.endswith("\n"):
        diff += "\n"
    return [_file_diff(pfile) for pfile in PatchSet(diff)]
