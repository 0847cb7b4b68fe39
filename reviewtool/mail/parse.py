"""One mail → `Message`: headers decoded, body extracted, the kind (patch, cover, reply,
pull, bot, other) decided. Never raises on malformed mail: it degrades."""

from __future__ import annotations

import email
import email.utils
import hashlib
import re
from email.message import Message as EmailMessage

from reviewtool.mail.body import body_text
from reviewtool.mail.headers import addresses, decode_header, header_value, message_ids
from reviewtool.mail.patch import has_diff
from reviewtool.model import Address, Message
from reviewtool.subject import parse_subject

_BOT_NAME = re.compile(r"(?:^|[^a-z])(?:ro)?bot(?:[^a-z]|$)|syzbot|no-?reply|mailer-daemon", re.I)
_PULL_MARKER = re.compile(r"^The following changes since commit [0-9a-f]{7,}", re.M)


# ---------------------------------------------------------------- classification


def _is_bot(sender: Address | None, msg: EmailMessage) -> bool:
    if sender is not None:
        local = sender.email.split("@", 1)[0]
        if _BOT_NAME.search(sender.name) or _BOT_NAME.search(local):
            return True
        if sender.email.lower().startswith("lkp@"):
            return True
    auto = header_value(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return True
    return any(header_value(msg, h) for h in ("X-Patchwork-Bot", "X-Bot", "X-Robot"))


def _classify(msg: EmailMessage, subject, sender, body: str, in_reply_to, references) -> str:
    if header_value(msg, "X-Patchwork-Hint").lower() == "ignore":
        return "other"
    if _is_bot(sender, msg):
        return "bot"
    diff = has_diff(body)
    pull_tag = any(p.upper() == "PULL" for p in subject.prefixes)
    if not subject.reply and (
        _PULL_MARKER.search(body) or (pull_tag and not (diff and subject.index))
    ):
        return "pull"  # git request-pull; "[PULL 03/15]" with a diff is a patch of a pull
    if subject.index == 0 and not subject.reply:
        return "cover"
    if not subject.reply and diff:
        return "patch"
    if subject.reply or in_reply_to or references:
        return "reply"
    return "other"


# ---------------------------------------------------------------- parse_message


def synthetic_message_id(raw: bytes) -> str:
    return f"{hashlib.sha256(raw).hexdigest()[:32]}@reviewtool.invalid"


def _strip_from_line(raw: bytes) -> bytes:
    if raw.startswith(b"From ") or raw.startswith(b"\nFrom "):
        newline = raw.find(b"\n", 1)
        return raw[newline + 1 :] if newline >= 0 else b""
    return raw


def _strip_transport_cr(raw: bytes) -> bytes:
    """CRLF line ends of the mail as stored are transport, as git mailsplit treats them
    (without --keep-cr); CRs that base64 or quoted-printable decoding yields are content,
    kept the way git am keeps them (mailinfo's default --quoted-cr=warn)."""
    return raw.replace(b"\r\n", b"\n")


def parse_message(raw: bytes) -> Message:
    """Decode one mail. Any malformed header, charset or MIME structure degrades."""
    data = _strip_transport_cr(_strip_from_line(raw))
    try:
        msg = email.message_from_bytes(data)
    except Exception:
        msg = email.message_from_bytes(b"\n\n" + data)
    ids = message_ids(header_value(msg, "Message-ID"))
    message_id = ids[0] if ids else synthetic_message_id(raw)
    subject = parse_subject(header_value(msg, "Subject"))
    senders = addresses(msg, "From")
    sender = senders[0] if senders else None
    reply_ids = message_ids(header_value(msg, "In-Reply-To"))
    references = tuple(r for r in message_ids(header_value(msg, "References")) if r != message_id)
    in_reply_to = next((r for r in reply_ids if r != message_id), None)
    try:
        body = body_text(msg)
    except Exception:  # a MIME tree the email package cannot walk: keep what we can
        body = ""
    headers: list[tuple[str, str]] = []
    try:
        for name, value in msg.raw_items():
            if len(headers) >= 512:
                break
            headers.append((str(name), decode_header(value)))
    except Exception:
        pass
    date = header_value(msg, "Date") or None
    kind = _classify(msg, subject, sender, body, in_reply_to, references)
    return Message(
        message_id=message_id,
        subject=subject,
        sender=sender,
        to=addresses(msg, "To"),
        cc=addresses(msg, "Cc"),
        date=date,
        in_reply_to=in_reply_to,
        references=references,
        body=body,
        headers=tuple(headers),
        kind=kind,
    )
