"""Header decoding: charsets (declared, else utf-8, windows-1252, latin-1), RFC 2047 encoded
words, addresses and Message-IDs, each value bounded."""

from __future__ import annotations

import base64
import binascii
import email
import email.utils
import quopri
import re
from email.message import Message as EmailMessage

from reviewtool.model import Address

FALLBACK_CHARSETS = ("utf-8", "windows-1252", "latin-1")
MAX_HEADER_CHARS = 16384  # a header value longer than this is cut


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Declared charset first (when Python knows it), then utf-8, windows-1252, latin-1."""
    tried: list[str] = []
    for charset in ((declared,) if declared else ()) + FALLBACK_CHARSETS:
        name = charset.strip().strip('"').lower()
        if not name or name in tried:
            continue
        tried.append(name)
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    return data.decode("latin-1")


def _unsurrogate(text: str) -> str:
    """compat32 keeps raw 8-bit header bytes as surrogates: decode them properly."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return decode_bytes(text.encode("ascii", "surrogateescape"), None)


_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,40})\?([bBqQ])\?([^?\s]*)\?=")


def _decode_word(match: re.Match[str]) -> str:
    charset, encoding, text = match.group(1).split("*")[0], match.group(2).upper(), match.group(3)
    try:
        if encoding == "B":
            data = base64.b64decode(text + "=" * (-len(text) % 4), validate=False)
        else:
            data = quopri.decodestring(
                text.replace("_", " ").encode("ascii", "replace"), header=True
            )
    except (ValueError, binascii.Error):
        return match.group(0)
    return decode_bytes(data, charset)


def decode_header(value: object) -> str:
    """An RFC 2047 / raw 8-bit header value as text, unfolded. Never raises."""
    if value is None:
        return ""
    text = _unsurrogate(str(value)[:MAX_HEADER_CHARS])
    text = re.sub(r"\r?\n[ \t]*", " ", text)
    # whitespace between two adjacent encoded words is not part of the text (RFC 2047 6.2)
    text = re.sub(r"(\?=)\s+(?==\?[^?\s]{1,40}\?[bBqQ]\?)", r"\1", text)
    return _ENCODED_WORD.sub(_decode_word, text).strip()


def header_value(msg: EmailMessage, name: str) -> str:
    """The first header `name`, from the raw value (compat32 would mangle 8-bit bytes)."""
    try:
        for key, value in msg.raw_items():
            if key.lower() == name.lower():
                return decode_header(value)
    except Exception:
        return ""
    return ""


def _header_all(msg: EmailMessage, name: str) -> list[str]:
    try:
        return [decode_header(v) for k, v in msg.raw_items() if k.lower() == name.lower()]
    except Exception:
        return []


def addresses(msg: EmailMessage, name: str) -> tuple[Address, ...]:
    try:
        values = _header_all(msg, name)
        pairs = email.utils.getaddresses(values)
    except Exception:
        return ()
    return tuple(Address(n.strip(), e.strip()) for n, e in pairs if e and "@" in e)[:256]


def message_ids(value: str) -> list[str]:
    found = re.findall(r"<([^<>\s]+)>", value)
    if not found and value.strip():
        found = [t.strip("<>") for t in value.split() if "@" in t]
    return [m for m in found if m][:512]
