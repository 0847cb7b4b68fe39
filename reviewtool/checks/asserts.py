"""AS checks: asserts that crash, asserts whose condition has side effects, misused values."""

from __future__ import annotations

from collections.abc import Iterator

from reviewtool.analysis.asserts import (
    AssertSite,
    condition_nodes,
    find_asserts,
    in_debug_only_code,
    load_rules,
    side_effects,
)
from reviewtool.checks.base import Check, FileContext
from reviewtool.model import Finding, Severity

_SEVERITY_OF = {"certain": Severity.ERROR, "likely": Severity.WARNING, "unknown": Severity.NOTE}


def _sites(ctx: FileContext) -> list[AssertSite]:
    """The assert sites of this file state whose lines are all known (hunks-only mode)."""
    sites = ctx.derived("asserts.sites", lambda: find_asserts(ctx.facts, ctx.rules))
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

    def run(self, ctx: FileContext) -> Iterator[Finding]:
        for site in _sites(ctx):
            if site.macro.kind != "crash":
                continue
            where = f" (with {site.macro.debug})" if site.macro.debug else ""
            yield self.finding(
                f"{site.macro.name}() crashes the kernel{where}: prefer WARN_ON_ONCE() plus "
                f"recovery code: {_short(site)}",
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


CHECKS: list[Check] = [NewBugOn(), AssertSideEffect(), AssertValueUsed()]
