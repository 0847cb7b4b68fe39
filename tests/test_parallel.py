"""scan --jobs: any number of workers gives the report of one, byte for byte; the progress line
appears only on a terminal."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from reviewtool.parallel import Progress

FIXTURES = Path(__file__).parent / "fixtures"


def _scan(jobs: int) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "reviewtool", "scan", "--format", "json", "--jobs", str(jobs)]
    command += [str(FIXTURES / "locks"), str(FIXTURES / "kdoc")]
    return subprocess.run(command, capture_output=True, timeout=300)


def test_scan_with_three_workers_prints_what_one_prints():
    one, three = _scan(1), _scan(3)
    assert one.returncode == three.returncode == 1  # the fixtures have findings
    assert b'"code": "LK001"' in one.stdout and b'"code": "KD' in one.stdout
    assert one.stdout == three.stdout
    assert one.stderr == three.stderr == b""  # stderr is a pipe here: no progress line


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_written_to_a_terminal_and_cleared():
    terminal = _Terminal()
    progress = Progress("scan", 3, terminal)
    for _ in range(3):
        progress.advance()
    progress.close()
    assert "\rscan: 3/3" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r\033[K")


def test_progress_writes_nothing_to_a_pipe_or_for_one_file():
    piped = io.StringIO()
    progress = Progress("scan", 50, piped)
    progress.advance(50)
    progress.close()
    single = Progress("scan", 1, _Terminal())
    single.advance()
    single.close()
    assert piped.getvalue() == "" and single.stream.getvalue() == ""
