"""Subject lines: `[RFC PATCH net-next v3 2/5] foo: bar` → `Subject` (b4 + patchwork forms)."""

from __future__ import annotations

import re

from reviewtool.model import Subject

MAX_SUBJECT_CHARS = 4096  # longer subjects are cut: no regex ever sees unbounded text
MAX_GROUPS = 16  # bracket groups peeled off the front
MAX_WORD_CHARS = 64  # a longer bracket word is kept as a prefix without further reading

# Reply/forward markers in the languages kernel lists see most (Re, Aw, Antw, Sv, Vs, Odp, Fwd).
_REPLY = re.compile(
    r"^\s*(?:re|aw|antw|sv|vs|odp|ynt|fwd?|wg|tr)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*", re.I
)
_COUNTER = re.compile(r"^0*(\d{1,6})/0*(\d{1,6})$")
_OF_COUNTER = re.compile(r"\b(\d{1,6})\s+of\s+(\d{1,6})\b", re.I)
_VERSION = re.compile(r"^v(?:ersion)?0*(\d{1,4})$", re.I)
_TAGGED = re.compile(r"^(PATCH|RFC|RESEND)(.+)$", re.I)  # PATCHv3, PATCH1/8, RFCv2
_TITLE_VERSION = re.compile(r"\s*[(\[]v(\d{1,4})[)\]]\s*", re.I)  # "foo (v2)"
# A bare (unbracketed) prefix: "PATCH v2 1/8: title", "RESEND PATCH 3/3 title", "PATCH1/8 title".
_BARE_WORD = re.compile(r"^(\S+?)(:?)(?:\s+|$)")


class _Tags:
    """What the prefix words said, accumulated across groups."""

    def __init__(self) -> None:
        self.prefixes: list[str] = []
        self.version: int | None = None
        self.index: int | None = None
        self.total: int | None = None
        self.is_patch = False
        self.rfc = False
        self.resend = False

    def take(self, word: str, *, bare: bool = False) -> bool:
        """Record one word; False when it means nothing to us (only matters for bare words)."""
        if len(word) > MAX_WORD_CHARS:  # no tag is this long; also bounds the recursion
            if not bare:
                self.prefixes.append(word[:MAX_WORD_CHARS])
            return not bare
        upper = word.upper()
        if upper == "PATCH" or upper == "PATCHES":
            self.is_patch = True
        elif upper == "RFC":
            self.rfc = self.is_patch = True
        elif upper == "RESEND":
            self.resend = True
        elif match := _COUNTER.match(word):
            if self.index is None:
                self.index, self.total = int(match.group(1)), int(match.group(2))
        elif match := _VERSION.match(word):
            self.version = int(match.group(1))
        elif match := _TAGGED.match(word):
            self.take(match.group(1))
            rest = match.group(2).lstrip("-_")
            return self.take(rest, bare=bare) if rest else True
        elif bare:
            return False
        elif "/" in word:
            # "PATCH/for-next": split and keep the pieces
            for piece in word.split("/")[:MAX_GROUPS]:
                self.take(piece)
        elif word:
            self.prefixes.append(word)
        return True

    def take_group(self, text: str) -> None:
        text = _OF_COUNTER.sub(r"\1/\2", text)
        for word in re.split(r"[\s,]+", text.strip()):
            if word:
                self.take(word)


def _normalise(raw: str) -> str:
    text = raw[:MAX_SUBJECT_CHARS].replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return re.sub(r" {2,}", " ", text).strip()


def _strip_replies(text: str) -> tuple[str, bool]:
    reply = False
    for _ in range(MAX_GROUPS):
        match = _REPLY.match(text)
        if not match:
            break
        reply = True
        text = text[match.end() :]
    return text, reply


def _peel_groups(text: str, tags: _Tags) -> tuple[str, bool]:
    """Remove leading `[...]` groups (and reply markers between them); True if any was seen."""
    seen = False
    for _ in range(MAX_GROUPS):
        text = text.lstrip()
        if not text.startswith("["):
            break
        end = text.find("]")
        if end < 0:
            break
        tags.take_group(text[1:end])
        text = text[end + 1 :]
        seen = True
    return text, seen


def _peel_bare(text: str, tags: _Tags) -> str:
    """`PATCH v2 1/8: title` without brackets: only when it starts with PATCH/RFC/RESEND."""
    if not re.match(r"^(?:PATCH|RFC|RESEND)", text):  # upper case only: "Patch management…"
        return text
    probe = _OF_COUNTER.sub(r"\1/\2", text)
    trial = _Tags()
    rest = probe
    words = 0
    for _ in range(8):
        match = _BARE_WORD.match(rest)
        if not match or not trial.take(match.group(1), bare=True):
            break
        rest = rest[match.end() :]
        words += 1
        if match.group(2):  # "PATCH 1/2: title"
            break
    if words == 0 or not trial.is_patch:
        return text
    tags.is_patch = True
    tags.rfc |= trial.rfc
    tags.resend |= trial.resend
    tags.version = trial.version if trial.version is not None else tags.version
    if tags.index is None:
        tags.index, tags.total = trial.index, trial.total
    return rest


def parse_subject(raw: str) -> Subject:
    """Parse a decoded subject. Never raises: text it cannot read stays in the title."""
    text = _normalise(raw or "")
    tags = _Tags()
    text, reply = _strip_replies(text)
    for _ in range(4):  # "[PATCH] Re: [PATCH]" and other stacked forms
        text, seen = _peel_groups(text, tags)
        text, more_reply = _strip_replies(text)
        reply |= more_reply
        if not seen and not more_reply:
            break
    if not tags.is_patch and tags.index is None:
        text = _peel_bare(text, tags)
    if tags.version is None:
        match = _TITLE_VERSION.search(text)
        if match and (tags.is_patch or tags.index is not None):
            tags.version = int(match.group(1))
            text = (text[: match.start()] + " " + text[match.end() :]).strip()
    title = text.strip().lstrip(":").strip()
    return Subject(
        raw=raw,
        title=title,
        prefixes=tuple(tags.prefixes),
        version=tags.version if tags.version and tags.version > 0 else 1,
        index=tags.index,
        total=tags.total,
        is_patch=tags.is_patch,
        rfc=tags.rfc,
        resend=tags.resend,
        reply=reply,
    )
