"""Which patch of one posting is which patch of the next: the pairing `git range-diff` (and
so `b4 diff`) makes, computed in Python.

First every patch whose `git patch-id --stable` is unchanged is paired with its twin (in
order, when a series carries the same change twice); then patches with the same subject,
when that subject is unique on both sides (b4's fuzzy trailer matching). The rest are
paired by a minimum-cost assignment, as range-diff does: the cost of pairing two patches is
the number of lines that differ between them (subject, commit message and diff, with hunk
line numbers and blob ids left out), the cost of leaving one unpaired is its size times the
creation factor (60 %, git's default). A rewritten patch keeps its partner; a patch whose
every line changed does not.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from difflib import SequenceMatcher

from reviewtool.memory.assignment import min_cost_assignment
from reviewtool.memory.patchid import patch_id
from reviewtool.model import Patch, PatchPair

CREATION_FACTOR = 0.6  # git range-diff --creation-factor=60
MAX_ASSIGNED = 120  # patches per side beyond which pairs are made greedily (cubic cost)
MAX_LINES = 4000  # lines of one patch compared (a tree-wide rename is not read whole)
DIFF_BUDGET = 2_000_000  # lines fed to line diffs per pairing; past it, multiset counts

_HUNK_NUMBERS = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@")


def comparable_lines(patch: Patch) -> tuple[str, ...]:
    """What range-diff compares: the subject, the commit message, and the diff without
    `index` lines and hunk line numbers (a rebase moves them; that is no change)."""
    lines = [patch.subject.title.strip()]
    lines.extend(line.rstrip() for line in patch.commit_message.split("\n") if line.strip())
    for line in patch.diff.split("\n"):
        if line.startswith("index "):
            continue
        if line.startswith("@@"):
            line = _HUNK_NUMBERS.sub("@@", line)
        lines.append(line.rstrip())
        if len(lines) >= MAX_LINES:
            break
    return tuple(lines)


def _differing(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """Lines in one and not the other (the size of the diff between the two patches)."""
    if a == b:
        return 0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    return len(a) + len(b) - 2 * same


def _differing_unordered(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """The same count with lines as a multiset (order ignored): linear, a lower bound of
    `_differing`, used when a pairing of many big patches would take too long."""
    same = sum((Counter(a) & Counter(b)).values())
    return len(a) + len(b) - 2 * same


def _by_patch_id(old: Sequence[Patch], new: Sequence[Patch]) -> list[PatchPair]:
    waiting: dict[str, deque[Patch]] = defaultdict(deque)
    for patch in old:
        pid = patch_id(patch.diff)
        if pid is not None:
            waiting[pid].append(patch)
    pairs: list[PatchPair] = []
    for patch in new:
        pid = patch_id(patch.diff)
        if pid is not None and waiting.get(pid):
            partner = waiting[pid].popleft()
            pairs.append(PatchPair(partner.index, patch.index, "patch-id", 0))
    return pairs


def _title(patch: Patch) -> str:
    return " ".join(patch.subject.title.lower().split())


def _by_subject(old: Sequence[Patch], new: Sequence[Patch]) -> list[PatchPair]:
    old_titles = Counter(_title(p) for p in old)
    new_titles = Counter(_title(p) for p in new)
    partner = {_title(p): p for p in old if old_titles[_title(p)] == 1}
    pairs: list[PatchPair] = []
    for patch in new:
        title = _title(patch)
        if title and new_titles[title] == 1 and title in partner:
            cost = _differing(comparable_lines(partner[title]), comparable_lines(patch))
            pairs.append(PatchPair(partner[title].index, patch.index, "subject", cost))
    return pairs


def _by_similarity(old: Sequence[Patch], new: Sequence[Patch]) -> list[PatchPair]:
    if not old or not new:
        return []
    left = [comparable_lines(p) for p in old]
    right = [comparable_lines(p) for p in new]
    work = sum(map(len, left)) * len(right) + sum(map(len, right)) * len(left)
    cost = _differing if work <= DIFF_BUDGET else _differing_unordered
    pair_cost = [[cost(a, b) for b in right] for a in left]
    unpaired_old = [int(len(a) * CREATION_FACTOR) for a in left]
    unpaired_new = [int(len(b) * CREATION_FACTOR) for b in right]
    if len(old) <= MAX_ASSIGNED and len(new) <= MAX_ASSIGNED:
        chosen = _assigned(pair_cost, unpaired_old, unpaired_new)
    else:
        chosen = _greedy(pair_cost, unpaired_old, unpaired_new)
    return [PatchPair(old[i].index, new[j].index, "similarity", pair_cost[i][j]) for i, j in chosen]


def _assigned(
    pair_cost: list[list[int]], unpaired_old: list[int], unpaired_new: list[int]
) -> list[tuple[int, int]]:
    """range-diff's square matrix: old patches against new ones, each old patch against
    "deleted" columns and each new one against "created" rows, the corner free."""
    n, m = len(unpaired_old), len(unpaired_new)
    size = n + m
    matrix = [[0] * size for _ in range(size)]
    for i in range(size):
        for j in range(size):
            if i < n and j < m:
                matrix[i][j] = pair_cost[i][j]
            elif i < n:
                matrix[i][j] = unpaired_old[i]
            elif j < m:
                matrix[i][j] = unpaired_new[j]
    columns = min_cost_assignment(matrix)
    return [(i, columns[i]) for i in range(n) if columns[i] < m]


def _greedy(
    pair_cost: list[list[int]], unpaired_old: list[int], unpaired_new: list[int]
) -> list[tuple[int, int]]:
    """Cheapest pairs first, each only when cheaper than leaving both sides unpaired."""
    order = sorted((cost, i, j) for i, row in enumerate(pair_cost) for j, cost in enumerate(row))
    used_old: set[int] = set()
    used_new: set[int] = set()
    chosen: list[tuple[int, int]] = []
    for cost, i, j in order:
        if i in used_old or j in used_new or cost >= unpaired_old[i] + unpaired_new[j]:
            continue
        used_old.add(i)
        used_new.add(j)
        chosen.append((i, j))
    return chosen


def match_patches(old: Sequence[Patch], new: Sequence[Patch]) -> tuple[PatchPair, ...]:
    """Pairs (old index, new index, how, cost) sorted by the new index; a patch of either
    side that is in no pair was dropped (old) or added (new)."""
    pairs: list[PatchPair] = []
    for method in (_by_patch_id, _by_subject, _by_similarity):
        paired_old = {pair.old for pair in pairs}
        paired_new = {pair.new for pair in pairs}
        rest_old = [p for p in old if p.index not in paired_old]
        rest_new = [p for p in new if p.index not in paired_new]
        pairs.extend(method(rest_old, rest_new))
    return tuple(sorted(pairs, key=lambda pair: pair.new))
