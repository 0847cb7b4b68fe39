"""The series as the BS checks see it: tree views of every step (symbols resolved lazily),
the steps that applied, renames, what a patch's diff adds or removes, and the base of the
checks that judge each step with every step in view."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

from reviewtool.analysis.symbols.state import C_SUFFIXES, FileSymbols
from reviewtool.analysis.tree_view import TreeView, symbol_store, tree_views
from reviewtool.checks.base import Check, Memo, SeriesContext
from reviewtool.csyntax import FileFacts, parse_file
from reviewtool.diskcache import rules_fingerprint
from reviewtool.model import FileState, Finding, Series, Snapshot


def counted(number: int, noun: str) -> str:
    """`1 argument`, `2 arguments`: messages read as sentences."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def patch_label(series: Series, step: int) -> str:
    """Step k (the k-th patch present) as the mails number it: `4/6` when 3/6 is missing."""
    if 1 <= step <= len(series.patches):
        return f"{series.patches[step - 1].index}/{series.total}"
    return f"{step}/{series.total}"


def series_views(ctx: SeriesContext) -> list[TreeView]:
    """Tree views of every step (symbols resolved lazily), shared by BS003..BS006."""

    def build() -> list[TreeView]:
        fingerprint = rules_fingerprint(ctx.rules)  # base headers' provisions kept on disk

        def parse_apart(state: FileState) -> FileFacts:  # a base header: parsed, not kept
            return parse_file(state.path, state.text, ctx.rules, state.unknown)

        snapshots, memo_get = list(ctx.snapshots), ctx.memo.get
        return tree_views(snapshots, ctx.facts, ctx.base_file, memo_get, fingerprint, parse_apart)

    return ctx.memo.get(f"bisect-run:{id(ctx.series)}", "views", build)


def applied_steps(views: Sequence[TreeView]) -> list[int]:
    """Steps whose patch applied whole: a half-applied tree is not what the author built,
    and BS001 already reports it."""
    return [step for step in range(1, len(views)) if views[step].snapshot.applied]


def old_paths(view: TreeView) -> dict[str, str]:
    """new path → old path for the renames done by this step."""
    return {new: old for old, new in view.snapshot.renamed}


def previous_symbols(views: Sequence[TreeView], step: int, path: str) -> FileSymbols | None:
    old = old_paths(views[step]).get(path, path)
    return views[step - 1].symbols(old)


def whole_file(view: TreeView, base: TreeView, path: str) -> bool:
    """True when every line of the file is known: complete, and either read from a real base
    tree or created by the series (hunks alone never show where a file ends)."""
    state = view.snapshot.files.get(path)
    if state is None or not state.complete:
        return False
    return path not in base.snapshot.files or base.base_state(path) is not None


def changed_lines(diff: str) -> dict[str, set[int]]:
    from reviewtool.engine import added_lines  # lazy: the engine imports the check registry

    return added_lines(diff)


def diff_names(series: Series, step: int, name: str, signs: str = "+-") -> bool:
    """Whether patch `step` adds (+) or removes (-) a line naming `name`: without a base tree
    a definition can also seem to come or go because the lines around it are unknown."""
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    return any(
        line[:1] in signs and not line.startswith(("+++", "---")) and pattern.search(line)
        for line in series.patches[step - 1].diff.splitlines()
    )


def removes_definition_line(series: Series, step: int, name: str) -> bool:
    """Whether patch `step` removes a line that defines or declares `name` (kernel style puts
    those at column 0, calls are indented), or deletes a whole file."""
    pattern = re.compile(
        rf"^-(?:#\s*define\s+{re.escape(name)}\b|(?=[^\s-]).*?\b{re.escape(name)}\s*\()"
    )
    diff = series.patches[step - 1].diff
    return "\ndeleted file mode" in diff or any(
        pattern.search(line) for line in diff.splitlines() if not line.startswith("---")
    )


class SymbolCheck(Check):
    """A series check reading the symbols of every state of the files the series touches:
    they are recorded while the engine walks the steps (the states' facts are at hand
    then; later they would be parsed again)."""

    scope = "series"

    @staticmethod
    def observe_step(
        before: Snapshot, after: Snapshot, facts: Callable[[FileState], FileFacts], memo: Memo
    ) -> None:
        store = symbol_store(memo.get)
        for path in sorted(after.touched):
            if not path.endswith(C_SUFFIXES):
                continue
            for state in (before.files.get(path), after.files.get(path)):
                if state is not None:
                    store.record(state, facts)


class EachStep(SymbolCheck):
    """A series check that judges each applied step with every step in view (BS004..BS006)."""

    def run(self, ctx: SeriesContext) -> Iterator[Finding]:
        views = series_views(ctx)
        for step in applied_steps(views):
            yield from self._step(ctx.series, views, step)

    def _step(self, series: Series, views: list[TreeView], step: int) -> Iterator[Finding]:
        raise NotImplementedError
