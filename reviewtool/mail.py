"""One mail → `Message` (charsets, MIME, signatures, kind) and `Message` → `Patch` (commit
message / notes / diff split, trailers). Never raises on malformed mail: it degrades."""

from __future__ import annotations

import base64
import binascii
import email
import email.utils
import hashlib
import quopri
import re
from email.message import Message as EmailMessage
from functools import lru_cache

import unidiff

from reviewtool.model import Address, Message, Patch, Trailer
from reviewtool.subject import parse_subject

FALLBACK_CHARSETS = ("utf-8", "windows-1252", "latin-1")
MAX_PARTS = 64  # MIME parts looked at per mail
MAX_HEADER_CHARS = 16384  # a header value longer than this is cut
MAX_TRAILER_JOIN = 3  # continuation lines joined into one wrapped trailer

PATCH_TYPES = ("text/x-patch", "text/x-diff", "text/x-diff-patch", "application/x-patch")
SIGNATURE_TYPES = (
    "application/pgp-signature",
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
)

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
_BASE_COMMIT = re.compile(r"^base-commit:\s*([0-9a-f]{7,64})\s*$", re.M)
_FILE_HEADER = re.compile(r"^(?:--- |\+\+\+ )(?:a/|b/|/dev/null)")
_HUNK = re.compile(r"^@@+ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@+")
_IN_BODY_HEADER = re.compile(r"^(?:From|Subject|Date):\s")
_SCISSORS = re.compile(r"^[-\s]*(?:>8|8<)[-\s]*$")
_BOT_NAME = re.compile(r"(?:^|[^a-z])(?:ro)?bot(?:[^a-z]|$)|syzbot|no-?reply|mailer-daemon", re.I)
_PULL_MARKER = re.compile(r"^The following changes since commit [0-9a-f]{7,}", re.M)


# ---------------------------------------------------------------- header decoding


def _decode_bytes(data: bytes, declared: str | None) -> str:
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
    return _decode_bytes(text.encode("ascii", "surrogateescape"), None)


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
    return _decode_bytes(data, charset)


def decode_header(value: object) -> str:
    """An RFC 2047 / raw 8-bit header value as text, unfolded. Never raises."""
    if value is None:
        return ""
    text = _unsurrogate(str(value)[:MAX_HEADER_CHARS])
    text = re.sub(r"\r?\n[ \t]*", " ", text)
    # whitespace between two adjacent encoded words is not part of the text (RFC 2047 6.2)
    text = re.sub(r"(\?=)\s+(?==\?[^?\s]{1,40}\?[bBqQ]\?)", r"\1", text)
    return _ENCODED_WORD.sub(_decode_word, text).strip()


def _header(msg: EmailMessage, name: str) -> str:
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


def _addresses(msg: EmailMessage, name: str) -> tuple[Address, ...]:
    try:
        values = _header_all(msg, name)
        pairs = email.utils.getaddresses(values)
    except Exception:
        return ()
    return tuple(Address(n.strip(), e.strip()) for n, e in pairs if e and "@" in e)[:256]


def _msgids(value: str) -> list[str]:
    found = re.findall(r"<([^<>\s]+)>", value)
    if not found and value.strip():
        found = [t.strip("<>") for t in value.split() if "@" in t]
    return [m for m in found if m][:512]


# ---------------------------------------------------------------- body extraction


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
    return _decode_bytes(data, charset)


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


def _body_text(msg: EmailMessage) -> str:
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


# ---------------------------------------------------------------- classification


def _is_bot(sender: Address | None, msg: EmailMessage) -> bool:
    if sender is not None:
        local = sender.email.split("@", 1)[0]
        if _BOT_NAME.search(sender.name) or _BOT_NAME.search(local):
            return True
        if sender.email.lower().startswith("lkp@"):
            return True
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return True
    return any(_header(msg, h) for h in ("X-Patchwork-Bot", "X-Bot", "X-Robot"))


def has_diff(body: str) -> bool:
    return find_diff(body.split("\n"))[0] is not None


def _classify(msg: EmailMessage, subject, sender, body: str, in_reply_to, references) -> str:
    if _header(msg, "X-Patchwork-Hint").lower() == "ignore":
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
    ids = _msgids(_header(msg, "Message-ID"))
    message_id = ids[0] if ids else synthetic_message_id(raw)
    subject = parse_subject(_header(msg, "Subject"))
    senders = _addresses(msg, "From")
    sender = senders[0] if senders else None
    reply_ids = _msgids(_header(msg, "In-Reply-To"))
    references = tuple(r for r in _msgids(_header(msg, "References")) if r != message_id)
    in_reply_to = next((r for r in reply_ids if r != message_id), None)
    try:
        body = _body_text(msg)
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
    date = _header(msg, "Date") or None
    kind = _classify(msg, subject, sender, body, in_reply_to, references)
    return Message(
        message_id=message_id,
        subject=subject,
        sender=sender,
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        date=date,
        in_reply_to=in_reply_to,
        references=references,
        body=body,
        headers=tuple(headers),
        kind=kind,
    )


