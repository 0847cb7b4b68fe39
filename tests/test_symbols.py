"""Symbol tables per file state and what a file sees through its includes."""

from __future__ import annotations

import random

from reviewtool.analysis import tree_view
from reviewtool.analysis.symbols import state as symbols
from reviewtool.analysis.symbols.state import file_symbols
from reviewtool.analysis.tree_view import TreeView, mentions, tree_views
from reviewtool.checks.base import Memo
from reviewtool.csyntax import FactsCache, parse_file
from reviewtool.model import FileState
from tests.builders import snapshot

RMAP_C = """\
#include <linux/mm.h>
#include "internal.h"

/**
 * anon_vma_check - the name in a comment is not a use of it
 */
static void __maybe_unused anon_vma_check(struct anon_vma *av)
{
\tWARN_ON(!av);
}

static int helper(int a, int b);

static int helper(int a, int b)
{
\treturn a + b;
}

static inline int folded(int a) { return a; }

int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src)
{
\tstruct anon_vma_chain *avc = container_of(src, struct anon_vma_chain, same_vma);
\tpr_info("helper(%d)\\n", helper(1, min_t(int, 2, 3)));
\treturn helper((int){ 1 }, dst ? 1 : 0) + printk("%d %d", 1, 2);
}

#define CALL_CHECK(av) anon_vma_check(av)
"""


def table(text: str, path: str = "mm/rmap.c") -> symbols.FileSymbols:
    state = FileState(path, text)
    return file_symbols(state, FactsCache().facts(state))


def test_provisions_know_static_inline_prototypes_and_macros():
    found = table(RMAP_C)
    kinds = {name: sorted(p.kind for p in items) for name, items in found.provides.items()}
    assert kinds["helper"] == ["function", "prototype"]
    assert kinds["CALL_CHECK"] == ["function-macro"]
    folded = found.provides["folded"][0]
    assert folded.is_static and folded.is_inline and folded.arity == 1
    clone = found.provides["anon_vma_clone"][0]
    assert not clone.is_static and clone.arity == 2
    assert found.unused_marked == {"anon_vma_check"}
    assert table("struct anon_vma { int x; };\ntypedef int pgoff_t;\n").types == {
        "anon_vma",
        "pgoff_t",
    }


def test_references_skip_comments_strings_and_declarators():
    found = table(RMAP_C)
    assert found.references("helper") == 2  # two calls; the prototype and body do not count
    assert found.references("anon_vma_check") == 1  # only the macro body, not the comment
    assert found.references("anon_vma_clone") == 0
    recursive = table("static void walk(int n)\n{\n\tif (n)\n\t\twalk(n - 1);\n}\n")
    assert recursive.references("walk") == 0  # gcc: 'walk' defined but not used


def test_arguments_are_recounted_from_the_text():
    found = table(RMAP_C)
    by_name = {use.name: use for use in found.calls}
    assert (by_name["container_of"].args, by_name["container_of"].macro_args) == (3, 3)
    assert by_name["min_t"].args == 3
    helper_calls = sorted((use.args, use.macro_args) for use in found.calls_to("helper"))
    # `(int){ 1 }` is one argument to the compiler; cpp would split it at the brace's comma
    assert helper_calls == [(2, 2), (2, 2)]
    assert by_name["printk"].args == 3


def test_split_args_handles_empty_and_unbalanced_calls():
    assert symbols._split_args("f()", 1) == (0, 0)
    assert symbols._split_args("f( )", 1) == (0, 0)
    # cpp protects commas only inside parentheses: `d[1, 2]` is two macro arguments
    assert symbols._split_args("f(a, (b, c), d[1, 2])", 1) == (3, 4)
    assert symbols._split_args("FOO({ a, b })", 3) == (1, 2)
    assert symbols._split_args("f(a, b", 1) == (None, None)


