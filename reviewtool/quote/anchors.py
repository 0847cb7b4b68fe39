"""Where a reply quotes each finding (`find_anchors`): the patch mail's body lines it is
anchored to (its own line in a hunk, else the nearest change in the same function or within
NEAR_LINES; the commit message for a finding about no file), the `diff --git` and `@@` lines
above them, and how far up the quote starts.

Hunks are matched in the post-image the findings are numbered in, so a patch applied with an
offset still quotes the right lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import unidiff

from reviewtool.mail import parse_diff
from reviewtool.model import Finding, Patch

NEAR_LINES = 60  # a change this close to a finding the diff does not show can carry it
MAX_SHIFT = 3000  # how far from its claimed line a hunk is looked for in the post-image


@dataclass(frozen=True)
class Anchor:
    """Where a finding is quoted: body lines [start, end] (inclusive), then its comment."""

    start: int
    end: int
    header: int | None  # body line of the `diff --git` (or `---`) line of its file
    hunk: int | None  # body line of its `@@` hunk header
    finding: Finding
    exact: bool = True  # False: quoted at the nearest change, the finding's line is not shown


_FUNC_DEF = r"^[A-Za-z_][^;]*\b{name}\s*\("


def _function_start(lines: list[str], name: str | None) -> int | None:
    """Index in `lines` (hunk content, prefixes stripped) where function `name` is defined."""
    if not name:
        return None
    pattern = re.compile(_FUNC_DEF.format(name=re.escape(name)))
    for index, text in enumerate(lines):
        if pattern.match(text) and not text.rstrip().endswith(";"):
            return index
    return None


def _file_header(diff_lines: list[str], hunk_index: int) -> int | None:
    """Index of the `diff --git` line above a hunk header (or the `--- ` line of a plain diff)."""
    fallback = None
    for index in range(hunk_index - 1, -1, -1):
        text = diff_lines[index]
        if text.startswith("diff --git "):
            return index
        if text.startswith("--- ") and fallback is None:
            fallback = index
        if text.startswith("@@") and fallback is not None:
            break
    return fallback


def _locate(hunk: unidiff.Hunk, finding: Finding, shift: int = 0) -> int | None:
    """Position in the hunk of the line a finding points at: its post-image line among the
    added and context lines, else (a finding about removed code) its pre-image line."""
    if finding.location.line is None:
        return None
    line = finding.location.line - shift
    for position, hunk_line in enumerate(hunk):
        if hunk_line.target_line_no == line:
            return position
    for position, hunk_line in enumerate(hunk):
        if hunk_line.is_removed and hunk_line.source_line_no == line:
            return position
    return None


def _evidence_lines(finding: Finding) -> list[int]:
    """Evidence lines in the finding's own file state (file checks leave evidence.patch 0:
    they cannot know the step; the engine only moves the finding's own location)."""
    loc = finding.location
    return [
        e.line
        for e in finding.evidence
        if e.line is not None and e.path == loc.path and e.patch in (0, loc.patch)
    ]


def _target_position(hunk_lines: list, line: int) -> int | None:
    for position, hunk_line in enumerate(hunk_lines):
        if hunk_line.target_line_no == line:
            return position
    return None


def _window(
    hunk: unidiff.Hunk,
    position: int,
    finding: Finding,
    diff_lines: list[str],
    offset: int,
    context: int,
    exact: bool,
    shift: int = 0,
) -> Anchor:
    """Quote the hunk from `context` lines above `position` (or above the evidence this hunk
    shows), never above the function's own start, down to `position`."""
    hunk_lines = list(hunk)
    header_diff_no = hunk_lines[0].diff_line_no - 1  # the @@ line, 1-based in the diff
    hunk_body = header_diff_no  # 0-based index of the first hunk line in diff_lines
    first = max(0, position - context)
    # the evidence (where the lock was taken) belongs in the quote when this hunk shows it
    for evidence_line in _evidence_lines(finding):
        shown = _target_position(hunk_lines, evidence_line - shift)
        if shown is not None and shown <= position:
            first = min(first, max(0, shown - context))
    func = _function_start(
        # the post-image definition: a removed old prototype is not where it starts now
        ["" if ln.is_removed else ln.value.rstrip("\n") for ln in hunk_lines],
        finding.location.function,
    )
    if func is not None and func <= position:
        first = max(first, func)
    hunk_index = header_diff_no - 1
    header = _file_header(diff_lines, hunk_index)
    return Anchor(
        start=offset + hunk_body + first,
        end=offset + hunk_body + position,
        header=None if header is None else offset + header,
        hunk=offset + hunk_index,
        finding=finding,
        exact=exact,
    )


def _anchor_in_file(
    patched: unidiff.PatchedFile,
    finding: Finding,
    diff_lines: list[str],
    offset: int,
    context: int,
    shifts: dict[int, int],
) -> Anchor | None:
    for hunk in patched:
        shift = shifts.get(id(hunk), 0)
        position = _locate(hunk, finding, shift)
        if position is not None:
            return _window(hunk, position, finding, diff_lines, offset, context, True, shift)
    return None


