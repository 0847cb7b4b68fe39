"""The values that flow through the pipeline: mail, series, tree states, findings. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from functools import lru_cache


class Severity(IntEnum):
    NOTE = 0
    WARNING = 1
    ERROR = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (note, warning, error)") from None


@dataclass(frozen=True, slots=True)
class Subject:
    """A parsed subject line: `[RFC PATCH net-next v3 2/5] foo: bar`."""

    raw: str
    title: str  # "foo: bar", prefixes and reply markers removed
    prefixes: tuple[str, ...] = ()  # every bracket word other than PATCH/RFC/RESEND/vN/n/m
    version: int = 1
    index: int | None = None  # n of n/m; None for a patch without a counter
    total: int | None = None  # m of n/m
    is_patch: bool = False  # a PATCH (or RFC) tag was seen
    rfc: bool = False
    resend: bool = False
    reply: bool = False  # Re:/Aw:/Fwd: and the like


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    email: str

    def formatted(self) -> str:
        from email.utils import formataddr

        return formataddr((self.name, self.email)) if self.name else self.email


@dataclass(frozen=True, slots=True)
class Trailer:
    name: str  # canonical case: "Reviewed-by", "Fixes"
    value: str  # "Jane Doe <jane@example.org>" or "abcdef123456 (\"subject\")"
    source: str = "commit"  # "commit" (in the patch), "reply" (a reply to it), "cover"
    message_id: str | None = None  # the mail the trailer came from


@dataclass(frozen=True, slots=True)
class Message:
    """One mail, decoded. `body` is the text/plain body as text (the patch part for attachments)."""

    message_id: str
    subject: Subject
    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: str | None  # the Date header as sent
    in_reply_to: str | None
    references: tuple[str, ...]
    body: str
    headers: tuple[tuple[str, str], ...] = ()  # every header, decoded, in order
    kind: str = "other"  # "patch", "cover", "reply", "pull", "bot", "other"


@dataclass(frozen=True, slots=True)
class Patch:
    """A mail that carries a diff. `diff` is the exact text unidiff parsed (from `diff --git`
    or the first `---`/`+++` pair to the end of the diff); `diff_start` is the 0-based line of
    the body where it begins, so a unidiff line number maps back into the mail body."""

    message: Message
    index: int  # position in the series, 1-based (1 for a lone patch)
    total: int
    commit_message: str  # body above the `---` separator (trailers included)
    notes: str  # between `---` and the diff: diffstat, changelog
    diff: str
    diff_start: int
    trailers: tuple[Trailer, ...] = ()
    base_commit: str | None = None

    @property
    def subject(self) -> Subject:
        return self.message.subject

    @property
    def message_id(self) -> str:
        return self.message.message_id


@dataclass(frozen=True, slots=True)
class Series:
    title: str
    version: int
    total: int
    patches: tuple[Patch, ...]  # ordered by index; gaps possible
    cover: Message | None = None
    replies: tuple[Message, ...] = ()  # every other mail of the chosen version's thread
    findings: tuple[Finding, ...] = ()  # IN findings from assembling the series
    base_commit: str | None = None


@dataclass(frozen=True, slots=True)
class FileState:
    """A file at one step. Rebuilt from hunks alone (no base tree), the lines no hunk showed
    are unknown: they are empty strings in `text`, so line numbers still match the real
    post-image, and `unknown` lists them as 1-based inclusive ranges."""

    path: str
    text: str
    unknown: tuple[tuple[int, int], ...] = ()
    # every stage keys its caches by it: computed once, with the state
    sha1: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha1", content_sha1(self.text))

    @property
    def complete(self) -> bool:
        return not self.unknown

    def is_known(self, first: int, last: int) -> bool:
        """True when every line in first..last (1-based, inclusive) is known."""
        return all(last < lo or first > hi for lo, hi in self.unknown)


@lru_cache(maxsize=64)  # a few recent texts only: the cache keeps the texts alive
def content_sha1(text: str) -> str:
    """SHA-1 of a file's bytes."""
    import hashlib  # not at start-up: --help imports this module

    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The tree after `step` patches (0 is the base). Holds only files the series touches
    plus whatever the base tree provided for them."""

    step: int
    files: dict[str, FileState] = field(hash=False)
    touched: frozenset[str] = frozenset()  # paths this step's patch changed
    applied: bool = True  # False when some hunk of this step's patch failed
    renamed: tuple[tuple[str, str], ...] = ()  # (old, new) renames done by this step


@dataclass(frozen=True, slots=True)
class Location:
    patch: int  # 0 for the series as a whole (cover letter), else 1-based
    path: str | None = None
    line: int | None = None  # 1-based, post-image of `path` after `patch`
    function: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    code: str  # "LK001", never renumbered
    name: str  # "lock-not-released"
    severity: Severity
    message: str  # one sentence a reviewer would write
    location: Location
    key: str  # identity without line numbers: code + path + function + subject
    evidence: tuple[Location, ...] = ()
    introduced_in: int | None = None  # set by the engine
    fixed_in: int | None = None  # set by the engine: later patch where the key disappears
    history: History | None = None  # set by memory: new or persisting across versions
    raised_by: tuple[Raised, ...] = ()  # set by memory: replies that already said it

    @property
    def patch(self) -> int:
        return self.location.patch


@dataclass(frozen=True, slots=True)
class PatchPair:
    """Patch `old` of one posting is patch `new` of the next (`how`: "patch-id" or
    "similarity"; `cost`: lines that differ between the two, 0 for a patch-id match)."""

    old: int
    new: int
    how: str
    cost: int = 0


@dataclass(frozen=True, slots=True)
class History:
    """A finding across versions. `state` "new": the previous posting does not have it;
    "persisting": it has been there since `since_version` (its patch `since_patch` there),
    and was at patch `previous_patch` of the posting just before (`previous_version`)."""

    state: str
    previous_version: int
    previous_patch: int | None = None
    since_version: int | None = None
    since_patch: int | None = None


@dataclass(frozen=True, slots=True)
class Raised:
    """A reply that quotes a finding's lines and comments right under them."""

    name: str
    email: str
    message_id: str
    version: int | None = None  # the posting the reply answered


@dataclass(frozen=True, slots=True)
class Fixed:
    """A finding of an earlier posting that the next posting no longer has."""

    finding: Finding  # as it was, numbered in its own posting
    version: int  # the posting it was in
    fixed_in_version: int  # the next posting, where it is gone
    new_patch: int | None = None  # its patch's partner there; None: the patch was dropped


def finding_key(code: str, path: str | None, function: str | None, subject: str = "") -> str:
    """The identity of a finding across steps: no line numbers, so it survives unrelated edits."""
    return "|".join((code, path or "", function or "", subject))