def test_include_candidates_stay_inside_the_tree():
    assert symbols.include_candidates("mm/rmap.c", "internal.h", True)[0] == "mm/internal.h"
    assert symbols.include_candidates("mm/rmap.c", "linux/mm.h", False) == (
        "include/linux/mm.h",
        "include/uapi/linux/mm.h",
    )
    assert "arch/x86/include/asm/tlb.h" in symbols.include_candidates("mm/a.c", "asm/tlb.h", False)
    escaped = symbols.include_candidates("mm/rmap.c", "../../../etc/passwd", True)
    assert all(not path.startswith("..") for path in escaped)


def _view(files: dict[str, str], base: dict[str, str], series_paths=None) -> TreeView:
    snap = snapshot(1, files, touched=list(files))
    cache = FactsCache()
    memo = Memo()
    reads: list[str] = []

    def base_file(path: str) -> FileState | None:
        reads.append(path)
        return FileState(path, base[path]) if path in base else None

    view = tree_views([snap], cache.facts, base_file, memo.get)[0]
    if series_paths is not None:
        view.series_paths = frozenset(series_paths)
    view.reads = reads  # type: ignore[attr-defined]
    return view


def test_visible_follows_includes_two_levels_deep_and_no_further():
    base = {
        "include/linux/mm.h": "#include <linux/mm_types.h>\nint folio_mapcount(struct folio *);\n",
        "include/linux/mm_types.h": "#include <linux/deep.h>\n#define VM_NONE 0\n",
        "include/linux/deep.h": "void too_deep(void);\n",
        "mm/internal.h": "void unlink_anon_vmas(struct vm_area_struct *vma);\n",
    }
    view = _view({"mm/rmap.c": RMAP_C}, base)
    assert view.closure("mm/rmap.c") == (
        "include/linux/mm.h",
        "mm/internal.h",
        "include/linux/mm_types.h",
    )
    assert [p.kind for p in view.visible("mm/rmap.c", "folio_mapcount")] == ["prototype"]
    assert [p.kind for p in view.visible("mm/rmap.c", "VM_NONE")] == ["macro"]
    assert view.visible("mm/rmap.c", "unlink_anon_vmas")[0].path == "mm/internal.h"
    assert view.visible("mm/rmap.c", "too_deep") == []  # three includes away


def test_headers_the_series_touches_come_from_the_snapshot():
    base = {"mm/internal.h": "void old_name(void);\n"}
    view = _view({"mm/rmap.c": RMAP_C, "mm/internal.h": "void new_name(void);\n"}, base)
    assert view.visible("mm/rmap.c", "old_name") == []
    assert view.visible("mm/rmap.c", "new_name")[0].kind == "prototype"
    deleted = _view({"mm/rmap.c": RMAP_C}, base, series_paths={"mm/rmap.c", "mm/internal.h"})
    assert deleted.visible("mm/rmap.c", "old_name") == []  # the series deleted that header


def test_headers_are_read_lazily_and_only_when_reachable():
    base = {"include/linux/mm.h": "\n", "include/linux/unrelated.h": "void x(void);\n"}
    view = _view({"mm/rmap.c": RMAP_C}, base)
    assert view.reads == []  # type: ignore[attr-defined]
    view.visible("mm/rmap.c", "helper")
    assert "include/linux/unrelated.h" not in view.reads  # type: ignore[attr-defined]


def test_header_symbols_are_cached_by_content():
    header = "int folio_mapcount(struct folio *);\n"
    cache = FactsCache()
    memo = Memo()
    snaps = [snapshot(k, {"mm/rmap.c": RMAP_C + "\n" * k}, touched=["mm/rmap.c"]) for k in range(3)]

    def base_file(path: str) -> FileState | None:
        return FileState(path, header) if path == "include/linux/mm.h" else None

    for view in tree_views(snaps, cache.facts, base_file, memo.get):
        assert view.visible("mm/rmap.c", "folio_mapcount")
    assert cache.parses == 4  # three states of rmap.c, the header once


