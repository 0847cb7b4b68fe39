"""Per-function results across steps give what analysing every state from scratch gives."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

from reviewtool.analysis.functions import FunctionCache, Inputs
from reviewtool.analysis.locks import analyse_file, analyse_function, lock_table
from reviewtool.analysis.locks.contracts import resolve
from reviewtool.checks import ALL
from reviewtool.checks.base import FileContext, Memo
from reviewtool.csyntax import parse_file
from reviewtool.engine import _rename_key, run_series, sort_findings
from reviewtool.model import FileState
from reviewtool.resources import default_rules
from tests.builders import patch, series, snapshot

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "anon-vma-v2" / "base"

# Wrappers (summaries flow to callers), a call cycle, two #ifdef variants of one name,
# a leak (LK001) and a lock assert (AS003) that depends on a callee's summary.
BASE = """\
#include <linux/spinlock.h>

static void grab(struct dev *d)
{
\tspin_lock(&d->lock);
}

static void drop(struct dev *d)
{
\tspin_unlock(&d->lock);
}

#ifdef CONFIG_A
static int twin(struct dev *d)
{
\tspin_lock(&d->lock);
\treturn 0;
}
#else
static int twin(struct dev *d)
{
\treturn 1;
}
#endif

static int ping(struct dev *d, int n)
{
\tif (n)
\t\treturn pong(d, n - 1);
\tgrab(d);
\treturn 0;
}

static int pong(struct dev *d, int n)
{
\tif (!n)
\t\tdrop(d);
\treturn ping(d, n);
}

