"""`--format patchwork`: one check per patch in patchwork's checks API shape, and the poller
recipe of docs/integrations.md run as printed against a stand-in for patchwork's REST API on
127.0.0.1 (events, series, mbox, checks: the fields the recipe reads and posts)."""

from __future__ import annotations

import json
import mailbox
import os
import re
import shlex
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from click.testing import CliRunner

from reviewtool.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "anon-vma-v2"
MBOX = SEED / "anon-vma-v2.mbox"
DOC = ROOT / "docs" / "integrations.md"
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")  # patchwork's Check.context is a SlugField


def seed_message_ids() -> dict[int, str]:
    """Patch number -> Message-ID (without <>), read with the standard library's mailbox."""
    ids: dict[int, str] = {}
    for message in mailbox.mbox(str(MBOX)):
        number = re.search(r"\[PATCH v2 (\d+)/8\]", str(message["subject"]))
        if number and int(number.group(1)) > 0:
            ids[int(number.group(1))] = str(message["message-id"]).strip().strip("<>")
    return ids


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_seed_series_one_check_per_patch_with_1_8_failing() -> None:
    code, out, _ = run_cli(
        "check",
        "--format",
        "patchwork",
        "--url-template",
        "https://ci.example.org/reviewtool/{version}/{patch}/{msgid}",
        "--tree",
        str(SEED / "base"),
        str(MBOX),
    )
    assert code == 1  # errors found: the usual exit code
    checks = json.loads(out)
    ids = seed_message_ids()
    assert [c["patch"] for c in checks] == list(range(1, 9))
    assert [c["message_id"] for c in checks] == [ids[n] for n in range(1, 9)]
    assert [c["state"] for c in checks] == ["fail"] + ["success"] * 7
    first = checks[0]
    assert first["description"].startswith("1 error: mm/rmap.c:")
    assert "anon_vma_lock_write" in first["description"] and "[LK001]" in first["description"]
    assert "BS007" not in first["description"]  # the restating transient is not counted twice
    assert first["target_url"] == (
        "https://ci.example.org/reviewtool/2/1/" + ids[1].replace("@", "%40")
    )
    for check in checks:
        assert check["context"] == "reviewtool" and SLUG.match(check["context"])
        assert "\n" not in check["description"] and len(check["description"]) <= 240
    assert checks[1]["description"] == "no findings"


def test_series_level_findings_go_with_the_first_patch(tmp_path: Path) -> None:
    """3/8 missing: the gap (a series-level finding) is counted in 1/8's check."""
    patches = sorted((SEED / "format-patch").glob("v2-000[1-9]-*.patch"))
    kept = [p for p in patches if not p.name.startswith("v2-0003-")]
    for patch in kept:
        (tmp_path / patch.name).write_bytes(patch.read_bytes())
    code, out, _ = run_cli("check", "--format", "patchwork", "--select", "IN", str(tmp_path))
    checks = json.loads(out)
    assert [c["patch"] for c in checks] == [1, 2, 4, 5, 6, 7, 8]
    assert checks[0]["state"] == "warning"
    assert checks[0]["description"].startswith("1 warning: series: ")
    assert "3/8" in checks[0]["description"]
    assert [c["description"] for c in checks[1:]] == ["no findings"] * 6


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ("https://x/{foo}", "only {msgid}"),
        ("https://x/{msgid.__class__}", "only {msgid}"),
        ("https://x/{msgid!r}", "only {msgid}"),
        ("https://x/{", "Single '{'"),
        ("file:///etc/{patch}", "http:// or https://"),
    ],
)
def test_bad_url_templates_exit_2(template: str, says: str) -> None:
    code, _, err = run_cli("check", "--format", "patchwork", "--url-template", template, str(MBOX))
    assert code == 2 and says in err and "Traceback" not in err


def test_url_template_belongs_to_the_patchwork_format() -> None:
    code, _, err = run_cli("check", "--url-template", "https://x/{patch}", str(MBOX))
    assert code == 2 and "--format patchwork" in err


