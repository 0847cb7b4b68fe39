"""BS009: calls whose arguments BS006 could not count (a scan bound reached) are a NOTE."""

from __future__ import annotations

import pytest

from reviewtool.analysis.symbols import state as symbols
from reviewtool.checks import bisect
from tests.bisect_support import run_checks, summary

BASE = {"drivers/demo/demo.c": "int demo_add(int a, int b)\n{\n\treturn a + b;\n}\n"}
CALLER = "\nint demo_use(int v)\n{\n\treturn demo_add(v, {args});\n}\n"
CHECKS = [bisect.ArgumentCountMismatch(), bisect.ArgumentsNotCounted()]


def with_call(args: str) -> dict[str, str]:
    path = "drivers/demo/demo.c"
    return {path: BASE[path] + CALLER.replace("{args}", args)}


def run(*steps: dict[str, str]) -> list[tuple]:
    return summary([f for f in run_checks(BASE, list(steps), CHECKS) if f.code == "BS009"])


def test_a_call_within_the_bounds_is_counted_and_no_note() -> None:
    assert run(with_call("v")) == []
    wrong = run_checks(BASE, [with_call("v, v")], CHECKS)
    assert [f.code for f in wrong] == ["BS006"]  # counted: 3 arguments for 2 parameters


def test_a_call_longer_than_the_per_call_bound_is_a_note(monkeypatch) -> None:
    monkeypatch.setattr(symbols, "MAX_ARG_SCAN", 40)
    long_args = "v, " + " + ".join(["v"] * 30)  # 3 arguments, over 40 characters
    findings = run_checks(BASE, [with_call(long_args)], CHECKS)
    assert [f.code for f in findings] == ["BS009"]  # the BS006 error is not guessed
    note = findings[0]
    assert note.severity.label == "note" and note.location.line == 8
    assert note.location.function == "demo_use" and "BS006 did not check" in note.message


def test_the_per_file_budget_spent_is_a_note(monkeypatch) -> None:
    monkeypatch.setattr(symbols, "MAX_SCAN_PER_FILE", 20)
    nested = "demo_add(" * 5 + "v, v" + ")" * 5
    assert [row[0] for row in run(with_call(nested))] == ["BS009"]


def test_an_unclosed_parenthesis_is_broken_code_not_a_bound() -> None:
    assert run({"drivers/demo/demo.c": BASE["drivers/demo/demo.c"] + "int x = demo_add(1,\n"}) == []


@pytest.mark.parametrize("later", ["same", "more"])
def test_said_where_the_patch_changes_it(monkeypatch, later: str) -> None:
    monkeypatch.setattr(symbols, "MAX_ARG_SCAN", 40)
    long_args = "v, " + " + ".join(["v"] * 30)
    first = with_call(long_args)
    path = "drivers/demo/demo.c"
    extra = "\nint demo_more(int v)\n{\n\treturn demo_add(v, " + long_args + ");\n}\n"
    second = {path: first[path] + ("\n/* unrelated */\n" if later == "same" else extra)}
    steps = [row[1] for row in run(first, second)]
    assert steps == ([1] if later == "same" else [1, 2])
