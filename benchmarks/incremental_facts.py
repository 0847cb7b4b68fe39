"""Incremental facts against facts parsed from scratch, on random edits of real files.

    python benchmarks/incremental_facts.py DIR [--edits 200] [--seed 1]

Each round takes a C file under DIR and a random edit of the kinds a patch makes: a new
function after another one, a function removed, lines inserted or deleted inside a body, a
line changed, a comment added, an `#ifdef` wrapped around a function. The new state's facts
come once through FactsCache (incremental: the previous state was parsed there) and once
from scratch; every fact must agree, and so must each function's syntax tree (its
S-expression). Prints the agreement and the CPU time of both ways.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from reviewtool.csyntax import FactsCache, FileFacts, parse_file
from reviewtool.model import FileState

NEW_FUNCTION = (
    "\nstatic int bench_added_{n}(struct mm_struct *mm)\n{{\n\tint c;\n\n"
    "\tspin_lock(&mm->page_table_lock);\n\tc = mm->map_count;\n"
    "\tspin_unlock(&mm->page_table_lock);\n\treturn c;\n}}\n"
)


def edit(text: str, chooser: random.Random, number: int) -> str:
    lines = text.split("\n")
    ends = [i for i in range(len(lines) - 1) if lines[i] == "}" and lines[i + 1] == ""]
    bodies = [i for i, line in enumerate(lines) if line.startswith("\t") and line.strip()]
    kind = chooser.randrange(6)
    if kind == 0 and ends:
        at = chooser.choice(ends) + 1
        lines[at:at] = NEW_FUNCTION.format(n=number).rstrip("\n").split("\n")
    elif kind == 1 and len(ends) > 2:
        start, end = sorted(chooser.sample(ends, 2))
        del lines[start + 1 : min(end + 1, start + 60)]
    elif kind == 2 and bodies:
        at = chooser.choice(bodies)
        lines[at:at] = [f"\tcount_{number}++;", f"\tif (!count_{number})", "\t\treturn -EINVAL;"]
    elif kind == 3 and bodies:
        del lines[chooser.choice(bodies)]
    elif kind == 4 and bodies:
        at = chooser.choice(bodies)
        lines[at] = lines[at] + f" /* edit {number} */"
    elif ends:
        at = chooser.choice(ends)
        lines[at + 1 : at + 1] = [f"#ifdef CONFIG_BENCH_{number}"]
        later = [e for e in ends if e > at]
        close = (later[0] if later else len(lines) - 2) + 2
        lines[close:close] = ["#endif"]
    return "\n".join(lines)


def describe(facts: FileFacts) -> tuple:
    functions = tuple(
        (
            fn.name,
            fn.start_line,
            fn.end_line,
            fn.body_line,
            fn.is_static,
            fn.return_type,
            fn.params,
            fn.variadic,
            fn.annotations,
            fn.error_count,
            fn.error_lines,
            fn.node.start_byte,
            fn.node.end_byte,
            str(fn.node),
        )
        for fn in facts.functions
    )
    return (
        functions, facts.comments, facts.calls, facts.declarations, facts.types,
        facts.type_lines, facts.error_count, facts.source, facts.annotations,
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    chooser = random.Random(args.seed)
    files = sorted(p for p in args.directory.rglob("*.c") if p.stat().st_size < 400_000)
    cache = FactsCache()
    same = differ = 0
    incremental_cpu = scratch_cpu = 0.0
    for number in range(args.edits):
        path = chooser.choice(files)
        text = path.read_bytes().decode("utf-8", "surrogateescape")
        name = str(path.relative_to(args.directory))
        cache.facts(FileState(name, text))
        changed = edit(text, chooser, number)
        start = time.process_time()
        fast = cache.facts(FileState(name, changed))
        incremental_cpu += time.process_time() - start
        start = time.process_time()
        slow = parse_file(name, changed)
        scratch_cpu += time.process_time() - start
        if describe(fast) == describe(slow):
            same += 1
        else:
            differ += 1
            print(f"differ: {name} edit {number}")
    print(
        f"{same}/{same + differ} edits: identical facts; incremental {cache.incremental} "
        f"times; CPU incremental {incremental_cpu:.2f} s, from scratch {scratch_cpu:.2f} s"
    )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
