"""Differential test of the KD checks against the real scripts/kernel-doc on mutated files.

The fixture records, for mutations of kernel-doc comments in the 6.12 subset (a parameter line
dropped, an `@flags:` line added, the function renamed, the `Return:` line dropped, `/*` turned
into `/**`, a described parameter renamed, and edits that must change nothing: the short
description reworded, a `Context:` section added), the warnings the real
`kernel-doc -none -Wall` (Linux 6.12.117) printed that were new or gone. The test replays
each mutation and compares our new/gone findings by (function, kind), as
tests/test_kdoc_corpus.py does for kdoc-dev.

Regenerate (needs perl and the kernel's script):
    python -m tests.test_kdoc_mutations /path/to/scripts/kernel-doc [count] [seed]
"""

from __future__ import annotations

import gzip
import json
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.corpus import corpus_dir
from tests.test_kdoc_corpus import finding_key, kd_findings, oracle_key

FIXTURE = Path(__file__).parent / "fixtures" / "kdoc" / "kernel-doc-mutations.json.gz"
KINDS = (
    "drop-param",
    "extra-param",
    "rename-func",
    "drop-return",
    "fake-kdoc",
    "reword",
    "context",
    "rename-param",
)


def apply(text: str, op: list[Any]) -> str:
    """Replay one recorded edit: ["delete", i], ["insert", i, line] or ["replace", i, line]
    (0-based line indexes)."""
    lines = text.split("\n")
    if op[0] == "delete":
        del lines[op[1]]
    elif op[0] == "insert":
        lines.insert(op[1], op[2])
    else:
        lines[op[1]] = op[2]
    return "\n".join(lines)


_BASE_FINDINGS: dict[str, list] = {}


def our_changes(path: str, before: str, after: str) -> set[tuple]:
    if path not in _BASE_FINDINGS:
        _BASE_FINDINGS[path] = kd_findings(path, before)
    old, new = _BASE_FINDINGS[path], kd_findings(path, after)
    old_keys, new_keys = Counter(f.key for f in old), Counter(f.key for f in new)
    appeared = {("new", *finding_key(f)) for f in new if new_keys[f.key] > old_keys[f.key]}
    vanished = {("gone", *finding_key(f)) for f in old if old_keys[f.key] > new_keys[f.key]}
    return appeared | vanished


@pytest.mark.corpus
def test_mutations_agree_with_kernel_doc() -> None:
    root = corpus_dir() / "linux-6.12-subset"
    records = json.loads(gzip.decompress(FIXTURE.read_bytes()))["mutations"]
    assert len(records) >= 300
    agree = 0
    disagreements = []
    by_kind: Counter[str] = Counter()
    for record in records:
        before = (root / record["file"]).read_text(encoding="utf-8", errors="surrogateescape")
        after = apply(before, record["op"])
        theirs = {("new", *oracle_key(m)) for m in record["new"]}
        theirs |= {("gone", *oracle_key(m)) for m in record["gone"]}
        if our_changes(record["file"], before, after) == theirs:
            agree += 1
            by_kind[record["kind"]] += 1
        else:
            disagreements.append((record["file"], record["kind"], record["op"][:2]))
    print(f"kernel-doc mutations: {agree}/{len(records)} agree {dict(by_kind)}")
    assert disagreements[:10] == []  # 600/600 reached: a ratchet


# ---- regeneration (not run by pytest) --------------------------------------------------------


def _mutation(rng: random.Random, text: str) -> tuple[str, list[Any]] | None:
    lines = text.split("\n")
    kind = rng.choice(KINDS)
    if kind == "fake-kdoc":
        plain = [
            i
            for i, line in enumerate(lines[:-1])
            if re.match(r"^/\*\s*$", line) and lines[i + 1].startswith(" *")
        ]
        return (kind, ["replace", rng.choice(plain), "/**"]) if plain else None
    starts = [i for i, line in enumerate(lines) if re.match(r"^/\*\*\s*$", line)]
    if not starts:
        return None
    start = rng.choice(starts)
    end = next((j for j in range(start, min(start + 200, len(lines))) if "*/" in lines[j]), None)
    if end is None:
        return None
    if kind == "extra-param":
        return kind, ["insert", start + 2, " * @flags: unused"]
    if kind == "reword":
        return kind, ["replace", start + 1, lines[start + 1].replace(" - ", " - in short, ", 1)]
    if kind == "context":
        return kind, ["insert", end, " *\n * Context: Any context."]
    if kind == "rename-param":
        described = [
            (j, m.group(1))
            for j in range(start, end)
            if (m := re.match(r"^\s*\*\s*@(\w+):", lines[j]))
        ]
        if not described:
            return None
        j, param = rng.choice(described)
        return kind, ["replace", j, lines[j].replace(f"@{param}:", f"@{param}_old:", 1)]
    if kind == "drop-param":
        found = [j for j in range(start, end) if re.match(r"^\s*\*\s*@\w+:", lines[j])]
        return (kind, ["delete", rng.choice(found)]) if found else None
    if kind == "drop-return":
        found = [j for j in range(start, end) if re.match(r"^\s*\*\s*Returns?:", lines[j], re.I)]
        return (kind, ["delete", found[0]]) if found else None
    named = re.match(r"^\s*\*\s*(\w+)(\(\))?\s*[-:]", lines[start + 1])
    if not named:
        return None
    name = named.group(1)
    for j in range(end + 1, min(end + 6, len(lines))):
        if re.search(rf"\b{name}\s*\(", lines[j]):
            renamed = re.sub(rf"\b{name}(\s*\()", rf"{name}_locked\1", lines[j], count=1)
            return kind, ["replace", j, renamed]
    return None


def _kernel_doc(script: str, path: str, text: str) -> Counter[str]:
    with tempfile.TemporaryDirectory() as work:
        target = Path(work) / path
        target.parent.mkdir(parents=True)
        target.write_text(text, encoding="utf-8", errors="surrogateescape")
        result = subprocess.run(
            ["perl", script, "-none", "-Wall", path],
            cwd=work,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
    return Counter(m.strip() for m in re.findall(r"^\S+?:\d+: warning: (.*)$", result.stderr, re.M))


def regenerate(script: str, count: int = 500, seed: int = 2026) -> None:
    root = corpus_dir() / "linux-6.12-subset"
    files = [p for p in sorted(root.rglob("*.[ch]")) if "/*" in p.read_text(errors="replace")]
    rng = random.Random(seed)
    mutations = []
    for _ in range(count * 30):
        if len(mutations) >= count:
            break
        path = rng.choice(files)
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        chosen = _mutation(rng, text)
        if chosen is None:
            continue
        kind, op = chosen
        relative = path.relative_to(root).as_posix()
        before = _kernel_doc(script, relative, text)
        after = _kernel_doc(script, relative, apply(text, op))
        mutations.append(
            {
                "file": relative,
                "kind": kind,
                "op": op,
                "new": sorted((after - before).elements()),
                "gone": sorted((before - after).elements()),
            }
        )
    data = {
        "generator": "tests/test_kdoc_mutations.py regenerate, scripts/kernel-doc of Linux "
        f"6.12.117 (-none -Wall), seed {seed}",
        "mutations": mutations,
    }
    FIXTURE.write_bytes(gzip.compress(json.dumps(data, indent=0).encode("utf-8"), 9, mtime=0))
    print(f"{len(mutations)} mutations written to {FIXTURE}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if not arguments:
        sys.exit(__doc__)
    regenerate(arguments[0], *(int(a) for a in arguments[1:3]))
