"""Applying one file diff to the tree being walked: an image of every present file, the
paths known absent or opaque, and what creating, deleting, modifying, renaming or copying a
file does to them; each failure is a BS001 finding (`does_not_apply`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewtool.model import Finding, Series, Severity
from reviewtool.tree.applier import Applier, Image, image_from_preimage, rejoin_lines
from reviewtool.tree.diagnose import Diagnosis, explain
from reviewtool.tree.diff import FileDiff, Hunk
from reviewtool.tree.sources import BaseTree


@dataclass
class TreeImages:
    """The mutable tree of one walk over a series (`tree.snapshots` walks it patch by
    patch): file images edited in place, and the findings met."""

    series: Series
    base: BaseTree | None
    images: dict[str, Image] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)  # known not to exist at this step
    opaque: set[str] = field(default_factory=set)  # binary or too large: not followed
    findings: list[Finding] = field(default_factory=list)
    step: int = 0
    failed: bool = False  # this patch was not (wholly) followed: Snapshot.applied is False
    refused: bool = False  # ... because it does not apply: it changes nothing
    # Hunks-only: base lines (by base path and line number) that hunks revealed.
    learned: dict[str, dict[int, str]] = field(default_factory=dict)
    # Lines that hunks which did not apply would have added: path -> line -> patch label.
    # A later hunk expecting one of them fails because of that earlier failure.
    not_added: dict[str, dict[str, str]] = field(default_factory=dict)

    def does_not_apply(
        self,
        message: str,
        path: str | None,
        line: int | None = None,
        *,
        subject: str = "",
        severity: Severity | None = None,
    ) -> None:
        from reviewtool.checks.apply import DOES_NOT_APPLY

        self.failed = True
        self.refused |= severity is None or severity == Severity.ERROR
        if self.step:
            patch = self.series.patches[self.step - 1]
            message = f"patch {patch.index}/{patch.total} does not apply: {message}"
        self.findings.append(
            DOES_NOT_APPLY.finding(
                message,
                patch=self.step,
                path=path,
                line=line,
                subject=subject,
                severity=severity,
            )
        )

    # -- one file diff

    def apply_file(
        self, fdiff: FileDiff, budget: list[int], renamed: list[tuple[str, str]]
    ) -> None:
        old, new = fdiff.old_path, fdiff.new_path
        if fdiff.opaque or (old in self.opaque):
            for path in (old, new):
                self.images.pop(path, None)  # type: ignore[arg-type]
            if new is not None:
                self.opaque.add(new)
            return
        if old is None:
            assert new is not None
            self._create(new, fdiff, budget)
        elif new is None:
            self._delete(old, fdiff, budget)
        else:
            self._modify(old, new, fdiff, budget, renamed)

    def _create(self, path: str, fdiff: FileDiff, budget: list[int]) -> None:
        if path in self.images or path in self.opaque:
            created = [line for hunk in fdiff.hunks for line in hunk.post]
            existing = self.images.get(path)
            same = existing is not None and not existing.partial and existing.lines == created
            self.does_not_apply(
                f"it creates {path}, which already exists"
                + (" with the same content (it is already applied)" if same else ""),
                path,
                subject="exists",
            )
            return
        image = Image([])
        self._apply_hunks(path, image, fdiff, budget)
        self.images[path] = image
        self.absent.discard(path)

    def _delete(self, path: str, fdiff: FileDiff, budget: list[int]) -> None:
        image = self.images.get(path)
        if image is None:
            if path in self.absent:
                self.does_not_apply(
                    f"it deletes {path}, which does not exist", path, subject="missing"
                )
            return
        ok = self._apply_hunks(path, image, fdiff, budget)
        if ok and not image.partial and image.lines:
            self.does_not_apply(f"deleting {path} leaves content behind", path, subject="leftover")
            ok = False
        if ok:
            del self.images[path]
            self.absent.add(path)

    def _modify(
        self,
        old: str,
        new: str,
        fdiff: FileDiff,
        budget: list[int],
        renamed: list[tuple[str, str]],
    ) -> None:
        image = self.images.get(old)
        if image is None:
            self.does_not_apply(f"it changes {old}, which does not exist", old, subject="missing")
            image = image_from_preimage(fdiff)  # follow what the hunks show anyway
            self.images[old] = image
        if new != old:
            if new in self.images:
                verb = "copies" if fdiff.copy else "renames"
                self.does_not_apply(
                    f"it {verb} {old} onto {new}, which already exists", new, subject="exists"
                )
                return
            if fdiff.copy:
                image = image.copy()
            else:
                del self.images[old]
                self.absent.add(old)
                renamed.append((old, new))
            self.images[new] = image
            self.absent.discard(new)
        self._apply_hunks(new, image, fdiff, budget)

    def _apply_hunks(self, path: str, image: Image, fdiff: FileDiff, budget: list[int]) -> bool:
        learned = self.learned.setdefault(image.origin, {}) if image.origin else None
        applier = Applier(image, budget, learned)
        failed: list[tuple[Hunk, Diagnosis]] = []
        for hunk in fdiff.hunks:
            if applier.apply(hunk) is None:  # only now is the reason worked out
                failed.append((hunk, explain(applier, hunk)))
        if failed and len(failed) == len(fdiff.hunks) and all(d.applied_at for _, d in failed):
            # every change is there already: one finding for the file, not one per hunk
            count = len(failed)
            first, why = failed[0]
            changes = "its change" if count == 1 else f"all {count} of its changes"
            self.does_not_apply(
                f"{path} already has {changes} (it is already applied; hunk {first.header} "
                f"is at line {why.applied_at})",
                path,
                why.applied_at,
                subject="already-applied",
            )
            return False
        for hunk, why in failed:
            reason = why.reason
            lost = self.not_added.get(path, {})
            earlier = next((lost[line] for line in hunk.pre if line in lost), None)
            if earlier is not None:
                reason += f" (it expects lines that {earlier} adds in a hunk that did not apply)"
            if budget[0] < 0:
                reason += "; the search for its context elsewhere was cut short (too much work)"
            self.does_not_apply(
                f"hunk {hunk.header} of {path} fails: {reason}",
                path,
                max(hunk.new_start, 1),
                subject=hunk.pre[0].strip() if hunk.pre else hunk.header,
            )
        if failed and self.step:
            patch = self.series.patches[self.step - 1]
            label = f"{patch.index}/{patch.total}"
            lost = self.not_added.setdefault(path, {})
            for hunk, _ in failed:
                for line in hunk.post:
                    if line not in hunk.pre and len(line.strip()) > 3:
                        lost.setdefault(line, label)
        rejoin_lines(image)
        return not failed
