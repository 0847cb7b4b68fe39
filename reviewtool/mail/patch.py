"""`Message` → `Patch`: where the diff is in a body, commit message and notes split, the
diff as git apply reads it, and `parse_diff`, the one cached way to read hunks."""

from __future__ import annotations

import re
from functools import lru_cache

import unidiff

from reviewtool.mail.trailers import parse_trailers
from reviewtool.model import Message, Patch

_BASE_COMMIT = re.compile(r"^base-commit:\s*([0-9a-f]{7,64})\s*$", re.M)
_FILE_HEADER = re.compile(r"^(?:--- |\+\+\+ )(?:a/|b/|/dev/null)")
_HUNK = re.compile(r"^@@+ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@+")
_IN_BODY_HEADER = re.compile(r"^(?:From|Subject|Date):\s")
_SCISSORS = re.compile(r"^[-\s]*(?:>8|8<)[-\s]*$")


# ---------------------------------------------------------------- diff location


def _diff_header_at(lines: list[str], index: int) -> bool:
    line = lines[index]
    if line.startswith("diff --git ") or line.startswith("diff -"):
        return True
    if line.startswith("Index: ") and index + 2 < len(lines):
        return lines[index + 1].startswith("====") and lines[index + 2].startswith("--- ")
    return (
        line.startswith("--- ")
        and index + 1 < len(lines)
        and lines[index + 1].startswith("+++ ")
        and (index + 2 >= len(lines) or lines[index + 2].startswith("@@"))
    )


def _diff_end(lines: list[str], start: int) -> int:
    """Walk hunks by their counts so a removed line "-- " is not taken for the signature;
    returns the end (exclusive) after the last line that belongs to the diff."""
    old = new = 0
    index = start
    end = start
    while index < len(lines):
        line = lines[index]
        if old > 0 or new > 0:
            if line.startswith("-"):
                old -= 1
            elif line.startswith("+"):
                new -= 1
            elif line.startswith(" ") or line == "":
                old -= 1
                new -= 1
            elif not line.startswith("\\"):
                old = new = 0  # mangled hunk: resume header scanning on this line
                continue
            index += 1
            end = index
            continue
        if line.rstrip("\r") == "-- " or line.startswith("base-commit: "):
            break
        match = _HUNK.match(line)
        if match:
            old = int(match.group(2)) if match.group(2) is not None else 1
            new = int(match.group(4)) if match.group(4) is not None else 1
        index += 1
        if line.strip():
            end = index
    return end


def find_diff(lines: list[str]) -> tuple[int | None, int]:
    """(first line, end line exclusive) of the diff in body lines; (None, 0) without one."""
    for index, line in enumerate(lines):
        if line[:1] in ("d", "-", "I") and _diff_header_at(lines, index):
            return index, _diff_end(lines, index)
    return None, 0


def has_diff(body: str) -> bool:
    return find_diff(body.split("\n"))[0] is not None


# ---------------------------------------------------------------- to_patch


def _split_commit_and_notes(lines: list[str]) -> tuple[list[str], list[str]]:
    """Above the diff: commit message, then notes after the first `---` line."""
    separator = next((i for i, line in enumerate(lines) if line.rstrip() == "---"), None)
    commit = lines if separator is None else lines[:separator]
    notes = [] if separator is None else lines[separator + 1 :]
    scissors = next((i for i, line in enumerate(commit) if _SCISSORS.match(line)), None)
    if scissors is not None:
        commit = commit[scissors + 1 :]
    return _drop_in_body_headers(commit), notes


def _drop_in_body_headers(commit: list[str]) -> list[str]:
    """`From:`/`Subject:`/`Date:` lines opening the body (git format-patch for another
    author, git am's in-body headers) are mail metadata, not commit message."""
    index = 0
    while index < len(commit) and index < 8 and _IN_BODY_HEADER.match(commit[index]):
        index += 1
    if index and (index == len(commit) or not commit[index].strip()):
        return commit[index + 1 :]
    return commit


def base_commit_of(body: str) -> str | None:
    found = _BASE_COMMIT.findall(body)
    return found[-1] if found else None


def to_patch(message: Message, index: int, total: int) -> Patch | None:
    """The Patch a mail carries, or None when it carries no diff."""
    lines = message.body.split("\n")
    start, end = find_diff(lines)
    if start is None:
        return None
    prose = [line.rstrip("\r") for line in lines[:start]]
    commit_lines, note_lines = _split_commit_and_notes(prose)
    commit_message = "\n".join(commit_lines).strip("\n")
    diff = "\n".join(_diff_lines_for_apply(lines[start:end])) + "\n"
    return Patch(
        message=message,
        index=index,
        total=total,
        commit_message=commit_message,
        notes="\n".join(note_lines).strip("\n"),
        diff=diff,
        diff_start=start,
        trailers=parse_trailers(commit_message, source="commit", message_id=message.message_id),
        base_commit=base_commit_of(message.body),
    )


def _diff_lines_for_apply(lines: list[str]) -> list[str]:
    """A decoded CR ends a header or hunk line as whitespace (git apply reads them so), but
    stays on content lines: there it is part of the text the hunk must match."""
    return [
        line if line[:1] in (" ", "+", "-") and not _FILE_HEADER.match(line) else line.rstrip("\r")
        for line in lines
    ]


@lru_cache(maxsize=256)
def parse_diff(diff: str) -> unidiff.PatchSet | None:
    """The unidiff parse of a Patch.diff, shared by every stage that reads hunks (parsed once).

    The text goes to unidiff whole: only `\\n` ends a line in a mail body, while
    str.splitlines() would also split on form feeds, common in kernel sources. Callers must
    not mutate the result. None when the diff does not parse."""
    try:
        return unidiff.PatchSet(diff)
    except (unidiff.UnidiffParseError, ValueError):
        return None
