"""Every real mail file of the corpus goes through `reviewtool check` without a traceback."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewtool import cli
from tests.corpus import corpus_dir

SKIP_NAMES = {"PROVENANCE.md", "MANIFEST.tsv", "README.md"}
PER_FILE_SECONDS = 60  # a hang guard, not a performance assertion


def mail_files() -> list[Path]:
    root = corpus_dir() / "mbox"
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name not in SKIP_NAMES)


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


@pytest.mark.corpus
def test_every_corpus_mail_file_exits_0_1_or_2_without_traceback():
    files = mail_files()
    assert len(files) > 200
    runner = CliRunner()
    outcomes: dict[int, int] = {}
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        for path in files:
            signal.alarm(PER_FILE_SECONDS)
            try:
                result = runner.invoke(cli.main, ["check", "--format", "json", str(path)])
            except Hang:
                pytest.fail(f"{path}: no answer within {PER_FILE_SECONDS}s")
            finally:
                signal.alarm(0)
            assert result.exit_code in (0, 1, 2), (
                f"{path}: exit {result.exit_code}\n{result.output}"
            )
            assert "Traceback" not in result.output, f"{path}:\n{result.output}"
            if result.exit_code == 2:
                errors = [line for line in result.output.splitlines() if line.strip()]
                assert errors and errors[-1].startswith("reviewtool: error: "), (
                    path,
                    result.output,
                )
            outcomes[result.exit_code] = outcomes.get(result.exit_code, 0) + 1
    finally:
        signal.signal(signal.SIGALRM, previous)
    print(f"corpus mail files: {len(files)}, exit codes: {dict(sorted(outcomes.items()))}")
    assert outcomes.get(2, 0) < len(files)  # most files hold patches we can read
