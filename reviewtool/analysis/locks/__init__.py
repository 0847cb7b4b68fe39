"""Lock analysis: the public entry points and the per-file driver over the package's modules.

analyse_file, analyse_function and lock_table are the API; the dataflow runs over each
function's CFG.

The locks held along every path are a set of abstract states per CFG node (held locks,
known-released locks, flag and alias facts), with trylock and *_interruptible results,
cleanup.h scopes, same-file wrapper summaries and bounded work:

- rules: the rule table from rules/locks.toml and lock API naming conventions;
- state: the abstract state, results, and how locks are named;
- facts: flag variables and their liveness, read before the dataflow; lockwork: what the
  calls do with locks;
- ops, effects, flow: the dataflow (lock operations, expression effects, driver);
- summary: summaries for callers and leaks.

Lock identity is `class:expression`: the lock class from rules/locks.toml and the normalised
argument expression (`spinlock:&root->lock`, `mm: anon_vma rwsem:anon_vma`)."""

from __future__ import annotations

from reviewtool.analysis.cfg import CFG
from reviewtool.analysis.functions import FunctionCache
from reviewtool.analysis.locks.callees import finder_for
from reviewtool.analysis.locks.driver import FileLocks
from reviewtool.analysis.locks.facts import flag_variables, live_facts
from reviewtool.analysis.locks.flow import MAX_STATES_PER_NODE, _Analysis
from reviewtool.analysis.locks.leaks import _leaks, describe_path
from reviewtool.analysis.locks.lockwork import _has_lock_work, tested_twice
from reviewtool.analysis.locks.retry import retried
from reviewtool.analysis.locks.rules import AcquireRule, LockTable, ReleaseRule, lock_table
from reviewtool.analysis.locks.state import (
    MAX_HELD,
    PURE,
    RETURNED,
    Effect,
    Event,
    Exit,
    FunctionResult,
    Held,
    State,
    _template,
    base_variable,
    lvalue_key,
    stable_subject,
)
from reviewtool.analysis.locks.summary import _summarise, callers_locks_released
from reviewtool.csyntax import FileFacts, Function
from reviewtool.csyntax.ir import MAX_DEPTH
from reviewtool.resources import Rules, default_rules

__all__ = [
    "MAX_HELD",
    "MAX_STATES_PER_NODE",
    "MAX_STEPS",
    "RETURNED",
    "AcquireRule",
    "Effect",
    "Event",
    "Exit",
    "FileLocks",
    "FunctionResult",
    "Held",
    "LockTable",
    "ReleaseRule",
    "State",
    "analyse_file",
    "analyse_function",
    "base_variable",
    "describe_path",
    "flag_variables",
    "live_facts",
    "lock_table",
    "lvalue_key",
    "stable_subject",
]

MAX_STEPS = 40_000  # (node, state) transfers per function; read per call, so tests may patch it


def analyse_function(
    cfg: CFG, table: LockTable, summaries: dict[str, tuple[Effect, ...]], annotations: tuple = ()
) -> FunctionResult:
    result = FunctionResult(cfg.name)
    if not cfg.complete:
        result.budget_exceeded = True
        return result
    if cfg.too_deep:  # not in the CFG: a lock call there is not seen
        why = f"what nests past the depth bound ({MAX_DEPTH} levels) is not analysed"
        result.incomplete = (("depth", why),)
    if not _has_lock_work(cfg, table, summaries):
        return result
    pure = frozenset(n for n in tested_twice(cfg) if _is_pure(summaries.get(n)))
    flags = flag_variables(cfg, pure, lambda name: _signing(summaries.get(name)))
    analysis = _Analysis(cfg, table, summaries, flags, MAX_STEPS, pure)
    finished = analysis.run()
    result.steps = analysis.steps
    result.analysed = True
    if analysis.untracked:
        why = (
            f"it holds more than {MAX_HELD} locks or disabled contexts (irq, preempt, rcu) "
            f"at once, and those past {MAX_HELD} are not tracked"
        )
        result.incomplete += (("held", why),)
    if not finished:
        result.budget_exceeded = True
        return result
    result.exits = analysis.exits
    # a release a retry loop undoes (taken again before any exit) hands nothing back
    analysis.released_anywhere -= retried(cfg, analysis.released_at, analysis.taken_at)
    result.released_via = analysis.released_via
    result.takes_locks = analysis.takes_locks
    result.taken_classes = frozenset(analysis.taken_classes)
    result.refuted_via = analysis.refuted_via
    result.unknown_calls_holding = frozenset(analysis.unknown_calls_holding)
    result.releases_callers = callers_locks_released(cfg, analysis)
    result.drops_callers = frozenset(callers_locks_released(cfg, analysis, always=False))
    result.summary = _summarise(cfg, analysis, annotations)
    result.events = list(analysis.events.values())
    result.events.extend(_leaks(cfg, analysis, result.summary, annotations))
    return result


def _is_pure(summary: tuple[Effect, ...] | None) -> bool:
    return summary == (PURE,)


def _signing(summary: tuple[Effect, ...] | None) -> bool:
    """A callee that releases a lock iff its result is <= 0: its callers note the sign."""
    return any(e.acquired_when == "nonpositive" for e in summary or ())


def _annotation_effects(fn: Function, params: tuple[str, ...]) -> list[Effect]:
    """What `__acquires()` / `__releases()` tell callers. A lock named by both is dropped
    and taken again (`__releases(&base->lock) __acquires(&base->lock)`: a wait helper
    that unlocks, sleeps, relocks): held on return as on entry, nothing for callers."""
    effects = []
    for annotation in fn.annotations:
        op = {"__acquires": "acquire", "__releases": "release"}.get(annotation.macro)
        if op is None:
            continue
        expr = annotation.argument.replace(" ", "")
        template = _template(expr, params)
        if template is not None:
            effects.append(Effect(op, "annotated", template, ""))
    both = {e.template for e in effects if e.op == "acquire"}
    both &= {e.template for e in effects if e.op == "release"}
    return [e for e in effects if e.template not in both]


def analyse_file(
    facts: FileFacts,
    rules: Rules | None = None,
    known: object = None,
    cache: FunctionCache | None = None,
) -> FileLocks:
    """Lock results for the functions of a file, computed when asked for (`result(fn)`) or
    all at once (`functions`). `known(first, last)` says whether a function is wholly known
    (hunks-only states); unknown ones are not analysed and their names resolve to nothing.
    `cache` keeps results across file states (one cache per rule set). With a base tree
    behind `rules` (`--tree`, `--base`), callees the file does not define are summarised
    from the tree's other files for the functions that need them (locks/callees.py)."""
    rules = rules or default_rules()
    finder = finder_for(rules)
    outside = None
    if finder is not None:
        text = facts.source.decode("utf-8", "replace")

        def outside(names: set[str]) -> dict[str, tuple[Effect, ...]]:
            return finder.summaries(facts.path, text, names, summarise_functions)

    return FileLocks(facts, rules, analyse_function, _annotation_effects, known, cache, outside)  # type: ignore[arg-type]


def summarise_functions(facts: FileFacts, names: set[str], rules: Rules) -> dict:
    """Summaries of `names` defined in `facts` (another file of the tree), with what they
    call in their own file (nothing of that file is reported, nothing beyond it read)."""
    found = FileLocks(facts, rules, analyse_function, _annotation_effects)  # type: ignore[arg-type]
    summaries = {name: found.first_summary(name) for name in names}
    return {name: summary for name, summary in summaries.items() if summary}
