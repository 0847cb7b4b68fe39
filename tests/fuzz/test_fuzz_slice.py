"""The CI slice of the fuzz harness: a few dozen derandomized inputs of each kind through
check, every renderer, the drafts and scan (tests/fuzz/harness.py states the invariants).
`benchmarks/fuzz.py --count N` runs the long campaign with the same strategies."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings

from tests.fuzz.gen_mail import raw_case, scan_case, series_case
from tests.fuzz.harness import cpu_deadline, run_case

HANG_SECONDS = 60  # CPU seconds: a watchdog against hangs, far above any real input's cost


def slice_of(examples: int):
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def check(case, *, cli_reply: bool = False) -> None:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as scratch, cpu_deadline(HANG_SECONDS):
        outcome = run_case(case, Path(scratch), cli_reply=cli_reply)
    assert outcome.escaped == []


@slice_of(30)
@given(series_case())
def test_series_through_check_render_and_scan(case) -> None:
    check(case)


@slice_of(6)
@given(series_case())
def test_series_through_the_reply_command(case) -> None:
    """The command line too: exit 2 means one line on stderr, and a second `reply -o` without
    --force leaves the drafts of the first untouched."""
    check(case, cli_reply=True)


@slice_of(30)
@given(raw_case())
def test_damaged_real_mails(case) -> None:
    check(case)


@slice_of(8)
@given(scan_case())
def test_scan_of_deep_and_damaged_c(case) -> None:
    check(case)
