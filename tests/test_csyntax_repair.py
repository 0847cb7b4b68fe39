"""Macro shapes tree-sitter-c misreads are repaired before parsing, without moving any line:
each kernel idiom below parses with no error node once repaired."""

from __future__ import annotations

import pytest

from reviewtool.csyntax import _parse, parse_file
from reviewtool.csyntax.prepare import blank_attributes
from reviewtool.csyntax.repair import code_view
from reviewtool.resources import default_rules


def prepared(text: str) -> str:
    out, _ = blank_attributes(text, default_rules())
    assert len(out) == len(text)
    newlines = [i for i, c in enumerate(text) if c == "\n"]
    assert [i for i, c in enumerate(out) if c == "\n"] == newlines
    return out


IDIOMS = {
    "storage-class macro": "STATIC int\nxfs_foo(int a)\n{\n\treturn a;\n}\n",
    "iterator with arguments": (
        "void f(struct list_head *head)\n{\n\tstruct item *it;\n\n"
        "\tlist_for_each_entry(it, head, list) {\n\t\tif (it->bad)\n\t\t\treturn;\n\t}\n}\n"
    ),
    "iterator without braces": (
        "void f(void)\n{\n\tint cpu;\n\n\tfor_each_cpu(cpu, mask)\n\t\tkick(cpu);\n}\n"
    ),
    "any macro opening a block": (
        "void f(struct sk_buff *skb)\n{\n\tstruct sk_buff *frag;\n\n"
        "\tskb_walk_frags(skb, frag) {\n\t\tput(frag);\n\t}\n}\n"
    ),
    "do-while closer": (
        "void f(void)\n{\n\tstruct task_struct *g, *t;\n\n\tdo {\n\t\tkick(t);\n"
        "\t} while_each_thread(g, t);\n\tdo {\n\t} while_each_subsys_mask();\n}\n"
    ),
    "type passed to a macro": (
        "void f(struct bpf_map *map)\n{\n\tstruct bpf_array *array = container_of(map,\n"
        "\t\t\tstruct bpf_array, map);\n\tunsigned long n = min_t(unsigned long, a, b);\n}\n"
    ),
    "syscall definition": (
        "SYSCALL_DEFINE3(chown16, const char __user *, filename, old_uid_t, user,\n"
        "\t\told_gid_t, group)\n{\n\treturn do_chown(filename, user, group);\n}\n"
        "SYSCALL_DEFINE0(fork)\n{\n\treturn 0;\n}\n"
    ),
    "directive splitting an else": (
        "int f(int a)\n{\n#ifdef CONFIG_X\n\tif (a) {\n\t\tg();\n\t} else\n#endif\n"
        "\t{\n\t\th();\n\t}\nout:\n#ifdef CONFIG_Y\n\tk();\n#endif\n\treturn 0;\n}\n"
    ),
    "case range": (
        "int f(int a)\n{\n\tswitch (a) {\n\tcase 1 ... 3:\n\t\treturn 1;\n\t}\n\treturn 0;\n}\n"
    ),
    "offsetof with a designator": (
        "int f(int n)\n{\n\treturn offsetof(struct table, rows[n]);\n}\n"
    ),
    "attribute macros": (
        "static noinline_for_stack int f(void)\n{\n\tstruct foo *p __free(kfree) = NULL;\n"
        "\treturn 0;\n}\n__bpf_kfunc void g(void)\n{\n}\n"
    ),
}


@pytest.mark.parametrize("idiom", sorted(IDIOMS), ids=str)
def test_idiom_parses_cleanly_and_keeps_lines(idiom: str) -> None:
    text = IDIOMS[idiom]
    assert _parse(text.encode()).root_node.has_error  # as written, tree-sitter-c misreads it
    before = parse_file("a.c", text, default_rules())
    prepared(text)
    assert before.error_count == 0
    bodies = [line for line, content in enumerate(text.split("\n"), 1) if content == "{"]
    assert [fn.body_line for fn in before.functions] == bodies
    assert all(fn.error_count == 0 for fn in before.functions)


def test_repairs_name_the_functions_as_written() -> None:
    facts = parse_file("a.c", IDIOMS["syscall definition"] + IDIOMS["storage-class macro"])
    assert [(fn.name, fn.start_line, fn.is_static) for fn in facts.functions] == [
        ("chown16", 1, False),
        ("fork", 6, False),
        ("xfs_foo", 10, True),
    ]
    chown = facts.function("chown16")
    assert [p.name for p in chown.params] == ["filename", "user", "group"]


def test_first_arm_of_a_body_conditional_is_kept_and_if_0_skipped() -> None:
    text = (
        "void f(void)\n{\n#ifdef CONFIG_A\n\ta();\n#else\n\tb();\n#endif\n"
        "#if 0\n\tc();\n#elif defined(D)\n\td();\n#else\n\te();\n#endif\n}\n"
    )
    out = prepared(text)
    kept = [line.strip() for line in out.split("\n") if line.strip()]
    assert kept == ["void f(void)", "{", "a();", "d();", "}"]


def test_top_level_conditionals_and_comments_are_left_alone() -> None:
    text = (
        "#ifdef CONFIG_A\nint f(void)\n{\n\treturn 1;\n}\n#else\nint f(void)\n{\n\treturn 0;\n}\n"
        "#endif\n/* for_each_cpu(cpu, mask) { STATIC */\n"
    )
    out = prepared(text)
    assert out == text
    assert len(parse_file("a.c", text).functions) == 2


def test_calls_followed_by_a_statement_are_not_loops() -> None:
    text = "void f(void)\n{\n\tmutex_lock(&m);\n\tg();\n\tprep(x)\n\t\t;\n}\n"
    assert prepared(text) == text


def test_a_block_after_a_call_shape_is_found_past_braces_and_parentheses() -> None:
    # ruleid: a brace inside the arguments (a compound literal) is not the block's
    text = "void f(void)\n{\n\twalk_items(s, (struct k){ .a = 1 }) {\n\t\tg();\n\t}\n}\n"
    assert "\twhile     (s, (struct k){" in prepared(text)
    # ok: what follows the arguments decides, not the first brace after them
    for text in (
        "void f(void)\n{\n\tg(a) (b) {\n\t}\n}\n",  # a `)` before the brace, not g's
        "void f(void)\n{\n\tg(a);\n\tif (b) {\n\t}\n}\n",  # a brace, after a `;`
        "void f(void)\n{\n\tg(a);\n}\n",  # no brace after it
    ):
        assert prepared(text) == text


def test_code_view_blanks_comments_and_literals_only() -> None:
    text = 'a = "x(y) {"; /* b(c) {\n */ d(e);\n'
    view = code_view(text)
    assert view.replace(" ", "") == "a=;\nd(e);\n"
    assert view.count("\n") == text.count("\n")


def test_replacements_must_keep_the_length(tmp_path) -> None:
    from reviewtool.errors import RuleDataError
    from reviewtool.resources import Rules

    (tmp_path / "csyntax.toml").write_text('[replace]\nSTATIC = "static inline"\n')
    with pytest.raises(RuleDataError, match="same length"):
        parse_file("a.c", "int x;\n", Rules([tmp_path]))
