"""How well csyntax reads kernel C: per directory, the fraction of function definitions that
parse with tree-sitter ERROR/MISSING nodes, and the functions lost altogether.

A "function" is a kernel-style definition: a line that is exactly `{` at column 0 right
after a line ending in `)` (the body of a function, by coding style). It is *clean* when a
parsed function without error nodes holds that brace as its body; *with errors* when the
parsed function holding it has error nodes; *lost* when no parsed function holds it (the
definition was misread, e.g. as a declaration followed by a block). With `--causes N`, the
N most common first error lines, reduced to a shape (literals folded), to see what to repair.

    python benchmarks/parse_errors.py KERNEL_TREE DIR... [--causes 30]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from reviewtool.csyntax import parse_file

try:
    from reviewtool.csyntax.facts import _count_errors
except ImportError:  # a checkout from before csyntax/facts.py (PYTHONPATH=OLD for before/after)
    from reviewtool.csyntax import _count_errors  # type: ignore[attr-defined,no-redef]


@dataclass
class DirScore:
    functions: int = 0
    with_errors: int = 0
    lost: int = 0
    files: int = 0

    def add(self, other: DirScore) -> None:
        self.functions += other.functions
        self.with_errors += other.with_errors
        self.lost += other.lost
        self.files += other.files

    def line(self, name: str) -> str:
        bad = self.with_errors + self.lost
        share = 100 * bad / self.functions if self.functions else 0.0
        return (
            f"{name:24} {self.files:5} files {self.functions:6} functions  "
            f"with errors {self.with_errors:5}  lost {self.lost:4}  "
            f"not clean {share:5.1f} %"
        )


_TRAILING_COMMENT = re.compile(r"\s*(/\*.*?\*/|//.*)\s*$")


def _body_lines(text: str) -> list[int]:
    """Lines that are exactly `{` right after a line ending in `)`: function bodies by the
    kernel's coding style (an initializer `= {` or a `struct x` line does not end in `)`)."""
    lines = text.split("\n")
    found = []
    for number, line in enumerate(lines[1:], start=2):
        head = _TRAILING_COMMENT.sub("", lines[number - 2]).rstrip()
        if line.rstrip() == "{" and head.endswith(")"):
            found.append(number)
    return found


def _first_error(node) -> object | None:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.is_error or current.is_missing:
            return current
        if current.has_error:
            stack.extend(reversed(current.children))
    return None


_LITERAL = re.compile(r'"(?:\\.|[^"\\])*"|\b\d\w*\b')


def file_score(path: Path, causes: Counter | None) -> DirScore:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    facts = parse_file(str(path), text)
    bodies = {fn.body_line: fn for fn in facts.functions}
    score = DirScore(files=1)
    lines = text.split("\n")
    for line in _body_lines(text):
        score.functions += 1
        fn = bodies.get(line)
        if fn is None:
            score.lost += 1
            where = line - 1
        elif _count_errors(fn.node):
            score.with_errors += 1
            error = _first_error(fn.node)
            where = error.start_point[0] if error is not None else line - 1
        else:
            continue
        if causes is not None and 0 <= where < len(lines):
            shape = _LITERAL.sub("_", " ".join(lines[where].split()))[:90]
            causes[shape] += 1
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path, help="kernel source tree")
    parser.add_argument("dirs", nargs="+", help="directories relative to the tree")
    parser.add_argument("--causes", type=int, default=0, metavar="N")
    args = parser.parse_args(argv)
    causes: Counter | None = Counter() if args.causes else None
    total = DirScore()
    for name in args.dirs:
        directory = args.tree / name
        if not directory.is_dir():
            print(f"not a directory: {directory}", file=sys.stderr)
            return 2
        score = DirScore()
        for path in sorted(directory.rglob("*.c")):
            score.add(file_score(path, causes))
        total.add(score)
        print(score.line(name))
    print(total.line("all"))
    if causes:
        print(f"\nmost common first error lines (of {sum(causes.values())}):")
        for shape, count in causes.most_common(args.causes):
            print(f"{count:6}  {shape}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
