"""The engine blames each finding on the patch that introduced it and finds where it goes."""

from __future__ import annotations

from collections.abc import Iterator

from reviewtool.checks.base import Check, FileContext
from reviewtool.engine import run_series
from reviewtool.model import Finding, Severity
from reviewtool.resources import default_rules
from tests.builders import patch, series, snapshot


class BadCallCheck(Check):
    """Reports every call to bad() inside a function (a stand-in for a real file check)."""

    code = "ZZ001"
    name = "bad-call"
    severity = Severity.ERROR
    scope = "file"

    def run(self, ctx: FileContext) -> Iterator[Finding]:
        for call in ctx.facts.calls:
            if call.name != "bad" or call.function is None:
                continue
            fn = ctx.facts.function(call.function)
            if fn is None or not ctx.state.is_known(fn.start_line, fn.end_line):
                continue
            yield self.finding(
                f"bad() called in {call.function}()",
                path=ctx.path,
                line=call.line,
                function=call.function,
                subject="bad",
            )


def c_file(*bodies: str) -> str:
    return "".join(f"void {name}(void)\n{{\n\t{body}\n}}\n\n" for name, body in bodies)


def run(steps, patches):
    findings, _ = run_series(series(*patches), steps, [BadCallCheck()], default_rules())
    return findings


def test_blames_the_patch_that_adds_the_call_and_names_where_it_goes():
    base = c_file(("f", "good();"), ("g", "good();"))
    step1 = c_file(("f", "bad();"), ("g", "good();"))
    step2 = "/* moved */\n" + step1
    step3 = c_file(("f", "good();"), ("g", "good();"))
    steps = [
        snapshot(k, {"a.c": text}, touched=["a.c"] if k else [])
        for k, text in enumerate([base, step1, step2, step3])
    ]
    found = run(steps, [patch(1, 3), patch(2, 3), patch(3, 3)])
    assert [(f.location.patch, f.introduced_in, f.fixed_in, f.location.line) for f in found] == [
        (1, 1, 3, 3)
    ]


def test_what_the_base_already_had_is_not_blamed():
    base = c_file(("f", "bad();"))
    step1 = c_file(("f", "bad();"), ("g", "good();"))
    steps = [snapshot(0, {"a.c": base}), snapshot(1, {"a.c": step1}, touched=["a.c"])]
    assert run(steps, [patch(1, 1)]) == []


def test_a_second_occurrence_of_the_same_key_is_new():
    base = c_file(("f", "bad();"))
    step1 = c_file(("f", "bad(); bad();"))
    steps = [snapshot(0, {"a.c": base}), snapshot(1, {"a.c": step1}, touched=["a.c"])]
    assert len(run(steps, [patch(1, 1)])) == 1


def test_a_rename_keeps_the_identity_of_old_findings():
    text = c_file(("f", "bad();"))
    steps = [
        snapshot(0, {"old.c": text}),
        snapshot(1, {"new.c": text}, touched=["old.c", "new.c"], renamed=[("old.c", "new.c")]),
    ]
    assert run(steps, [patch(1, 1)]) == []


def test_hunks_only_state_blames_only_functions_the_patch_touched():
    # Step 1 reveals f() (already calling bad()) as hunk context and adds a line to g().
    text = c_file(("f", "bad();"), ("g", "good(); bad();"))
    diff = (
        "--- a/a.c\n+++ b/a.c\n@@ -1,10 +1,10 @@\n void f(void)\n {\n \tbad();\n }\n \n"
        " void g(void)\n {\n-\tgood();\n+\tgood(); bad();\n }\n \n"
    )
    unknown = {"a.c": [(11, 10**9)]}  # hunks only: nothing is known past the hunk
    steps = [snapshot(0, {}), snapshot(1, {"a.c": text}, touched=["a.c"], unknown=unknown)]
    found = run(steps, [patch(1, 1, diff)])
    assert [f.location.function for f in found] == ["g"]
