"""`git patch-id --stable`, computed in Python from a patch's diff text (no subprocess).

The same change posted twice (a rebase that only moved line numbers, a resend, a patch a
partial reroll did not touch) has the same patch id: whitespace and hunk line numbers do
not count, and with `--stable` the files' order does not either. This replays git's
builtin/patch-id.c line for line, so an id here is the id b4 and lore's `patchid:` search use.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

_WHITESPACE = re.compile(rb"[ \t\n\v\f\r]+")  # C isspace() in the C locale
_HEX40 = re.compile(rb"^[0-9a-fA-F]{40}")
_DIGITS = re.compile(rb"\d*")


def _hunk_counts(line: bytes, before: int, after: int) -> tuple[int, int]:
    """Old and new line counts of `@@ -a[,b] +c[,d] @@`. Like git's scan_hunk_header, a
    malformed header still sets what was read before the fault."""
    rest = line[4:]
    digits = _DIGITS.match(rest).group(0)  # type: ignore[union-attr]
    if rest[len(digits) : len(digits) + 1] == b",":
        rest = rest[len(digits) + 1 :]
        digits = _DIGITS.match(rest).group(0)  # type: ignore[union-attr]
        before = int(digits or b"0")
    else:
        before = 1
    if not digits or rest[len(digits) : len(digits) + 2] != b" +":
        return before, after
    rest = rest[len(digits) + 2 :]
    digits = _DIGITS.match(rest).group(0)  # type: ignore[union-attr]
    if rest[len(digits) : len(digits) + 1] == b",":
        rest = rest[len(digits) + 1 :]
        after = int(_DIGITS.match(rest).group(0) or b"0")  # type: ignore[union-attr]
    else:
        after = 1
    return before, after


class _Sum:
    """The stable id: each file's SHA-1 added into a 20-byte sum, byte 0 lowest."""

    def __init__(self) -> None:
        self.total = bytearray(20)
        self.ctx = hashlib.sha1()

    def flush(self) -> None:
        digest = self.ctx.digest()
        self.ctx = hashlib.sha1()
        carry = 0
        for index in range(20):
            carry += self.total[index] + digest[index]
            self.total[index] = carry & 0xFF
            carry >>= 8


def _index_oids(line: bytes) -> tuple[bytes, bytes] | None:
    """The pre- and post-image blob ids of an `index a..b [mode]` line."""
    start = line.find(b"..")
    if start < 0:
        return None
    end = line.find(b" ", start)
    if end < 0:
        end = len(line) - 1
    return line[6:start], line[start + 2 : end]


@lru_cache(maxsize=1024)
def patch_id(diff: str) -> str | None:
    """The `git patch-id --stable` of one patch's text (mail or diff); None when git would
    print nothing (no `diff ` line, nothing hashed)."""
    total = _Sum()
    patchlen = 0
    before = after = -1
    binary = False
    pre_oid = post_oid = b""
    for line in diff.encode("utf-8", "surrogateescape").splitlines(keepends=True):
        rest = line
        for prefix in (b"commit ", b"From "):
            if line.startswith(prefix):
                rest = line[len(prefix) :]
                break
        else:
            if line.startswith(b"\\ ") and len(line) > 12:
                continue  # "\ No newline at end of file"
        if _HEX40.match(rest):
            break  # the next commit of `git log -p` output
        if not patchlen and not line.startswith(b"diff "):
            continue  # the commit message
        if before == -1:
            if line.startswith((b"GIT binary patch", b"Binary files")):
                binary, before = True, 0
                total.ctx.update(pre_oid + post_oid)
                total.flush()
                continue
            if line.startswith(b"index "):
                oids = _index_oids(line)
                if oids is not None:
                    pre_oid, post_oid = oids
                continue
            if line.startswith(b"--- "):
                before = after = 1
            elif not line[:1].isalpha():
                break
        if binary:
            if line.startswith(b"diff "):
                binary, before = False, -1
            continue
        if before == 0 and after == 0:
            if line.startswith(b"@@ -"):
                before, after = _hunk_counts(line, before, after)
                continue
            if not line.startswith(b"diff "):
                break  # the end of the patch
            total.flush()  # the next file: --stable hashes each file on its own
            before = after = -1
        if line[:1] in (b"-", b" "):
            before -= 1
        if line[:1] in (b"+", b" "):
            after -= 1
        squeezed = _WHITESPACE.sub(b"", line.split(b"\0", 1)[0])  # git hashes a C string
        patchlen += len(squeezed)
        total.ctx.update(squeezed)
    if not patchlen:
        return None
    total.flush()
    return total.total.hex()