def _hunk_distance(hunk: unidiff.Hunk, line: int) -> int:
    last = hunk.target_start + max(hunk.target_length, 1) - 1
    if hunk.target_start <= line <= last:
        return 0
    return min(abs(line - hunk.target_start), abs(line - last))


def _mentions(hunk: unidiff.Hunk, function: str | None) -> bool:
    if not function:
        return False
    pattern = re.compile(rf"\b{re.escape(function)}\s*\(")
    return bool(pattern.search(hunk.section_header or "")) or any(
        pattern.search(line.value) for line in hunk
    )


def _nearest_change(hunk: unidiff.Hunk, line: int) -> int:
    """Position of the changed line (added or removed) nearest to post-image `line`."""
    best, best_distance = 0, None
    last_target = hunk.target_start
    for position, hunk_line in enumerate(hunk):
        if hunk_line.target_line_no is not None:
            last_target = hunk_line.target_line_no
        if not (hunk_line.is_added or hunk_line.is_removed):
            continue
        distance = abs(line - last_target)
        if best_distance is None or distance < best_distance:
            best, best_distance = position, distance
    return best


def _near_anchor(
    patched: unidiff.PatchedFile,
    finding: Finding,
    diff_lines: list[str],
    offset: int,
    context: int,
    shifts: dict[int, int],
) -> Anchor | None:
    """A finding on a line the diff does not show (the exit the patch's change leads to, a
    prototype below an edited kernel-doc): quote the change nearest to it in the same function,
    or within NEAR_LINES of it, and comment under that."""
    line = finding.location.line
    if line is None:
        return None
    hunks = list(patched)

    def distance(hunk: unidiff.Hunk) -> int:
        return _hunk_distance(hunk, line - shifts.get(id(hunk), 0))

    same_function = [h for h in hunks if _mentions(h, finding.location.function)]
    candidates = same_function or [h for h in hunks if distance(h) <= NEAR_LINES]
    if not candidates:
        return None
    hunk = min(candidates, key=distance)
    shift = shifts.get(id(hunk), 0)
    position = _nearest_change(hunk, line - shift)
    return _window(hunk, position, finding, diff_lines, offset, context, False, shift)


def _hunk_shifts(patched: unidiff.PatchedFile, post_image: str | None) -> dict[int, int]:
    """How far each hunk landed from the line its header claims, in the post-image the
    findings are numbered in (a patch applied with an offset, as `git apply` does): the
    nearest place where the hunk's new side appears verbatim."""
    if post_image is None:
        return {}
    text = post_image.split("\n")
    shifts: dict[int, int] = {}
    for hunk in patched:
        block = [line.value.rstrip("\n") for line in hunk if not line.is_removed]
        if not block:
            continue
        claimed = max(hunk.target_start, 1) - 1  # 0-based
        for delta in _deltas(MAX_SHIFT):
            start = claimed + delta
            if (
                0 <= start < len(text)
                and text[start] == block[0]
                and text[start : start + len(block)] == block
            ):
                if delta:
                    shifts[id(hunk)] = delta
                break
    return shifts


def _deltas(limit: int) -> Iterator[int]:
    yield 0
    for delta in range(1, limit + 1):
        yield delta
        yield -delta


def _same_path(patched: unidiff.PatchedFile, path: str) -> bool:
    return path in (patched.path, patched.target_file[2:], patched.source_file[2:])


def _commit_anchor(patch: Patch, finding: Finding) -> Anchor | None:
    """The commit message as it stands in the body (after any blank lines or in-body headers
    above it), up to the `---` separator."""
    lines = patch.commit_message.split("\n") if patch.commit_message else []
    if not lines:
        return None
    body = patch.message.body.split("\n")
    limit = min(len(body), patch.diff_start if patch.diff_start > 0 else len(body))
    first = next((i for i in range(limit) if body[i] == lines[0]), None)
    if first is None:
        return None
    return Anchor(start=first, end=first + len(lines) - 1, header=None, hunk=None, finding=finding)


def find_anchors(
    patch: Patch,
    findings: list[Finding],
    context: int,
    post_image: Callable[[str], str | None] | None,
) -> tuple[list[Anchor], list[Finding]]:
    patch_set = parse_diff(patch.diff)
    diff_lines = patch.diff.split("\n")
    anchors: list[Anchor] = []
    unplaced: list[Finding] = []
    shift_cache: dict[int, dict[int, int]] = {}
    for finding in findings:
        loc = finding.location
        anchor = None
        if loc.path is None:
            anchor = _commit_anchor(patch, finding) if loc.patch > 0 else None
        elif patch_set is not None:
            for patched in patch_set:
                if _same_path(patched, loc.path):
                    if id(patched) not in shift_cache:
                        text = post_image(loc.path) if post_image is not None else None
                        shift_cache[id(patched)] = _hunk_shifts(patched, text)
                    shifts = shift_cache[id(patched)]
                    args = (patched, finding, diff_lines, patch.diff_start, context, shifts)
                    anchor = _anchor_in_file(*args) or _near_anchor(*args)
                    if anchor is not None:
                        break
        if anchor is None:
            unplaced.append(finding)
        else:
            anchors.append(anchor)
    anchors.sort(key=lambda a: (a.end, a.start))
    return anchors, unplaced
