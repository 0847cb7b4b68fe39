"""Input flavours: mbox kinds, gz, maildir, directories, stdin, git ranges, and the caps."""

from __future__ import annotations

import gzip
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from reviewtool import ingest
from reviewtool.errors import InputError
from reviewtool.ingest import read_messages, split_mbox

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def subjects(messages):
    return [m.subject.raw for m in messages]


def test_single_mail_file():
    messages = read_messages([str(FIXTURES / "patch-1.eml")])
    assert subjects(messages) == ["[PATCH v2 1/2] mm: count foo users"]


def test_mboxrd_thread_splits_and_unescapes():
    messages = read_messages([str(FIXTURES / "thread.mbox")])
    assert [m.message_id for m in messages] == [
        "p1.v1@example.org",
        "cover.v2@example.org",
        "p1.v2@example.org",
        "p2.v2@example.org",
        "review1@example.org",
        "review2@example.org",
        "ack@example.org",
    ]
    body = read_messages([str(FIXTURES / "mboxrd.mbox")])[0].body
    assert body.startswith("From here on: one.\n>From the quote: two.\n")


def test_mboxo_keeps_escaped_from():
    messages = read_messages([str(FIXTURES / "mboxo.mbox")])
    assert len(messages) == 1
    assert messages[0].body.startswith(">From the list in foo.rst")


def test_format_patch_output_is_detected():
    data = (FIXTURES / "format-patch.mbox").read_bytes()
    mails = split_mbox(data)
    assert len(mails) == 2  # the body line "From the report: it races." does not split
    messages = read_messages([str(FIXTURES / "format-patch.mbox")])
    assert "From the report: it races.\n>From the archive: quoted" in messages[0].body
    assert [m.subject.index for m in messages] == [1, 2]


def test_gzip_input(tmp_path):
    target = tmp_path / "thread.mbox.gz"
    target.write_bytes(gzip.compress((FIXTURES / "thread.mbox").read_bytes()))
    assert len(read_messages([str(target)])) == 7


def test_gzip_bomb_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_INPUT_BYTES", 64 * 1024)
    target = tmp_path / "bomb.mbox.gz"
    target.write_bytes(gzip.compress(b"A" * (1024 * 1024)))
    with pytest.raises(InputError, match="decompressed input larger"):
        read_messages([str(target)])


def test_broken_gzip_is_an_input_error(tmp_path):
    target = tmp_path / "broken.mbox.gz"
    target.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(InputError, match="not a valid gzip"):
        read_messages([str(target)])


def test_maildir(tmp_path):
    for sub in ("cur", "new", "tmp"):
        (tmp_path / sub).mkdir()
    shutil.copy(FIXTURES / "patch-2.eml", tmp_path / "new" / "2:2,")
    shutil.copy(FIXTURES / "cover.eml", tmp_path / "cur" / "0:2,S")
    shutil.copy(FIXTURES / "patch-1.eml", tmp_path / "cur" / "1:2,S")
    messages = read_messages([str(tmp_path)])
    assert [m.subject.index for m in messages] == [0, 1, 2]


def test_directory_of_patch_files_sorted_by_name(tmp_path):
    shutil.copy(FIXTURES / "patch-2.eml", tmp_path / "v2-0002-docs.patch")
    shutil.copy(FIXTURES / "patch-1.eml", tmp_path / "v2-0001-mm.patch")
    shutil.copy(FIXTURES / "cover.eml", tmp_path / "v2-0000-cover-letter.patch")
    (tmp_path / "notes.rst").write_text("not a mail")
    messages = read_messages([str(tmp_path)])
    assert [m.subject.index for m in messages] == [0, 1, 2]


def test_stdin():
    data = (FIXTURES / "thread.mbox").read_bytes()
    assert len(read_messages(["-"], stdin=io.BytesIO(data))) == 7
    with pytest.raises(InputError):
        read_messages(["-"], stdin=None)


def test_missing_source_is_one_line_input_error(tmp_path):
    with pytest.raises(InputError) as info:
        read_messages([str(tmp_path / "nope.mbox")])
    assert "\n" not in str(info.value)
    assert "no such file" in str(info.value)


def test_message_and_size_caps(monkeypatch):
    monkeypatch.setattr(ingest, "MAX_MESSAGES", 3)
    with pytest.raises(InputError, match="more than 3 messages"):
        read_messages([str(FIXTURES / "thread.mbox")])
    monkeypatch.setattr(ingest, "MAX_MESSAGES", 100)
    monkeypatch.setattr(ingest, "MAX_INPUT_BYTES", 1000)
    with pytest.raises(InputError, match="larger than"):
        read_messages([str(FIXTURES / "thread.mbox")])


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "config", "user.name", "Ada Author")
    _git(tmp_path, "config", "user.email", "ada@example.org")
    for step in range(3):
        (tmp_path / "foo.c").write_text("".join(f"int x{i};\n" for i in range(step + 1)))
        _git(tmp_path, "add", "foo.c")
        _git(tmp_path, "commit", "-q", "-m", f"foo: step {step}\n\nSigned-off-by: Ada <a@x.org>")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_git_range(repo):
    _git(repo, "config", "diff.noprefix", "true")  # a user setting must not change paths
    messages = read_messages(["HEAD~2..HEAD"])
    assert "diff --git a/foo.c b/foo.c" in messages[0].body
    assert [(m.subject.index, m.subject.total) for m in messages] == [(1, 2), (2, 2)]
    assert [m.kind for m in messages] == ["patch", "patch"]
    assert len(read_messages(["HEAD~2...HEAD"])) == 2


def test_git_range_errors(repo):
    with pytest.raises(InputError, match="not a commit"):
        read_messages(["nosuch..HEAD"])
    with pytest.raises(InputError, match="no commits"):
        read_messages(["HEAD..HEAD"])
    with pytest.raises(InputError):
        read_messages(["--output=/tmp/x..HEAD"])
    with pytest.raises(InputError):
        read_messages(["HEAD..-x"])


def test_range_outside_a_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    with pytest.raises(InputError):
        read_messages(["main..HEAD"])


def test_odd_sources_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="empty name"):
        read_messages([""])
    with pytest.raises(InputError, match="not a regular file"):
        read_messages(["/dev/null"])
    empty = tmp_path / "empty"
    empty.mkdir()
    assert read_messages([str(empty)]) == []
