"""BS006: calls whose number of arguments disagrees with what the calling file sees."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

from reviewtool.analysis.symbols.parts import provided_names, provisions_of, use_delta
from reviewtool.analysis.symbols.state import FileSymbols
from reviewtool.analysis.tree_view import TreeView
from reviewtool.checks.bisect.history import (
    EachStep,
    changed_lines,
    counted,
    diff_names,
    old_paths,
    patch_label,
    previous_symbols,
)
from reviewtool.model import Finding, Location, Series, Severity

CALLABLE_KINDS = ("function", "prototype", "function-macro")


def _expected_arity(view: TreeView, path: str, name: str) -> tuple[int, bool] | None:
    """(parameter count, is a macro) when everything `path` sees agrees; None otherwise."""
    provisions = view.visible(path, name)
    if not provisions or any(p.kind not in CALLABLE_KINDS for p in provisions):
        return None
    arities = {p.arity for p in provisions}
    macro = {p.kind == "function-macro" for p in provisions}
    if len(arities) != 1 or None in arities or len(macro) != 1:
        return None  # variadic, unknown, or #ifdef alternatives that disagree
    return arities.pop(), macro.pop()  # type: ignore[return-value]


def _mismatches(view: TreeView, path: str, names: set[str]) -> dict[str, list]:
    """name → calls in `path` whose argument count disagrees with what the file sees."""
    symbols = view.symbols(path)
    found: dict[str, list] = {}
    if symbols is None:
        return found
    for name in sorted(names):
        calls = [use for use in symbols.calls_to(name) if not symbols.shadowed(use)]
        if not calls:
            continue
        # what the file sees first decides when every call agrees with it: the expected
        # arity is then that one or none (alternatives disagree), and nothing is wrong
        first = view.first(path, name)
        if first is None or first.kind not in CALLABLE_KINDS or first.arity is None:
            continue
        if not _wrong(calls, first.arity, first.kind == "function-macro"):
            continue
        expected = _expected_arity(view, path, name)
        if expected is None:
            continue
        wrong = _wrong(calls, *expected)
        if wrong:
            found[name] = wrong
    return found


def _wrong(calls: list, arity: int, is_macro: bool) -> list:
    """The calls whose argument count (as the compiler or the preprocessor counts them)
    is known and is not `arity`."""
    return [
        use
        for use in calls
        if (count := use.macro_args if is_macro else use.args) is not None and count != arity
    ]


def _signature_changed(symbols: FileSymbols | None, name: str, lines: set[int]) -> bool:
    """Whether the patch changed a line of `name`'s definition header or prototype (a
    parameter added on a continuation line leaves the name's own line alone)."""
    if symbols is None:
        return False
    for provision in provisions_of(symbols, name):
        if provision.kind not in CALLABLE_KINDS:
            continue
        span = next(
            (s for s in symbols.function_spans if s[0] == name and s[1] == provision.line),
            (name, provision.line, provision.line + 4),
        )
        header_end = min(span[2], provision.line + 8)  # the signature, not the whole body
        if any(provision.line <= line <= header_end for line in lines):
            return True
    return False


def _call_shapes(symbols: FileSymbols | None) -> Counter[tuple]:
    if symbols is None:
        return Counter()
    return Counter((use.name, use.function, use.args) for use in symbols.calls)


def _arities(symbols: FileSymbols | None) -> dict[str, frozenset]:
    if symbols is None:
        return {}
    return {name: _arity(provisions) for name, provisions in symbols.provides.items()}


def _arity(provisions: tuple) -> frozenset | None:
    """What `_arities` says of one name (None: the name is not provided)."""
    if not provisions:
        return None
    return frozenset((p.kind, p.arity) for p in provisions if p.kind in CALLABLE_KINDS)


class ArgumentCountMismatch(EachStep):
    """What it checks:
        Calls whose number of arguments disagrees with the prototype, definition or
        function-like macro the calling file sees at this patch: after a patch changes a
        signature (all callers in the series' files are checked) or adds a call. Variadic
        functions, macros of unknown arity and names with disagreeing `#ifdef` alternatives
        are skipped.

    Why it matters:
        `too few arguments to function` is a build error: every kernel until the callers
        are updated cannot be bisected.

    Example:
        1/2 changes `static int nd_jump_root(struct nameidata *nd)` to take
        `unsigned int extra_flags`; the two callers are only updated by 2/2.

    Better:
        Change the signature and its callers in one patch.

    Rule data:
        None.
    """

    code = "BS006"
    name = "argument-count-mismatch"
    severity = Severity.ERROR

    @staticmethod
    def _candidates(series: Series, views: list[TreeView], step: int) -> set[str]:
        """Names whose signature changed at `step`, and names of calls the patch added."""
        view = views[step]
        names: set[str] = set()
        changed = changed_lines(series.patches[step - 1].diff)
        for path in view.snapshot.touched:
            now = view.symbols(path)
            before = previous_symbols(views, step, path)
            lines = changed.get(path, set())
            provided = provided_names(before, now)
            if provided is None:
                old, new = _arities(before), _arities(now)
                differ = {n for n in set(old) | set(new) if old.get(n) != new.get(n)}
            else:  # a name no part the step changed holds has the same provisions
                assert before is not None and now is not None
                differ = {
                    n
                    for n in provided[0] | provided[1]
                    if _arity(provisions_of(before, n)) != _arity(provisions_of(now, n))
                }
            names.update(
                n
                for n in differ
                if diff_names(series, step, n) or _signature_changed(now, n, lines)
            )
            shapes = use_delta(before, now, lambda use: (use[0], use[2], use[3]))
            if shapes is None:
                added = _call_shapes(now) - _call_shapes(before)
                names.update(name for name, _function, _args in added)
            else:
                names.update(shape[0] for shape, change in shapes.items() if change > 0)
        return names

    def _step(self, series: Series, views: list[TreeView], step: int) -> Iterator[Finding]:
        view = views[step]
        names = self._candidates(series, views, step)
        if not names:
            return
        for path in view.c_paths():
            now = _mismatches(view, path, names)
            if not now:
                continue
            old_path = old_paths(view).get(path, path)
            before = _mismatches(views[step - 1], old_path, set(now))
            for name, wrong in sorted(now.items()):
                old_keys = Counter(use.function for use in before.get(name, []))
                new_keys = Counter(use.function for use in wrong)
                if not (new_keys - old_keys):
                    continue
                expected = _expected_arity(view, path, name)
                arity = expected[0] if expected else "?"
                callers = sorted({f"{use.function}()" for use in wrong if use.function})
                fixed = next(
                    (
                        j
                        for j in range(step + 1, len(views))
                        if not _mismatches(views[j], path, {name})
                    ),
                    None,
                )
                yield replace(
                    self.finding(
                        f"{name}() takes {counted(arity, 'argument')} "
                        f"at {patch_label(series, step)} "
                        f"but {counted(len(wrong), 'call site')} "
                        f"{'passes' if len(wrong) == 1 else 'pass'} a different number "
                        f"({', '.join(callers) or path}): the kernel does not build"
                        + (f" until {patch_label(series, fixed)}" if fixed else ""),
                        patch=step,
                        path=path,
                        line=wrong[0].line,
                        function=wrong[0].function,
                        subject=name,
                        evidence=tuple(Location(step, path, u.line, u.function) for u in wrong),
                    ),
                    introduced_in=step,
                    fixed_in=fixed,
                )
