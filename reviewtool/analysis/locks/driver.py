"""The per-file driver of the lock analysis: which function is analysed, with which callee
summaries visible, and each function's result reused across file states.

Summaries flow from callees to callers in the order of a depth-first walk of the same-file
call graph (callees first; see `exact_order`). A caller sees a callee's summary when the
callee comes earlier in that order, which outside call cycles is always the case. So a
function's result is computed on demand: reading a callee's summary computes that callee,
and only for a callee in the same call cycle (by csyntax's call facts, a superset of the
calls the analysis sees) is the exact order consulted. The result equals what analysing the
whole file in order gives, for every function, while `result(fn)` analyses only what `fn`
needs.

Each result goes through a `FunctionCache` (reviewtool.analysis.functions): keyed by the
function's prepared text and annotations, valid while every summary it read is unchanged,
moved to the function's current lines when reused (`shift_result`, shift.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from reviewtool.analysis.cfg import CFG, build_cfg
from reviewtool.analysis.functions import FunctionCache, Inputs, reuse, text_key
from reviewtool.analysis.locks.callgraph import _called, _cycles, call_aliases
from reviewtool.analysis.locks.contracts import _kept as kept
from reviewtool.analysis.locks.contracts import confirmed_contracts, contract_neutral
from reviewtool.analysis.locks.lockwork import pure_predicate
from reviewtool.analysis.locks.rules import lock_table
from reviewtool.analysis.locks.shift import shift_result
from reviewtool.analysis.locks.skip import LockFree
from reviewtool.analysis.locks.state import PURE, Effect, Exit, FunctionResult
from reviewtool.analysis.locks.summary import annotated_releases
from reviewtool.csyntax import FileFacts, Function
from reviewtool.csyntax.ir import lower_function
from reviewtool.resources import Rules

Analyse = Callable[[CFG, Any, Inputs, tuple], FunctionResult]
Outside = Callable[[set[str]], dict[str, tuple[Effect, ...]]]
Summarise = Callable[[Function, tuple[str, ...]], list[Effect]]
_COMPUTING = object()
MAX_DEPTH = 400  # depth of the call-order walk, as the whole-file analysis always had


class FileLocks:
    """Lock results of one file state, computed on demand. `result(fn)` for one function,
    `functions` for all of them (by (name, first line), in call order)."""

    def __init__(
        self,
        facts: FileFacts,
        rules: Rules,
        analyse: Analyse,
        annotation_effects: Summarise,
        known: Callable[[int, int], bool] | None = None,
        cache: FunctionCache | None = None,
        outside: Outside | None = None,
    ) -> None:
        self.facts = facts
        self.rules = rules
        self.table = lock_table(rules, facts.path)  # with the file's directory's vocabulary
        self._analyse = analyse
        self._annotation_effects = annotation_effects
        self.cache = cache if cache is not None else FunctionCache()
        self._known = [
            fn for fn in facts.functions if known is None or known(fn.start_line, fn.end_line)
        ]
        self._index = {(fn.name, fn.start_line): i for i, fn in enumerate(self._known)}
        self._twins: dict[str, list[int]] = {}
        for i, fn in enumerate(self._known):
            self._twins.setdefault(fn.name, []).append(i)
        self._results: dict[int, FunctionResult | None] = {}
        self._cfgs: dict[int, CFG | None] = {}
        self._cycles: dict[str, int] | None = None
        self._order: dict[int, int] | None = None
        self._confirmed: set[str] | None = None
        self._outside = outside  # summaries of callees in the base tree's other files
        self._widened: dict[int, FunctionResult | None] = {}
        self._lock_free = LockFree(facts, self.table, rules)  # functions with no lock work
        self._aliases: dict[str, str] | None = None  # macros of the file that are one call

    # -- public -----------------------------------------------------------------------

    def result(self, fn: Function) -> FunctionResult | None:
        """The result of `fn`, None when it is not analysed (not wholly known, or too deeply
        nested to lower). Its findings are those the file's lock contracts leave
        (contracts.py); only a function whose findings involve a contract needs them all."""
        index = self._index.get((fn.name, fn.start_line))
        return None if index is None else self._resolved(index)

    @property
    def functions(self) -> dict[tuple[str, int], FunctionResult]:
        out: dict[tuple[str, int], FunctionResult] = {}
        for index in sorted(self.exact_order(), key=self.exact_order().__getitem__):
            result = self._resolved(index)
            if result is not None:
                fn = self._known[index]
                out[(fn.name, fn.start_line)] = result
        return out

    def confirmed(self) -> set[str]:
        """The contracts of this file its code confirms (needs every function's result)."""
        if self._confirmed is None:
            raw = (self._result(index) for index in range(len(self._known)))
            self._confirmed = confirmed_contracts(r for r in raw if r is not None)
        return self._confirmed

    def neutral(self, name: str) -> bool:
        """Whether every function called `name` is `contract_neutral`."""
        results = (self._result(index) for index in self._twins.get(name, ()))
        return all(r is None or contract_neutral(r) for r in results)

    def involved(self, keys: set[str]) -> set[str]:
        """Names of the functions whose findings depend on one of these contracts."""
        found = set()
        for index, fn in enumerate(self._known):
            result = self._result(index)
            if result is not None and any(
                e.contract in keys or e.via in keys for e in result.events
            ):
                found.add(fn.name)
        return found

    def _resolved(self, index: int) -> FunctionResult | None:
        result = self._result(index)
        if result is None or not any(e.contract or e.via for e in result.events):
            return result
        confirmed = self.confirmed()
        return replace(result, events=[e for e in result.events if kept(e, confirmed)])

    @property
    def steps(self) -> int:
        return sum(r.steps for r in self.functions.values())

    def first_result(self, name: str) -> FunctionResult | None:
        """The result of the first analysed function called `name`, in file order."""
        for index in self._twins.get(name, ()):
            result = self._resolved(index)
            if result is not None:
                return result
        return None

    def first_summary(self, name: str) -> tuple[Effect, ...] | None:
        """The summary of the first analysed function called `name` (what AS003 reads)."""
        result = self.first_result(name)
        return (result.summary or None) if result is not None else None

    # -- one function -----------------------------------------------------------------

    def _key(self, index: int) -> tuple:
        fn = self._known[index]
        node = fn.node
        text = text_key(self.facts.source, node.start_byte, node.end_byte)
        # the vocabulary can depend on the directory (scoped entries): the table is in the key
        return text, tuple((a.macro, a.argument) for a in fn.annotations), id(self.table)

    def _result(self, index: int) -> FunctionResult | None:
        if index in self._results:
            found = self._results[index]
            if found is _COMPUTING:  # see _visible: only a read outside csyntax's calls can
                raise RuntimeError(f"lock summaries read in a cycle at {self._known[index].name}")
            return found
        self._results[index] = _COMPUTING  # type: ignore[assignment]
        fn = self._known[index]
        key = self._key(index)
        entry = self.cache.lookup("locks", key, lambda name: self._visible(index, name))
        if entry is not None:
            result = reuse(entry, fn.start_line, shift_result)
        else:
            inputs = Inputs(lambda name: self._visible(index, name))
            result = self._lock_free.result(fn, inputs.get) or self._compute(index, inputs)
            self.cache.store("locks", key, result, fn.start_line, inputs.read)
        if self._outside is not None and self._wants_outside(result):
            result = self._widen(index)
        self._results[index] = result
        return result

    # -- callees of other files ---------------------------------------------------------

    def _wants_outside(self, result: FunctionResult | None) -> bool:
        """Whether a callee defined in another file may change `result`: it has findings,
        or calls such a callee with a lock held (the callee may release it)."""
        if result is None:
            return False
        if result.events:
            return True
        names = {n for n in result.unknown_calls_holding if n not in self._twins}
        return bool(names) and bool(self._outside_summaries(names))  # type: ignore[misc]

    def _outside_summaries(self, names: set[str]) -> dict[str, tuple[Effect, ...]]:
        names = {n for n in names if n not in self.table.acquires and n not in self.table.releases}
        return self._outside(names) if names else {}  # type: ignore[misc]

    def _widen(self, index: int) -> FunctionResult | None:
        """The result of function `index` with the summaries of callees defined in other
        files of the tree, and the same-file callees' results widened alike."""
        if index in self._widened:
            found = self._widened[index]
            return None if found is _COMPUTING else found  # a cycle: as for _visible's order
        self._widened[index] = _COMPUTING  # type: ignore[assignment]
        fn = self._known[index]
        key = self._key(index)
        entry = self.cache.lookup("locks+tree", key, lambda name: self._visible_wide(index, name))
        if entry is not None:
            result = reuse(entry, fn.start_line, shift_result)
        else:
            inputs = Inputs(lambda name: self._visible_wide(index, name))
            result = self._compute(index, inputs)
            self.cache.store("locks+tree", key, result, fn.start_line, inputs.read)
        self._widened[index] = result
        return result

    def _visible_wide(self, index: int, name: str) -> tuple[Effect, ...] | None:
        name = self._named(name)
        if name not in self._twins:
            return self._outside_summaries({name}).get(name)
        return self._visible(index, name, self._widen)

    def _compute(self, index: int, inputs: Inputs) -> FunctionResult | None:
        fn = self._known[index]
        cfg = self._cfg(index)
        if cfg is None:
            return None
        if fn.name in self.table.acquires or fn.name in self.table.releases:
            return FunctionResult(fn.name)  # the table has it
        try:
            result = self._analyse(cfg, self.table, inputs, fn.annotations)
        except RecursionError:  # pathological nesting: report nothing rather than crash
            result = FunctionResult(fn.name, error="nesting too deep")
        effects = list(result.summary) or self._annotation_effects(fn, cfg.params)
        if not effects and self._one_variant(fn) and pure_predicate(cfg):
            # its callers may take two calls as one answer; never for one of several
            # variants (#ifdef CONFIG_SMP ... #else a stub): which one runs is not known
            effects = [PURE]
        if result.summary:  # what `__releases()` says that its own releases do not name
            effects.extend(
                annotated_releases(result.summary, self._annotation_effects(fn, cfg.params))
            )
        if effects:
            result.summary = tuple(effects)
        return result

    def _one_variant(self, fn: Function) -> bool:
        """Whether `fn` is the one variant of its name: the file's one definition, and in
        a header not the stub of a function the header also declares extern (`#ifdef
        CONFIG_PRINTK bool f(...); #else static inline bool f(...) { return false; }`):
        the real one is elsewhere, and does what the stub does not."""
        if len(self._twins[fn.name]) != 1:
            return False
        if not self.facts.path.endswith(".h"):
            return True
        return not any(
            d.name == fn.name and d.kind == "prototype" and not d.is_static
            for d in self.facts.declarations
        )

    def _cfg(self, index: int) -> CFG | None:
        if index not in self._cfgs:
            fn = self._known[index]
            try:
                lowered = lower_function(self.facts.source, fn, self.rules)
                self._cfgs[index] = build_cfg(lowered, self.rules)
            except RecursionError:
                self._cfgs[index] = None
        return self._cfgs[index]

    def _visible(
        self, index: int, name: str, result: Callable[[int], FunctionResult | None] | None = None
    ) -> tuple[Effect, ...] | None:
        """The summary of `name` as function `index` sees it: the last function of that name
        before it in call order whose summary is not empty (by `result`, `_result` unless
        given)."""
        name = self._named(name)
        twins = self._twins.get(name)
        if not twins:
            return None
        own = self._known[index].name
        if name == own:  # recursion: only the earlier variants of itself are done
            candidates = [i for i in twins if i < index]
        elif self._same_cycle(own, name):
            order = self.exact_order()
            if index not in order:
                return None
            candidates = [i for i in twins if i in order and order[i] < order[index]]
        else:
            candidates = twins  # a callee outside the caller's cycle is always done first
        read = result or self._result
        for twin in reversed(candidates):
            found = read(twin)
            if found is not None and found.summary:
                return found.summary
        return None

    def _named(self, name: str) -> str:
        """`name`, or the function the file's macro `name` is a call of (callgraph.py)."""
        if name in self._twins:
            return name
        if self._aliases is None:
            self._aliases = call_aliases(self.facts.path, self.facts.source, self.rules)
        return self._aliases.get(name, name)

    # -- call order -------------------------------------------------------------------

    def _same_cycle(self, a: str, b: str) -> bool:
        if self._cycles is None:
            self._cycles = _cycles(self._call_facts())
        group = self._cycles.get(a)
        return group is not None and group == self._cycles.get(b)

    def _call_facts(self) -> dict[str, set[str]]:
        names = set(self._twins)
        graph: dict[str, set[str]] = {name: set() for name in names}
        for call in self.facts.calls:
            if call.function in names and call.name in names and call.name != call.function:
                graph[call.function].add(call.name)
        return graph

    def exact_order(self) -> dict[int, int]:
        """Position of each analysed function in the whole-file call order: a depth-first
        walk from each function in file order, callees (by name, sorted) first; all the
        variants of a name together, in file order. Lowers every function."""
        if self._order is not None:
            return self._order
        present = [i for i in range(len(self._known)) if self._cfg(i) is not None]
        names = {self._known[i].name for i in present}
        calls: dict[str, set[str]] = {}
        for i in present:  # the last variant of a name decides its callees
            fn = self._known[i]
            calls[fn.name] = _called(self._cfgs[i], names) - {fn.name}  # type: ignore[arg-type]
        order: list[int] = []
        done: set[str] = set()
        by_name: dict[str, list[int]] = {}
        for i in present:
            by_name.setdefault(self._known[i].name, []).append(i)

        def visit(name: str, depth: int) -> None:
            if name in done or depth > MAX_DEPTH:
                return
            done.add(name)
            for callee in sorted(calls.get(name, ())):
                visit(callee, depth + 1)
            order.extend(by_name.get(name, ()))

        for i in present:
            visit(self._known[i].name, 0)
        self._order = {index: position for position, index in enumerate(order)}
        return self._order


__all__ = ["Exit", "FileLocks", "shift_result"]
