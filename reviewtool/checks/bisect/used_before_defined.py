"""BS003: a call a patch adds to something only a later patch of the series defines or
declares."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

from reviewtool.analysis.symbols.parts import (
    PartsView,
    provided_names,
    provisions_of,
    use_delta,
    word_delta,
)
from reviewtool.analysis.symbols.state import WORD, FileSymbols, strip_comments_and_literals
from reviewtool.analysis.tree_view import TreeView
from reviewtool.checks.base import SeriesContext
from reviewtool.checks.bisect.history import (
    SymbolCheck,
    applied_steps,
    changed_lines,
    diff_names,
    old_paths,
    patch_label,
    previous_symbols,
    series_views,
)
from reviewtool.model import Finding, Location, Series, Severity


def _adds_word(series: Series, step: int, name: str) -> bool:
    """Whether patch `step` adds a line naming `name`. Without a base tree a hunk can reveal
    a definition that was always there; only a patch that writes it makes it appear."""
    return diff_names(series, step, name, "+")


def _used_names(symbols: FileSymbols | PartsView | None) -> Counter[str]:
    if symbols is None:
        return Counter()
    return Counter(use.name for use in symbols.calls if not symbols.shadowed(use))


def _words(symbols: FileSymbols | PartsView | None) -> Counter[str]:
    return symbols.words if symbols is not None else Counter()


def _grown(
    before: FileSymbols | PartsView | None, now: FileSymbols | PartsView, later: set[str]
) -> tuple[set[str], set[str]]:
    """Names called more often after the patch than before, and names of `later` used more
    often: calls to anything; other uses (a macro, an enumerator, a function's address) only
    of names a later patch of the series provides. Read from the parts the patch changed
    when both states are kept by parts."""
    calls = use_delta(before, now, lambda use: use[0], shadowing=True)
    if calls is None:
        old_calls, new_calls = _used_names(before), _used_names(now)
        grown = {name for name, count in new_calls.items() if count > old_calls[name]}
    else:
        grown = {name for name, change in calls.items() if change > 0}
    if not later:
        return grown, set()
    words = word_delta(before, now)
    if words is None:
        old_words, new_words = _words(before), now.words
        return grown, {n for n in later if new_words.get(n, 0) > old_words.get(n, 0)}
    return grown, {n for n in later if words.get(n, 0) > 0}


class UsedBeforeDefined(SymbolCheck):
    """What it checks:
        A call a patch adds to a function or function-like macro that nothing the calling file
        can see defines or declares at that patch (the file itself, the headers it includes,
        the other files of the series), while a later patch of the series does define or
        declare it. The finding names that later patch.

    Why it matters:
        The kernel does not build between the two patches (`implicit declaration of function`
        is an error), so git bisect cannot test them. Ordering the patches the other way round
        costs nothing.

    Example:
        1/2 adds `do_read_fault_sanity_check(vmf);` to do_read_fault(); 2/2 adds
        `static void do_read_fault_sanity_check(struct vm_fault *vmf)`.

    Better:
        Swap the patches, or add the helper in the same patch as its first caller.

    Rule data:
        None. Names nothing in the series ever provides are left alone: without the whole
        tree they may simply live in a header the base tree does not hold.
    """

    code = "BS003"
    name = "used-before-defined"
    severity = Severity.ERROR

    def run(self, ctx: SeriesContext) -> Iterator[Finding]:
        views = series_views(ctx)
        appeared = [_appeared(views, step) for step in range(len(views))]
        later = _Later(ctx.series, views)
        for step in applied_steps(views):
            later_names = set().union(*appeared[step + 1 :])
            yield from self._step(ctx.series, views, step, later_names, later)

    def _step(
        self,
        series: Series,
        views: list[TreeView],
        step: int,
        later_names: set[str],
        later_steps: _Later,
    ) -> Iterator[Finding]:
        view = views[step]
        for path in view.c_paths():
            if path not in view.snapshot.touched:
                continue
            now = view.symbols(path)
            if now is None:
                continue
            before = previous_symbols(views, step, path)
            calls, words = _grown(before, now, later_names)
            for name in sorted(calls | words):
                if not later_steps.possible(step, path, name):
                    continue  # no later patch can make it visible: never reported
                if view.sees(path, name):
                    continue
                used_before = _used_names(before)[name] if name in calls else _words(before)[name]
                if used_before and not views[step - 1].sees(path, name):
                    continue  # already unresolved before this patch: not this patch's doing
                later = _first_visible(series, views, step, path, name)
                if later is None:
                    continue  # an external symbol we cannot see: never guess
                yield self._report(series, views, step, path, name, name in calls, later)

    def _report(
        self,
        series: Series,
        views: list[TreeView],
        step: int,
        path: str,
        name: str,
        is_call: bool,
        later: int,
    ) -> Finding:
        symbols = views[step].symbols(path)
        assert symbols is not None
        if is_call:
            use = symbols.calls_to(name)[0]
            line, function = use.line, use.function
            what, error = f"{name}() is called", "implicit declaration"
        else:
            line = _first_use_line(views[step], series, step, path, name)
            function = symbols.function_at(line) if line else None
            what, error = f"{name} is used", f"'{name}' undeclared"
        return replace(
            self.finding(
                f"{what} here but nothing declares or defines it before "
                f"{patch_label(series, later)}: the kernel does not build at "
                f"{patch_label(series, step)} ({error}); reorder the patches",
                patch=step,
                path=path,
                line=line,
                function=function,
                subject=name,
                evidence=(Location(later, None, None, name),),
            ),
            introduced_in=step,
            fixed_in=later,
        )


PROVIDING_KINDS = ("function", "prototype", "macro", "function-macro", "enumerator")


def _appeared(views: list[TreeView], step: int) -> set[str]:
    """Names a file touched at `step` provides that it did not provide before (only a part
    the step added can hold one, when both states are kept by parts)."""
    if step == 0:
        return set()
    names: set[str] = set()
    for path in views[step].snapshot.touched:
        now = views[step].symbols(path)
        if now is None:
            continue
        before = previous_symbols(views, step, path)
        changes = provided_names(before, now)
        if changes is not None:
            assert before is not None
            names.update(
                name
                for name in changes[1]
                if not provisions_of(before, name)
                and any(p.kind in PROVIDING_KINDS for p in provisions_of(now, name))
            )
            continue
        old = before.provides if before is not None else {}
        names.update(
            name
            for name, provisions in now.provides.items()
            if name not in old and any(p.kind in PROVIDING_KINDS for p in provisions)
        )
    return names


class _Later:
    """What `_first_visible` can find after a step, known without looking at any header: a
    later patch adding a line that names the identifier (the last step whose added lines
    hold it as a word: a superset of `_adds_word`), or changing the file's includes."""

    def __init__(self, series: Series, views: list[TreeView]) -> None:
        self.series = series
        self.views = views
        self._named: dict[str, int] | None = None
        self._includes: dict[str, int] = {}

    def possible(self, step: int, path: str, name: str) -> bool:
        return self._last_named().get(name, 0) > step or self._last_includes(path) > step

    def _last_named(self) -> dict[str, int]:
        if self._named is None:
            self._named = {}
            for step, patch in enumerate(self.series.patches, start=1):
                for line in patch.diff.splitlines():
                    if line[:1] == "+" and not line.startswith("+++"):
                        self._named.update(dict.fromkeys(WORD.findall(line), step))
        return self._named

    def _last_includes(self, path: str) -> int:
        if path not in self._includes:
            views, last = self.views, 0
            for step in range(1, len(views)):
                old = old_paths(views[step]).get(path, path)
                state, previous = views[step].state(path), views[step - 1].state(old)
                same = old == path and state is not None and previous is not None
                if same and state.sha1 == previous.sha1:  # type: ignore[union-attr]
                    continue  # the same text at the same place: the same includes
                if _includes_changed(views, step, path):
                    last = step
            self._includes[path] = last
        return self._includes[path]


def _first_visible(
    series: Series, views: list[TreeView], step: int, path: str, name: str
) -> int | None:
    """The first later step where `path` sees `name` because that patch wrote it (or changed
    the file's includes)."""
    for later in range(step + 1, len(views)):
        if not views[later].sees(path, name):
            continue
        if _adds_word(series, later, name) or _includes_changed(views, later, path):
            return later
    return None


def _includes_changed(views: list[TreeView], step: int, path: str) -> bool:
    now, before = views[step].symbols(path), previous_symbols(views, step, path)
    return now is not None and before is not None and now.includes != before.includes


def _first_use_line(view: TreeView, series: Series, step: int, path: str, name: str) -> int | None:
    """The first line this patch added that uses `name`, else its first use in the file."""
    state = view.state(path)
    if state is None:
        return None
    code = strip_comments_and_literals(state.text).splitlines()
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    added = changed_lines(series.patches[step - 1].diff).get(path, set())
    uses = [number for number, line in enumerate(code, start=1) if pattern.search(line)]
    return next((n for n in uses if n in added), uses[0] if uses else None)
