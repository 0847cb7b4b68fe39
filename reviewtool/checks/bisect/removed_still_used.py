"""BS005: a function whose definition or prototype a patch removes while files of the
series still call it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from reviewtool.analysis.symbols.parts import provided_names, provisions_of
from reviewtool.analysis.tree_view import TreeView
from reviewtool.checks.bisect.history import (
    EachStep,
    counted,
    old_paths,
    patch_label,
    removes_definition_line,
    whole_file,
)
from reviewtool.model import Finding, Location, Series, Severity


def _callable_ok(view: TreeView, path: str, name: str, defined_before: bool) -> bool:
    """Whether a call to `name` in `path` compiles and links at this view."""
    provisions = view.visible(path, name)
    if any(p.defines for p in provisions):
        return True
    if any(p.kind == "prototype" for p in provisions):
        # A prototype is enough unless the series just deleted the only body it had.
        return bool(view.defined_in_series(name)) or not defined_before
    return False


def _removed_names(views: list[TreeView], step: int) -> dict[str, tuple[bool, bool]]:
    """Functions (bodies or prototypes) a file touched at `step` had before and lost:
    name → (a body was among what was lost, the file is wholly known on both sides)."""
    view = views[step]
    renamed_from = old_paths(view)
    renamed_to = {old: new for new, old in renamed_from.items()}
    removed: dict[str, tuple[bool, bool]] = {}
    for path in view.snapshot.touched | set(renamed_to):
        old_path = renamed_from.get(path, path)
        before = views[step - 1].symbols(old_path)
        if before is None:
            continue
        new_path = renamed_to.get(old_path, path)
        after = view.symbols(new_path)
        whole = whole_file(views[step - 1], views[0], old_path) and (
            after is None or whole_file(view, views[0], new_path)
        )
        changes = provided_names(before, after)
        if changes is None:
            candidates = before.provides.items()
        else:  # a name no removed part holds keeps every provision it had
            candidates = ((name, provisions_of(before, name)) for name in sorted(changes[0]))
        for name, provisions in candidates:
            kinds = {p.kind for p in provisions}
            still = {p.kind for p in (provisions_of(after, name) if after is not None else ())}
            lost_body = "function" in kinds and "function" not in still
            lost_all = "prototype" in kinds and not still & {"function", "prototype"}
            if lost_body or lost_all:
                body, known = removed.get(name, (False, True))
                removed[name] = (body or lost_body, known and whole)
    return removed


class RemovedStillUsed(EachStep):
    """What it checks:
        A function whose definition or prototype a patch removes (or renames) while files of
        the series still call it and, at that patch, nothing they can see provides it any
        more. The finding counts the call sites left behind.

    Why it matters:
        The kernel does not build (implicit declaration) or link (undefined reference) until
        a later patch converts the callers; every kernel in between breaks bisection.

    Example:
        1/2 deletes `static bool vm_ops_needs_writenotify(...)`; its two callers in mm/vma.c
        are only open-coded by 2/2.

    Better:
        Convert the callers first, remove the function last (or in the same patch).

    Rule data:
        None. Callers are looked for in the files the series touches and the headers they
        include; callers elsewhere in the tree are not visible without a full checkout.
    """

    code = "BS005"
    name = "removed-still-used"
    severity = Severity.ERROR

    def _step(self, series: Series, views: list[TreeView], step: int) -> Iterator[Finding]:
        view = views[step]
        for name, (had_body, whole) in sorted(_removed_names(views, step).items()):
            if not whole and not removes_definition_line(series, step, name):
                continue  # rebuilt from hunks, its definition line stays: a parse artefact
            defined_before = bool(views[step - 1].defined_in_series(name))
            broken = []
            for path in view.c_paths():
                symbols = view.symbols(path)
                calls = (
                    [use for use in symbols.calls_to(name) if not symbols.shadowed(use)]
                    if symbols is not None
                    else []
                )
                if not calls or not views[step - 1].sees(old_paths(view).get(path, path), name):
                    continue
                if not _callable_ok(view, path, name, defined_before):
                    broken.append((path, calls))
            if not broken:
                continue
            if not had_body and not all(whole_file(view, views[0], path) for path, _ in broken):
                continue  # only a prototype went: the body may sit in lines we cannot see
            sites = [(path, use) for path, calls in broken for use in calls]
            callers = sorted({f"{use.function}()" for _, use in sites if use.function})
            fixed = self._fixed_in(views, step, name, [path for path, _ in broken])
            first_path, first = sites[0]
            yield replace(
                self.finding(
                    f"{name}() is removed by this patch but still called at "
                    f"{counted(len(sites), 'site')} ({', '.join(callers) or first_path}): "
                    "the kernel does not build "
                    f"at {patch_label(series, step)}"
                    + (
                        f"; the callers are only converted by {patch_label(series, fixed)}"
                        if fixed
                        else ""
                    ),
                    patch=step,
                    path=first_path,
                    line=first.line,
                    function=first.function,
                    subject=name,
                    evidence=tuple(Location(step, p, u.line, u.function) for p, u in sites),
                ),
                introduced_in=step,
                fixed_in=fixed,
            )

    @staticmethod
    def _fixed_in(views: list[TreeView], step: int, name: str, paths: list[str]) -> int | None:
        for later in range(step + 1, len(views)):
            view = views[later]
            defined_before = bool(views[later - 1].defined_in_series(name))
            if all(
                (s := view.symbols(p)) is None
                or not s.calls_to(name)
                or _callable_ok(view, p, name, defined_before)
                for p in paths
            ):
                return later
        return None
