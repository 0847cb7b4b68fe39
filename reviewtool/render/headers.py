"""Mail headers and files of review drafts: the `Draft` and its options, the attribution line,
recipients, the reply's headers (built with email.message.EmailMessage), file names, mboxrd."""

from __future__ import annotations

import email.policy
import email.utils
import quopri
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage

from reviewtool.errors import ConfigError
from reviewtool.model import Address, Message

MAX_SLUG = 52
ATTRIBUTIONS = ("default", "mutt")
CONTENT_TYPE = "Content-Type: text/plain; charset=utf-8"
# header folding off: References stays on one line, as lore and git send-email expect
_POLICY = email.policy.default.clone(max_line_length=None, linesep="\n")


@dataclass(frozen=True)
class Draft:
    filename: str  # NNNN-re-<slug>.eml, no path separator
    message: EmailMessage
    patch: int  # 0 for the cover letter reply

    def as_text(self) -> str:
        text = self.message.as_bytes(policy=_POLICY).decode("utf-8", "surrogateescape")
        head, sep, body = text.partition("\n\n")
        # the email package always quotes the charset; write it the way mail clients do
        head = head.replace('Content-Type: text/plain; charset="utf-8"', CONTENT_TYPE, 1)
        head = "\n".join(_fold_address_line(line) for line in head.split("\n"))
        return head + sep + body


FOLD_AT = 78  # RFC 5322's "should"; 998 is its "must", which a long Cc list would break


def _fold_address_line(line: str) -> str:
    """A long To:/Cc: folded after the commas between addresses (as git format-patch does);
    other headers stay on one line (References: included, as lore's reply rules want)."""
    if len(line) <= FOLD_AT or not line.startswith(("To: ", "Cc: ")):
        return line
    parts: list[str] = []
    start = 0
    quoted = False
    for index, char in enumerate(line):
        if char == '"' and (index == 0 or line[index - 1] != "\\"):
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append(line[start : index + 1])
            start = index + 1
    parts.append(line[start:])
    folded: list[str] = [parts[0]]
    for part in parts[1:]:
        piece = part.strip()
        if len(folded[-1]) + 1 + len(piece) > FOLD_AT:
            folded.append(" " + piece)
        else:
            folded[-1] += " " + piece
    return "\n".join(folded)


@dataclass(frozen=True)
class DraftOptions:
    reviewer: Address
    attribution: str = "default"
    context: int = 6
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    make_id: Callable[[str], str] = field(
        default=lambda domain: email.utils.make_msgid(domain=domain)
    )
    lock_releases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # acquire -> releases
    check_docs: dict[str, str] = field(default_factory=dict)  # code -> docstring
    include_raised: bool = False  # comment on findings a reply in the thread already raised
    acknowledge_fixed: bool = False  # thank the author for what the previous version had


def attribution_line(message: Message, style: str) -> str:
    """`On Tue, Jan 6, 2026 at 3:04 PM Name <addr> wrote:` (Gmail, in the sender's own
    timezone) or mutt's `On <Date header>, Name <addr> wrote:`."""
    if style not in ATTRIBUTIONS:
        raise ConfigError(f"unknown attribution style {style!r} (one of {', '.join(ATTRIBUTIONS)})")
    who = _who(message.sender)
    if not message.date:
        return f"{who} wrote:"
    if style == "mutt":
        return f"On {' '.join(message.date.split())}, {who} wrote:"
    try:
        when = email.utils.parsedate_to_datetime(message.date)
    except (TypeError, ValueError, IndexError, OverflowError):
        return f"On {' '.join(message.date.split())}, {who} wrote:"
    hour = when.hour % 12 or 12
    meridiem = "AM" if when.hour < 12 else "PM"
    day = f"{when:%a}, {when:%b} {when.day}, {when.year}"
    return f"On {day} at {hour}:{when:%M} {meridiem} {who} wrote:"


def _who(sender: Address | None) -> str:
    if sender is None:
        return "you"
    return f"{sender.name} <{sender.email}>" if sender.name else f"<{sender.email}>"


# ---------------------------------------------------------------- headers


