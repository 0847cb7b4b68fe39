"""Generated single-file patches for checking the in-memory applier against real `git apply`.

A case is a file the patch's author had (`pre`), a hand-built diff of one to three hunks
against it, the file the patch is applied to (`target`): `pre` itself or `pre` disturbed
in one way git cares about. The hunks are written directly (not by `git diff`), so they can
do what a diff tool never emits but a mail can carry: hunks that overlap, hunks out of order,
hunks without context. Used by tests/test_tree_vs_git.py (a few dozen cases) and
benchmarks/apply_vs_git.py (thousands).
"""

from __future__ import annotations

import os
import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Few distinct lines, so contexts repeat and the offset search has choices to make; tabs,
# runs of spaces and trailing blanks so that whitespace decides matches.
VOCABULARY = (
    "\tint a;\n",
    "        int a;\n",
    "\tint a; \n",
    "\treturn 0;\n",
    "\treturn 0;\t\n",
    "}\n",
    "{\n",
    "\n",
    " \n",
    "\tif (x)\n",
    "\t\tgoto out;\n",
    "\t\tgoto  out;\n",
    "out:\n",
)

DISTURBANCES = ("none", "shift", "whitespace", "fuzz", "end-of-file")
SHAPES = ("ordered", "overlapping", "reordered")


@dataclass(frozen=True)
class Case:
    seed: int
    shape: str
    disturbance: str
    pre: str
    target: str
    diff: str


@dataclass
class _Hunk:
    old_start: int  # 1-based line of the first old line (0 for an empty old side)
    new_start: int
    body: list[str]  # " x\n", "-x\n", "+x\n" (and "\\ No newline..." markers)

    def text(self) -> str:
        old = sum(1 for line in self.body if line[:1] in " -")
        new = sum(1 for line in self.body if line[:1] in " +")
        return f"@@ -{_range(self.old_start, old)} +{_range(self.new_start, new)} @@\n" + "".join(
            self.body
        )


def _range(start: int, count: int) -> str:
    return f"{start}" if count == 1 else f"{start},{count}"


def _line(rng: random.Random) -> str:
    return rng.choice(VOCABULARY)


def _body(kind: str, line: str) -> list[str]:
    """One diff line; a line without its newline gets git's marker after it."""
    if line.endswith("\n"):
        return [kind + line]
    return [kind + line + "\n", "\\ No newline at end of file\n"]


def _hunk(
    rng: random.Random, lines: list[str], at: int, delta: int, bare: bool = True
) -> tuple[_Hunk, list[str], int, int]:
    """A hunk editing `lines` at index `at`, numbered as if `delta` lines had been added
    before it: (hunk, the lines after it, start, end), start..end the lines of `lines` it
    shows (context and removed). Unless `bare`, a hunk shows at least one old line (a pure
    insertion without context is what `diff -U0` writes; git puts it at the file's end)."""
    if lines and not lines[-1].endswith("\n") and at == len(lines):
        at -= 1  # text after a last line without newline: that line must be rewritten
    removed = min(rng.choice((0, 0, 1, 1, 2, 3)), len(lines) - at)
    if lines and not lines[-1].endswith("\n") and at == len(lines) - 1:
        removed = max(removed, 1)
    added = [_line(rng) for _ in range(rng.choice((0, 1, 1, 2, 3)))]
    if not removed and not added:
        added = [_line(rng)]
    lead = min(rng.choice((0, 1, 2, 3, 3, 3)), at)
    trail = min(rng.choice((0, 1, 2, 3, 3, 3)), len(lines) - at - removed)
    if not bare and not (lead or removed or trail):
        if at:
            lead = 1
        elif lines:
            trail = 1
    if added and at + removed == len(lines) and rng.random() < 0.3:
        added[-1] = added[-1].rstrip("\n") or "x"  # the new last line has no newline
    start, end = at - lead, at + removed + trail
    body: list[str] = []
    for kind, chunk in ((" ", lines[start:at]), ("-", lines[at : at + removed])):
        for line in chunk:
            body += _body(kind, line)
    for line in added:
        body += _body("+", line)
    for line in lines[at + removed : end]:
        body += _body(" ", line)
    old_start = start + 1 if end > start else start
    new_start = max(start + 1 + delta if lead + len(added) + trail else start + delta, 0)
    after = lines[:at] + added + lines[at + removed :]
    return _Hunk(old_start, new_start, body), after, start, end


