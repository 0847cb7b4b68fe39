"""ReplyPlan: which lines of a patch mail a reply quotes around each finding, and where it trims.

Pure: takes a Patch and its findings, returns a plan the renderer turns into text. The plan
quotes, for each file a finding is in, the `diff --git` line, then the hunk header and the
hunk lines from a few lines above the finding down to the offending line, with the comment
right below it. Lines left out between two quoted lines become one `> [...]`; nothing is
quoted after the last comment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from reviewtool.model import Finding, Patch
from reviewtool.quote.anchors import Anchor, find_anchors

DEFAULT_CONTEXT = 6  # hunk lines quoted above the offending line
COMMIT_HEAD_LINES = 8  # commit-message lines quoted before a trim
COMMIT_TAIL_LINES = 4  # ... and after it (the trailers)
MAX_QUOTED_RUN = 60  # a single quote never runs longer than this (hostile hunks)


@dataclass(frozen=True)
class Quoted:
    """Original lines of the mail body, `first` their 0-based body line number."""

    first: int
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Trim:
    """Lines were left out here: rendered `> [...]`."""


@dataclass(frozen=True)
class Comment:
    findings: tuple[Finding, ...]


Part = Quoted | Trim | Comment


@dataclass(frozen=True)
class ReplyPlan:
    patch: Patch
    parts: tuple[Part, ...]
    # findings no quoted line could anchor (no change near them): said at the end
    unplaced: tuple[Finding, ...] = field(default=())
    # findings quoted at the nearest change because the diff does not show their own line
    near: tuple[Finding, ...] = field(default=())


class _Builder:
    """Accumulates quoted body lines, inserting a Trim wherever the body skips lines."""

    def __init__(self, body: list[str]) -> None:
        self.body = body
        self.parts: list[Part] = []
        self.last = -1  # last body line quoted
        self.run: list[str] = []
        self.run_first = 0

    def _flush(self) -> None:
        if self.run:
            self.parts.append(Quoted(self.run_first, tuple(self.run)))
            self.run = []

    def quote(self, first: int, last: int) -> None:
        """Quote body lines first..last, skipping any already quoted."""
        first = max(first, self.last + 1)
        if first > last:
            return
        if last - first + 1 > MAX_QUOTED_RUN:  # keep the lines nearest the comment
            first = last - MAX_QUOTED_RUN + 1
        if first > self.last + 1:
            self._flush()
            self.parts.append(Trim())
        if not self.run:
            self.run_first = first
        self.run.extend(self.body[first : last + 1])
        self.last = last

    def comment(self, findings: list[Finding]) -> None:
        self._flush()
        if self.parts and isinstance(self.parts[-1], Comment):
            merged = self.parts[-1].findings + tuple(findings)
            self.parts[-1] = Comment(merged)
        else:
            self.parts.append(Comment(tuple(findings)))

    def finish(self) -> tuple[Part, ...]:
        self._flush()
        return tuple(self.parts)


def _commit_quote(builder: _Builder, anchor: Anchor) -> None:
    """The commit message, trimmed in the middle when long."""
    count = anchor.end - anchor.start + 1
    if count <= COMMIT_HEAD_LINES + COMMIT_TAIL_LINES:
        builder.quote(anchor.start, anchor.end)
        return
    builder.quote(anchor.start, anchor.start + COMMIT_HEAD_LINES - 1)
    builder.quote(anchor.end - COMMIT_TAIL_LINES + 1, anchor.end)


def plan_reply(
    patch: Patch,
    findings: list[Finding],
    context: int = DEFAULT_CONTEXT,
    post_image: Callable[[str], str | None] | None = None,
) -> ReplyPlan:
    """The quoting plan for one patch and the findings it introduced. `post_image(path)` is
    the file after this patch as the findings number it; when the patch applied with an
    offset, hunks are matched there rather than at the line numbers their headers claim."""
    anchors, unplaced = find_anchors(patch, findings, context, post_image)
    body = patch.message.body.split("\n")
    builder = _Builder(body)
    for anchor in anchors:
        if anchor.hunk is None:
            _commit_quote(builder, anchor)
        else:
            if anchor.header is not None:
                builder.quote(anchor.header, anchor.header)
            builder.quote(anchor.hunk, anchor.hunk)
            builder.quote(anchor.start, anchor.end)
        builder.comment([anchor.finding])
    near = tuple(a.finding for a in anchors if not a.exact)
    return ReplyPlan(patch=patch, parts=builder.finish(), unplaced=tuple(unplaced), near=near)


def comment_lines(
    patch: Patch,
    findings: list[Finding],
    post_image: Callable[[str], str | None] | None = None,
) -> tuple[list[tuple[int, Finding, bool]], list[Finding]]:
    """Where a quote of the whole diff carries each comment, found as `plan_reply` finds it:
    `(line, finding, exact)` with `line` the 0-based line of `patch.diff` the comment
    follows (`exact` False when it is the nearest change, not the finding's own line), in
    diff order; then the findings no diff line can carry (the commit message, no change
    near them)."""
    anchors, unplaced = find_anchors(patch, findings, 0, post_image)
    placed: list[tuple[int, Finding, bool]] = []
    for anchor in anchors:
        if anchor.hunk is None:  # the commit message: not part of the diff
            unplaced.append(anchor.finding)
        else:
            placed.append((anchor.end - patch.diff_start, anchor.finding, anchor.exact))
    return placed, unplaced
