"""BS004: a static function a patch leaves defined but referenced nowhere in its file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from reviewtool.analysis.symbols.parts import changed_names, provisions_of
from reviewtool.analysis.symbols.state import Provision
from reviewtool.analysis.tree_view import TreeView
from reviewtool.checks.bisect.history import EachStep, old_paths, patch_label, whole_file
from reviewtool.model import Finding, Series, Severity


def _unused_statics(
    view: TreeView, base: TreeView, path: str, names: set[str] | None = None
) -> dict[str, Provision]:
    """Static, non-inline functions defined in a .c file and referenced nowhere in it (of
    `names`, when given)."""
    symbols = view.symbols(path)
    if symbols is None or not path.endswith(".c") or not whole_file(view, base, path):
        return {}
    if names is None:
        defined = symbols.defined_functions()
    else:
        defined = (p for n in names for p in provisions_of(symbols, n) if p.kind == "function")
    return {
        p.name: p
        for p in defined
        if p.is_static
        and not p.is_inline
        and p.name not in symbols.unused_marked
        and symbols.references(p.name) == 0
    }


def _changed(views: list[TreeView], step: int, path: str, old_path: str) -> set[str] | None:
    """The names whose BS004 verdict a step can change in `path` (None: any): those the parts
    it changed name, when the file is read alike on both sides."""
    before, after = views[step - 1], views[step]
    if whole_file(before, views[0], old_path) != whole_file(after, views[0], path):
        return None
    return changed_names(before.symbols(old_path), after.symbols(path))


class UnusedStatic(EachStep):
    """What it checks:
        A static function a patch leaves defined but referenced nowhere in its file: no call,
        no address taken, no use in a macro or an initializer. The finding says which later
        patch first uses it, or that none does. Static inline functions are left alone (gcc
        does not warn about them), and so are functions marked `__maybe_unused`.

    Why it matters:
        gcc warns `'foo' defined but not used [-Wunused-function]`, and with CONFIG_WERROR=y or
        `W=1 -Werror` builds that is an error: the kernel does not build at this patch, so
        bisection breaks. A helper is best added with its first user.

    Example:
        1/2 adds `static void rmap_walk_anon_sanity_check(struct folio *folio)`; only 2/2
        calls it.

    Better:
        Squash the helper into the patch that first calls it.

    Rule data:
        None.
    """

    code = "BS004"
    name = "unused-static"
    severity = Severity.ERROR

    def _step(self, series: Series, views: list[TreeView], step: int) -> Iterator[Finding]:
        view = views[step]
        for path in sorted(view.snapshot.touched):
            old_path = old_paths(view).get(path, path)
            # a name the step did not change has the same verdict before: never reported
            names = _changed(views, step, path, old_path)
            unused = _unused_statics(view, views[0], path, names)
            if not unused:
                continue
            already = _unused_statics(views[step - 1], views[0], old_path, set(unused))
            for name, provision in sorted(unused.items()):
                if name in already:
                    continue
                used_in, removed_in = self._fate(views, step, path, name)
                if used_in is not None:
                    tail = f"its first user comes only in {patch_label(series, used_in)}"
                elif removed_in is not None:
                    tail = (
                        f"it is removed again by {patch_label(series, removed_in)} without a user"
                    )
                else:
                    tail = "nothing in the series ever uses it"
                yield replace(
                    self.finding(
                        f"{name}() is defined but not used at {patch_label(series, step)} "
                        f"(-Wunused-function breaks CONFIG_WERROR=y builds): {tail}",
                        patch=step,
                        path=path,
                        line=provision.line,
                        function=name,
                        subject=name,
                    ),
                    introduced_in=step,
                    fixed_in=used_in or removed_in,
                )

    @staticmethod
    def _fate(
        views: list[TreeView], step: int, path: str, name: str
    ) -> tuple[int | None, int | None]:
        """(first later step that uses it, first later step where it is gone)."""
        for later in range(step + 1, len(views)):
            symbols = views[later].symbols(path)
            if symbols is None or not any(
                p.kind == "function" for p in provisions_of(symbols, name)
            ):
                return None, later
            if symbols.references(name) > 0:
                return later, None
        return None, None
