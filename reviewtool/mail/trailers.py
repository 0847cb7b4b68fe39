"""Trailers: `Signed-off-by:` and the like, from a commit message's last paragraph or from
a reply, names canonicalised and wrapped values joined."""

from __future__ import annotations

import re

from reviewtool.model import Trailer

MAX_TRAILER_JOIN = 3  # continuation lines joined into one wrapped trailer

# Known trailer names in their canonical spelling; any other `Token-by` is accepted too.
KNOWN_TRAILERS = {
    name.lower(): name
    for name in (
        "Signed-off-by",
        "Reviewed-by",
        "Acked-by",
        "Tested-by",
        "Reported-by",
        "Suggested-by",
        "Co-developed-by",
        "Reported-and-tested-by",
        "Fixes",
        "Link",
        "Closes",
        "Cc",
        "Message-ID",
        "Change-Id",
        "Cherry-picked-from",
    )
}
_TRAILER_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*):[ \t]*(\S.*?)\s*$")
_EMAIL_IN_VALUE = re.compile(r"<([^<>\s]+@[^<>\s]+)>|([^\s<>()\"',;]+@[^\s<>()\"',;]+\.[A-Za-z]+)")


def canonical_trailer_name(name: str) -> str:
    known = KNOWN_TRAILERS.get(name.lower())
    if known:
        return known
    head, *rest = name.split("-")
    return "-".join([head[:1].upper() + head[1:].lower(), *(part.lower() for part in rest)])


def _clean_value(value: str) -> str:
    value = re.sub(r"<mailto:[^<>]*>", "", value)  # "a@b<mailto:a@b>>" from HTML mailers
    value = re.sub(r"<<+", "<", value)
    value = re.sub(r">>+", ">", value)
    return re.sub(r"\s+", " ", value).strip()


def trailer_email(value: str) -> str | None:
    match = _EMAIL_IN_VALUE.search(value)
    if not match:
        return None
    return (match.group(1) or match.group(2)).lower()


def _unbalanced(value: str) -> bool:
    return value.count("(") > value.count(")") or value.count('"') % 2 == 1


def _join_wrapped(lines: list[str], index: int, value: str) -> tuple[str, int]:
    """Join continuation lines of a wrapped trailer (`Fixes: abc ("long` / `subject")`,
    `Name` / `<email>`, indented lines). Returns the value and the next line index."""
    nxt = index + 1
    for _ in range(MAX_TRAILER_JOIN):
        if nxt >= len(lines):
            break
        follow = lines[nxt]
        if not follow.strip() or follow.startswith(">"):
            break
        indented = follow[:1] in (" ", "\t")
        email_only = follow.strip().startswith("<") and "<" not in value
        if not (indented or email_only or _unbalanced(value)) or _TRAILER_LINE.match(follow):
            break
        value = f"{value} {follow.strip()}"
        nxt += 1
    return value, nxt


def _is_person(name: str) -> bool:
    return name.lower().endswith("-by") or name.lower() == "cc"


def _commit_trailer_block(lines: list[str]) -> list[str]:
    """The last paragraph, if it is a trailer block (trailers, continuations, `[notes]`)."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and lines[start - 1].strip():
        start -= 1
    block = lines[start:end]
    trailers = sum(1 for line in block if _TRAILER_LINE.match(line))
    if not trailers:
        return []
    others = [
        line
        for line in block
        if not _TRAILER_LINE.match(line)
        and not line.strip().startswith(("[", "(", "<"))
        and line[:1] not in (" ", "\t")
    ]
    # tolerate a wrapped line or two (Fixes subjects), as git interpret-trailers does
    return block if len(others) <= max(1, trailers // 3) else []


def parse_trailers(
    text: str, source: str = "commit", message_id: str | None = None
) -> tuple[Trailer, ...]:
    """Trailers in `text`. For source "commit" only the final trailer block counts. For
    replies and cover replies every unquoted line above the signature is looked at, but only
    person trailers with an address (`Reviewed-by: Name <a@b>`), `Fixes: <sha>`, and
    `Link:`/`Closes:` lines right below an accepted trailer (as b4 does) are taken."""
    lines = text.replace("\r\n", "\n").split("\n")
    if source == "commit":
        lines = _commit_trailer_block(lines)
    else:
        cut = next((i for i, line in enumerate(lines) if line.rstrip() in ("-- ", "--")), None)
        lines = lines[:cut] if cut is not None else lines
    found: list[Trailer] = []
    index = 0
    after_trailer = False  # the previous line was an accepted trailer
    while index < len(lines):
        match = _TRAILER_LINE.match(lines[index])
        if not match:
            after_trailer = False
            index += 1
            continue
        value, index = _join_wrapped(lines, index, match.group(2))
        name = canonical_trailer_name(match.group(1))
        value = _clean_value(value)
        if source != "commit" and not _reply_trailer_ok(name, value, after_trailer):
            after_trailer = False
            continue
        after_trailer = True
        found.append(Trailer(name=name, value=value, source=source, message_id=message_id))
    return tuple(found)


def _reply_trailer_ok(name: str, value: str, after_trailer: bool) -> bool:
    if name.lower().endswith("-by"):
        return trailer_email(value) is not None and "://" not in value
    if name == "Fixes":
        return re.match(r"^[0-9a-f]{8,40}\b", value) is not None
    if name in ("Link", "Closes"):
        return after_trailer and re.match(r"^https?://\S+$", value) is not None
    return False
