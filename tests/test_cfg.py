"""Control-flow graphs: every C construct the lock analysis depends on."""

from __future__ import annotations

from reviewtool.analysis.cfg import CFG, build_cfg
from reviewtool.csyntax import parse_file
from reviewtool.csyntax.ir import lower_function


def cfg_of(body: str) -> CFG:
    facts = parse_file("t.c", f"int f(int a, int b)\n{{\n{body}\n}}\n")
    return build_cfg(lower_function(facts.source, facts.functions[0]))


def reachable(cfg: CFG) -> set[int]:
    seen = {0}
    stack = [0]
    while stack:
        for target, _ in cfg.nodes[stack.pop()].succ:
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def exit_lines(cfg: CFG) -> list[int]:
    live = reachable(cfg)
    return sorted(n.line for n in cfg.exits() if n.id in live)


def test_if_else_and_early_return() -> None:
    cfg = cfg_of("\tif (a)\n\t\treturn 1;\n\telse\n\t\tg();\n\treturn 0;")
    assert exit_lines(cfg) == [4, 7]
    branch = next(n for n in cfg.nodes if n.kind == "branch")
    assert sorted(label for _, label in branch.succ) == [False, True]


def test_closing_brace_is_an_exit_when_control_falls_off() -> None:
    cfg = cfg_of("\tg();")
    assert exit_lines(cfg) == [4]


def test_goto_ladder_reaches_label() -> None:
    cfg = cfg_of("\tif (a)\n\t\tgoto out;\n\tg();\nout:\n\th();\n\treturn 0;")
    label = next(n for n in cfg.nodes if n.kind == "join" and n.line == 6)
    preds = [n.id for n in cfg.nodes if any(t == label.id for t, _ in n.succ)]
    assert len(preds) == 2  # the goto and the fallthrough
    assert exit_lines(cfg) == [8]


def test_loops_have_back_edges_and_exits() -> None:
    for body in (
        "\twhile (a)\n\t\tg();\n\treturn 0;",
        "\tfor (a = 0; a < b; a++)\n\t\tg();\n\treturn 0;",
        "\tdo {\n\t\tg();\n\t} while (a);\n\treturn 0;",
        "\tlist_for_each_entry(x, &h, node)\n\t\tg();\n\treturn 0;",
    ):
        cfg = cfg_of(body)
        ids = {n.id: n for n in cfg.nodes}
        back = [(n.id, t) for n in cfg.nodes for t, _ in n.succ if t <= n.id and t in ids]
        assert back, body
        assert len(exit_lines(cfg)) == 1, body


def test_do_while_zero_has_no_back_edge() -> None:
    cfg = cfg_of("\tdo {\n\t\tg();\n\t} while (0);\n\treturn 0;")
    start = next(n for n in cfg.nodes if n.kind == "join" and n.line == 3)
    assert not [n for n in cfg.nodes if any(t == start.id for t, _ in n.succ) and n.id > start.id]


def test_break_and_continue() -> None:
    cfg = cfg_of(
        "\twhile (a) {\n\t\tif (b)\n\t\t\tbreak;\n\t\tif (a > 2)\n\t\t\tcontinue;\n\t\tg();\n\t}\n"
        "\treturn 0;"
    )
    assert exit_lines(cfg) == [10]
    head = next(n for n in cfg.nodes if n.kind == "branch" and n.line == 3)
    into_head = [n for n in cfg.nodes if any(t == head.id for t, _ in n.succ)]
    assert len(into_head) >= 3  # entry, continue, end of body


def test_switch_fallthrough_and_default() -> None:
    cfg = cfg_of(
        "\tswitch (a) {\n\tcase 1:\n\t\tg();\n\tcase 2:\n\t\th();\n\t\tbreak;\n"
        "\tdefault:\n\t\treturn 1;\n\t}\n\treturn 0;"
    )
    switch = next(n for n in cfg.nodes if n.kind == "switch")
    assert len(switch.succ) == 3  # two cases and default, no implicit skip
    case2 = next(n for n in cfg.nodes if n.kind == "join" and n.line == 6)
    preds = [n for n in cfg.nodes if any(t == case2.id for t, _ in n.succ)]
    assert {p.kind for p in preds} == {"switch", "stmt"}  # jump and fallthrough
    assert exit_lines(cfg) == [10, 12]


def test_switch_without_default_can_skip_every_case() -> None:
    cfg = cfg_of("\tswitch (a) {\n\tcase 1:\n\t\treturn 1;\n\t}\n\treturn 0;")
    switch = next(n for n in cfg.nodes if n.kind == "switch")
    assert len(switch.succ) == 2
    assert exit_lines(cfg) == [5, 7]


def test_noreturn_calls_end_the_path() -> None:
    cfg = cfg_of('\tif (a)\n\t\tBUG();\n\tif (b)\n\t\tpanic("x");\n\treturn 0;')
    dead = [n for n in cfg.nodes if n.kind == "dead"]
    assert len(dead) == 2 and all(not n.succ for n in dead)
    assert exit_lines(cfg) == [7]


def test_bug_on_is_a_conditional_noreturn() -> None:
    cfg = cfg_of("\tBUG_ON(a);\n\treturn 0;")
    branch = next(n for n in cfg.nodes if n.kind == "branch")
    true_target = next(t for t, label in branch.succ if label is True)
    assert cfg.nodes[true_target].kind == "dead"


def test_scoped_guard_opens_a_scope_that_ends_with_its_block() -> None:
    cfg = cfg_of("\tscoped_guard(mutex, &m) {\n\t\tg();\n\t}\n\th();")
    guard = next(n for n in cfg.nodes if n.kind == "guard")
    inside = next(n for n in cfg.nodes if n.expr is not None and n.expr.name == "g")
    after = next(n for n in cfg.nodes if n.expr is not None and n.expr.name == "h")
    assert guard.scope in inside.scopes and guard.scope not in after.scopes
