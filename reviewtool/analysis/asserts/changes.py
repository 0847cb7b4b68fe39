"""The inventory of what a patch did to asserts: added, removed, changed (a removed and an
added site similar enough are one change)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from reviewtool.analysis.asserts.sites import AssertSite, find_asserts
from reviewtool.analysis.asserts.vocabulary import AssertRules, load_rules
from reviewtool.csyntax import FileFacts
from reviewtool.resources import Rules


@dataclass(frozen=True, slots=True)
class AssertChange:
    """One assert added, removed or changed by a patch."""

    change: str  # "added", "removed", "changed"
    function: str
    macro: str
    kinds: tuple[str, ...]
    text: str  # the statement as written (post-image; pre-image for "removed")
    line: int  # post-image for added/changed, pre-image for removed
    path: str
    lock: str | None = None
    previous_text: str | None = None  # "changed": the statement before the patch
    previous_line: int | None = None

    @property
    def first_line(self) -> str:
        return self.text.strip().splitlines()[0] if self.text.strip() else ""

    @property
    def one_line(self) -> str:
        """The statement with its line breaks and indentation collapsed (for text output)."""
        return " ".join(self.text.split())

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "change": self.change,
            "path": self.path,
            "function": self.function,
            "line": self.line,
            "macro": self.macro,
            "kinds": list(self.kinds),
            "text": self.text,
            "first_line": self.first_line,
            "one_line": self.one_line,
        }
        if self.lock is not None:
            data["lock"] = self.lock
        if self.change == "changed":
            data["previous_text"] = self.previous_text
            data["previous_line"] = self.previous_line
        return data


CHANGE_SIMILARITY = 0.5  # token similarity above which a removed+added pair is one change


def inventory(
    before: FileFacts | None, after: FileFacts | None, rules: Rules | AssertRules | None = None
) -> list[AssertChange]:
    """Asserts a patch added, removed or changed in one file. Matched by (function,
    normalised text) first, never by line; leftovers in the same function that look alike
    (same macro or same lock, similar tokens) are reported as one "changed" entry."""
    vocabulary = load_rules(rules)
    old = find_asserts(before, vocabulary) if before is not None else []
    new = find_asserts(after, vocabulary) if after is not None else []
    path = (after or before).path if (after or before) is not None else ""
    removed, added = _unmatched(old, new)
    changes: list[AssertChange] = []
    for pre, post in _pair_changed(removed, added):
        changes.append(_change("changed", post, path, previous=pre))
        removed.remove(pre)
        added.remove(post)
    changes.extend(_change("removed", site, path) for site in removed)
    changes.extend(_change("added", site, path) for site in added)
    order = {"removed": 0, "changed": 1, "added": 2}
    changes.sort(key=lambda change: (change.line, order[change.change]))
    return changes


def _unmatched(
    old: list[AssertSite], new: list[AssertSite]
) -> tuple[list[AssertSite], list[AssertSite]]:
    pending: dict[tuple[str, str], list[AssertSite]] = {}
    for site in old:
        pending.setdefault((site.function, site.normalised), []).append(site)
    added: list[AssertSite] = []
    for site in new:
        bucket = pending.get((site.function, site.normalised))
        if bucket:
            bucket.pop(0)
        else:
            added.append(site)
    removed = [site for bucket in pending.values() for site in bucket]
    removed.sort(key=lambda site: site.line)
    return removed, added


def _tokens(site: AssertSite) -> list[str]:
    return re.findall(r"\w+|->|&&|\|\||[!=<>]=?|\S", " ".join(site.args))


def _pair_changed(
    removed: list[AssertSite], added: list[AssertSite]
) -> list[tuple[AssertSite, AssertSite]]:
    candidates: list[tuple[float, int, int]] = []
    for i, pre in enumerate(removed):
        for j, post in enumerate(added):
            if pre.function != post.function:
                continue
            same_lock = pre.lock is not None and pre.lock == post.lock
            if pre.macro.name != post.macro.name and not same_lock:
                continue
            ratio = 1.0 if same_lock else _similarity(pre, post)
            if ratio >= CHANGE_SIMILARITY:
                candidates.append((ratio, i, j))
    pairs: list[tuple[AssertSite, AssertSite]] = []
    used_pre: set[int] = set()
    used_post: set[int] = set()
    for _, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if i not in used_pre and j not in used_post:
            used_pre.add(i)
            used_post.add(j)
            pairs.append((removed[i], added[j]))
    return pairs


def _similarity(pre: AssertSite, post: AssertSite) -> float:
    return difflib.SequenceMatcher(None, _tokens(pre), _tokens(post), autojunk=False).ratio()


def _change(
    change: str, site: AssertSite, path: str, previous: AssertSite | None = None
) -> AssertChange:
    return AssertChange(
        change=change,
        function=site.function,
        macro=site.macro.name,
        kinds=site.macro.kinds,
        text=site.text,
        line=site.line,
        path=path,
        lock=site.lock,
        previous_text=previous.text if previous else None,
        previous_line=previous.line if previous else None,
    )