def test_base_headers_parsed_apart_give_the_same_provisions_and_stay_out_of_the_cache():
    base = {
        "include/linux/mm.h": "#include <linux/mm_types.h>\nint folio_mapcount(struct folio *);\n",
        "include/linux/mm_types.h": "#define VM_NONE 0\nstatic inline int vm_none(void) {}\n",
    }
    apart: list[str] = []

    def parse_apart(state: FileState):
        apart.append(state.path)
        return parse_file(state.path, state.text)

    def views(parse=None):
        cache = FactsCache()
        snap = snapshot(1, {"mm/rmap.c": RMAP_C}, touched=["mm/rmap.c"])
        base_file = lambda path: FileState(path, base[path]) if path in base else None  # noqa: E731
        return cache, tree_views([snap], cache.facts, base_file, Memo().get, None, parse)[0]

    kept, view = views()
    cache, apart_view = views(parse_apart)
    for name in ("folio_mapcount", "VM_NONE", "vm_none", "missing"):
        assert apart_view.visible("mm/rmap.c", name) == view.visible("mm/rmap.c", name)
    assert sorted(set(apart)) == sorted(base)  # each header read for its provisions
    assert kept.parses == 3 and cache.parses == 1  # the headers never entered the cache


def test_a_header_asked_often_is_read_from_its_word_set(monkeypatch):
    monkeypatch.setattr(tree_view, "WORD_SET_AFTER", 2)
    tested: list[str] = []
    real = tree_view.mentions
    monkeypatch.setattr(
        tree_view, "mentions", lambda text, name: tested.append(name) or real(text, name)
    )
    base = {"include/linux/mm.h": "int folio_mapcount(struct folio *);\n#define VM_NONE 0\n"}
    view = _view({"mm/rmap.c": RMAP_C}, base)
    found = {
        n: view.visible("mm/rmap.c", n) for n in ("missing", "folio", "folio_mapcount", "VM_NONE")
    }
    assert tested == ["missing", "folio"]  # two tests of its text, then its word set
    assert [p.kind for p in found["folio_mapcount"]] == ["prototype"]
    assert [p.kind for p in found["VM_NONE"]] == ["macro"]
    assert found["missing"] == found["folio"] == []


def test_provides_of_is_what_file_symbols_provides():
    header = (
        "#define MAX(a, b) ((a) > (b) ? (a) : (b))\n#define FLAG 1\n"
        "int f(int a, ...);\nstatic inline int g(void) { return h(1, 2); }\n"
        "static __maybe_unused void k(int x) { }\nextern int v;\n"
    )
    state = FileState("include/linux/x.h", header)
    facts = parse_file(state.path, state.text)
    assert symbols.provides_of(state, facts) == file_symbols(state, facts).provides
    assert {"MAX", "FLAG", "f", "g", "k"} <= set(symbols.provides_of(state, facts))


def test_mentions_is_membership_in_the_words_of_a_text():
    text = "x9foo 9bar é9baz qux_ quux2 _under a.b ->c\nlast"
    words = set(symbols.WORD.findall(text))
    for name in (
        "foo",
        "x9foo",
        "bar",
        "baz",
        "qux",
        "qux_",
        "quux",
        "quux2",
        "_under",
        "under",
        "a",
        "b",
        "c",
        "last",
        "las",
        "9bar",
        "",
        "a.b",
        "é9baz",
    ):
        assert mentions(text, name) == (name in words), name


def test_mentions_agrees_with_the_words_on_generated_texts():
    pieces = ["foo", "_", "9", "é", "x", " ", "\n", "(", "fo", "o"]
    chooser = random.Random(17)
    for _ in range(3000):
        text = "".join(chooser.choice(pieces) for _ in range(chooser.randint(0, 12)))
        words = set(symbols.WORD.findall(text))
        for name in ("foo", "fo", "o", "x", "_", "xfoo", "foo_", "_foo", "foo9", "9foo"):
            assert mentions(text, name) == (name in words), (text, name)


def test_argument_recounting_is_bounded_per_file(monkeypatch):
    monkeypatch.setattr(symbols, "MAX_SCAN_PER_FILE", 40)
    text = "void f(void)\n{\n" + "\tg(aaaaaaaaaa, bbbbbbbbbb);\n" * 4 + "}\n"
    counts = [use.args for use in table(text).calls]
    assert counts[0] == 2 and counts[-1] is None  # past the budget: unknown, never guessed
