"""Carriage returns in mail bodies: reviewtool applies a patch exactly when `git am` does.

git mailsplit drops the CR of CRLF line ends as stored (transport), while CRs that base64 or
quoted-printable decoding yields are content (mailinfo's default --quoted-cr=warn keeps them).
Each case here runs the real `git am` next to reviewtool on the same mail."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest

from reviewtool import pipeline
from reviewtool.mail import parse_message, to_patch

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

HEADERS = (
    "From: Ada Lovelace <ada@example.org>\n"
    "To: list@example.org\n"
    "Subject: [PATCH] dos: rename b\n"
    "Date: Mon, 3 Aug 2020 22:40:55 +0700\n"
    "Message-ID: <{mid}@example.org>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\n"
)

BODY = (
    "Rename b to b2 in a file with DOS line ends.\r\n"
    "\r\n"
    "Signed-off-by: Ada Lovelace <ada@example.org>\r\n"
    "---\r\n"
    " dos.c | 2 +-\r\n"
    "\r\n"
    "diff --git a/dos.c b/dos.c\r\n"
    "--- a/dos.c\r\n"
    "+++ b/dos.c\r\n"
    "@@ -1,3 +1,3 @@\r\n"
    " int a;\r\n"
    "-int b;\r\n"
    "+int b2;\r\n"
    " int c;\r\n"
    "-- \r\n"
    "2.39.5\r\n"
)
DOS_FILE = "int a;\r\nint b;\r\nint c;\r\n"


def _mail(encoding: str) -> bytes:
    head = HEADERS.format(mid=encoding)
    if encoding == "base64":
        payload = base64.encodebytes(BODY.encode()).decode()
    elif encoding == "quoted-printable":
        payload = BODY.replace("=", "=3D").replace("\r\n", "=0D\n")
    else:  # 8bit, CRLF as stored in the mailbox: transport line ends
        payload = BODY
    return f"{head}Content-Transfer-Encoding: {encoding}\n\n{payload}".encode()


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=60
    )


def _git_am_applies(tmp_path: Path, mail: Path) -> bool:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "qa@example.org")
    _git(repo, "config", "user.name", "QA")
    _git(repo, "config", "core.autocrlf", "false")
    (repo / "dos.c").write_bytes(DOS_FILE.encode())
    _git(repo, "add", "dos.c")
    _git(repo, "commit", "-q", "-m", "base")
    applied = _git(repo, "am", "-q", str(mail)).returncode == 0
    if applied:
        assert (repo / "dos.c").read_bytes() == b"int a;\r\nint b2;\r\nint c;\r\n"
    return applied


def _reviewtool_applies(tmp_path: Path, mail: Path) -> bool:
    base = tmp_path / "base"
    base.mkdir()
    (base / "dos.c").write_bytes(DOS_FILE.encode())
    report = pipeline.check([str(mail)], tree=base)
    return not any(f.code == "BS001" for f in report.findings)


@pytest.mark.parametrize(
    ("encoding", "applies"), [("base64", True), ("quoted-printable", True), ("8bit", False)]
)
def test_patch_applies_exactly_when_git_am_applies_it(tmp_path, encoding, applies):
    mail = tmp_path / "0001.patch"
    mail.write_bytes(_mail(encoding))
    assert _git_am_applies(tmp_path, mail) is applies
    assert _reviewtool_applies(tmp_path, mail) is applies


def test_decoded_cr_stays_in_content_lines_only():
    patch = to_patch(parse_message(_mail("base64")), 1, 1)
    assert patch is not None
    assert "+int b2;\r\n" in patch.diff
    assert "diff --git a/dos.c b/dos.c\n" in patch.diff
    assert "@@ -1,3 +1,3 @@\n" in patch.diff
    assert "\r" not in patch.commit_message
    assert patch.trailers[0].value == "Ada Lovelace <ada@example.org>"


def test_transport_crlf_leaves_no_cr_anywhere():
    message = parse_message(_mail("8bit"))
    assert "\r" not in message.body
    assert message.subject.title == "dos: rename b"
