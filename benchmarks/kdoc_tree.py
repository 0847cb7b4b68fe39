"""Benchmark: reviewtool's kernel-doc reader against the kernel's own `scripts/kernel-doc
-none -Wall`, file by file, on a kernel tree.

    python benchmarks/kdoc_tree.py KERNEL_TREE DIR... [--skip-subset DIR] [--cache DIR]
                                   [--limit N] [--jobs N]

Every .c/.h file under each DIR (relative to KERNEL_TREE) is read by both; a file agrees when
both print the same warnings and errors: the same multiset of (line, message), messages
compared with their whitespace collapsed (kernel-doc prints the offending source line after
some messages, on a line of its own). Files whose relative path is in the corpus subset
(`--skip-subset`, default $REVIEWTOOL_CORPUS/linux-6.12-subset) are left out: the tests
already compare those. The script's output is cached by the SHA-1 of the script and of the
file, so reruns only run our side. Prints agreement and every differing file with the
warnings only one side printed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from reviewtool.analysis.kdoc import analyse

Warning = tuple[int, str]
PERL_RUNTIME_WARNING = re.compile(r" at \S*kernel-doc line \d+(?:, <\w+> line \d+)?\.$")


def normal(message: str) -> str:
    return " ".join(message.split())


def collect(tree: Path, dirs: list[str], skip: set[str], limit: int | None) -> list[str]:
    files: list[str] = []
    for directory in dirs:
        root = tree / directory
        if not root.exists():
            sys.exit(f"{root}: no such directory")
        found = [root] if root.is_file() else sorted(root.rglob("*.[ch]"))
        for path in found:
            relative = path.relative_to(tree).as_posix()
            if path.is_file() and not path.is_symlink() and relative not in skip:
                files.append(relative)
    files = sorted(dict.fromkeys(files))
    return files[:limit] if limit else files


def parse_script_output(relative: str, output: str) -> Counter[Warning]:
    """`path:line: warning: message` records; lines that do not start a record continue the
    previous message (the source line kernel-doc appends)."""
    start = re.compile(rf"^{re.escape(relative)}:(\d+): (?:warning|error): (.*)$")
    records: list[list] = []
    for line in output.split("\n"):
        if PERL_RUNTIME_WARNING.search(line):
            continue  # perl's own "Use of uninitialized value ..." lines, not kernel-doc's
        match = start.match(line)
        if match:
            records.append([int(match.group(1)), match.group(2)])
        elif records and line:
            records[-1][1] += "\n" + line
    return Counter((number, normal(message)) for number, message in records)


def script_output(tree: Path, script: bytes, relative: str, cache: Path) -> str:
    data = (tree / relative).read_bytes()
    key = hashlib.sha1(script + b"\0" + data).hexdigest()
    cached = cache / key[:2] / key
    if cached.exists():
        return cached.read_text(encoding="utf-8", errors="surrogateescape")
    result = subprocess.run(
        ["perl", "scripts/kernel-doc", "-none", "-Wall", relative],
        cwd=tree,
        capture_output=True,
        timeout=300,
    )
    output = result.stderr.decode("utf-8", "surrogateescape")
    cached.parent.mkdir(parents=True, exist_ok=True)
    temporary = cached.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(output, encoding="utf-8", errors="surrogateescape")
    temporary.replace(cached)
    return output


def our_warnings(tree: Path, relative: str) -> Counter[Warning]:
    text = (tree / relative).read_bytes().decode("utf-8", "surrogateescape")
    return Counter((p.line, normal(p.message)) for p in analyse(text).problems)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", type=Path, help="kernel source tree (has scripts/kernel-doc)")
    parser.add_argument("dirs", nargs="+", help="directories or files, relative to the tree")
    corpus = os.environ.get("REVIEWTOOL_CORPUS")
    parser.add_argument(
        "--skip-subset",
        type=Path,
        default=Path(corpus) / "linux-6.12-subset" if corpus else None,
        help="skip the relative paths of this tree (default: the corpus subset)",
    )
    parser.add_argument(
        "--cache", type=Path, default=Path.home() / ".cache" / "reviewtool" / "kernel-doc"
    )
    parser.add_argument("--limit", type=int, help="compare at most N files")
    parser.add_argument("--jobs", type=int, default=1, help="kernel-doc runs at once")
    args = parser.parse_args()

    script = (args.tree / "scripts" / "kernel-doc").read_bytes()
    skip: set[str] = set()
    if args.skip_subset and args.skip_subset.is_dir():
        skip = {p.relative_to(args.skip_subset).as_posix() for p in args.skip_subset.rglob("*")}
    files = collect(args.tree, args.dirs, skip, args.limit)

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outputs = list(
            pool.map(lambda rel: script_output(args.tree, script, rel, args.cache), files)
        )
    started = time.process_time()
    ours = [our_warnings(args.tree, relative) for relative in files]
    cpu = time.process_time() - started

    agree = 0
    matched = total_theirs = total_ours = 0
    differences: list[tuple[str, Counter[Warning], Counter[Warning]]] = []
    for relative, output, mine in zip(files, outputs, ours, strict=True):
        theirs = parse_script_output(relative, output)
        matched += sum((mine & theirs).values())
        total_theirs += sum(theirs.values())
        total_ours += sum(mine.values())
        if mine == theirs:
            agree += 1
        else:
            differences.append((relative, theirs - mine, mine - theirs))

    print(f"files: {len(files)} (skipped {len(skip)} subset paths) under {' '.join(args.dirs)}")
    share = 100 * agree / max(1, len(files))
    print(f"agreement: {agree}/{len(files)} files identical ({share:.2f} %)")
    print(
        f"warnings: kernel-doc {total_theirs}, ours {total_ours}, matched {matched} "
        f"(recall {100 * matched / max(1, total_theirs):.2f} %, "
        f"precision {100 * matched / max(1, total_ours):.2f} %)"
    )
    print(f"our reader: {cpu:.1f} CPU s for {len(files)} files")
    for relative, only_theirs, only_ours in differences:
        print(f"\n{relative}")
        for (line, message), count in sorted(only_theirs.items()):
            print(f"  kernel-doc only  {line}: {message}" + (f"  (x{count})" if count > 1 else ""))
        for (line, message), count in sorted(only_ours.items()):
            print(f"  ours only        {line}: {message}" + (f"  (x{count})" if count > 1 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