# ---------------------------------------------------------------- the poller recipe


def doc_poller() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("\n## patchwork") :]
    (block,) = re.findall(r"```python\n(.*?)```", section, re.S)
    return block


class FakePatchwork:
    """Serves one completed series the way patchwork's REST API does, records POSTed checks."""

    TOKEN = "t0ken"
    EVENT_DATE = "2026-01-06T15:10:00.000000"

    def __init__(self) -> None:
        self.posted: list[tuple[int, dict, dict]] = []  # (patch id, body, headers)
        self.event_queries: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

            def _send(self, body: bytes, kind: str = "application/json") -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                url = urlparse(self.path)
                if url.path == "/api/1.2/events/":
                    query = {k: v[0] for k, v in parse_qs(url.query).items()}
                    fake.event_queries.append(query)
                    self._send(json.dumps(fake.events(query)).encode())
                elif url.path == "/api/1.2/series/7/":
                    self._send(json.dumps(fake.series()).encode())
                elif url.path == "/series/7/mbox/":
                    self._send(MBOX.read_bytes(), "text/plain")
                else:
                    self.send_error(404)

            def do_POST(self) -> None:  # noqa: N802
                match = re.fullmatch(r"/api/1\.2/patches/(\d+)/checks/", self.path)
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                if match is None:
                    self.send_error(404)
                    return
                fake.posted.append((int(match.group(1)), body, dict(self.headers)))
                self.send_response(201)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def events(self, query: dict) -> list[dict]:
        if query.get("project") != "linux-mm" or query.get("category") != "series-completed":
            return []
        if query.get("since", "") > self.EVENT_DATE:  # patchwork: date >= since
            return []
        return [
            {
                "id": 41,
                "category": "series-completed",
                "date": self.EVENT_DATE,
                "payload": {"series": {"id": 7, "url": f"{self.base}/api/1.2/series/7/"}},
            }
        ]

    def series(self) -> dict:
        ids = seed_message_ids()
        return {
            "id": 7,
            "mbox": f"{self.base}/series/7/mbox/",
            "patches": [{"id": 100 + n, "msgid": f"<{ids[n]}>"} for n in sorted(ids)],
        }

    def __enter__(self) -> FakePatchwork:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_doc_poller_posts_one_check_per_patch_and_resumes_after_the_last_event(
    tmp_path: Path,
) -> None:
    script = tmp_path / "reviewtool-patchwork.py"
    script.write_text(doc_poller())
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "reviewtool"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m reviewtool "$@"\n')
    shim.chmod(0o755)
    work = tmp_path / "work"  # not a git checkout: the recipe's -C . finds no base-commit
    work.mkdir()
    with FakePatchwork() as fake:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PW_")},
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "PW_API": f"{fake.base}/api/1.2",
            "PW_PROJECT": "linux-mm",
            "PW_TOKEN": fake.TOKEN,
            "NO_PROXY": "127.0.0.1",
            "no_proxy": "127.0.0.1",
        }
        for _ in range(2):
            run = subprocess.run(
                [sys.executable, str(script)],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert run.returncode == 0, run.stderr

    assert (work / "reviewtool-patchwork.since").read_text() == f"{fake.EVENT_DATE} 41"
    assert fake.event_queries[1]["since"] == fake.EVENT_DATE  # the second run resumed there
    assert len(fake.posted) == 8  # and posted nothing again
    states = {patch_id: body["state"] for patch_id, body, _ in fake.posted}
    assert states == {101: "fail", **{100 + n: "success" for n in range(2, 9)}}
    for _, body, headers in fake.posted:
        assert set(body) == {"state", "context", "description"}
        assert headers["Authorization"] == f"Token {fake.TOKEN}"
        assert headers["Content-Type"] == "application/json"
    leak = next(body for patch_id, body, _ in fake.posted if patch_id == 101)
    assert "[LK001]" in leak["description"]