def _hunks(
    rng: random.Random, pre: list[str], shape: str, bare: bool = True
) -> tuple[list[_Hunk], list[int]]:
    """The hunks of one file diff against `pre`, and the lines of `pre` they show."""
    if shape == "overlapping":
        # The second hunk is made against the file as the first left it and starts among the
        # lines the first wrote (or kept as its context): git never matches over those.
        first, middle, start, end = _hunk(rng, pre, rng.randint(0, len(pre)), 0)
        written = start + sum(1 for line in first.body if line[:1] in " +")
        second, _, _, _ = _hunk(rng, middle, rng.randint(start, min(written, len(middle))), 0)
        return [first, second], list(range(start, end))
    hunks: list[_Hunk] = []
    shown: list[int] = []
    cursor = delta = 0
    for _ in range(rng.randint(1, 3)):
        if cursor > len(pre) or (cursor == len(pre) and hunks):
            break
        at = rng.randint(cursor, min(len(pre), cursor + 12))
        hunk, after, start, end = _hunk(rng, pre, at, delta, bare)
        hunks.append(hunk)
        shown += range(start, end)
        delta += len(after) - len(pre)
        # the next hunk starts after this one's lines, now and then a line into them
        cursor = max(end + rng.choice((-1, 0, 0, 1, 2, 5)), at + 1)
    if shape == "reordered" and len(hunks) > 1:
        rng.shuffle(hunks)
    return hunks, shown


def _diff(hunks: list[_Hunk]) -> str:
    header = "diff --git a/f.c b/f.c\nindex 1111111..2222222 100644\n--- a/f.c\n+++ b/f.c\n"
    return header + "".join(hunk.text() for hunk in hunks)


def make_case(seed: int) -> Case:
    rng = random.Random(seed)
    pre = [_line(rng) for _ in range(rng.randint(4, 40))]
    if rng.random() < 0.2:
        pre[-1] = pre[-1].rstrip("\n") or "x"
    shape = rng.choice(SHAPES)
    hunks, shown = _hunks(rng, pre, shape)
    disturbance = rng.choice(DISTURBANCES)
    target = _disturb(rng, list(pre), disturbance, shown)
    return Case(seed, shape, disturbance, "".join(pre), "".join(target), _diff(hunks))


def followup_diff(seed: int, text: str, bare: bool = True) -> str:
    """A patch made against `text` (what git left after the previous one): the tree state a
    patch leaves must be exactly what the next one is applied to."""
    rng = random.Random(seed * 7919 + 1)
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    lines = [line for line in lines if line] or [_line(rng)]
    hunks, _ = _hunks(rng, lines, "ordered", bare)
    return _diff(hunks)


def random_file(seed: int) -> str:
    """A file of 4..40 generated lines; one in five lacks its final newline."""
    rng = random.Random(seed)
    text = "".join(_line(rng) for _ in range(rng.randint(4, 40)))
    return text[:-1] or "x" if rng.random() < 0.2 else text


def _fix_newlines(lines: list[str]) -> list[str]:
    """Only the last line of a file may lack its newline."""
    fixed = [line if line.endswith("\n") else line + "\n" for line in lines[:-1]]
    return fixed + lines[-1:]


def _disturb(rng: random.Random, lines: list[str], how: str, shown: list[int]) -> list[str]:
    if how == "shift":
        for _ in range(rng.randint(1, 3)):
            at = rng.randint(0, len(lines))
            if rng.random() < 0.6 or not lines:
                lines[at:at] = [_line(rng) for _ in range(rng.randint(1, 5))]
            elif at < len(lines):
                del lines[at : at + rng.randint(1, 2)]
    elif how in ("whitespace", "fuzz") and shown:
        at = rng.choice(shown)
        line = lines[at]
        if how == "whitespace":
            swapped = line.replace("\t", "        ", 1) if "\t" in line else "\t" + line.lstrip()
            lines[at] = rng.choice((swapped, line.rstrip("\n") + " \n", line.replace(" ", "  ")))
        else:
            lines[at] = "\tint changed;\n" if line.endswith("\n") else "\tint changed;"
    elif how == "end-of-file" and lines:
        last = lines[-1]
        lines[-1] = last.rstrip("\n") if last.endswith("\n") else last + "\n"
        if not lines[-1]:
            lines[-1] = "x"
    return _fix_newlines(lines) if lines else lines


GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}


def git_apply(work: Path, text: str, diff: str) -> str | None:
    """What real `git apply` makes of `diff` on f.c holding `text`, in `work` (outside any
    repository): the new text of f.c, or None when git refuses the patch."""
    (work / "f.c").write_bytes(text.encode("utf-8"))
    (work / "p.diff").write_bytes(diff.encode("utf-8"))
    result = subprocess.run(
        ["git", "apply", "--whitespace=nowarn", "p.diff"],
        cwd=work,
        capture_output=True,
        env={**os.environ, **GIT_ENV, "GIT_CEILING_DIRECTORIES": str(work.parent)},
        check=False,
    )
    if result.returncode != 0:
        return None
    return (work / "f.c").read_bytes().decode("utf-8")
