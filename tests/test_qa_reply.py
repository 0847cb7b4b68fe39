"""Reply drafts with the long Cc lists kernel series carry stay valid mail (RFC 5322 caps a
line at 998 octets) and git send-email still reaches every recipient."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewtool.cli import main
from tests.needs import require_send_email

PEOPLE = [f'"Dev{n:02d}, Kernel" <dev{n:02d}@subsystem{n:02d}.example.org>' for n in range(40)]

PATCH = """\
From: Jane Dev <jane@example.org>
To: maint@example.org
Cc: {cc}
Subject: [PATCH] foo: add foo_update()
Date: Tue, 6 Jan 2026 15:04:01 +0000
Message-ID: <wide1@example.org>

Add foo_update().

Signed-off-by: Jane Dev <jane@example.org>
---
 drivers/foo/foo.c | 9 +++++++++
 1 file changed, 9 insertions(+)

diff --git a/drivers/foo/foo.c b/drivers/foo/foo.c
--- a/drivers/foo/foo.c
+++ b/drivers/foo/foo.c
@@ -1,0 +2,9 @@
+int foo_update(struct foo *f)
+{
+\tspin_lock(&f->lock);
+\tif (!f->ready)
+\t\treturn -EINVAL;
+\tf->count++;
+\tspin_unlock(&f->lock);
+\treturn 0;
+}
"""


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    series = tmp_path / "wide.patch"
    series.write_text(PATCH.replace("{cc}", ",\n\t".join(PEOPLE)))
    out = tmp_path / "drafts"
    result = CliRunner().invoke(
        main, ["reply", "--from", "Rita Reviewer <rita@example.net>", "-o", str(out), str(series)]
    )
    assert result.exit_code == 0, result.output
    (made,) = out.glob("*.eml")
    return made


def test_every_header_line_fits_and_the_cc_list_survives(draft):
    raw = draft.read_bytes()
    head = raw.split(b"\n\n", 1)[0]
    assert max(len(line) for line in head.split(b"\n")) <= 998
    assert all(len(line) <= 78 for line in head.split(b"\n") if line[:1] == b" ")
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    cc = [a.addr_spec for a in parsed["Cc"].addresses]
    assert cc == ["maint@example.org"] + [
        f"dev{n:02d}@subsystem{n:02d}.example.org" for n in range(40)
    ]
    assert parsed["Cc"].addresses[1].display_name == "Dev00, Kernel"


def test_git_send_email_reaches_every_folded_recipient(draft, tmp_path):
    require_send_email()
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Rita Reviewer\n\temail = rita@example.net\n")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1"}
    env["HOME"] = str(tmp_path)
    recorded = tmp_path / "recipients"
    sendmail = tmp_path / "sendmail.sh"
    sendmail.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> {recorded}\ncat > /dev/null\n')
    sendmail.chmod(0o755)
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    result = subprocess.run(
        ["git", "-C", str(repo), "send-email", "--confirm=never", "--suppress-cc=self",
         "--from=Rita Reviewer <rita@example.net>", f"--sendmail-cmd={sendmail}", str(draft)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    got = set(recorded.read_text().split())
    assert {f"dev{n:02d}@subsystem{n:02d}.example.org" for n in range(40)} <= got
    assert "jane@example.org" in got


DOUBLE = """\
From: Jane Dev <jane@example.org>
To: maint@example.org
Subject: [PATCH] foo: add foo_reset()
Date: Tue, 6 Jan 2026 15:04:01 +0000
Message-ID: <double1@example.org>

Add foo_reset().

Signed-off-by: Jane Dev <jane@example.org>
---
diff --git a/drivers/foo/foo.c b/drivers/foo/foo.c
--- a/drivers/foo/foo.c
+++ b/drivers/foo/foo.c
@@ -1,0 +2,7 @@
+void foo_reset(struct foo *f)
+{
+\tmutex_lock(&f->mutex);
+\tmutex_lock(&f->mutex);
+\tf->count = 0;
+\tmutex_unlock(&f->mutex);
+}
"""


def test_double_acquire_comment_says_deadlock_once(tmp_path):
    series = tmp_path / "double.patch"
    series.write_text(DOUBLE)
    out = tmp_path / "drafts"
    args = ["reply", "--from", "Rita <rita@example.net>", "-o", str(out), str(series)]
    assert CliRunner().invoke(main, args).exit_code == 0
    (made,) = out.glob("*.eml")
    words = " ".join(made.read_text().split("\n\n", 1)[1].split())
    assert "already holds it on this path. Kernel spinlocks, mutexes" in words
    assert words.count("deadlock") == 1
