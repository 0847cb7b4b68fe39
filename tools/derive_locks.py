"""Derive the lock vocabulary from a kernel tree's headers and write it as rule data.

    python tools/derive_locks.py KERNEL_TREE [-o rules/locks-derived.toml] [--rules DIR]

Reads every header under KERNEL_TREE/include but uapi/ and dt-bindings/ (the macros, static
inlines and prototypes in them), follows lock primitives through their wrappers
(reviewtool.analysis.vocab) and writes the acquire/release entries the lock analysis reads
when no tree is given. Then each directory's private headers (fs/ext4/ext4.h; not arch/,
tools/, scripts/) on top of that: their entries carry `scope = "fs/ext4/"` and apply only
to files below it. The packaged
rules/locks-derived.toml is this script's output for Linux 6.12 (Debian's
linux-source-6.12); regenerate it when rules/locks.toml's conventions change. Prints what it
found and how long it took (CPU seconds).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from reviewtool.analysis.vocab import (
    definitions,
    derive,
    derive_private,
    derived_table,
    hand_ops,
)
from reviewtool.analysis.vocab.primitives import Op
from reviewtool.analysis.vocab.tree import private_scope, skipped
from reviewtool.resources import Rules, data_dir


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "surrogateescape")


def private_tables(tree: Path, global_ops: list[Op], rules: Rules) -> list[dict]:
    """Per directory with private headers (fs/ext4/ext4.h), what they add: entries scoped
    to that directory. Directories without any derived acquire are left out."""
    by_scope: dict[str, list[Path]] = {}
    for path in sorted(tree.rglob("*.h")):
        scope = private_scope(path.relative_to(tree).as_posix())
        if scope is not None and not path.is_symlink():
            by_scope.setdefault(scope, []).append(path)
    others = [*hand_ops(rules), *global_ops]
    tables = []
    for scope, paths in sorted(by_scope.items()):
        found = []
        for path in paths:
            found.extend(definitions(path.relative_to(tree).as_posix(), _read(path), rules))
        table = derived_table(derive_private(found, global_ops, rules), rules, others, scope)
        if table["acquire"]:
            tables.append(table)
    return tables


def toml_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return str(value)


def render(table: dict, tree_name: str) -> str:
    lines = [
        "# Lock primitives and wrappers derived from the headers of "
        f"{tree_name} by tools/derive_locks.py.",
        "# Generated: do not edit (rules/locks.toml holds what cannot be derived and wins over",
        "# an entry here of the same name). `from` is the definition the entry was derived from.",
        "",
    ]
    for kind in ("acquire", "release"):
        for entry in table[kind]:
            lines.append(f"[[{kind}]]")
            lines.extend(f"{key} = {toml_value(value)}" for key, value in entry.items())
            lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument(
        "-o", "--output", type=Path, default=data_dir("rules") / "locks-derived.toml"
    )
    parser.add_argument("--rules", type=Path, action="append", default=[])
    parser.add_argument("--name", default="Linux 6.12", help="how the header names the tree")
    args = parser.parse_args(argv)
    include = args.tree / "include"
    if not include.is_dir():
        print(f"{include}: not a directory", file=sys.stderr)
        return 2
    rules = Rules(args.rules)
    start = time.process_time()
    found = []
    headers = sorted(
        p for p in include.rglob("*.h") if not skipped(p.relative_to(include).as_posix())
    )
    for path in headers:
        found.extend(definitions(path.relative_to(args.tree).as_posix(), _read(path), rules))
    read = time.process_time()
    ops = derive(found, rules)
    table = derived_table(ops, rules)
    done = time.process_time()
    scoped = private_tables(args.tree, list(ops.values()), rules)
    for kind in ("acquire", "release"):
        table[kind].extend(e for scope_table in scoped for e in scope_table[kind])
    private = time.process_time()
    text = render(table, args.name)
    with tempfile.NamedTemporaryFile("w", dir=args.output.parent, delete=False) as handle:
        handle.write(text)
    os.replace(handle.name, args.output)
    scoped_count = sum(len(t["acquire"]) for t in scoped)
    print(
        f"include/: {len(headers)} headers, {len(found)} definitions read in "
        f"{read - start:.1f} s, derived in {done - read:.1f} s; private headers of "
        f"{len(scoped)} directories in {private - done:.1f} s; "
        f"{len(table['acquire'])} acquires ({scoped_count} scoped), "
        f"{len(table['release'])} releases -> {args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
