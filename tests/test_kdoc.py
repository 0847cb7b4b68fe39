"""The kernel-doc reader: name-line forms, sections, prototype matching, messages and lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtool.analysis.kdoc import analyse, parameter_list
from reviewtool.analysis.kdoc.lines import expand_tabs
from reviewtool.checks import kdoc
from reviewtool.checks.base import FileContext, Memo
from reviewtool.csyntax import parse_file
from reviewtool.errors import RuleDataError
from reviewtool.model import FileState
from reviewtool.resources import Rules, default_rules


def problems(text: str) -> list[tuple[str, int, str | None, str]]:
    return [(p.kind, p.line, p.function, p.subject) for p in analyse(text).problems]


def block(name_line: str, body: str = "", prototype: str = "int foo(int a)\n{\n}\n") -> str:
    return f"/**\n * {name_line}\n{body} */\n{prototype}"


@pytest.mark.parametrize(
    "name_line",
    ["foo - does foo", "foo() - does foo", "foo: does foo", "foo()  -  does foo", "int *foo() - x"],
)
def test_name_line_forms_are_kernel_doc(name_line: str) -> None:
    text = block(name_line, " * @a: the a\n *\n * Return: 0\n")
    result = analyse(text)
    assert result.problems == ()
    assert result.blocks[0].identifier == "foo" and result.blocks[0].decl_type == "function"


def test_missing_param_reported_where_the_prototype_ends() -> None:
    text = block("foo - x", " * Return: 0\n", "int foo(int a,\n\t int b)\n{\n}\n")
    assert problems(text) == [
        ("param-not-described", 7, "foo", "a"),
        ("param-not-described", 7, "foo", "b"),
    ]


def test_empty_param_description_counts_but_a_trailing_space_does_not() -> None:
    """kernel-doc's section pattern `:([^:].*)?$` takes the line's newline as the text of
    `@a:`, so it is described; after `@a: ` the text is one space, stripped to nothing."""
    assert problems(block("foo - x", " * @a:\n * Return: 0\n")) == []
    text = block("foo - x", " * @a: \n * Return: 0\n")
    assert problems(text) == [("param-not-described", 7, "foo", "a")]


def test_description_on_the_next_line_counts() -> None:
    text = block("foo - x", " * @a:\n *   the a, described below the name\n * Return: 0\n")
    assert problems(text) == []


def test_excess_param_and_return() -> None:
    text = block("foo - x", " * @a: a\n * @b: gone\n")
    assert [(k, s) for k, _, _, s in problems(text)] == [
        ("excess-param", "b"),
        ("return-not-described", "return"),
    ]


@pytest.mark.parametrize("section", ["Return: 0", "Returns: 0", "RETURN: 0", "@return: 0"])
def test_return_section_spellings(section: str) -> None:
    assert problems(block("foo - x", f" * @a: a\n *\n * {section}\n")) == []


@pytest.mark.parametrize("body", [" * Returns 0 on success.\n", " * Return: \n"])
def test_return_without_a_section_or_text(body: str) -> None:
    kinds = [k for k, *_ in problems(block("foo - x", " * @a: a\n" + body))]
    assert kinds == ["return-not-described"]


@pytest.mark.parametrize(
    "prototype",
    [
        "void foo(int a)\n{\n}\n",
        "static inline void foo(int a)\n{\n}\n",
        "#define foo(a) do { } while (0)\n",
        "void foo(int a);\n",
    ],
)
def test_void_and_macros_need_no_return(prototype: str) -> None:
    assert problems(block("foo - x", " * @a: a\n", prototype)) == []


def test_name_mismatch_skips_excess_and_return_checks() -> None:
    """As in kernel-doc, undescribed parameters are reported while the prototype is read,
    before the name is compared; excess and return checks are skipped."""
    text = block("foo - x", " * @zzz: a\n", "int foo_locked(int a)\n{\n}\n")
    assert problems(text) == [
        ("param-not-described", 6, "foo_locked", "a"),
        ("name-mismatch", 6, "foo", "foo_locked"),
    ]
    message = analyse(text).problems[1].message
    assert message == "expecting prototype for foo(). Prototype was for foo_locked() instead"


def test_not_kernel_doc_names_the_next_function() -> None:
    text = "/**\n * Free the chain and its entries.\n */\nstatic void chain_free(int a)\n{\n}\n"
    result = analyse(text)
    assert [(p.kind, p.line, p.function) for p in result.problems] == [
        ("not-kernel-doc", 2, "chain_free"),
        ("missing-short-description", 2, "chain_free"),  # kernel-doc says both
    ]
    assert result.problems[0].message.startswith(
        "This comment starts with '/**', but isn't a kernel-doc comment."
    )


def test_not_kernel_doc_names_a_declaration_over_several_lines() -> None:
    # The name is read once the declaration is complete (at its `{`), not from its first line.
    text = (
        "/**\n * Free the chain and its entries.\n */\n"
        "static void\nchain_free(struct chain *chain,\n\t   unsigned long flags)\n{\n}\n"
    )
    assert [(p.kind, p.function) for p in analyse(text).problems] == [
        ("not-kernel-doc", "chain_free"),
        ("missing-short-description", "chain_free"),
    ]


def test_indented_and_one_line_comments_are_not_kernel_doc_candidates() -> None:
    text = "void f(void)\n{\n\t/**\n\t * Not at column 0.\n\t */\n}\n/** one line */\nint x;\n"
    assert problems(text) == []


def test_missing_short_description() -> None:
    text = block("foo()", " * @a: a\n * Return: 0\n")
    assert problems(text) == [("missing-short-description", 2, "foo", "foo")]


def test_purpose_continues_on_the_next_line() -> None:
    text = block("foo - a long purpose", " * that wraps.\n * @a: a\n * Return: 0\n")
    result = analyse(text)
    assert result.problems == ()
    assert result.blocks[0].purpose == "a long purpose that wraps."


def test_doc_blocks_are_skipped() -> None:
    text = "/**\n * DOC: Overview\n *\n * Prose.\n */\nint foo(int a)\n{\n}\n"
    result = analyse(text)
    assert result.problems == () and result.blocks[0].decl_type == "doc"


def test_variadic_void_and_function_pointer_parameters() -> None:
    assert parameter_list("const char *fmt, ...") == (("fmt", "..."), frozenset({"..."}))
    assert parameter_list("void") == (("void",), frozenset({"void"}))
    names, _ = parameter_list("int (*cb)(void *, int), unsigned long flags[4]")
    assert names == ("cb", "flags")
    assert parameter_list("struct page **pages, int nr")[0] == ("pages", "nr")


def test_bad_line_without_asterisk() -> None:
    text = block("foo - x", "   lost text\n * @a: a\n * Return: 0\n")
    assert problems(text) == [("bad-line", 3, "foo", "lost text")]
    assert analyse(text).problems[0].message == "bad line:    lost text"


def test_multi_line_macro_prototype() -> None:
    text = block(
        "for_each_thing - iterate",
        " * @pos: cursor\n * @head: list\n",
        "#define for_each_thing(pos, head, member) \\\n\tfor (pos = head; pos; pos++)\n",
    )
    assert problems(text) == [("param-not-described", 7, "for_each_thing", "member")]


def test_struct_members_and_private_section() -> None:
    text = (
        "/**\n * struct foo - a foo\n * @a: a\n * @old: removed\n */\n"
        "struct foo {\n\tint a;\n\tint b;\n\t/* private: */\n\tint c;\n};\n"
    )
    assert problems(text) == [
        ("member-not-described", 11, "foo", "b"),
        ("excess-member", 11, "foo", "old"),
    ]


def test_enum_values() -> None:
    text = (
        "/**\n * enum mode - modes\n * @MODE_A: a\n */\nenum mode {\n\tMODE_A,\n\tMODE_B = 2,\n};\n"
    )
    result = analyse(text)
    assert [(p.kind, p.subject) for p in result.problems] == [("member-not-described", "MODE_B")]
    assert result.problems[0].message == "Enum value 'MODE_B' not described in enum 'mode'"


def test_unknown_lines_restart_the_reader() -> None:
    """Hunks-only: a block whose `*/` is not known must not swallow the code after it."""
    text = (
        block("foo - x", " * @a: a\n")
        + "\n"
        + block("bar - y", " * Return: 1\n", "int bar(int b)\n{\n}\n")
    )
    lines = text.count("\n")
    unknown = {4}  # the first block's `*/`
    result = analyse(text, known=lambda line: line not in unknown)
    assert [(p.kind, p.function) for p in result.problems] == [("param-not-described", "bar")]
    assert lines > 10


def test_kd_checks_use_kernel_doc_wording_and_keys() -> None:
    text = block("foo - x", " * @a: a\n * @flags: old\n", "int foo(int a, int b)\n{\n}\n")
    ctx = FileContext(
        "k.c", FileState("k.c", text), parse_file("k.c", text), default_rules(), Memo()
    )
    found = {f.code: f for check in kdoc.CHECKS for f in check.run(ctx)}
    assert set(found) == {"KD001", "KD002", "KD004"}
    assert (
        found["KD001"].message == "Function parameter or struct member 'b' not described in 'foo'"
    )
    assert found["KD002"].message == "Excess function parameter 'flags' description in 'foo'"
    assert found["KD004"].message == "No description found for return value of 'foo'"
    assert found["KD001"].key == "KD001|k.c|foo|b"


def test_bad_kerneldoc_rule_data(tmp_path: Path) -> None:
    (tmp_path / "kerneldoc.toml").write_text("[sections]\nnames = []\n")
    with pytest.raises(RuleDataError):
        analyse("int x;\n", Rules([tmp_path]))


def test_hostile_input_is_bounded() -> None:
    text = "/**\n * foo - x\n */\nint foo(" + "int a, " * 5000 + "\n" * 10 + "x" * 100000
    result = analyse(text)
    assert result.blocks == () or result.blocks[0].identifier == "foo"
    unterminated = "/**\n * foo - x\n" + " * more\n" * 20000
    assert analyse(unterminated).problems == ()


def test_duplicate_section_reported_where_it_is_closed() -> None:
    text = block("foo - x", " * @a: a\n * Return: 0\n *\n * Return: 1\n")
    assert problems(text) == [("duplicate-section", 7, "foo", "Return")]
    assert analyse(text).problems[0].message == "duplicate section name 'Return'"


def test_struct_word_without_a_name_is_a_wrong_identifier() -> None:
    text = (
        "/**\n * struct upid is used to get the id, as it is seen\n */\n"
        "struct upid {\n\tint nr;\n};\n"
    )
    kinds = [(p.kind, p.message.split(" on line")[0]) for p in analyse(text).problems]
    assert kinds == [
        ("missing-short-description", "missing initial short description"),
        ("not-kernel-doc", "wrong kernel-doc identifier"),
    ]


def test_loose_name_line_takes_text_up_to_the_last_separator() -> None:
    text = block("Print a one-time message (as WARN_ONCE() does):", "", "int foo(void)\n{\n}\n")
    result = analyse(text)
    assert result.blocks[0].identifier == "Print a one-time message (as WARN_ONCE() does)"
    assert [p.kind for p in result.problems] == ["name-mismatch"]


def test_tabs_expand_to_perls_byte_columns() -> None:
    # kernel-doc's s/\t+/' ' x (length($&) * 8 - length($`) % 8)/e, columns counted in bytes
    assert expand_tabs("ab\tc") == "ab" + " " * 6 + "c"
    assert expand_tabs("\t\tx\ty") == " " * 16 + "x" + " " * 7 + "y"
    assert expand_tabs("\u00e9\tx") == "\u00e9" + " " * 6 + "x"  # é is two bytes
    assert expand_tabs("no tab") == "no tab"


def test_every_comment_is_a_block_with_its_kind_and_name() -> None:
    text = (
        "/**\n * DOC: Locking\n * The chain lock nests inside the device lock.\n */\n\n"
        "/**\n * struct chain - a chain\n * @n: entries\n * @m: more\n */\n"
        "struct chain {\n\tint n;\n\tint m;\n};\n\n"
        "/**\n * enum mode - modes\n * @MODE_A: a\n */\nenum mode {\n\tMODE_A,\n};\n\n"
        "/**\n * typedef cb_t - a callback\n * @arg: its argument\n */\n"
        "typedef int (*cb_t)(void *arg);\n\n"
        "/**\n * Count the chains.\n */\nstatic int chain_count;\n"
    )
    result = analyse(text)
    assert [(b.decl_type, b.identifier, b.is_kernel_doc) for b in result.blocks] == [
        ("doc", "", True),  # a DOC: section names no declaration
        ("struct", "chain", True),
        ("enum", "mode", True),
        ("typedef", "cb_t", True),
        ("", "Count", False),  # the first word, as kernel-doc took it
    ]
    assert result.blocks[1].params == (("n", 8), ("m", 9))  # each described name, its line


def test_doc_without_a_blank_after_the_colon_is_a_doc_block() -> None:
    # kernel-doc's `DOC:\s*(.*)?`: `DOC:Locking` is a DOC: block (the script prints nothing)
    text = "/**\n * DOC:Locking\n * @x: a described name in a DOC block\n */\n"
    result = analyse(text)
    assert [b.decl_type for b in result.blocks] == ["doc"] and result.problems == ()


def test_a_typedef_struct_is_read_as_a_struct() -> None:
    # scripts/kernel-doc 6.12 on this text: "9: warning: Function parameter or struct member
    # 'b' not described in 'pair'" and "9: warning: Excess struct member 'c' description in
    # 'pair'"
    body = " * @a: first\n * @c: gone\n"
    text = block("struct pair - a pair", body, "typedef struct {\n\tint a;\n\tint b;\n} pair;\n")
    assert [(p.kind, p.line, p.message) for p in analyse(text).problems] == [
        (
            "member-not-described",
            9,
            "Function parameter or struct member 'b' not described in 'pair'",
        ),
        ("excess-member", 9, "Excess struct member 'c' description in 'pair'"),
    ]


def test_a_declaration_past_the_bound_is_one_note_and_reading_goes_on() -> None:
    # A prototype of more than 100,000 characters (the largest in 6.12 is ~13,000) is one
    # cut-short note; the next comment is read as usual.
    huge = "int huge(" + ",\n".join(f"\tint a{n}" for n in range(12_000)) + ")\n{\n}\n"
    text = block("huge - x", " * Return: 0\n", huge) + block("foo - x", " * Return: 0\n")
    assert [(kind, function) for kind, _, function, _ in problems(text)] == [
        ("cut-short", "huge"),
        ("param-not-described", "foo"),
    ]
