"""How much of the locking in kernel code the lock vocabulary recognises.

A *lock-like call* is a call, inside a function, whose name looks like a lock operation:
it has the word `lock`/`unlock`/`trylock` (`spin_lock_irqsave`, `xa_unlock`, `lock_sock`),
`mutex`, `rwsem`, `sem`, `seqlock`/`sequnlock`/`seqcount`, starts with `down`/`up` as a word
(`down_read`, `up_write`), or is `rcu_read_*`, `srcu_read_*`, `local_irq_*`, `local_bh_*`,
`preempt_enable/disable`, `migrate_enable/disable`. Calls whose name also says they are not
an operation on the lock (`*_init`, `*_is_locked`, `*assert*`, `*held*`, `lockdep*`,
`*destroy*`, `*contended*`, `might_*`, `*owner*`, `*waiter*`, `*print*`, `lock_map_*`)
are left out. *Recognised* means the analysis knows
the name as an acquire or a release (rules/locks.toml, plus rules/locks-derived.toml, plus
with --tree the tree's own headers). A name defined as a function in the same file is
counted apart ("same file"): the analysis summarises those itself. Prints call sites and
distinct names, recognised and not, per directory, and the most frequent names neither
recognised nor defined in their file.

    python benchmarks/vocabulary.py KERNEL_TREE DIR... [--tree] [--top 40]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

from reviewtool.analysis.locks import lock_table
from reviewtool.csyntax import parse_file
from reviewtool.resources import default_rules

LOCK_LIKE = re.compile(
    r"(?:^|_)(?:un|try)?lock(?:_|$)|mutex|rwsem|(?:^|_)sem(?:_|$)|seq(?:un)?lock|seqcount"
    r"|^_*(?:down|up)(?:_|$)|^_*(?:s?rcu_read_)|^local_(?:irq|bh)_|^(?:preempt|migrate)_(?:en|dis)able"
)
NOT_AN_OPERATION = re.compile(
    r"_init(?:_|$)|^init_|is_locked|_is_|assert|held|lockdep|destroy|contended|^might_|needbreak"
    r"|owner|waiter|print|lock_map_"
)


def lock_like(name: str) -> bool:
    return bool(LOCK_LIKE.search(name)) and not NOT_AN_OPERATION.search(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--tree", dest="use_tree", action="store_true", help="derive from it")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    rules = default_rules()
    start = time.process_time()
    if args.use_tree:
        from reviewtool.analysis.vocab.tree import tree_rules
        from reviewtool.tree import DirTree

        base = DirTree(args.tree)  # kept alive: the rules refer to it weakly
        rules = tree_rules(rules, base)
    table = lock_table(rules)
    print(
        f"vocabulary: {len(table.acquires)} acquires, {len(table.releases)} releases "
        f"({time.process_time() - start:.1f} s CPU)"
    )
    unknown_all: Counter[str] = Counter()
    totals = Counter()
    for name in args.dirs:
        directory = args.tree / name
        if not directory.is_dir():
            print(f"not a directory: {directory}", file=sys.stderr)
            return 2
        sites: Counter[str] = Counter()
        same_file: Counter[str] = Counter()
        recognised: set[str] = set()
        for path in sorted(directory.rglob("*.c")):
            text = path.read_bytes().decode("utf-8", "surrogateescape")
            here = _known(rules, str(path))  # with what the directory's headers add
            facts = parse_file(str(path), text, rules)
            local = {fn.name for fn in facts.functions}
            for call in facts.calls:
                if call.function is not None and lock_like(call.name):
                    sites[call.name] += 1
                    if call.name in here:
                        recognised.add(call.name)
                    elif call.name in local:
                        same_file[call.name] += 1
        hit = sum(n for c, n in sites.items() if c in recognised)
        names_hit = len(recognised)
        unknown_all.update(
            {c: n for c, n in sites.items() if c not in recognised and c not in same_file}
        )
        totals.update(same=sum(n for c, n in same_file.items() if c not in recognised))
        totals.update(sites=sum(sites.values()), hit=hit, names=len(sites), names_hit=names_hit)
        print(_line(name, sum(sites.values()), hit, len(sites), names_hit))
    print(_line("all", totals["sites"], totals["hit"], totals["names"], totals["names_hit"]))
    print(f"call sites of functions defined in the same file (summarised): {totals['same']}")
    print(f"\nmost frequent lock-like names not recognised (of {len(unknown_all)}):")
    for name, count in unknown_all.most_common(args.top):
        print(f"{count:6}  {name}")
    return 0


def _known(rules, path: str) -> frozenset[str]:
    try:
        table = lock_table(rules, path)
    except TypeError:  # a reviewtool from before scoped vocabularies (to measure "before")
        table = lock_table(rules)
    return frozenset(table.acquires) | frozenset(table.releases)


def _line(name: str, sites: int, hit: int, names: int, names_hit: int) -> str:
    share = 100 * hit / sites if sites else 0.0
    name_share = 100 * names_hit / names if names else 0.0
    return (
        f"{name:20} call sites {sites:6}  recognised {hit:6} ({share:5.1f} %)   "
        f"names {names:5}  recognised {names_hit:5} ({name_share:5.1f} %)"
    )


if __name__ == "__main__":
    sys.exit(main())
