"""The text of a mail body: MIME parts walked (bounded), the part with the patch chosen,
attachments and signatures left out, inline PGP armour removed."""

from __future__ import annotations

import re
from email.message import Message as EmailMessage

from reviewtool.mail.headers import decode_bytes
from reviewtool.mail.patch import has_diff

MAX_PARTS = 64  # MIME parts looked at per mail

PATCH_TYPES = ("text/x-patch", "text/x-diff", "text/x-diff-patch", "application/x-patch")
SIGNATURE_TYPES = (
    "application/pgp-signature",
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
)


def _payload_text(part: EmailMessage) -> str:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        payload = part.get_payload()
        if isinstance(payload, list):
            return ""
        data = str(payload).encode("ascii", "surrogateescape")
    if not isinstance(data, bytes):
        data = bytes(data)
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(data, charset)


def _is_attachment(part: EmailMessage) -> bool:
    try:
        disposition = (part.get("Content-Disposition") or "").lower()
    except Exception:
        return False
    return disposition.strip().startswith("attachment")


def _filename(part: EmailMessage) -> str:
    try:
        return (part.get_filename() or "").lower()
    except Exception:
        return ""


def _leaf_parts(msg: EmailMessage) -> list[EmailMessage]:
    """Leaves of the MIME tree in order, without descending into embedded message/rfc822
    (a forwarded mail is not this mail's text) and without signature parts."""
    leaves: list[EmailMessage] = []
    stack: list[EmailMessage] = [msg]
    while stack and len(leaves) < MAX_PARTS:
        part = stack.pop(0)
        try:
            ctype = part.get_content_type()
        except Exception:
            ctype = "text/plain"
        if ctype.startswith("message/"):
            continue
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack = [p for p in payload if isinstance(p, EmailMessage)] + stack
            continue
        if ctype in SIGNATURE_TYPES:
            continue
        leaves.append(part)
    return leaves


def _looks_like_patch_file(name: str) -> bool:
    return name.endswith((".patch", ".diff"))


def body_text(msg: EmailMessage) -> str:
    """The first inline text/plain part, then patch attachments appended (they become the
    diff part of the body). Falls back to de-tagged HTML when that is all there is."""
    texts: list[str] = []
    patches: list[str] = []
    html: list[str] = []
    for part in _leaf_parts(msg):
        try:
            ctype = part.get_content_type()
        except Exception:
            ctype = "text/plain"
        name = _filename(part)
        if ctype in PATCH_TYPES or (
            _looks_like_patch_file(name) and (ctype.startswith("text/") or "octet" in ctype)
        ):
            patches.append(_payload_text(part))
        elif ctype == "text/plain" and not _is_attachment(part):
            texts.append(_payload_text(part))
        elif ctype == "application/octet-stream" and not _is_attachment(part):
            text = _payload_text(part)  # mislabelled inline text: keep it only if it is a patch
            if has_diff(text):
                patches.append(text)
        elif ctype == "text/html" and not _is_attachment(part):
            html.append(_payload_text(part))
    if not texts and html:
        texts.append(re.sub(r"<[^>]{0,2000}>", "", html[0]))
    body = texts[0] if texts else ""
    for patch in patches:
        body = body.rstrip("\n") + ("\n\n" if body.strip() else "") + patch
    return _strip_inline_pgp(body)


def _strip_inline_pgp(body: str) -> str:
    """Remove an inline `-----BEGIN PGP SIGNED MESSAGE-----` envelope and dash-escaping."""
    begin = "-----BEGIN PGP SIGNED MESSAGE-----"
    if begin not in body:
        return body
    lines = body.split("\n")
    try:
        start = next(i for i, line in enumerate(lines) if line.rstrip() == begin)
    except StopIteration:
        return body
    cursor = start + 1
    while cursor < len(lines) and lines[cursor].strip():  # "Hash: SHA256" armor headers
        cursor += 1
    end = len(lines)
    for index in range(cursor, len(lines)):
        if lines[index].rstrip() == "-----BEGIN PGP SIGNATURE-----":
            end = index
            break
    after = len(lines)
    for index in range(end, len(lines)):
        if lines[index].rstrip() == "-----END PGP SIGNATURE-----":
            after = index + 1
            break
    signed = [line[2:] if line.startswith("- ") else line for line in lines[cursor + 1 : end]]
    return "\n".join(lines[:start] + signed + lines[after:])