static int user(struct dev *d)
{
\tgrab(d);
\tif (d->broken)
\t\treturn -EIO;
\tlockdep_assert_held(&d->lock);
\tdrop(d);
\treturn twin(d);
}
"""


def _results(locks) -> dict:
    return {key: result for key, result in locks.functions.items()}


def test_on_demand_results_equal_the_whole_file_in_call_order():
    facts = parse_file("dev.c", BASE)
    rules = default_rules()
    table = lock_table(rules)
    whole = analyse_file(facts, rules)
    order = whole.exact_order()
    expected = {}
    summaries: dict = {}
    for index in sorted(order, key=order.get):  # the sequential walk the driver replaces
        fn = whole._known[index]
        result = analyse_function(whole._cfg(index), table, summaries, fn.annotations)
        if result.summary:
            summaries[fn.name] = result.summary
        expected[(fn.name, fn.start_line)] = result
    resolve(expected)  # the file's lock contracts, after every function
    assert {k: (r.events, r.summary) for k, r in _results(whole).items()} == {
        k: (r.events, r.summary) for k, r in expected.items()
    }
    for fn in reversed(facts.functions):  # one function at a time, nothing else asked
        alone = analyse_file(facts, rules).result(fn)
        assert (alone.events, alone.summary) == (
            expected[(fn.name, fn.start_line)].events,
            expected[(fn.name, fn.start_line)].summary,
        )


def test_a_moved_function_reuses_its_result_on_its_new_lines():
    cache = FunctionCache()
    before = parse_file("dev.c", BASE)
    assert analyse_file(before, cache=cache).functions
    moved = parse_file("dev.c", "/* one */\n/* two */\n" + BASE)
    hits = cache.hits
    reused = _results(analyse_file(moved, cache=cache))
    assert cache.hits > hits
    assert reused == _results(analyse_file(moved))  # every field, lines included


def test_a_changed_callee_summary_invalidates_its_callers_only():
    cache = FunctionCache()
    assert analyse_file(parse_file("dev.c", BASE), cache=cache).functions
    changed = parse_file("dev.c", BASE.replace("\tspin_unlock(&d->lock);\n", "\t;\n", 1))
    misses = cache.misses
    assert _results(analyse_file(changed, cache=cache)) == _results(analyse_file(changed))
    # drop() itself, user() and pong() which read drop()'s summary, and ping() which reads
    # pong()'s, changed with it; grab() and both twin() are reused
    assert cache.misses - misses == 4


def test_inputs_records_hits_and_misses_and_cannot_be_iterated():
    inputs = Inputs({"grab": ("effect",)}.get)
    assert "grab" in inputs and inputs.get("nope") is None and inputs.get("nope", ()) == ()
    assert inputs.read == {"grab": ("effect",), "nope": None}
    try:
        set(inputs)  # type: ignore[arg-type]
    except TypeError:
        pass
    else:
        raise AssertionError("an analysis must not read every summary")


def test_csyntax_calls_cover_every_call_the_lock_analysis_sees():
    """driver.py and focus.py find call cycles and callers from csyntax's call facts: they
    must include every call the CFG has."""
    from reviewtool.analysis.locks.callgraph import _called

    for path in ("mm/rmap.c", "mm/vma.c"):
        facts = parse_file(path, (EXAMPLE / path).read_text())
        names = {fn.name for fn in facts.functions}
        seen: dict[str, set[str]] = {}
        for call in facts.calls:
            seen.setdefault(call.function, set()).add(call.name)
        locks = analyse_file(facts)
        for index, fn in enumerate(locks._known):
            cfg = locks._cfg(index)
            if cfg is not None:
                assert _called(cfg, names) <= seen.get(fn.name, set()) | {fn.name}, fn.name


# ---- the engine: incremental steps against every state from scratch ---------------------


def _from_scratch(made, snapshots, checks):
    """The engine before per-function results: every file check on every whole state with
    fresh caches, then key counts compared step by step."""
    rules = default_rules()
    per_step = []
    for snap in snapshots:
        found = []
        for path in sorted(snap.files):
            state = snap.files[path]
            ctx = FileContext(path, state, parse_file(path, state.text, rules), rules, Memo())
            for check in checks:
                if check.scope == "file" and path.endswith(check.suffixes):
                    found.extend(check.run(ctx))
        per_step.append(found)
    counts = [Counter(f.key for f in found) for found in per_step]
    out = []
    for step in range(1, len(per_step)):
        renames = dict(snapshots[step].renamed)
        before = Counter({_rename_key(k, renames): v for k, v in counts[step - 1].items()})
        grown = {key: counts[step][key] - before[key] for key in counts[step]}
        for finding in per_step[step]:
            if grown.get(finding.key, 0) <= 0:
                continue
            grown[finding.key] -= 1
            level, current, fixed = counts[step][finding.key], finding.key, None
            for later in range(step + 1, len(counts)):
                current = _rename_key(current, dict(snapshots[later].renamed))
                if counts[later][current] < level:
                    fixed = later
                    break
            location = replace(finding.location, patch=step)
            evidence = tuple(replace(e, patch=step) for e in finding.evidence)
            out.append(
                replace(
                    finding,
                    location=location,
                    evidence=evidence,
                    introduced_in=step,
                    fixed_in=fixed,
                )
            )
    return sort_findings(out)


def _texts() -> list[str]:
    states = [BASE]
    states.append("/* moved down */\n" + BASE)  # every function moves
    states.append(states[-1].replace("\tdrop(d);\n\treturn twin(d);", "\treturn twin(d);"))
    states.append(states[-1].replace("\tspin_lock(&d->lock);\n}", "\tspin_lock(&d->lock);\n\t;\n}"))
    states.append(states[-1] + "\nstatic int extra(struct dev *d)\n{\n\tgrab(d);\n\treturn 0;\n}\n")
    states.append(states[-1].replace("\treturn twin(d);", "\tdrop(d);\n\treturn twin(d);"))
    states.append(states[-1].replace("#ifdef CONFIG_A", "#ifdef CONFIG_B"))
    # only drop() changes: user() and pong(), unchanged, now leak through it
    states.append(states[-1].replace("\tspin_unlock(&d->lock);\n}", "\t;\n}", 1))
    # a partner that releases its caller's lock: confirms the contracts of the lock
    # helpers, so findings in functions this patch did not touch come and go
    states.append(
        states[-1] + "\nstatic void put_it(struct dev *d)\n{\n\tspin_unlock(&d->lock);\n}\n"
    )
    states.append(BASE)  # and back: what the series introduced is fixed again
    return states


def test_a_same_file_series_gives_what_every_state_from_scratch_gives():
    texts = _texts()
    snapshots = [
        snapshot(k, {"dev.c": text, "other.c": BASE}, touched=["dev.c"] if k else [])
        for k, text in enumerate(texts)
    ]
    made = series(*(patch(k, len(texts) - 1) for k in range(1, len(texts))))
    file_checks = [c for c in ALL if c.scope == "file"]
    found, _ = run_series(made, snapshots, file_checks, default_rules())
    expected = _from_scratch(made, snapshots, file_checks)
    assert found == expected
    assert {f.code for f in expected} >= {"LK001"}  # the series really has findings


def test_scan_of_a_state_is_what_a_series_sees_of_it():
    state = FileState("dev.c", _texts()[3])
    rules = default_rules()
    ctx = FileContext("dev.c", state, parse_file("dev.c", state.text, rules), rules, Memo())
    whole = [f for c in ALL if c.scope == "file" for f in c.run(ctx)]
    focus = frozenset(fn.name for fn in ctx.facts.functions)
    focused = replace(ctx, memo=Memo(), focus=focus)
    assert [f for c in ALL if c.scope == "file" for f in c.run(focused)] == whole


# ---- csyntax: incremental parsing -------------------------------------------------------


def _facts_view(facts):
    functions = [
        (fn.name, fn.start_line, fn.end_line, fn.body_line, fn.is_static, fn.return_type,
         fn.params, fn.variadic, fn.annotations, fn.error_count, fn.error_lines,
         fn.node.start_byte, fn.node.end_byte, str(fn.node))
        for fn in facts.functions
    ]  # fmt: skip
    return (functions, facts.comments, facts.calls, facts.declarations, facts.type_lines,
            facts.types, facts.error_count, facts.source)  # fmt: skip


def test_incremental_parsing_gives_the_facts_of_a_parse_from_scratch():
    from reviewtool.csyntax import FactsCache

    text = (EXAMPLE / "mm" / "rmap.c").read_text()
    lines = text.split("\n")
    ends = [i for i in range(len(lines) - 1) if lines[i] == "}" and lines[i + 1] == ""]
    states = [text]
    added = "\nstatic void added(struct anon_vma *av)\n{\n\tanon_vma_lock_write(av);\n}\n"
    states.append("\n".join(lines[: ends[10] + 1] + added.split("\n") + lines[ends[10] + 1 :]))
    states.append(states[-1].replace("anon_vma_lock_write(av);", "if (av)\n\t\treturn;"))
    states.append(states[-1].replace("\tanon_vma_unlock_write(anon_vma);\n", "", 1))
    body = states[-1].index("\n{\n", len(states[-1]) // 2)  # an #ifdef around a function
    states.append(states[-1][:body] + "\n#ifdef CONFIG_X" + states[-1][body:])
    states.append(states[-1].replace("\n#ifdef CONFIG_X", "") + "\nint tail(void);\n")
    states.append(states[0])
    cache = FactsCache()
    for number, state in enumerate(states):
        fast = cache.facts(FileState("mm/rmap.c", state))
        assert _facts_view(fast) == _facts_view(parse_file("mm/rmap.c", state)), number
    assert cache.incremental == cache.parses - 1  # the last state is the first again


def test_a_moved_function_is_built_with_every_field_in_order():
    from dataclasses import fields

    from reviewtool.csyntax.facts import Function
    from reviewtool.csyntax.incremental import FUNCTION_FIELDS

    assert tuple(f.name for f in fields(Function)) == FUNCTION_FIELDS


def test_moved_calls_and_comments_are_the_facts_their_classes_make():
    from dataclasses import fields

    from reviewtool.csyntax.facts import Call, Comment
    from reviewtool.csyntax.incremental import (
        CALL_FIELDS,
        COMMENT_FIELDS,
        _moved_calls,
        _moved_comments,
    )

    assert tuple(f.name for f in fields(Call)) == CALL_FIELDS
    assert tuple(f.name for f in fields(Comment)) == COMMENT_FIELDS
    calls = [Call("f", 3, "g", 2), Call("h", 9, None, 0)]
    moved = _moved_calls(calls, 4)
    assert moved == [Call("f", 7, "g", 2), Call("h", 13, None, 0)]
    assert hash(moved[0]) == hash(Call("f", 7, "g", 2))
    assert _moved_comments([Comment("/* x */", 1, 2)], -1) == [Comment("/* x */", 0, 1)]


# ---- kernel-doc by region ---------------------------------------------------------------

KDOC = """\
/**
 * struct drvdata_set() - a struct name line above a function: kernel-doc reads on
 * @mem: memory device
 */
