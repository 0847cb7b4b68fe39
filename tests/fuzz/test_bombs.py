"""Bounded memory: real gzip and base64 bombs, built here, are refused with a one-line
InputError before they reach the parsers whole. Each runs in a child process that reports its
peak memory (ru_maxrss), so the bound is measured, not assumed."""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from reviewtool import ingest
from reviewtool.errors import InputError

CHILD = """
import json, resource, sys
from reviewtool import ingest
from reviewtool.errors import InputError
for name, value in json.loads(sys.argv[2]).items():
    setattr(ingest, name, value)
try:
    ingest.read_messages([sys.argv[1]])
    error = None
except InputError as exc:
    error = str(exc)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
cpu = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"error": error, "peak_mib": peak, "cpu": cpu.ru_utime + cpu.ru_stime}))
"""
PEAK_MIB = 900  # the interpreter and reviewtool's imports take ~60 MiB of this


def read_in_child(path: Path, **caps: int) -> dict:
    """Read `path` in a fresh interpreter (ingest's caps overridden by `caps`)."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), json.dumps(caps)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def gzip_members(block: bytes, copies: int) -> bytes:
    """`copies` concatenated gzip members of `block`: a tiny file, a huge output."""
    member = gzip.compress(block, compresslevel=9)
    return member * copies


def test_gzip_bomb_of_zeros_stops_at_the_byte_cap(tmp_path: Path) -> None:
    bomb = tmp_path / "zeros.mbox.gz"
    bomb.write_bytes(gzip_members(bytes(1 << 20), 1024))  # 1 GiB from ~1 MiB
    assert bomb.stat().st_size < 2 << 20
    # a quarter of the real byte cap keeps the test cheap (the real one: ~280 MiB peak)
    result = read_in_child(bomb, MAX_INPUT_BYTES=64 << 20)
    assert "decompressed input larger than 64 MiB" in result["error"]
    assert result["peak_mib"] < 64 * 2 + 100, result


def test_gzip_bomb_of_short_lines_stops_at_the_line_cap(tmp_path: Path) -> None:
    bomb = tmp_path / "lines.mbox.gz"
    bomb.write_bytes(gzip_members(b"a\n" * (1 << 19), 256))  # 256 MiB of 2-byte lines
    result = read_in_child(bomb)
    assert "longer than" in result["error"] and "lines" in result["error"]
    assert result["peak_mib"] < PEAK_MIB, result


def base64_mail(payload: bytes) -> bytes:
    head = (
        b"From: a <a@example.org>\nSubject: [PATCH] bomb\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
    )
    return head + base64.encodebytes(payload)


def test_base64_bomb_of_short_lines_is_refused(tmp_path: Path) -> None:
    """76 base64 characters a line decode to 28 lines of "a\\n": the raw line cap does not
    see them, the decoded-body cap does. At a tenth of the real line caps to stay cheap (at
    the real ones a 14 MiB base64 mail is refused the same way, peak ~150 MiB)."""
    bomb = tmp_path / "b64.eml"
    bomb.write_bytes(base64_mail(b"a\n" * (1 << 19)))
    caps = {"MAX_BODY_LINES": 400_000, "MAX_INPUT_LINES": 400_000}
    result = read_in_child(bomb, **caps)
    assert bomb.read_bytes().count(b"\n") < caps["MAX_INPUT_LINES"]
    assert "decoded mail bodies longer than 400000 lines" in result["error"]
    assert "decoded mail bodies longer than" in result["error"]
    assert result["peak_mib"] < PEAK_MIB, result


def test_one_huge_mail_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "MAX_MESSAGE_BYTES", 4096)
    big = tmp_path / "big.eml"
    big.write_bytes(base64_mail(b"x" * 8192))
    with pytest.raises(InputError, match="mail 1 larger than"):
        ingest.read_messages([str(big)])


def test_caps_add_up_over_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two inputs under the line cap each, over it together: the budget is per run."""
    monkeypatch.setattr(ingest, "MAX_INPUT_LINES", 300)
    one = tmp_path / "one.eml"
    one.write_bytes(b"Subject: x\n\n" + b"line\n" * 200)
    assert len(ingest.read_messages([str(one)])) == 1
    with pytest.raises(InputError, match="longer than 300 lines"):
        ingest.read_messages([str(one), str(one)])


def test_truncated_gzip_member_is_an_input_error(tmp_path: Path) -> None:
    data = gzip_members(b"From x\n", 3)
    (tmp_path / "cut.mbox.gz").write_bytes(data[:-5])
    with pytest.raises(InputError, match="not a valid gzip"):
        ingest.read_messages([str(tmp_path / "cut.mbox.gz")])
    raw = zlib.compress(b"not gzip framing")
    (tmp_path / "zlib.gz").write_bytes(b"\x1f\x8b" + raw)
    with pytest.raises(InputError, match="not a valid gzip"):
        ingest.read_messages([str(tmp_path / "zlib.gz")])
