"""The shape of a reply: which lines are quoted at which level, and which comments sit right
under a quote (an inline review comment). Pure text work, no mail headers but format=flowed.

Quote levels count the `>` of a line's prefix, whether written `> > ` or `>> `. One space
after each `>` belongs to the quoting; a second one is the quoted text's own (a diff context
line keeps its leading space). A comment is unquoted text below a quoted block; text above
every quote (top-posting), the signature below `-- ` and bare trailers are no comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_REPLY_LINES = 20_000  # lines of one reply looked at (a hostile reply can be huge)

_PREFIX = re.compile(r"^(?:> ?)+")
_TRIM = re.compile(r"^\s*[\[<(]?\s*(?:\.\.\.|…|snip|snipped|cut)\s*[\])>]?\s*$", re.I)
_TRAILER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*-by:\s|^(?:Fixes|Link|Closes|Cc):\s", re.I)
_ATTRIBUTION = re.compile(r"(?:wrote|writes|said|schrieb|a écrit)\s*:\s*$", re.I)
_FILE_HEADER = re.compile(r"^(?:diff --git a/\S+ b/(\S+)|\+\+\+ b/(\S+))")
_WORD = re.compile(r"\w+")
_CLOSING = re.compile(r"^(?:thanks|thank you|thx|cheers|regards|best|br|kind regards)\b", re.I)


@dataclass(frozen=True)
class Line:
    level: int  # 0 for the replier's own text
    text: str  # without the quote prefix
    number: int  # 0-based line of the (decoded) body


@dataclass(frozen=True)
class InlineComment:
    """The replier's `comment` right under the quoted lines `quoted` (the whole block above
    it, any level); `path` is the file the nearest quoted diff header above names, if any."""

    quoted: tuple[Line, ...]
    comment: tuple[str, ...]
    path: str | None


def decode_flowed(body: str, delsp: bool = False) -> str:
    """RFC 3676: join soft line breaks (a line ending in a space) within one quote depth,
    undo space-stuffing, and write quotes back as `> ` prefixes."""
    out: list[str] = []
    pending: tuple[int, str] | None = None
    for raw in body.split("\n"):
        depth = len(raw) - len(raw.lstrip(">"))
        content = raw[depth:]
        if content.startswith(" "):
            content = content[1:]
        if pending is not None and pending[0] == depth:
            content = pending[1] + content
        elif pending is not None:
            out.append(_requote(*pending))
        pending = None
        if content.endswith(" ") and content.rstrip() != "--":
            pending = (depth, content[:-1] if delsp else content)
            continue
        out.append(_requote(depth, content))
    if pending is not None:
        out.append(_requote(*pending))
    return "\n".join(out)


def _requote(depth: int, content: str) -> str:
    return "> " * depth + content if depth else content


def quote_lines(body: str) -> list[Line]:
    lines: list[Line] = []
    for number, raw in enumerate(body.split("\n")[:MAX_REPLY_LINES]):
        raw = raw.rstrip("\r")
        match = _PREFIX.match(raw)
        if match is None:
            lines.append(Line(0, raw, number))
            continue
        level = match.group(0).count(">")
        lines.append(Line(level, raw[match.end() :], number))
    return lines


def _signature_cut(lines: list[Line]) -> list[Line]:
    for index, line in enumerate(lines):
        if line.level == 0 and line.text.rstrip() in ("--", "-- "):
            return lines[:index]
    return lines


def is_trim(text: str) -> bool:
    return bool(_TRIM.match(text))


def _substantive(comment: tuple[str, ...]) -> bool:
    """Something a person said about the code: a question, or a line of three words or
    more that is no trailer, trim, attribution or closing ("Thanks,\nJane" under the last
    quote of a reply is a sign-off, not a comment on that quote)."""
    for text in comment:
        stripped = text.strip()
        if not stripped or _TRAILER.match(stripped) or is_trim(stripped):
            continue
        if _ATTRIBUTION.search(stripped) or _CLOSING.match(stripped):
            continue
        if stripped.endswith("?") or len(_WORD.findall(stripped)) >= 3:
            return True
    return False


def _path_above(lines: list[Line], before: int) -> str | None:
    for line in reversed(lines[:before]):
        if line.level == 0:
            continue
        match = _FILE_HEADER.match(line.text)
        if match:
            return match.group(1) or match.group(2)
    return None


def inline_comments(body: str, flowed: bool = False, delsp: bool = False) -> list[InlineComment]:
    """Every comment that sits right under a quoted block, in body order. Only the replier's
    own text (level 0) counts: a comment quoted from an earlier mail is read in that mail."""
    text = decode_flowed(body, delsp) if flowed else body
    lines = _signature_cut(quote_lines(text))
    found: list[InlineComment] = []
    index = 0
    while index < len(lines):
        if lines[index].level == 0:
            index += 1
            continue
        start = index
        while index < len(lines) and lines[index].level > 0:
            index += 1
        end = index
        while end < len(lines) and lines[end].level == 0:
            end += 1
        comment = tuple(line.text for line in lines[index:end])
        if _substantive(comment):
            block = tuple(lines[start:index])
            found.append(InlineComment(block, comment, _path_above(lines, index)))
        index = end
    return found
