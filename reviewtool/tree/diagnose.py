"""Why a hunk does not apply, worked out only once it did not (nothing here runs for a hunk
that applies): its result is already in the file (the hunk, or the whole patch, is already
applied: `git apply -R` would take it), or the first line where the file differs from what the
hunk expects, looked for where most of the hunk's lines line up."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from reviewtool.tree.applier import Applier, _known, _starts_file
from reviewtool.tree.diff import Hunk

REVERSE_STEPS = 200_000  # offset positions tried for the reversed hunk
MAX_VOTES = 2_000_000  # line comparisons spent on finding where the hunk lines up
SHOWN = 60  # characters of a line shown in a message


@dataclass(frozen=True)
class Diagnosis:
    reason: str  # one clause, for "hunk ... fails: <reason>"
    applied_at: int | None = None  # the hunk's result is already there: its line


def show(line: str) -> str:
    text = line.rstrip("\n")
    shown = repr(text if len(text) <= SHOWN else text[: SHOWN - 3] + "...")
    return shown + ("" if line.endswith("\n") else " (no newline at end of file)")


def _reversed(hunk: Hunk) -> Hunk:
    start = hunk.new_start
    return Hunk(hunk.header, start, start, hunk.post, hunk.pre, [], hunk.trailing)


def already_applied(applier: Applier, hunk: Hunk) -> int | None:
    """0-based image line where the hunk's result already stands, or None. The window must be
    known lines (a partial image's unknown lines would match anything), and a hunk that only
    removes lines must leave at least three lines of context to recognise."""
    if hunk.pre == hunk.post or not hunk.post:
        return None
    before = set(hunk.pre)
    if len(hunk.post) < 3 and all(line in before for line in hunk.post):
        return None
    pos = applier.locate(_reversed(hunk), REVERSE_STEPS)
    if pos is None:
        return None
    window = applier.image.lines[pos : pos + len(hunk.post)]
    return pos if all(_known(line) for line in window) else None


def _alignment(lines: list, pre: list[str], start: int) -> tuple[int, int]:
    """The position where most of the hunk's non-blank lines line up, nearest `start` on a
    tie, and how many do; (start, 0) when none does (or finding out would cost too much)."""
    wanted: dict[str, list[int]] = {}
    for offset, text in enumerate(pre):
        if text.strip():
            wanted.setdefault(text, []).append(offset)
    votes: Counter[int] = Counter()
    spent = 0
    for index, have in enumerate(lines):
        offsets = wanted.get(have) if isinstance(have, str) else None
        if offsets:
            spent += len(offsets)
            if spent > MAX_VOTES:
                return start, 0
            for offset in offsets:
                votes[index - offset] += 1
    if not votes:
        return start, 0
    return max(votes.items(), key=lambda item: (item[1], -abs(item[0] - start)))


def _first_difference(applier: Applier, hunk: Hunk, pos: int) -> str | None:
    """Where the file first differs from the hunk placed at `pos`, as a phrase."""
    lines, image = applier.image.lines, applier.image
    for offset, want in enumerate(hunk.pre):
        index = pos + offset
        if index >= len(lines):
            if image.end_known:
                end = applier.original_line(len(lines)) - 1
                return f"the file ends at line {end}, before {show(want)}"
            return None
        have = lines[index]
        if _known(have) and have != want:
            line = applier.original_line(index)
            return f"line {line}: expected {show(want)}, found {show(have)}"
    return None


def explain(applier: Applier, hunk: Hunk) -> Diagnosis:
    """Why `hunk` did not apply to `applier`'s image (call only after it did not)."""
    pos = already_applied(applier, hunk)
    if pos is not None:
        line = applier.original_line(pos)
        return Diagnosis(f"already applied (its result is at line {line})", applied_at=line)
    start = 0 if _starts_file(hunk) else max(hunk.new_start - 1, 0)
    best, votes = _alignment(applier.image.lines, hunk.pre, start)
    needed = sum(1 for line in hunk.pre if line.strip())
    if votes * 2 >= needed and votes >= 2 and best != start and best >= 0:
        found = _first_difference(applier, hunk, best)
        if found is not None:
            moved = best - start
            where = f"{abs(moved)} line{'s' if abs(moved) != 1 else ''}"
            where += " below" if moved > 0 else " above"
            return Diagnosis(f"context differs at {found} (the rest lines up {where} the hunk)")
        return Diagnosis(_placement(hunk, applier.original_line(best)))
    found = _first_difference(applier, hunk, start)
    if found is not None:
        reason = f"context differs at {found}"
        if votes * 2 < needed and needed >= 4:
            reason += "; most of its lines are nowhere in the file"
        return Diagnosis(reason)
    return Diagnosis(_placement(hunk, applier.original_line(start)))


def _placement(hunk: Hunk, line: int) -> str:
    if _starts_file(hunk) or hunk.trailing == 0:
        return (
            f"its context is at line {line}, but the hunk must sit at the "
            f"{'start' if _starts_file(hunk) else 'end'} of the file"
        )
    return f"its context at line {line} overlaps lines an earlier hunk of this patch changed"
