"""Points a person already raised: replies that quote a finding's lines and comment right
under them.

A reply belongs to the patch it answers (its nearest ancestor among the posting's patch
mails). The quoted block right above each inline comment is located in the post-image of
that patch, as runs of consecutive lines (whitespace and the diff marker do not count; a
lone line counts only when it is distinctive and unique in the file). The block's last
line must be found, so the comment is about what it sits under, and only the last
WINDOW lines count: a reply quoting a whole patch to say "looks good" at the end raises
nothing it does not sit under. A finding is raised when one of its lines (the location,
or evidence in the same file) is among the located lines.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from reviewtool.memory.quotes import InlineComment, inline_comments, is_trim
from reviewtool.model import Finding, Message, Raised, Series, Snapshot

WINDOW = 40  # quoted lines above a comment that can carry a finding
MIN_LONE = 12  # characters a lone quoted line needs to locate on its own
MAX_DEPTH = 200  # ancestors walked from a reply to its patch
REPLY_KINDS = ("reply", "other")  # bots and patches raise nothing

_HEADER = re.compile(r"^(?:diff --git |index |--- |\+\+\+ |@@ |new file mode|deleted file mode)")
_CONTENT_TYPE_FLOWED = re.compile(r"format\s*=\s*\"?flowed", re.I)
_DELSP = re.compile(r"delsp\s*=\s*\"?yes", re.I)


def normalized(text: str) -> str | None:
    """A quoted line as post-image text: without its diff marker and whitespace. Removed
    lines are not in the post-image: "" (skipped, like blank lines); a diff header ends a
    run of lines: None."""
    if _HEADER.match(text):
        return None
    if text[:1] == "-":
        return ""
    if text[:1] in ("+", " "):
        text = text[1:]
    return " ".join(text.split())


class PostImage:
    """One file after a patch, indexed by normalized line (blank lines left out)."""

    def __init__(self, text: str) -> None:
        self.numbers: list[int] = []
        self.positions: dict[str, list[int]] = defaultdict(list)
        for number, raw in enumerate(text.split("\n"), start=1):
            line = " ".join(raw.split())
            if line:
                self.positions[line].append(len(self.numbers))
                self.numbers.append(number)

    def locate(self, block: Sequence[str | None]) -> set[int] | None:
        """Post-image lines (1-based) the tail of `block` shows; None when its last line
        is not found (or found ambiguously)."""
        entries = [e for e in block if e != ""][-WINDOW:]
        runs: list[dict[int, int]] = []
        for index, entry in enumerate(entries):
            previous = runs[index - 1] if index else {}
            here = {p: previous.get(p - 1, 0) + 1 for p in self.positions.get(entry or "", ())}
            runs.append(here)
        covered: set[int] = set()
        index = len(entries) - 1
        tail = True
        while index >= 0:
            run = self._best(runs[index], entries[index] or "")
            if run is None:
                if tail:
                    return None
                index -= 1
                continue
            end, length = run
            covered.update(self.numbers[end - length + 1 : end + 1])
            index -= length
            tail = False
        return covered

    def _best(self, here: dict[int, int], entry: str) -> tuple[int, int] | None:
        if not here:
            return None
        length = max(here.values())
        ends = [p for p, n in here.items() if n == length]
        if len(ends) > 1:
            return None  # the same lines occur twice: which one was meant is unknown
        if length == 1 and (len(entry) < MIN_LONE or len(self.positions[entry]) > 1):
            return None
        return ends[0], length


def _block_entries(comment: InlineComment) -> list[str | None]:
    entries: list[str | None] = []
    for line in comment.quoted:
        if is_trim(line.text):
            entries.append(None)  # a trim breaks a run
            continue
        entries.append(normalized(line.text))
    while entries and entries[-1] in ("", None):
        entries.pop()  # trailing blank quote lines and trims are not what the comment is under
    return entries


def flowed_params(message: Message) -> tuple[bool, bool]:
    content_type = next((v for k, v in message.headers if k.lower() == "content-type"), "")
    return bool(_CONTENT_TYPE_FLOWED.search(content_type)), bool(_DELSP.search(content_type))


def _patch_of(message: Message, by_id: dict[str, Message], patches: dict[str, int]) -> int | None:
    """The index of the posting's patch this reply answers (at any depth), if any."""
    current: Message | None = message
    seen: set[str] = set()
    for _ in range(MAX_DEPTH):
        if current is None or current.message_id in seen:
            return None
        seen.add(current.message_id)
        parent_ids = [current.in_reply_to] if current.in_reply_to else []
        parent_ids += list(reversed(current.references))
        for parent_id in parent_ids:
            if parent_id in patches:
                return patches[parent_id]
        current = next((by_id[p] for p in parent_ids if p in by_id), None)
    return None


def _finding_lines(finding: Finding) -> set[int]:
    loc = finding.location
    lines = {loc.line} if loc.line else set()
    lines.update(
        e.line
        for e in finding.evidence
        if e.line and e.path == loc.path and e.patch in (0, loc.patch)
    )
    return lines


