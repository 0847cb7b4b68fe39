"""Every input the fuzzing found to crash, hang or blow up memory, kept as files under
tests/fuzz/regressions/ (one directory each, the layout `benchmarks/fuzz.py --save` writes:
tests/fuzz/saved.py) and run through the harness' invariants again: only a one-line error
escapes, no hang, nothing written outside the output directory, no overwrite without --force;
plus what each must still give (`codes`: its NOTE findings; `refused`: a one-line error)."""

from __future__ import annotations

from pathlib import Path

import pytest

import reviewtool.csyntax as csyntax
from tests.fuzz.gen_mail import Case
from tests.fuzz.harness import cpu_deadline, run_case
from tests.fuzz.saved import load_case, save_case

REGRESSIONS = Path(__file__).resolve().parent / "regressions"
CASES = sorted(path for path in REGRESSIONS.iterdir() if (path / "case.toml").is_file())
HANG_SECONDS = 60  # CPU seconds: a watchdog, far above what any of them costs now


@pytest.mark.parametrize("where", CASES, ids=[path.name for path in CASES])
def test_saved_input_keeps_the_invariants(where: Path, tmp_path: Path, monkeypatch) -> None:
    # the parse deadline cut from 10 s to 0.5 s: a spinning parse is cancelled all the same
    monkeypatch.setattr(csyntax._parse, "__defaults__", (0.5,))
    saved = load_case(where)
    with cpu_deadline(HANG_SECONDS):
        outcome = run_case(saved.case, tmp_path, cli_reply=saved.reply)
    assert outcome.escaped == [], saved.problem
    assert saved.codes <= outcome.codes, saved.problem
    if saved.refused:
        assert outcome.rejected is not None, saved.problem


def test_what_save_writes_is_what_the_regression_test_reads(tmp_path: Path) -> None:
    case = Case(
        tree={"drivers/demo/demo.c": "int x;\n\udcff\n"},
        mbox=b"Subject: [PATCH] x\n\n@SANDBOX@/abs.c \xff\n",
        gzipped=True,
        scan={"f0": b"int f(void) { return 0; }\n"},
    )
    save_case(case, tmp_path / "saved", 'Hang: "quotes", \\ and \u00e9\nsecond line', reply=True)
    saved = load_case(tmp_path / "saved")
    assert saved.case == case
    assert saved.problem == 'Hang: "quotes", \\ and \\xe9\nsecond line'
    assert (saved.reply, saved.codes, saved.refused) == (True, frozenset(), False)