static inline void drvdata_set(struct mem *mem)
{
\tmem->priv = 0;
}

/**
 * drvdata_get() - get it
 * @mem: memory device
 */
static inline void *drvdata_get(struct mem *mem, int flags)
{
\treturn mem->priv;
}

/**
 * Not kernel-doc
 * *
 */
int odd(void);
"""


def test_kernel_doc_by_region_reads_like_the_whole_file():
    from reviewtool.analysis.kdoc import analyse
    from reviewtool.analysis.kdoc.incremental import RunCache, analyse_by_region

    rules = default_rules()
    cache = RunCache()
    rmap = (EXAMPLE / "mm" / "rmap.c").read_text()
    for text in (KDOC, "int x;\n\n" + KDOC, rmap, "/* moved */\n" + rmap):
        assert analyse_by_region(text, rules, cache) == analyse(text, rules)
    # the struct name line keeps the reader busy into the next region
    assert [p.line for p in analyse(KDOC, rules).problems if p.kind == "bad-line"][0] == 11


def test_parsing_keeps_nothing_of_the_source_alive():
    """py-tree-sitter 0.26.1 keeps a reference to every chunk a read callback returns; a
    series of a thousand states would keep a thousand copies of its files."""
    import gc
    import tracemalloc

    from reviewtool.csyntax import _parse

    source = (EXAMPLE / "mm" / "rmap.c").read_bytes()
    _parse(source)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(10):
            tree = _parse(source)
        del tree
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < len(source) // 2  # ten parses of 90 KB: a leak would be ten times that
