"""The statement IR: kernel idioms repaired (for-each macros, scoped_guard), C kept as is."""

from __future__ import annotations

from reviewtool.csyntax import parse_file
from reviewtool.csyntax.ir import Lowered, Stmt, lower_function


def lower(source: str, name: str | None = None) -> Lowered:
    facts = parse_file("t.c", source)
    fn = facts.functions[0] if name is None else facts.function(name)
    assert fn is not None
    return lower_function(facts.source, fn)


def kinds(stmts: tuple[Stmt, ...]) -> list[str]:
    return [s.kind for s in stmts]


def test_foreach_macro_with_missing_semicolon_becomes_a_loop_around_its_block() -> None:
    lowered = lower(
        "static void f(struct vm_area_struct *vma)\n{\n"
        "\tlist_for_each_entry_safe(avc, next, &vma->anon_vma_chain, same_vma) {\n"
        "\t\ta(avc);\n\t}\n\tb();\n}\n"
    )
    assert kinds(lowered.body) == ["foreach", "expr"]
    loop = lowered.body[0]
    assert loop.expr is not None
    assert [a.text for a in loop.expr.children] == [
        "avc",
        "next",
        "&vma->anon_vma_chain",
        "same_vma",
    ]
    assert kinds(loop.body) == ["block"]
    assert kinds(loop.body[0].body) == ["expr"]


def test_foreach_with_a_single_statement_body() -> None:
    lowered = lower("void f(void)\n{\n\tfor_each_online_cpu(cpu)\n\t\tg(cpu);\n\th();\n}\n")
    assert kinds(lowered.body) == ["foreach", "expr"]
    assert lowered.body[0].body[0].expr.name == "g"


def test_single_argument_macros_with_a_block_are_not_nested_functions() -> None:
    # tree-sitter-c alone reads `for_each_online_cpu(cpu) { }` as a function definition
    source = (
        "void f(void)\n{\n\tfor_each_online_cpu(cpu) {\n\t\tg(cpu);\n\t}\n"
        "\tscoped_guard(rcu) {\n\t\th();\n\t}\n}\n"
    )
    facts = parse_file("t.c", source)
    assert [fn.name for fn in facts.functions] == ["f"] and facts.error_count == 0
    lowered = lower(source)
    assert kinds(lowered.body) == ["foreach", "scoped"]
    assert [a.text for a in lowered.body[1].guard.children] == ["rcu"]


def test_macro_definitions_and_plain_calls_are_left_alone() -> None:
    source = (
        "#define for_each_thing(x) \\\n\tfor (x = 0; x < 3; x++)\n"
        "void f(void)\n{\n\tfor_each_thing(i);\n\tn = list_for_each_count(h);\n}\n"
    )
    facts = parse_file("t.c", source)
    assert b"#define for_each_thing(x)" in facts.source
    assert b"\tfor_each_thing(i);" in facts.source
    assert b"list_for_each_count(h)" in facts.source
    assert len(facts.source) == len(source.encode())


def test_plain_call_followed_by_block_is_not_a_loop() -> None:
    lowered = lower("void f(void)\n{\n\tg(1);\n\t{\n\t\th();\n\t}\n}\n")
    assert kinds(lowered.body) == ["expr", "block"]


def test_scoped_guard_is_a_scope_and_guard_stays_a_call() -> None:
    lowered = lower(
        "void f(struct s *s)\n{\n\tscoped_guard(spinlock_irqsave, &s->lock) {\n\t\tg();\n\t}\n"
        "\tguard(mutex)(&s->m);\n}\n"
    )
    scoped, guard = lowered.body
    assert scoped.kind == "scoped"
    assert scoped.guard is not None and [a.text for a in scoped.guard.children] == [
        "spinlock_irqsave",
        "&s->lock",
    ]
    assert guard.kind == "expr" and guard.expr.name == "guard"
    assert guard.expr.children[0].name == "guard"  # guard(mutex) kept as the inner call


def test_attribute_macros_do_not_break_the_function() -> None:
    source = (
        "static __always_inline int __init f(struct s *s)\n\t__acquires(&s->lock)\n{\n"
        "\tspin_lock(&s->lock);\n\treturn 0;\n}\n"
    )
    facts = parse_file("t.c", source)
    fn = facts.functions[0]
    assert fn.name == "f" and fn.error_count == 0
    assert [(a.macro, a.argument) for a in fn.annotations] == [("__acquires", "&s->lock")]
    lowered = lower_function(facts.source, fn)
    assert kinds(lowered.body) == ["expr", "return"]


def test_expressions_keep_structure_needed_by_the_analysis() -> None:
    lowered = lower(
        "int f(struct s *s)\n{\n\tint ret = mutex_lock_interruptible(&s->m);\n"
        "\tif (!mutex_trylock(&s->m) || ret < 0)\n\t\treturn -EINTR;\n\treturn 0;\n}\n"
    )
    decl, branch, _ = lowered.body
    assert decl.expr.kind == "assign" and decl.expr.children[0].name == "ret"
    assert decl.expr.children[1].name == "mutex_lock_interruptible"
    cond = branch.expr
    assert cond.kind == "binary" and cond.name == "||"
    assert cond.children[0].kind == "unary" and cond.children[0].children[0].kind == "call"
    ret = branch.body[0]
    assert ret.kind == "return" and ret.expr.kind == "unary" and ret.expr.name == "-"


def test_switch_cases_and_labels() -> None:
    lowered = lower(
        "int f(int x)\n{\n\tswitch (x) {\n\tcase 1:\n\t\tg();\n\t\tfallthrough;\n"
        "\tdefault:\n\t\tbreak;\n\t}\nout:\n\treturn 0;\n}\n"
    )
    switch, label = lowered.body
    assert switch.kind == "switch"
    cases = switch.body[0].body
    assert kinds(cases) == ["case", "case"]
    assert cases[0].expr.text == "1" and cases[1].expr is None
    assert label.kind == "label" and label.name == "out" and kinds(label.body) == ["return"]