# ---------------------------------------------------------------- diff location


def _diff_header_at(lines: list[str], index: int) -> bool:
    line = lines[index]
    if line.startswith("diff --git ") or line.startswith("diff -"):
        return True
    if line.startswith("Index: ") and index + 2 < len(lines):
        return lines[index + 1].startswith("====") and lines[index + 2].startswith("--- ")
    return (
        line.startswith("--- ")
        and index + 1 < len(lines)
        and lines[index + 1].startswith("+++ ")
        and (index + 2 >= len(lines) or lines[index + 2].startswith("@@"))
    )


def _diff_end(lines: list[str], start: int) -> int:
    """Walk hunks by their counts so a removed line "-- " is not taken for the signature;
    returns the end (exclusive) after the last line that belongs to the diff."""
    old = new = 0
    index = start
    end = start
    while index < len(lines):
        line = lines[index]
        if old > 0 or new > 0:
            if line.startswith("-"):
                old -= 1
            elif line.startswith("+"):
                new -= 1
            elif line.startswith(" ") or line == "":
                old -= 1
                new -= 1
            elif not line.startswith("\\"):
                old = new = 0  # mangled hunk: resume header scanning on this line
                continue
            index += 1
            end = index
            continue
        if line.rstrip("\r") == "-- " or line.startswith("base-commit: "):
            break
        match = _HUNK.match(line)
        if match:
            old = int(match.group(2)) if match.group(2) is not None else 1
            new = int(match.group(4)) if match.group(4) is not None else 1
        index += 1
        if line.strip():
            end = index
    return end


def find_diff(lines: list[str]) -> tuple[int | None, int]:
    """(first line, end line exclusive) of the diff in body lines; (None, 0) without one."""
    for index, line in enumerate(lines):
        if line[:1] in ("d", "-", "I") and _diff_header_at(lines, index):
            return index, _diff_end(lines, index)
    return None, 0


# ---------------------------------------------------------------- trailers


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


# ---------------------------------------------------------------- to_patch


def _split_commit_and_notes(lines: list[str]) -> tuple[list[str], list[str]]:
    """Above the diff: commit message, then notes after the first `---` line."""
    separator = next((i for i, line in enumerate(lines) if line.rstrip() == "---"), None)
    commit = lines if separator is None else lines[:separator]
    notes = [] if separator is None else lines[separator + 1 :]
    scissors = next((i for i, line in enumerate(commit) if _SCISSORS.match(line)), None)
    if scissors is not None:
        commit = commit[scissors + 1 :]
    return _drop_in_body_headers(commit), notes


def _drop_in_body_headers(commit: list[str]) -> list[str]:
    """`From:`/`Subject:`/`Date:` lines opening the body (git format-patch for another
    author, git am's in-body headers) are mail metadata, not commit message."""
    index = 0
    while index < len(commit) and index < 8 and _IN_BODY_HEADER.match(commit[index]):
        index += 1
    if index and (index == len(commit) or not commit[index].strip()):
        return commit[index + 1 :]
    return commit


def base_commit_of(body: str) -> str | None:
    found = _BASE_COMMIT.findall(body)
    return found[-1] if found else None


def to_patch(message: Message, index: int, total: int) -> Patch | None:
    """The Patch a mail carries, or None when it carries no diff."""
    lines = message.body.split("\n")
    start, end = find_diff(lines)
    if start is None:
        return None
    prose = [line.rstrip("\r") for line in lines[:start]]
    commit_lines, note_lines = _split_commit_and_notes(prose)
    commit_message = "\n".join(commit_lines).strip("\n")
    diff = "\n".join(_diff_lines_for_apply(lines[start:end])) + "\n"
    return Patch(
        message=message,
        index=index,
        total=total,
        commit_message=commit_message,
        notes="\n".join(note_lines).strip("\n"),
        diff=diff,
        diff_start=start,
        trailers=parse_trailers(commit_message, source="commit", message_id=message.message_id),
        base_commit=base_commit_of(message.body),
    )


def _diff_lines_for_apply(lines: list[str]) -> list[str]:
    """A decoded CR ends a header or hunk line as whitespace (git apply reads them so), but
    stays on content lines: there it is part of the text the hunk must match."""
    return [
        line if line[:1] in (" ", "+", "-") and not _FILE_HEADER.match(line) else line.rstrip("\r")
        for line in lines
    ]


@lru_cache(maxsize=256)
def parse_diff(diff: str) -> unidiff.PatchSet | None:
    """The unidiff parse of a Patch.diff, shared by every stage that reads hunks (parsed once).

    The text goes to unidiff whole: only `\\n` ends a line in a mail body, while
    str.splitlines() would also split on form feeds, common in kernel sources. Callers must
    not mutate the result. None when the diff does not parse."""
    try:
        return unidiff.PatchSet(diff)
    except (unidiff.UnidiffParseError, ValueError):
        return None
