"""AS checks: asserts that crash, asserts whose condition has side effects, lock asserts the
function's own locking contradicts, assert values used where the macro has none."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from reviewtool.analysis.asserts import (
    AssertSite,
    LockView,
    condition_nodes,
    find_asserts,
    in_debug_only_code,
    load_rules,
    lock_views,
    normalise,
    side_effects,
)
from reviewtool.analysis.asserts import sites as asserts_sites
from reviewtool.checks.base import Check, FileContext
from reviewtool.csyntax import FileFacts
from reviewtool.model import Finding, Location, Severity

_SEVERITY_OF = {"certain": Severity.ERROR, "likely": Severity.WARNING, "unknown": Severity.NOTE}


def _focused(ctx: FileContext) -> FileFacts:
    """The file's facts with only the functions in the engine's focus."""
    if ctx.focus is None:
        return ctx.facts
    return replace(
        ctx.facts, functions=tuple(f for f in ctx.facts.functions if ctx.in_focus(f.name))
    )


def _sites(ctx: FileContext) -> list[AssertSite]:
    """The assert sites of this file state (in the focus) whose lines are all known."""
    sites = ctx.derived(
        "asserts.sites" + ctx.focus_key, lambda: find_asserts(_focused(ctx), ctx.rules)
    )
    return [site for site in sites if ctx.state.is_known(site.line, site.end_line)]


def _short(site: AssertSite, limit: int = 80) -> str:
    first = " ".join(site.text.split())
    return first if len(first) <= limit else first[: limit - 3] + "..."


class NewBugOn(Check):
    """What it checks:
        A `BUG_ON()`, `BUG()` or `VM_BUG_ON*()` in a function body (reported for the patch
        that adds it).

    Why it matters:
        BUG() kills the task holding whatever locks it holds, usually the whole machine;
        checkpatch's AVOID_BUG and Documentation/process/deprecated.rst ask for
        `WARN_ON_ONCE()` plus recovery code instead. VM_BUG_ON*() crash only with
        CONFIG_DEBUG_VM, which many distributions and all syzbot instances enable.

    Example:
        VM_BUG_ON_VMA(vma->anon_vma != next->anon_vma, vma);

    Better:
        if (WARN_ON_ONCE(vma->anon_vma != next->anon_vma))
                return -EINVAL;

    Rule data:
        rules/asserts.toml: every [macro.NAME] with kind = "crash".
    """

    code = "AS001"
    name = "new-bug-on"
    severity = Severity.WARNING
    scope = "file"
    focus_aware = True

    def run(self, ctx: FileContext) -> Iterator[Finding]:
        for site in _sites(ctx):
            if site.macro.kind != "crash":
                continue
            when = f" when {site.macro.debug} is set" if site.macro.debug else ""
            inside = f" in {site.function}()" if site.function else ""
            warn = "VM_WARN_ON_ONCE()" if site.macro.name.startswith("VM_") else "WARN_ON_ONCE()"
            yield self.finding(
                f"`{_short(site).rstrip(';')}`{inside} crashes the kernel{when}; prefer "
                f"{warn} plus code that recovers",
                path=ctx.path,
                line=site.line,
                function=site.function,
                subject=site.normalised,
            )


class AssertSideEffect(Check):
    """What it checks:
        An assignment, `++`/`--`, or a call not known to be pure inside the arguments of
        an assert that production builds compile out (`VM_BUG_ON*`, `VM_WARN_ON*` without
        CONFIG_DEBUG_VM, `lockdep_assert()` without CONFIG_LOCKDEP ...).

    Why it matters:
        Without the debug option the macro becomes `BUILD_BUG_ON_INVALID(cond)` or
        `do { } while (0)`: the condition is never evaluated, so the side effect happens in
        debug kernels only and production behaves differently from what was tested.

    Example:
        VM_BUG_ON(atomic_dec_and_test(&page->_refcount));

    Better:
        bool last = atomic_dec_and_test(&page->_refcount);

        VM_BUG_ON(last);

    Rule data:
        rules/asserts.toml: [macro.NAME] debug = "CONFIG_..." marks the macros compiled out;
        [pure] names / patterns list calls known to have no side effect; [pure] impure
        patterns override them. Assignments and ++/-- are errors, calls matching an impure
        pattern warnings, other calls not known to be pure notes. Code inside
        `#ifdef CONFIG_DEBUG_...` (the macro's option or a narrower one) is skipped: it is
        only built when the assert runs.
    """

    code = "AS002"
    name = "assert-side-effect"
    severity = Severity.WARNING
    scope = "file"
    focus_aware = True

    def run(self, ctx: FileContext) -> Iterator[Finding]:
        vocabulary = load_rules(ctx.rules)
        for site in _sites(ctx):
            if site.macro.debug and in_debug_only_code(site.node, site.macro.debug, ctx.facts):
                continue
            reported: set[str] = set()
            for argument in condition_nodes(site):
                for effect in side_effects(argument, ctx.facts, vocabulary):
                    if effect.token in reported:
                        continue
                    reported.add(effect.token)
                    yield self.finding(
                        f"{effect.what} inside {site.macro.name}(), which is not evaluated "
                        f"without {site.macro.debug}: a side effect there exists in debug "
                        "builds only",
                        path=ctx.path,
                        line=effect.node.start_point[0] + 1,
                        function=site.function,
                        subject=f"{site.normalised}|{effect.token}",
                        severity=_SEVERITY_OF[effect.certainty],
                    )


class AssertValueUsed(Check):
    """What it checks:
        The value of an assert macro used in an expression (`if (VM_WARN_ON_FOLIO(...))`,
        `x = VM_BUG_ON(...)`) when that macro has no value in every build.

    Why it matters:
        `VM_WARN_ON_FOLIO()` and friends return the condition only with CONFIG_DEBUG_VM; in
        production they are `BUILD_BUG_ON_INVALID(cond)`, which is void, so the code builds
        on the author's debug config and breaks everyone else's. Macros such as
        `VM_WARN_ON_ONCE()` and `BUG_ON()` never have a value.

    Example:
        if (VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio))
                return;

    Better:
        if (WARN_ON_ONCE(!folio_test_locked(folio)))
                return;

    Rule data:
        rules/asserts.toml: value = "always" (usable as a value), "debug" (only with the
        debug option), absent (a statement).
    """

    code = "AS004"
    name = "assert-value-used"
    severity = Severity.ERROR
    scope = "file"
    focus_aware = True

    def run(self, ctx: FileContext) -> Iterator[Finding]:
        for site in _sites(ctx):
            if not site.value_used or site.macro.value == "always":
                continue
            debug = site.macro.debug
            if site.macro.value == "debug" and in_debug_only_code(site.node, debug, ctx.facts):
                continue
            if site.macro.value == "debug":
                why = f"it is void without {site.macro.debug}"
            else:
                why = "it is a statement with no value"
            yield self.finding(
                f"the value of {site.macro.name}() is used, but {why}; use WARN_ON_ONCE() "
                "when the result matters",
                path=ctx.path,
                line=site.line,
                function=site.function,
                subject=site.normalised,
            )


class LockAssertContradiction(Check):
    """What it checks:
        A lock assert (`lockdep_assert_held()`, `mmap_assert_locked()`,
        `rwsem_assert_held_write()` ...) that the function's own locking contradicts: the
        function released that lock on every path to the assert, holds it only for read where
        the assert wants it for write, or holds it where the assert says it is not held
        (`lockdep_assert_not_held()`). As a NOTE, an assert placed right after the function
        itself took the lock, which can never fire.

    Why it matters:
        A contradicted assert fires on every debug run (or the locking is wrong and the
        assert documents a rule the code breaks); a redundant one is noise that hides which
        asserts document the caller's obligations.

    Example:
        spin_unlock(&q->lock);
        lockdep_assert_held(&q->lock);

    Better:
        Move the assert above the unlock, or drop it if the function no longer needs the
        lock there.

    Rule data:
        rules/asserts.toml: [macro.NAME] kind = "lock", lock (the lock named, a template over
        the arguments), mode; [lock_classes] how the lock analysis' classes
        (rules/locks.toml) name the same lock. Uses the lock analysis of the LK checks; a
        function it does not analyse (no lock work, over budget) is not checked.
    """

    code = "AS003"
    name = "lock-assert-contradiction"
    severity = Severity.WARNING
    scope = "file"
    focus_aware = True

    def run(self, ctx: FileContext) -> Iterator[Finding]:
        sites = [s for s in _sites(ctx) if s.macro.kind == "lock" and s.lock is not None]
        if not sites:
            return
        from reviewtool.analysis.locks import analyse_file

        file_locks = ctx.derived(
            "locks",
            lambda: analyse_file(
                ctx.facts, ctx.rules, known=ctx.state.is_known, cache=ctx.memo.functions
            ),
        )
        views = ctx.derived(
            "asserts.lock-views" + ctx.focus_key,
            lambda: lock_views(_focused(ctx), sites, file_locks, ctx.rules),
        )
        for site in sites:
            view = views.get((site.function, site.line))
            if view is not None:
                yield from self._verdicts(ctx, site, view)

    def _verdicts(self, ctx: FileContext, site: AssertSite, view: LockView) -> Iterator[Finding]:
        lock = normalise(site.lock or "")
        holding = [[h for h in held if h[0] == lock] for held in view.held]
        released = [[r for r in rel if r[0] == lock] for rel in view.released]
        shown = f"{site.macro.name}({', '.join(site.args)})"
        where = {"path": ctx.path, "line": site.line, "function": site.function}
        if site.macro.mode == "not-held":
            if all(holding) and not any(h[3] for found in holding for h in found):
                line = holding[0][0][2]
                yield self.finding(
                    f"{shown} asserts {lock} is not held, but this function holds it (taken "
                    f"at line {line})",
                    subject=f"{site.normalised}|held",
                    evidence=(Location(0, ctx.path, line, site.function),),
                    **where,
                )
            return
        if all(not h and r for h, r in zip(holding, released, strict=True)):
            line = released[0][0][1]
            yield self.finding(
                f"{shown} asserts {lock} is held, but this function released it on every "
                f"path to the assert (line {line})",
                subject=f"{site.normalised}|released",
                evidence=(Location(0, ctx.path, line, site.function),),
                **where,
            )
            return
        if not all(holding):
            return
        acquirers = {(h[1], h[2]) for found in holding for h in found if not h[3]}
        own = all(any(not h[3] for h in found) for found in holding)
        if site.macro.mode == "write" and own and all("read" in fn for fn, _ in acquirers):
            fn, line = min(acquirers, key=lambda a: a[1])
            yield self.finding(
                f"{shown} asserts {lock} is held for write, but this function took it for "
                f"read ({fn}() at line {line})",
                subject=f"{site.normalised}|read",
                evidence=(Location(0, ctx.path, line, site.function),),
                **where,
            )
            return
        lines = {line for _, line in acquirers}
        if own and len(lines) == 1 and view.previous_lines <= lines:
            fn, line = next(iter(acquirers))
            yield self.finding(
                f"{shown} right after {fn}() at line {line} cannot fire: this function just "
                "took the lock",
                subject=f"{site.normalised}|redundant",
                evidence=(Location(0, ctx.path, line, site.function),),
                severity=Severity.NOTE,
                **where,
            )


class AssertsNotChecked(Check):
    """What it checks:
        A file with so many assert macro calls that the assert reader stopped at its bound
        (2,000 per file state, against hostile input; no file of Linux 6.12 has more
        than about 160 lines calling an assert): AS001..AS004 did not look at the
        asserts after the last one read. A note naming where the reading stopped.

    Why it matters:
        No AS finding past that line does not mean the asserts there are fine.

    Example:
        A generated file with 3,000 `BUG_ON()` lines.

    Better:
        Nothing to change when the code is real; read the rest by hand.

    Rule data:
        None; the bound is MAX_SITES of analysis/asserts/sites.py.
    """

    code = "AS005"
    name = "asserts-not-checked"
    severity = Severity.NOTE
    scope = "file"

    def run(self, ctx: FileContext) -> Iterator[Finding]:
        # every site is a call csyntax lists (an identifier callee): fewer such calls to an
        # assert macro than the bound, and the reader cannot have stopped (no walk needed)
        macros = load_rules(ctx.rules).macros
        if sum(1 for call in ctx.facts.calls if call.name in macros) < asserts_sites.MAX_SITES:
            return
        sites = ctx.derived("asserts.sites", lambda: find_asserts(ctx.facts, ctx.rules))
        if len(sites) < asserts_sites.MAX_SITES:
            return
        last = sites[-1]
        yield self.finding(
            f"{ctx.path} has at least {len(sites):,} assert macro calls, the reader's bound: "
            f"those after line {last.line} were not checked (AS001-AS004)",
            path=ctx.path,
            line=last.line,
            function=last.function,
        )


CHECKS: list[Check] = [
    NewBugOn(),
    AssertSideEffect(),
    LockAssertContradiction(),
    AssertValueUsed(),
    AssertsNotChecked(),
]
