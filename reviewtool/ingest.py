"""Input sources → raw mails → `Message`s: mbox flavours, .gz, maildir, directories, single
files, stdin and git revision ranges. The only module of the input side that does I/O."""

from __future__ import annotations

import gzip
import os
import re
import stat
import subprocess
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from reviewtool.errors import InputError
from reviewtool.mail import parse_message
from reviewtool.model import Message

MAX_INPUT_BYTES = 256 * 1024 * 1024  # total over all sources, after decompression
MAX_MESSAGES = 20_000
# Memory grows with lines, not bytes (a line costs ~100 bytes in the mail parser and ~300 in
# a parsed hunk): a few MiB of "a\n" compressed to kilobytes, or a base64 part decoding to
# short lines, must not reach the parsers whole. Raw lines of the input are counted while it is
# read (a gzip bomb stops early); decoded body lines after each mail is parsed.
MAX_INPUT_LINES = 4_000_000
MAX_BODY_LINES = 4_000_000
MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # one mail: bounds what the MIME parser holds at once
GIT_TIMEOUT_SECONDS = 120
DIR_SUFFIXES = (".patch", ".eml", ".mbox", ".diff", ".txt", ".mbox.gz", ".patch.gz", ".eml.gz")

# The mbox "From_" line: `From <sender> <asctime>`; the date part varies a lot between writers.
_FROM_LINE = re.compile(
    rb"^From \S+ +(?:\S+ +)?(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w* +\w{3} +\d{1,2} +"
    rb"\d{1,2}:\d{2}(?::\d{2})?(?: +\S+)? +\d{4}\s*$"
)
_FORMAT_PATCH_LINE = re.compile(rb"^From [0-9a-f]{40} Mon Sep 17 00:00:00 2001\s*$")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")  # an RFC 5322 field name then a colon
_RANGE = re.compile(r"^[^\s-][^\s]*?\.\.\.?[^\s]*$|^\.\.\.?[^\s-][^\s]*$")


class _Budget:
    """Caps shared by every source of one read_messages call."""

    def __init__(self) -> None:
        self.bytes = 0
        self.messages = 0
        self.lines = 0
        self.body_lines = 0

    def spend(self, size: int, what: str) -> None:
        self.bytes += size
        if self.bytes > MAX_INPUT_BYTES:
            raise InputError(f"{what}: input larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB")

    def read_lines(self, count: int, what: str) -> None:
        self.lines += count
        if self.lines > MAX_INPUT_LINES:
            raise InputError(f"{what}: input longer than {MAX_INPUT_LINES} lines")

    def decoded(self, message: Message, what: str) -> None:
        self.body_lines += message.body.count("\n")
        if self.body_lines > MAX_BODY_LINES:
            raise InputError(f"{what}: decoded mail bodies longer than {MAX_BODY_LINES} lines")

    def count(self, what: str) -> None:
        self.messages += 1
        if self.messages > MAX_MESSAGES:
            raise InputError(f"{what}: more than {MAX_MESSAGES} messages")


def _read_capped(stream: BinaryIO, budget: _Budget, what: str) -> bytes:
    limit = MAX_INPUT_BYTES - budget.bytes
    data = stream.read(limit + 1)
    budget.spend(len(data), what)
    return data


def _gunzip(data: bytes, budget: _Budget, what: str) -> bytes:
    """Decompress with a cap on the output: a small bomb must not fill memory."""
    limit = MAX_INPUT_BYTES - budget.bytes
    line_limit = MAX_INPUT_LINES - budget.lines
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    chunks: list[bytes] = []
    size = lines = 0
    try:
        remaining = data
        while remaining:
            chunk = inflater.decompress(remaining, 1 << 20)
            size += len(chunk)
            lines += chunk.count(b"\n")
            if size > limit:
                raise InputError(f"{what}: decompressed input larger than {limit >> 20} MiB")
            if lines > line_limit:
                raise InputError(f"{what}: decompressed input longer than {line_limit} lines")
            chunks.append(chunk)
            remaining = inflater.unconsumed_tail
            if inflater.eof and inflater.unused_data.startswith(b"\x1f\x8b"):
                # concatenated gzip members
                remaining = inflater.unused_data
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    except zlib.error as exc:
        raise InputError(f"{what}: not a valid gzip file ({exc})") from None
    if not inflater.eof:
        raise InputError(f"{what}: not a valid gzip file (truncated)")
    budget.spend(size, what)
    return b"".join(chunks)


def _read_file(path: Path, budget: _Budget) -> bytes:
    what = str(path)
    limit = MAX_INPUT_BYTES - budget.bytes
    try:
        info = path.stat()
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
            raise InputError(f"cannot read {what}: not a regular file")
        if info.st_size > limit:
            raise InputError(f"{what}: input larger than {MAX_INPUT_BYTES >> 20} MiB")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)  # a pipe has no size: the read itself is capped
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}") from None
    if data[:2] == b"\x1f\x8b":
        return _gunzip(data, budget, what)
    budget.spend(len(data), what)
    return data


# ---------------------------------------------------------------- mbox splitting


def _is_separator(lines: list[bytes], index: int, pattern: re.Pattern[bytes]) -> bool:
    """A From_ line counts only when a header line follows it (a body line starting with
    "From " in git format-patch output is never escaped)."""
    if not pattern.match(lines[index].rstrip(b"\r\n")):
        return False
    nxt = lines[index + 1] if index + 1 < len(lines) else b""
    return bool(_HEADER_LINE.match(nxt))


