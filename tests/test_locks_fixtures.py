"""Every C fixture under tests/fixtures/locks/ is checked: `// ruleid: LKnnn` on the line(s)
above a line means exactly that finding there; `// ok: LKnnn` means none; anything else
reported is a failure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviewtool.analysis.locks import analyse_file
from reviewtool.checks.base import FileContext, Memo
from reviewtool.checks.locks import CHECKS
from reviewtool.csyntax import parse_file
from reviewtool.model import FileState
from reviewtool.resources import default_rules

FIXTURES = Path(__file__).parent / "fixtures" / "locks"
_ANNOTATION = re.compile(r"//\s*(ruleid|ok):\s*(LK\d{3})")


def annotations(text: str) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """(expected, forbidden) as (code, line) pairs: annotations apply to the next line that
    is not itself an annotation."""
    expected: set[tuple[str, int]] = set()
    forbidden: set[tuple[str, int]] = set()
    pending: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _ANNOTATION.search(line)
        if match and line.strip().startswith("//"):
            pending.append((match.group(1), match.group(2)))
            continue
        for kind, code in pending:
            (expected if kind == "ruleid" else forbidden).add((code, number))
        pending = []
    return expected, forbidden


def lock_findings(path: Path) -> list:
    text = path.read_text()
    state = FileState(path.name, text)
    ctx = FileContext(path.name, state, parse_file(path.name, text), default_rules(), Memo())
    return [finding for check in CHECKS for finding in check.run(ctx)]


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.c")), ids=lambda p: p.name)
def test_fixture_findings_match_annotations(fixture: Path) -> None:
    expected, forbidden = annotations(fixture.read_text())
    assert expected, "a fixture must expect at least one finding"
    found = {(f.code, f.location.line) for f in lock_findings(fixture)}
    assert found & forbidden == set()
    assert found == expected


def test_fixtures_cover_every_code() -> None:
    codes = set()
    for fixture in FIXTURES.glob("*.c"):
        codes |= {code for code, _ in annotations(fixture.read_text())[0]}
    assert codes == {"LK001", "LK002", "LK003", "LK004"}


def test_leak_message_names_lock_acquire_and_exit() -> None:
    findings = [f for f in lock_findings(FIXTURES / "paths.c") if f.code == "LK001"]
    early = next(f for f in findings if f.location.function == "early_return_leak")
    assert early.message == (
        "spin_lock(&dev->lock) at line 13 is not released: early_return_leak() returns at "
        "line 16 with it held when `!dev->ready` (line 14) is true"
    )
    assert early.location.line == 16
    assert early.evidence[0].line == 13
    assert early.key == "LK001|paths.c|early_return_leak|spinlock:&dev->lock"


def test_wrong_variant_names_the_release() -> None:
    findings = [f for f in lock_findings(FIXTURES / "mismatch.c") if f.code == "LK004"]
    variant = next(f for f in findings if f.location.function == "wrong_variant")
    assert "spin_unlock" in variant.message and "&p->lock" in variant.message


def test_a_forgotten_lock_beside_one_handed_over_is_the_only_one_reported() -> None:
    """session_open() (summaries.c) leaks an object lock no caller can name and hands the
    session lock to its caller at the same return: one finding, on the object lock."""
    findings = [
        f for f in lock_findings(FIXTURES / "summaries.c") if f.location.function == "session_open"
    ]
    assert [(f.code, f.message.split(" at line")[0]) for f in findings] == [
        ("LK001", "mutex_lock(&o->lock)")
    ]


_KEPT_OR_TAKEN = """
#include <linux/mutex.h>

struct iter {
	unsigned int n, bucket;
};

static int wait_slot(struct iter *it, struct mutex *m)
{
	if (it->n)
		return 0;
	if (it->bucket) {
		mutex_unlock(m);
		schedule();
		mutex_lock(m);
		return 1;
	}
	mutex_lock(m);
	return 2;
}
"""


def test_exits_keeping_the_callers_lock_alone_tell_nothing() -> None:
    """wait_slot() keeps its caller's mutex (untouched, or dropped and taken again) on two
    exits and takes it on the third. seqnext.c's rule reads what the result tells off the
    exits that dropped the lock, setting aside those that may keep the caller's; here none
    dropped it, so nothing is set aside: held on one exit of three, with results the
    others share in sign, it is no acquire for callers (not an unconditional one)."""
    facts = parse_file("slots.c", _KEPT_OR_TAKEN)
    summary = analyse_file(facts, default_rules()).first_summary("wait_slot") or ()
    assert [e for e in summary if e.op == "acquire"] == []
