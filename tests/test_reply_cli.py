"""`reviewtool reply`: where drafts are written, never outside -o DIR, never over a file
without --force, atomically; the reviewer's identity and the attribution style."""

from __future__ import annotations

import email
import email.policy
import mailbox
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "reply"
LEAK = FIXTURES / "leak"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Rita Reviewer\n\temail = rita@example.net\n")
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": str(config),
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(tmp_path),
    }


def _reply(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reviewtool", "reply", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_writes_one_draft_per_patch_with_findings(tmp_path, env) -> None:
    out = tmp_path / "out"
    result = _reply(env, tmp_path, str(LEAK), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert [p.name for p in out.iterdir()] == ["0001-re-foo-add-foo-update.eml"]
    msg = email.message_from_bytes(
        (out / "0001-re-foo-add-foo-update.eml").read_bytes(), policy=email.policy.default
    )
    assert msg["From"] == "Rita Reviewer <rita@example.net>"  # from git config
    assert msg["In-Reply-To"] == "<leak1@example.org>"
    assert msg.get_content().startswith("On Tue, Jan 6, 2026 at 7:13 AM Jane Dev")


def test_refuses_to_overwrite_without_force(tmp_path, env) -> None:
    out = tmp_path / "out"
    out.mkdir()
    existing = out / "0001-re-foo-add-foo-update.eml"
    existing.write_text("my edited draft\n")
    refused = _reply(env, tmp_path, str(LEAK), "-o", str(out))
    assert refused.returncode == 2
    assert "--force" in refused.stderr
    assert existing.read_text() == "my edited draft\n"
    assert _files(out) == {existing}
    forced = _reply(env, tmp_path, str(LEAK), "-o", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert existing.read_text().startswith("From: Rita Reviewer")
    assert _files(out) == {existing}  # atomic: no temporary file left behind


def test_hostile_subjects_never_escape_the_output_directory(tmp_path, env) -> None:
    series = tmp_path / "series"
    series.mkdir()
    raw = (LEAK / "0001-foo-add.patch").read_text()
    hostile = [
        "[PATCH 1/2] ../../../../tmp/escape",
        "[PATCH 1/2] /etc/passwd",
        "[PATCH 1/2] ..\\..\\windows",
        "[PATCH 1/2] " + "a/" * 400,
        "[PATCH 1/2] =?utf-8?q?=2E=2E=2F=2E=2E=2Fx?=",
    ]
    for number, subject in enumerate(hostile):
        source = series / f"case{number}"
        source.mkdir()
        (source / "0001.patch").write_text(
            raw.replace("Subject: [PATCH 1/2] foo: add foo_update()", f"Subject: {subject}")
        )
        out = tmp_path / f"out{number}"
        before = _files(tmp_path)
        result = _reply(env, tmp_path, str(source), "-o", str(out))
        assert result.returncode == 0, (subject, result.stderr)
        created = _files(tmp_path) - before
        assert created and all(p.parent == out for p in created), (subject, created)
        (name,) = [p.name for p in created]
        assert re.fullmatch(r"0001-re-[a-z0-9][a-z0-9-]{0,51}\.eml", name), name


def test_mbox_holds_all_drafts(tmp_path, env) -> None:
    box_path = tmp_path / "review.mbox"
    result = _reply(env, tmp_path, str(LEAK), "--mbox", str(box_path))
    assert result.returncode == 0, result.stderr
    messages = list(mailbox.mbox(str(box_path)))
    assert [m["Subject"] for m in messages] == ["Re: [PATCH 1/2] foo: add foo_update()"]
    again = _reply(env, tmp_path, str(LEAK), "--mbox", str(box_path))
    assert again.returncode == 2  # no overwrite without --force either


def test_reviewer_identity_is_required(tmp_path, env) -> None:
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    anonymous = {**env, "GIT_CONFIG_GLOBAL": str(empty)}
    result = _reply(anonymous, tmp_path, str(LEAK), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "--from" in result.stderr
    assert not (tmp_path / "out").exists()
    given = _reply(
        anonymous, tmp_path, str(LEAK), "-o", str(tmp_path / "out"), "--from", "X <x@example.com>"
    )
    assert given.returncode == 0, given.stderr


def test_attribution_style_from_git_config_and_flag(tmp_path, env) -> None:
    config = Path(env["GIT_CONFIG_GLOBAL"])
    config.write_text(config.read_text() + "[reviewtool]\n\tattribution = mutt\n")
    out = tmp_path / "out"
    assert _reply(env, tmp_path, str(LEAK), "-o", str(out)).returncode == 0
    body = next(out.iterdir()).read_text().split("\n\n", 1)[1]
    assert body.startswith("On Tue, 6 Jan 2026 07:13:00 -0800, Jane Dev <jane@example.org> wrote:")
    flagged = _reply(
        env, tmp_path, str(LEAK), "-o", str(out), "--force", "--attribution", "default"
    )
    assert flagged.returncode == 0
    body = next(out.iterdir()).read_text().split("\n\n", 1)[1]
    assert body.startswith("On Tue, Jan 6, 2026 at 7:13 AM")


def test_a_clean_series_needs_no_reply(tmp_path, env) -> None:
    out = tmp_path / "out"
    result = _reply(env, tmp_path, str(FIXTURES / "clean"), "-o", str(out))
    assert result.returncode == 0
    assert "no findings" in result.stderr
    assert not out.exists() or not any(out.iterdir())
