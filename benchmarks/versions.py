"""Benchmark: matching patches across the versions of a series, over the corpus threads.

    python benchmarks/versions.py [--corpus DIR] [--rounds 3]

Two kinds of version pairs, both through the library's own entry points:

- in one input: every mbox of the corpus that holds earlier versions of the series it
  reviews (a lore thread with a partial reroll, patchwork's revision threads), compared as
  `reviewtool check THREAD` compares them (`memory.chain.earlier_postings`);
- across inputs: the lore-cgroups threads that post one series several times (grouped by
  cover letter sender and title, ordered by version), each compared with the one before as
  `reviewtool check NEW --since OLD` does (its chain: OLD's postings, then NEW's).

Each pair of postings is listed once per file, under the first run that compares it.

For each pair it prints how many patches were paired by patch id, by subject and by
content similarity (range-diff's assignment), and how many were dropped or added; then the
totals and the CPU seconds (median of the rounds) the matching took, without reading mail.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from reviewtool import ingest
from reviewtool import series as series_mod
from reviewtool.errors import InputError
from reviewtool.memory.chain import earlier_postings
from reviewtool.memory.versions import match_patches

SKIP = (".md", ".txt", ".verify", ".tsv", ".template")


def _inputs(corpus: Path) -> list[Path]:
    return sorted(
        p for p in (corpus / "mbox").rglob("*") if p.is_file() and not p.name.endswith(SKIP)
    )


def _identity(series) -> tuple[str, ...]:
    return tuple(p.message_id for p in series.patches)


def version_pairs(corpus: Path) -> list[tuple[str, object, object]]:
    """(name, older Series, newer Series) for every pair of postings the tool compares on
    the corpus threads (a pair once per file, under the first run that compares it)."""
    runs: list[tuple[str, str, list, list]] = []  # (file, name, messages, since messages)
    groups: dict[tuple[str, str], list[tuple[int, str, list]]] = defaultdict(list)
    for path in _inputs(corpus):
        name = str(path.relative_to(corpus / "mbox"))
        try:
            messages = ingest.read_messages([str(path)])
            newest = series_mod.assemble(messages)
        except InputError:
            continue
        runs.append((name, name, messages, []))
        if path.parent.name == "lore-cgroups-threads" and newest.cover and newest.cover.sender:
            key = (newest.cover.sender.email.lower(), newest.title.strip().lower())
            groups[key].append((newest.version, name, messages))
    for posts in groups.values():
        posts.sort(key=lambda item: (item[0], item[1]))
        for (_, _, old), (_, name, new) in zip(posts, posts[1:], strict=False):
            runs.append((name, f"{name} --since previous", new, old))
    pairs: list[tuple[str, object, object]] = []
    seen: set[tuple] = set()
    for file, name, messages, since in runs:
        newest = series_mod.assemble(messages)
        chain, _ = earlier_postings(messages, newest, since=since)
        postings = [*chain, newest]
        for old, new in zip(postings, postings[1:], strict=False):
            key = (file, _identity(old), _identity(new))
            if key not in seen:
                seen.add(key)
                pairs.append((name, old, new))
    return pairs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=Path(os.environ.get("REVIEWTOOL_CORPUS", "../shared/corpus"))
    )
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not (args.corpus / "mbox").is_dir():
        print(f"no corpus at {args.corpus} (pass --corpus)", file=sys.stderr)
        return 2
    pairs = version_pairs(args.corpus)
    totals = defaultdict(int)
    print(
        f"{'input':70} {'pair':>9} {'patches':>8} {'id':>3} {'subj':>4} {'sim':>4} "
        f"{'drop':>4} {'add':>4}"
    )
    for name, old, new in pairs:
        matched = match_patches(old.patches, new.patches)
        counts = {
            how: sum(1 for p in matched if p.how == how)
            for how in ("patch-id", "subject", "similarity")
        }
        dropped = len(old.patches) - len(matched)
        added = len(new.patches) - len(matched)
        for key, value in (*counts.items(), ("dropped", dropped), ("added", added)):
            totals[key] += value
        totals["old"] += len(old.patches)
        totals["new"] += len(new.patches)
        print(
            f"{name[:70]:70} {f'v{old.version}->v{new.version}':>9} "
            f"{f'{len(old.patches)}->{len(new.patches)}':>8} {counts['patch-id']:>3} "
            f"{counts['subject']:>4} {counts['similarity']:>4} {dropped:>4} {added:>4}"
        )
    print(
        f"\n{len(pairs)} version pairs, {totals['old']} -> {totals['new']} patches: "
        f"{totals['patch-id']} paired by patch id, {totals['subject']} by subject, "
        f"{totals['similarity']} by similarity; {totals['dropped']} dropped, "
        f"{totals['added']} added"
    )
    seconds = []
    for _ in range(args.rounds):
        from reviewtool.memory.patchid import patch_id

        patch_id.cache_clear()
        start = time.process_time()
        for _, old, new in pairs:
            match_patches(old.patches, new.patches)
        seconds.append(time.process_time() - start)
    print(f"matching all pairs: {statistics.median(seconds):.3f} s CPU (median of {args.rounds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