def _reply_subject(subject: str) -> str:
    subject = " ".join(_CONTROL.sub(" ", subject).split())
    return subject if re.match(r"(?i)re\s*:", subject) else f"Re: {subject}"


def recipients(message: Message, reviewer: Address) -> tuple[list[Address], list[Address]]:
    """To: the author; Cc: everyone else from From/To/Cc, first spelling and order kept,
    compared case-insensitively, the reviewer left out."""
    seen = {reviewer.email.lower()}
    to: list[Address] = []
    if message.sender is not None and message.sender.email.lower() not in seen:
        to.append(message.sender)
        seen.add(message.sender.email.lower())
    cc: list[Address] = []
    for address in (*message.to, *message.cc):
        key = address.email.lower()
        if key not in seen:
            seen.add(key)
            cc.append(address)
    return to, cc


def _domain(address: Address) -> str:
    domain = address.email.rpartition("@")[2]
    return domain if re.fullmatch(r"[A-Za-z0-9.-]+", domain or "") else "localhost"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _clean_address(address: Address) -> Address | None:
    """An address safe to put in a header: no control characters (an encoded CR/LF in a
    display name must not become a header break), no whitespace in the address itself."""
    name = " ".join(_CONTROL.sub(" ", address.name).split())
    mail = address.email.strip()
    if not mail or _CONTROL.search(mail) or any(c.isspace() for c in mail):
        return None
    return Address(name, mail)


def _format_addresses(addresses: Sequence[Address]) -> str:
    cleaned = (_clean_address(a) for a in addresses)
    return ", ".join(a.formatted() for a in cleaned if a is not None)


def build_message(original: Message, body: str, options: DraftOptions) -> EmailMessage:
    msg = EmailMessage(policy=_POLICY)
    reviewer = _clean_address(options.reviewer)
    if reviewer is None:
        raise ConfigError(f"reviewer address {options.reviewer.email!r} is not usable")
    msg["From"] = reviewer.formatted()
    to, cc = recipients(original, options.reviewer)
    if _format_addresses(to):
        msg["To"] = _format_addresses(to)
    if _format_addresses(cc):
        msg["Cc"] = _format_addresses(cc)
    msg["Subject"] = _reply_subject(original.subject.raw)
    msg["Date"] = email.utils.format_datetime(options.clock())
    msg["Message-ID"] = options.make_id(_domain(options.reviewer))
    msg["In-Reply-To"] = f"<{original.message_id}>"
    parents = list(original.references) or ([original.in_reply_to] if original.in_reply_to else [])
    if original.message_id not in parents:
        parents.append(original.message_id)
    msg["References"] = " ".join(f"<{ref}>" for ref in parents)
    if any(len(line.encode("utf-8")) > 998 for line in body.split("\n")):
        # SMTP caps lines at 998 octets: only then quoted-printable (soft line breaks)
        msg["MIME-Version"] = "1.0"
        msg["Content-Type"] = "text/plain; charset=utf-8"
        msg["Content-Transfer-Encoding"] = "quoted-printable"
        msg.set_payload(quopri.encodestring(body.encode("utf-8")).decode("ascii"))
    else:
        msg.set_content(body, subtype="plain", charset="utf-8", cte="8bit")
    return msg


# ---------------------------------------------------------------- file names


def slug(title: str) -> str:
    """A file-name-safe slug: lower-case ASCII words joined by '-', bounded length."""
    text = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    text = text[:MAX_SLUG].rstrip("-")
    return text or "patch"


def draft_filename(index: int, title: str) -> str:
    return f"{index:04d}-re-{slug(title)}.eml"


def mbox_text(items: Sequence[Draft], when: datetime) -> str:
    """All drafts as one mboxrd: a From_ line each, body lines matching ^>*From escaped."""
    stamp = when.astimezone(UTC).strftime("%a %b %d %H:%M:%S %Y")
    chunks = []
    for item in items:
        text = item.as_text()
        head, _, body = text.partition("\n\n")
        body = re.sub(r"(?m)^(>*From )", r">\1", body)
        chunks.append(f"From reviewtool {stamp}\n{head}\n\n{body.rstrip(chr(10))}\n\n")
    return "".join(chunks)
