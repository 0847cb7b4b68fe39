"""Snapshots: the tree before the series and after each patch, built by walking the series
with the applier; the BS001 and IN010 findings met on the way."""

from __future__ import annotations

from dataclasses import dataclass, field

from unidiff.errors import UnidiffParseError

from reviewtool.model import FileState, Finding, Patch, Series, Severity, Snapshot
from reviewtool.tree.applier import (
    MAX_LINES_PER_FILE,
    Image,
    image_from_preimage,
    image_state,
    split_lines,
)
from reviewtool.tree.changes import TreeImages
from reviewtool.tree.diff import FileDiff, parse_diff
from reviewtool.tree.sources import BaseTree, DirTree, FileTooLarge, HunksOnly
from reviewtool.tree.texts import RegionTexts

# Bounds on untrusted input: past them we report a finding instead of working (or hanging).
MAX_FILES_PER_PATCH = 5000
MAX_SEARCH_STEPS = 2_000_000  # offset positions tried, for the whole series (exact ones free)
MAX_DIFF_LINES = 1_000_000  # a larger diff is not parsed at all


@dataclass
class _Checkpoint:
    images: dict[str, Image]
    absent: set[str]
    opaque: set[str]
    learned: dict[str, dict[int, str]]


@dataclass
class _Builder(TreeImages):
    """Walks the series one patch at a time, keeping a mutable image of every present file;
    each step's Snapshot carries unchanged FileStates over by reference."""

    budget: list[int] = field(default_factory=lambda: [MAX_SEARCH_STEPS])
    snapshots: list[Snapshot] = field(default_factory=list)
    # Hunks-only: the base lines a previous walk revealed (its `learned`), known from step 0.
    seed: dict[str, dict[int, str]] = field(default_factory=dict)
    # every state's text by region, shared with the walk's other states
    texts: RegionTexts = field(default_factory=RegionTexts)

    @property
    def hunks_only(self) -> bool:
        return self.base is None or isinstance(self.base, HunksOnly)

    # -- findings

    def _unsafe(self, path: str, reason: str) -> None:
        from reviewtool.checks.apply import UNSAFE_PATH

        self.failed = True
        shown = repr(path[:200])
        self.findings.append(
            UNSAFE_PATH.finding(
                f"the patch names an unsafe path {shown} ({reason}); that file was skipped",
                patch=self.step,
                subject=shown,
            )
        )

    # -- the base

    def load_base(self, parsed: list[list[FileDiff] | None]) -> dict[str, FileState]:
        diffs = [fdiff for files in parsed if files for fdiff in files if fdiff.problem is None]
        if self.hunks_only:
            return self._base_from_hunks(diffs)
        paths = sorted({p for d in diffs for p in (d.old_path, d.new_path) if p is not None})
        files: dict[str, FileState] = {}
        for path in paths:
            if isinstance(self.base, DirTree) and self.base.escapes(path):
                continue  # reported as IN010 by the patch that names it
            text = self._read_base(path)
            if text is None:
                continue
            if text.count("\n") > MAX_LINES_PER_FILE:
                self._too_large(path)
                continue
            files[path] = self.texts.state(path, text)
            self.images[path] = Image(split_lines(text))
        self.absent = {p for p in paths if p not in files and p not in self.opaque}
        return files

    def _read_base(self, path: str) -> str | None:
        assert self.base is not None
        try:
            return self.base.read(path)
        except FileTooLarge:
            self._too_large(path)
            return None

    def _too_large(self, path: str) -> None:
        self.opaque.add(path)
        self.does_not_apply(
            f"{path} is too large to analyse (over {MAX_LINES_PER_FILE} lines)",
            path,
            subject="too-large",
            severity=Severity.WARNING,
        )
        self.failed = self.refused = False  # a size limit of ours is not the patch's fault

    def _base_from_hunks(self, diffs: list[FileDiff]) -> dict[str, FileState]:
        """Without a base, what the first patch touching a file shows of it is the base."""
        seen: set[str] = set()
        files: dict[str, FileState] = {}
        for fdiff in diffs:
            old, new = fdiff.old_path, fdiff.new_path
            if old is not None and old not in seen and not fdiff.opaque:
                image = image_from_preimage(fdiff, old, self.seed.get(old))
                self.images[old] = image
                files[old] = self.texts.keep(image_state(old, image))
            seen.update(p for p in (old, new) if p is not None)
        return files

    # -- one patch

    def apply_patch(
        self, step: int, patch: Patch, files: list[FileDiff] | None, error: str, previous: Snapshot
    ) -> Snapshot:
        self.step, self.failed, self.refused = step, False, False
        checkpoint = self._checkpoint(files or [])
        touched: set[str] = set()
        renamed: list[tuple[str, str]] = []
        if files is None:
            too_big = error.startswith("more than")  # our limit, not a fault of the patch
            self.does_not_apply(
                f"its diff {'was not followed' if too_big else 'cannot be parsed'} ({error})",
                None,
                subject="parse",
                severity=Severity.WARNING if too_big else None,
            )
            files = []
        if len(files) > MAX_FILES_PER_PATCH:
            self.does_not_apply(
                f"it touches {len(files)} files; only the first {MAX_FILES_PER_PATCH} were "
                "followed",
                None,
                subject="too-many-files",
                severity=Severity.WARNING,
            )
            files = files[:MAX_FILES_PER_PATCH]
        for fdiff in files:
            if fdiff.problem is not None:
                self._unsafe(fdiff.bad_path, fdiff.problem)
                continue
            escaping = self._escaping(fdiff)
            if escaping is not None:
                self._unsafe(escaping, "resolves through a symlink out of the tree")
                continue
            touched.update(p for p in (fdiff.old_path, fdiff.new_path) if p is not None)
            self.apply_file(fdiff, self.budget, renamed)
        if self.refused:
            # git am stops here; we skip the patch and go on: the tree stays as it was before
            # it, later patches are applied to that, and no finding comes from a half-applied
            # state (only the BS001 findings say what failed)
            self._restore(checkpoint)
            return Snapshot(step, dict(previous.files), frozenset(), False, ())
        states = dict(previous.files)
        for path in touched:
            if path in self.images:
                states[path] = self.texts.keep(image_state(path, self.images[path]))
            else:
                states.pop(path, None)
        return Snapshot(step, states, frozenset(touched), not self.failed, tuple(renamed))

    def _checkpoint(self, files: list[FileDiff]) -> _Checkpoint:
        """What applying `files` may change, copied: the images of the paths they name (the
        applier edits images in place), the sets of absent and opaque paths, learned lines."""
        named = {p for fdiff in files for p in (fdiff.old_path, fdiff.new_path) if p is not None}
        images = {p: image.copy() if p in named else image for p, image in self.images.items()}
        learned = {origin: dict(lines) for origin, lines in self.learned.items()}
        return _Checkpoint(images, set(self.absent), set(self.opaque), learned)

    def _restore(self, checkpoint: _Checkpoint) -> None:
        self.images = checkpoint.images
        self.absent, self.opaque = checkpoint.absent, checkpoint.opaque
        self.learned = checkpoint.learned

    def _escaping(self, fdiff: FileDiff) -> str | None:
        if not isinstance(self.base, DirTree):
            return None
        paths = (fdiff.old_path, fdiff.new_path)
        return next((p for p in paths if p is not None and self.base.escapes(p)), None)