@dataclass(frozen=True)
class Located:
    """An inline comment whose quote was found in the post-image of the patch it answers."""

    message: Message
    patch: int  # Patch.index
    path: str
    lines: frozenset[int]  # post-image lines the quote above the comment shows


def _located(
    comment: InlineComment,
    snapshot: Snapshot,
    paths: Sequence[str],
    images: dict[str, PostImage],
):
    """(path, lines) the comment's block shows, trying the quoted header's file first;
    `images` caches each file's index across the comments on one patch."""
    entries = _block_entries(comment)
    if not entries or entries[-1] is None:
        return None
    order = [comment.path] if comment.path in paths else list(paths)
    found = []
    for path in order:
        state = snapshot.files.get(path)
        if state is None:
            continue
        if path not in images:
            images[path] = PostImage(state.text)
        lines = images[path].locate(entries)
        if lines:
            found.append((path, lines))
    return found[0] if len(found) == 1 else None  # two files show it: unknown which


def replies_by_patch(series: Series, messages: Sequence[Message]) -> dict[int, list[Message]]:
    """The human replies in `messages`, by the index of the patch of `series` they answer
    (at any depth)."""
    patches = {patch.message_id: patch.index for patch in series.patches}
    by_id = {m.message_id: m for m in messages}
    found: dict[int, list[Message]] = defaultdict(list)
    for message in messages:
        if message.kind not in REPLY_KINDS or message.sender is None:
            continue
        index = _patch_of(message, by_id, patches)
        if index is not None:
            found[index].append(message)
    return found


def located_comments(
    series: Series,
    snapshots: Sequence[Snapshot],
    messages: Sequence[Message],
    paths_of: dict[int, Sequence[str]] | None = None,
) -> list[Located]:
    """Every inline comment in the replies whose quote is found in the post-image of the
    patch it answers; `paths_of` narrows the files tried per patch (default: all the
    patch touched)."""
    step_of = {patch.index: step for step, patch in enumerate(series.patches, start=1)}
    found: list[Located] = []
    for index, replies in replies_by_patch(series, messages).items():
        step = step_of.get(index)
        if step is None or step >= len(snapshots):
            continue
        snapshot = snapshots[step]
        paths = sorted(paths_of[index]) if paths_of is not None else sorted(snapshot.touched)
        if not paths:
            continue
        images: dict[str, PostImage] = {}
        for message in replies:
            for comment in inline_comments(message.body, *flowed_params(message)):
                where = _located(comment, snapshot, paths, images)
                if where is not None:
                    found.append(Located(message, index, where[0], frozenset(where[1])))
    return found


def raised(
    series: Series,
    findings: Sequence[Finding],
    snapshots: Sequence[Snapshot],
    messages: Sequence[Message],
) -> list[Finding]:
    """`findings` with `raised_by` filled from the replies in `messages`."""
    paths_of: dict[int, set[str]] = defaultdict(set)
    for finding in findings:
        if finding.location.path and finding.location.patch:
            paths_of[finding.location.patch].add(finding.location.path)
    if not paths_of:
        return list(findings)
    said: dict[int, list[Raised]] = defaultdict(list)  # id(finding) -> who raised it
    for spot in located_comments(series, snapshots, messages, paths_of):
        sender = spot.message.sender
        assert sender is not None
        who = Raised(sender.name, sender.email, spot.message.message_id, series.version)
        for finding in findings:
            if (
                finding.location.patch == spot.patch
                and finding.location.path == spot.path
                and _finding_lines(finding) & spot.lines
            ):
                said[id(finding)].append(who)
    marked = [
        replace(f, raised_by=_unique((*f.raised_by, *said[id(f)]))) if said.get(id(f)) else f
        for f in findings
    ]
    return _restatements_inherit(marked)


def _unique(people: Sequence[Raised]) -> tuple[Raised, ...]:
    seen: set[tuple[str, str]] = set()
    out: list[Raised] = []
    for person in people:
        key = (person.email.lower(), person.message_id)
        if key not in seen:
            seen.add(key)
            out.append(person)
    return tuple(out)


def _restatements_inherit(findings: list[Finding]) -> list[Finding]:
    """A finding that restates another (BS007: "the LK001 this patch introduces stays until
    7/8") was raised when the one it restates was."""
    out: list[Finding] = []
    for finding in findings:
        subject = finding.key.split("|", 3)[-1]
        original = next(
            (
                other
                for other in findings
                if other.raised_by
                and other is not finding
                and finding.evidence
                and other.location == finding.evidence[0]
                and subject.startswith(f"{other.code}:")
            ),
            None,
        )
        if original is not None:
            finding = replace(finding, raised_by=_unique((*finding.raised_by, *original.raised_by)))
        out.append(finding)
    return out


__all__ = ["Located", "PostImage", "located_comments", "normalized", "raised", "replies_by_patch"]
