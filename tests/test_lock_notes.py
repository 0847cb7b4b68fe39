"""LK005: the lock analysis says which functions it could not judge, and why."""

from __future__ import annotations

from pathlib import Path

from reviewtool.analysis import locks
from reviewtool.analysis.locks import flow
from reviewtool.checks.base import FileContext, Memo
from reviewtool.checks.lock_notes import CHECKS
from reviewtool.csyntax import parse_file
from reviewtool.model import FileState, Severity
from reviewtool.resources import default_rules
from tests.test_locks_fixtures import annotations

FIXTURES = Path(__file__).parent / "fixtures" / "lock_notes"


def notes(name: str, text: str) -> list:
    state = FileState(name, text)
    ctx = FileContext(name, state, parse_file(name, text), default_rules(), Memo())
    return [finding for check in CHECKS for finding in check.run(ctx)]


def test_parse_errors_in_a_locked_region_get_a_note() -> None:
    text = (FIXTURES / "parse.c").read_text()
    expected, forbidden = annotations(text.replace("LK005", "LK001"))
    found = notes("parse.c", text)
    assert {("LK001", f.location.line) for f in found} == expected
    assert not {("LK001", f.location.line) for f in found} & forbidden
    note = found[0]
    assert note.severity is Severity.NOTE
    assert note.location.function == "stats_under_lock"
    assert "lines 5-9" in note.message and "do not parse" in note.message


def test_a_function_over_the_step_budget_gets_a_note(monkeypatch) -> None:
    ladder = "".join(
        f"\tif (c{i})\n\t\tspin_lock(&l{i});\n\tif (c{i})\n\t\tspin_unlock(&l{i});\n"
        for i in range(12)
    )
    text = f"void many(void)\n{{\n{ladder}}}\n\nvoid few(void)\n{{\n\tg();\n}}\n"
    monkeypatch.setattr(locks, "MAX_STEPS", 200)
    found = notes("budget.c", text)
    assert [(f.code, f.location.function, f.location.line) for f in found] == [("LK005", "many", 1)]
    assert "exceed 200 analysis steps" in found[0].message


def test_a_function_over_the_state_bound_gets_a_note_that_says_so(monkeypatch) -> None:
    ladder = "".join(f"\tif (c{i})\n\t\tspin_lock(&l{i});\n" for i in range(6))
    unlocks = "".join(f"\tif (c{i})\n\t\tspin_unlock(&l{i});\n" for i in range(6))
    text = f"void many(void)\n{{\n{ladder}\tg();\n{unlocks}}}\n"
    monkeypatch.setattr(flow, "MAX_STATES_PER_NODE", 8)  # 2**6 lock sets reach g()
    found = notes("states.c", text)
    assert [(f.code, f.location.function) for f in found] == [("LK005", "many")]
    assert "more than 8 lock states reach one point" in found[0].message
    assert "analysis steps" not in found[0].message


def test_nesting_past_the_depth_bound_gets_a_note() -> None:
    # deep_statements() gave no finding at all before; deep_expression()'s false LK001 stays
    text = (FIXTURES / "deep.c").read_text()
    expected, forbidden = annotations(text)
    found = notes("deep.c", text)
    assert {(f.code, f.location.line) for f in found} == expected
    assert not {(f.code, f.location.line) for f in found} & forbidden
    assert [f.location.function for f in found] == ["deep_statements", "deep_expression"]
    assert all("depth bound" in f.message and f.key.endswith("depth") for f in found)


def test_more_locks_held_at_once_than_tracked_gets_a_note() -> None:
    # a ninth lock, or a context disabled past eight held locks, was dropped silently before
    text = (FIXTURES / "held.c").read_text()
    expected, forbidden = annotations(text)
    found = notes("held.c", text)
    assert {(f.code, f.location.line) for f in found} == expected
    assert not {(f.code, f.location.line) for f in found} & forbidden
    assert [f.location.function for f in found] == [
        "nine_at_once",
        "eight_and_irqs_off",
        "seven_then_irqsave",
    ]
    assert all(f"more than {locks.MAX_HELD} locks" in f.message for f in found)