def build_snapshots(
    series: Series, base: BaseTree | None
) -> tuple[tuple[Snapshot, ...], tuple[Finding, ...]]:
    """The tree before the series (step 0) and after each of its patches, with the BS001
    (does not apply) and IN010 (unsafe path) findings met on the way. Nothing is written.

    Step 0 holds the base content of every path a patch names (absent paths stay absent).
    Each patch is applied like `git am` would. Where git am stops, at a patch that does not
    apply (a hunk fails, a file it changes is missing or one it creates exists), we report
    BS001 for each failure and skip the patch: its step is the tree before it (marked not
    applied, nothing touched), later patches apply to that, and nothing is derived from a
    half-applied patch. An unsafe path (IN010) only skips that file.

    Without a base (`None` or `HunksOnly`) each file is rebuilt from hunks: the context and
    removed lines of the first patch touching it form its step-0 state, placed at their
    source line numbers; the lines no hunk showed are unknown (empty in the text, listed in
    `FileState.unknown`) and match any context line of later hunks, becoming known then. The
    text ends after the last known line: how long the real file runs past it is not known,
    so no trailing unknown region is listed (unless a hunk showed the end of the file). A
    base that lacks a file a patch changes gives BS001 and the same rebuild for that file."""
    parsed: list[list[FileDiff] | None] = []
    errors: list[str] = []
    for patch in series.patches:
        if patch.diff.count("\n") > MAX_DIFF_LINES:
            parsed.append(None)
            errors.append(f"more than {MAX_DIFF_LINES} lines")
            continue
        try:
            parsed.append(parse_diff(patch.diff))
            errors.append("")
        except (UnidiffParseError, ValueError, IndexError) as error:
            parsed.append(None)
            errors.append(str(error).splitlines()[0][:200] if str(error) else "malformed")
    builder = _walk(_Builder(series, base), parsed, errors)
    if builder.hunks_only and any(builder.learned.values()):
        # Later hunks showed base lines earlier steps did not know: walk again with them
        # known from step 0, so a function is known at every step where it really exists.
        builder = _walk(_Builder(series, base, seed=builder.learned), parsed, errors)
    return tuple(builder.snapshots), tuple(builder.findings)


def _walk(builder: _Builder, parsed: list[list[FileDiff] | None], errors: list[str]) -> _Builder:
    builder.snapshots.append(Snapshot(0, builder.load_base(parsed)))
    for step, (patch, files, error) in enumerate(
        zip(builder.series.patches, parsed, errors, strict=True), start=1
    ):
        builder.snapshots.append(
            builder.apply_patch(step, patch, files, error, builder.snapshots[-1])
        )
    return builder
