"""File images and the applier: a file being patched (complete, or partial when rebuilt from
hunks) and hunks applied to it like `git apply` without fuzz."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from reviewtool.model import FileState
from reviewtool.tree.diff import FileDiff, Hunk

MAX_LINES_PER_FILE = 200_000


def split_lines(text: str) -> list[str]:
    """Lines as git sees them: split after each LF only (CR stays part of the line)."""
    lines = text.split("\n")
    last = lines.pop()
    result = [line + "\n" for line in lines]
    if last:
        result.append(last)
    return result


@dataclass
class Image:
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

    def copy(self) -> Image:
        return Image(list(self.lines), self.partial, self.end_known, self.origin, self.tail_base)

    def grow(self, count: int) -> None:
        """Extend into the unknown tail by `count` lines."""
        self.lines.extend(range(self.tail_base, self.tail_base + count))
        self.tail_base += count


def _known(line: str | int) -> bool:
    return isinstance(line, str)


def image_from_preimage(
    fdiff: FileDiff, origin: str | None = None, learned: dict[int, str] | None = None
) -> Image:
    """A partial image of the file before `fdiff`: each hunk's context and removed lines at
    their source line numbers, plus the base lines later patches revealed (`learned`),
    everything else unknown."""
    image = Image([], partial=True, end_known=False, origin=origin)
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


def image_state(path: str, image: Image) -> FileState:
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
class Applier:
    """Applies the hunks of one file diff to one image, like `git apply` without fuzz: every
    context line must match, first at the stated position, then at the nearest offset."""

    image: Image
    budget: list[int]  # shared by the whole series: offset search steps left
    learned: dict[int, str] | None = None  # base lines of image.origin revealed by hunks
    patched: bytearray = field(default_factory=bytearray)  # lines written by this diff
    # (first image line of an applied hunk's trailing context, lines it added): maps image
    # lines back to the file before this diff, for messages (trailing context is unchanged)
    moves: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.patched = bytearray(len(self.image.lines))

    def original_line(self, index: int) -> int:
        """The 1-based line, in the file before this diff, of 0-based image line `index`."""
        return index + 1 - sum(delta for end, delta in self.moves if end <= index)

    def locate(self, hunk: Hunk, steps: int) -> int | None:
        """Where `hunk` would apply, searching at most `steps` offsets with a budget of its
        own; nothing changes (for diagnostics)."""
        saved, self.budget = self.budget, [steps]
        try:
            return self.find(hunk)
        finally:
            self.budget = saved

    def matches(self, pre: list[str], pos: int, hunk: Hunk) -> bool:
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
            window = lines[pos : pos + size]
            return window == pre or _newline_only_differs(window, pre, hunk)
        window = lines[pos : pos + size]
        return all(
            have == want or not _known(have) for have, want in zip(window, pre, strict=False)
        )

    def anchored(self, pre: list[str], pos: int) -> bool:
        """In a partial image an offset is only believed where a known line confirms it."""
        window = self.image.lines[pos : pos + len(pre)]
        return any(_known(have) for have in window) or not pre

    def find(self, hunk: Hunk) -> int | None:
        lines, pre = self.image.lines, hunk.pre
        start = hunk.new_start - 1 if hunk.new_start else 0
        if not hunk.post:  # an empty new range is numbered by the line before it
            start = hunk.new_start
        if _starts_file(hunk):
            start = 0
        elif hunk.trailing == 0 and self.image.end_known:
            start = len(lines) - len(pre)
        if self.image.end_known and not 0 <= start <= len(lines):
            start = len(lines)  # git compares unsigned: a negative start also lands here
        if start > MAX_LINES_PER_FILE:
            return None
        partial, first, size = self.image.partial, pre[0] if pre else None, len(pre)
        cost = 4 if partial else 1  # a step over wildcards costs about four exact ones
        for pos in _search_order(start, len(lines)):
            if pos != start:
                self.budget[0] -= cost
                if self.budget[0] < 0:
                    return None
            if first is not None and (size > 1 or first.endswith("\n")):  # cheap test first
                have = lines[pos] if pos < len(lines) else 0
                if have != first and (_known(have) or not partial):
                    continue
            if self.matches(pre, pos, hunk) and (
                pos == start or not partial or self.anchored(pre, pos)
            ):
                return pos
        return None

    def apply(self, hunk: Hunk) -> int | None:
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
        self.moves.append((pos + len(hunk.post) - hunk.trailing, len(hunk.post) - size))
        if self.image.partial and (
            hunk.trailing == 0 or not (hunk.post or ["\n"])[-1].endswith("\n")
        ):
            self.image.end_known = True
            del lines[pos + len(hunk.post) :]
            del self.patched[pos + len(hunk.post) :]
        return pos


_C_SPACE = frozenset(" \t\n\v\f\r")


def _newline_only_differs(window: list[str | int], pre: list[str], hunk: Hunk) -> bool:
    """git's match_fragment compares the preimage as one buffer: a last context line marked
    "No newline at end of file" is then a prefix of the file's line, which may go on with
    blanks (its newline, usually). git replaces the whole line, so the file loses its final
    newline, or that line is joined to the next one. A hunk without trailing context must
    end the file exactly (match_end), so this never applies to it."""
    last = pre[-1] if pre else "\n"
    if last.endswith("\n") or hunk.trailing == 0 or window[:-1] != pre[:-1]:
        return False
    have = window[-1]
    return (
        isinstance(have, str)
        and have.startswith(last)
        and all(char in _C_SPACE for char in have[len(last) :])
    )


def rejoin_lines(image: Image) -> None:
    """After a diff: a line that lost its newline in the middle of a complete file is one line
    with the next, as the file on disk has it (git wrote it that way)."""
    lines = image.lines
    if image.partial or len(lines) < 2:
        return
    # a line holds at most its final newline (split_lines): every line but the last ends
    # with one exactly when they hold one newline each (one count, not a test per line)
    if "".join(lines[:-1]).count("\n") != len(lines) - 1:  # type: ignore[arg-type]
        image.lines = split_lines("".join(lines))  # type: ignore[arg-type]


def _starts_file(hunk: Hunk) -> bool:
    """git's match_beginning: a hunk at old line 0 or 1 must match at the top of the file."""
    return hunk.old_start <= 1
