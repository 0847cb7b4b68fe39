"""The lock analysis is bounded: pathological functions stop at the work budget (counted in
dataflow steps, never in seconds) and then report nothing rather than guess."""

from __future__ import annotations

from reviewtool.analysis import locks
from reviewtool.analysis.locks import MAX_STEPS, analyse_file
from reviewtool.csyntax import parse_file


def result_of(source: str, name: str = "f") -> locks.FunctionResult:
    facts = parse_file("gen.c", source)
    fn = facts.function(name)
    assert fn is not None
    result = analyse_file(facts).result(fn)
    assert result is not None
    return result


def independent_pairs(count: int, leak_last: bool = False) -> str:
    lines = ["void f(struct s *s, unsigned long c)", "{"]
    lines += [f"\tif (c & {1 << (i % 60)}UL) spin_lock(&s->l{i});" for i in range(count)]
    lines += ["\ts->v++;"]
    lines += [f"\tif (c & {1 << (i % 60)}UL) spin_unlock(&s->l{i});" for i in range(count)]
    if leak_last:
        lines += ["\tspin_lock(&s->extra);"]
    lines += ["}"]
    return "\n".join(lines) + "\n"


def goto_ladder(depth: int) -> str:
    lines = ["int f(struct s *s)", "{", "\tint err;", "\tmutex_lock(&s->m);"]
    lines += [f"\terr = step{i}(s);\n\tif (err)\n\t\tgoto out{i};" for i in range(depth)]
    lines += ["\tmutex_unlock(&s->m);", "\treturn 0;"]
    lines += [f"out{i}:\n\tundo{i}(s);" for i in reversed(range(depth))]
    lines += ["\tmutex_unlock(&s->m);", "\treturn err;", "}"]
    return "\n".join(lines) + "\n"


def nested_loops(depth: int) -> str:
    lines = ["void f(struct s *s, int n)", "{"]
    for i in range(depth):
        lines.append("\t" * (i + 1) + f"for (int i{i} = 0; i{i} < n; i{i}++) {{")
    inner = "\t" * (depth + 1)
    lines += [
        f"{inner}spin_lock(&s->l);",
        f"{inner}if (s->v) {{",
        f"{inner}\tspin_unlock(&s->l);",
        f"{inner}\tcontinue;",
        f"{inner}}}",
        f"{inner}spin_unlock(&s->l);",
    ]
    for i in reversed(range(depth)):
        lines.append("\t" * (i + 1) + "}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def test_forty_correlated_pairs_hit_the_budget_and_report_nothing() -> None:
    result = result_of(independent_pairs(40, leak_last=True))
    assert result.budget_exceeded
    assert result.steps <= MAX_STEPS
    assert result.events == []  # no guess past the budget, even for the real leak


def test_a_few_correlated_pairs_are_analysed_exactly() -> None:
    result = result_of(independent_pairs(3, leak_last=True))
    assert not result.budget_exceeded
    assert [(e.code, e.expr) for e in result.events] == [("LK001", "&s->extra")]
    assert result.steps < 2_000


def test_deep_goto_ladder_stays_small() -> None:
    result = result_of(goto_ladder(150))
    assert not result.budget_exceeded
    assert result.events == []
    assert result.steps < 20 * 150


def test_deeply_nested_loops_converge() -> None:
    result = result_of(nested_loops(25))
    assert not result.budget_exceeded
    assert result.events == []
    assert result.steps < 5_000


def test_step_budget_is_enforced(monkeypatch) -> None:
    monkeypatch.setattr(locks, "MAX_STEPS", 50)
    result = result_of(goto_ladder(60))
    assert result.budget_exceeded
    assert result.steps <= 51


def test_the_budget_counts_one_step_per_transfer(monkeypatch) -> None:
    """A function that needs exactly N (node, state) transfers fits a budget of N, not N - 1."""
    needed = result_of(goto_ladder(8)).steps
    monkeypatch.setattr(locks, "MAX_STEPS", needed)
    fits = result_of(goto_ladder(8))
    assert not fits.budget_exceeded
    assert fits.steps == needed
    monkeypatch.setattr(locks, "MAX_STEPS", needed - 1)
    assert result_of(goto_ladder(8)).budget_exceeded


def test_pathological_syntax_never_raises() -> None:
    nested = (
        "void f(int a)\n{\n\tspin_lock(&l);\n"
        + "\tif (a) {\n" * 400
        + "\t\tg();\n"
        + "\t}\n" * 400
        + "\tspin_unlock(&l);\n}\n"
    )
    assert result_of(nested).events == []
    chain = " && ".join(f"a{i}" for i in range(3000))
    long_condition = (
        f"int f(void)\n{{\n\tspin_lock(&l);\n\tif ({chain})\n\t\treturn 1;\n"
        "\tspin_unlock(&l);\n\treturn 0;\n}\n"
    )
    assert [e.line for e in result_of(long_condition).events] == [5]
    broken = "void f(void)\n{\n\tspin_lock(&l);\n\tif (x {\n\t\treturn;\n\tspin_unlock(&l);\n"
    facts = parse_file("gen.c", broken)
    analyse_file(facts)  # whatever tree-sitter recovered, no exception
