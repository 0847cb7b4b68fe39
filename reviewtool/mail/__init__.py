"""One mail → `Message` (charsets, MIME, signatures, kind) and `Message` → `Patch` (commit
message / notes / diff split, trailers). Never raises on malformed mail: it degrades.
`parse` reads a mail with `headers` and `body`; `patch` finds the diff; `trailers` reads
trailers."""

from reviewtool.mail.headers import decode_header
from reviewtool.mail.parse import parse_message, synthetic_message_id
from reviewtool.mail.patch import base_commit_of, find_diff, has_diff, parse_diff, to_patch
from reviewtool.mail.trailers import (
    KNOWN_TRAILERS,
    canonical_trailer_name,
    parse_trailers,
    trailer_email,
)

__all__ = [
    "KNOWN_TRAILERS",
    "base_commit_of",
    "canonical_trailer_name",
    "decode_header",
    "find_diff",
    "has_diff",
    "parse_diff",
    "parse_message",
    "parse_trailers",
    "synthetic_message_id",
    "to_patch",
    "trailer_email",
]