def _flavour(lines: list[bytes]) -> str:
    first = lines[0].rstrip(b"\r\n") if lines else b""
    if _FORMAT_PATCH_LINE.match(first):
        return "format-patch"
    if first.startswith(b"From mboxrd@") or any(line.startswith(b">>From ") for line in lines):
        return "mboxrd"
    return "mboxo"


def _unescape_mboxrd(chunk: list[bytes]) -> list[bytes]:
    return [line[1:] if re.match(rb"^>+From ", line) else line for line in chunk]


def split_mbox(data: bytes) -> list[bytes]:
    """Raw mails in `data`: an mbox (mboxo, mboxrd, git format-patch) or a single mail."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.splitlines(keepends=True)
    skip = 0
    while skip < len(lines) and not lines[skip].strip():
        skip += 1
    lines = lines[skip:]
    if not lines:
        return []
    flavour = _flavour(lines)
    pattern = _FORMAT_PATCH_LINE if flavour == "format-patch" else _FROM_LINE
    if not _is_separator(lines, 0, pattern) and not _is_separator(lines, 0, _FROM_LINE):
        return [b"".join(lines)]  # a single mail without a From_ line
    starts = [i for i in range(len(lines)) if lines[i].startswith(b"From ")]
    starts = [i for i in starts if i == 0 or _is_separator(lines, i, pattern)]
    mails: list[bytes] = []
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else len(lines)
        chunk = lines[start + 1 : end]
        if flavour == "mboxrd":
            chunk = _unescape_mboxrd(chunk)
        if any(line.strip() for line in chunk):
            mails.append(b"".join(chunk))
    return mails


# ---------------------------------------------------------------- sources


def _maildir_files(path: Path) -> list[Path]:
    files: list[Path] = []
    for sub in ("cur", "new"):
        folder = path / sub
        if folder.is_dir():
            files.extend(sorted(p for p in folder.iterdir() if p.is_file()))
    return files


def _dir_files(path: Path) -> list[Path]:
    if (path / "cur").is_dir() or (path / "new").is_dir():
        return _maildir_files(path)
    return sorted(
        p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(DIR_SUFFIXES)
    )


def _git(args: list[str], what: str, limit: int) -> bytes:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat"}
    try:
        with subprocess.Popen(
            ["git", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        ) as proc:
            try:
                out = proc.stdout.read(limit + 1) if proc.stdout else b""
                if len(out) > limit:
                    proc.kill()
                    raise InputError(f"{what}: git output larger than {limit >> 20} MiB")
                _, err = proc.communicate(timeout=GIT_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise InputError(f"{what}: git did not finish in time") from None
    except OSError as exc:
        raise InputError(f"{what}: cannot run git ({exc.strerror or exc})") from None
    if proc.returncode != 0:
        message = err.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"{what}: {message[-1] if message else 'git failed'}")
    return out


def _git_range(source: str, budget: _Budget) -> bytes:
    """`A..B` / `A...B` in the current repository, through `git format-patch --stdout`."""
    if not _RANGE.match(source):
        raise InputError(f"{source}: not a file, directory or revision range")
    ends = [part for part in re.split(r"\.\.\.?", source, maxsplit=1) if part]
    if any(end.startswith("-") for end in ends):
        raise InputError(f"{source}: not a file, directory or revision range")
    for end in ends:
        try:
            _git(["rev-parse", "--verify", "--quiet", f"{end}^{{commit}}"], source, 1 << 16)
        except InputError:
            raise InputError(f"{source}: {end!r} is not a commit in this repository") from None
    limit = MAX_INPUT_BYTES - budget.bytes
    # the user's diff.noprefix / mnemonicPrefix would change the a/ b/ paths we rely on
    args = ["-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false", "format-patch"]
    data = _git([*args, "--stdout", "--no-color", source, "--"], source, limit)
    budget.spend(len(data), source)
    if not data.strip():
        raise InputError(f"{source}: the range holds no commits")
    return data


def _source_blobs(source: str, stdin: BinaryIO | None, budget: _Budget) -> Iterator[bytes]:
    """The raw files (or git output) a source names, in order."""
    if not source.strip():
        raise InputError("an empty name is not an input")
    if source == "-":
        if stdin is None:
            raise InputError("-: no standard input")
        data = _read_capped(stdin, budget, "<stdin>")
        yield _gunzip(data, budget, "<stdin>") if data[:2] == b"\x1f\x8b" else data
        return
    path = Path(source)
    if path.is_dir():
        try:
            files = _dir_files(path)
        except OSError as exc:
            raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
        for file in files:
            yield _read_file(file, budget)
        return
    if path.exists():
        yield _read_file(path, budget)
        return
    if ".." in source:
        yield _git_range(source, budget)
        return
    raise InputError(f"cannot read {source}: no such file or directory")


def read_messages(sources: Sequence[str], stdin: BinaryIO | None = None) -> list[Message]:
    """Every mail of every source, in order."""
    budget = _Budget()
    messages: list[Message] = []
    for source in sources:
        for blob in _source_blobs(source, stdin, budget):
            budget.read_lines(blob.count(b"\n"), source)
            for raw in split_mbox(blob):
                budget.count(source)
                if len(raw) > MAX_MESSAGE_BYTES:
                    cap = MAX_MESSAGE_BYTES >> 20
                    raise InputError(f"{source}: mail {budget.messages} larger than {cap} MiB")
                messages.append(parse_message(raw))
                budget.decoded(messages[-1], source)
    return messages


def gzip_bytes(data: bytes) -> bytes:
    """gzip `data` (tests and tools build .gz inputs with it)."""
    return gzip.compress(data)
