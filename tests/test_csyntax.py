"""The C front end: facts from kernel C, attribute macros repaired, one parse per content."""

from __future__ import annotations

from reviewtool.csyntax import FactsCache, parse_file
from reviewtool.model import FileState

KERNEL_C = """\
#include <linux/spinlock.h>
#define MAX_ITEMS 16
#define item_ok(x) ((x) != NULL)

static int counter;

static int __init setup_items(struct item *it, int n) __acquires(&it->lock)
{
	spin_lock(&it->lock);
	return item_ok(it) ? n : 0;
}

static __always_inline void put_item(struct item *it)
	__releases(&it->lock)
{
	spin_unlock(&it->lock);
}

struct item *find_item(const char *name, ...);

void __cold report(void)
{
	put_item(find_item("x"));
}
"""


def test_functions_survive_attribute_macros_and_keep_their_annotations():
    facts = parse_file("lib/items.c", KERNEL_C)
    names = [(fn.name, fn.start_line, fn.end_line, fn.is_static) for fn in facts.functions]
    assert names == [
        ("setup_items", 7, 11, True),
        ("put_item", 13, 17, True),
        ("report", 21, 24, False),
    ]
    setup = facts.function("setup_items")
    assert [p.name for p in setup.params] == ["it", "n"]
    assert [(a.macro, a.argument) for a in setup.annotations] == [("__acquires", "&it->lock")]
    assert [(a.macro, a.line) for a in facts.function("put_item").annotations] == [
        ("__releases", 14)
    ]
    assert facts.function("report").params == ()
    assert facts.error_count == 0


def test_calls_declarations_and_macros_are_collected():
    facts = parse_file("lib/items.c", KERNEL_C)
    calls = [(c.name, c.function, c.arg_count) for c in facts.calls]
    assert ("spin_lock", "setup_items", 1) in calls
    assert ("put_item", "report", 1) in calls
    decls = {(d.name, d.kind, d.arg_count, d.variadic) for d in facts.declarations}
    assert ("MAX_ITEMS", "macro", None, False) in decls
    assert ("item_ok", "function-macro", 1, False) in decls
    assert ("find_item", "prototype", None, True) in decls


def test_a_comment_among_call_arguments_is_no_argument():
    source = (
        "void f(int a, int b)\n{\n"
        "\tg(a /* the first */, b);\n"  # a comment: two arguments
        "\th(a, // the first\n\t  b);\n"
        "\tk(a / b, a);\n"  # a division: still two
        "\tm();\n}\n"
    )
    calls = {c.name: c.arg_count for c in parse_file("lib/args.c", source).calls}
    assert calls == {"g": 2, "h": 2, "k": 2, "m": 0}


def test_line_numbers_survive_blanking():
    facts = parse_file("lib/items.c", KERNEL_C)
    assert facts.function_at(9).name == "setup_items"
    assert next(c.line for c in facts.calls if c.name == "spin_unlock") == 16


def test_each_distinct_content_is_parsed_once():
    cache = FactsCache()
    first = FileState("a.c", KERNEL_C)
    cache.facts(first)
    cache.facts(FileState("a.c", KERNEL_C))
    moved = cache.facts(FileState("b.c", KERNEL_C))
    assert cache.parses == 1
    assert moved.path == "b.c"
    cache.facts(FileState("a.c", KERNEL_C + "\n"))
    assert cache.parses == 2


def test_a_comment_cut_by_an_unknown_region_is_sealed_without_moving_lines():
    from reviewtool.csyntax.prepare import seal_unknown_regions

    # Hunks showed the start and the end of a block comment, not its middle.
    text = "/*\n * head\n\n\n * tail\n */\nint f(void)\n{\n\treturn 0;\n}\n"
    sealed = seal_unknown_regions(text, ((3, 4),))
    assert sealed.count("\n") == text.count("\n")
    assert sealed.splitlines()[2:4] == ["*/", "/*"]
    unsealed = parse_file("a.c", "int a;\n/* open\n\n\nint g(void)\n{\n\treturn 1;\n}\n")
    assert unsealed.functions == ()
    facts = FactsCache().facts(
        FileState("a.c", "int a;\n/* open\n\n\nint g(void)\n{\n\treturn 1;\n}\n", ((3, 4),))
    )
    assert [(fn.name, fn.start_line) for fn in facts.functions] == [("g", 5)]


def test_input_that_makes_tree_sitter_spin_is_cancelled(monkeypatch):
    import reviewtool.csyntax as csyntax

    monkeypatch.setattr(csyntax._parse, "__defaults__", (0.5,))
    facts = parse_file("evil.c", "b/*d(&N(=m;}")
    assert facts.parse_failed
    assert facts.functions == ()
    assert not parse_file("good.c", KERNEL_C).parse_failed
