"""Write reviewtool's JSON report for every input of the corpus into a directory, so that a
change that must not alter findings (a speed-up, a refactoring) can be proven not to:

    python benchmarks/outputs.py OUT_BEFORE [--corpus DIR] [--kernel KERNEL_TREE]
    ... change the code ...
    python benchmarks/outputs.py OUT_AFTER
    diff -r OUT_BEFORE OUT_AFTER

Inputs: the seed example (hunks-only, with its base, and with --tree KERNEL_TREE when given),
every lockbugs-dev, kdoc-dev and bisect-dev case with the corpus' linux-6.12-subset as tree
(as benchmarks/accuracy.py runs them), every mail file under the corpus' mbox/ (hunks-only),
and `scan` of the subset's mm/ and kernel/ directories. One file per input; an input that
fails records its one-line error instead.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "anon-vma-v2"


def _render(report) -> str:
    from reviewtool.formats import RenderOptions, render_json, render_text

    text = render_json(report, RenderOptions()) + "\n" + render_text(report, RenderOptions())
    return text.replace(str(ROOT), "ROOT")  # the same report from another checkout


def _check(out: Path, name: str, sources: list[str], tree: Path | None) -> None:
    from reviewtool.errors import ReviewtoolError
    from reviewtool.pipeline import check

    try:
        text = _render(check(sources, tree=tree))
    except ReviewtoolError as error:
        text = f"error: {error}\n"
    (out / f"{name}.txt").write_text(text)


def _scan(out: Path, name: str, path: Path) -> None:
    from reviewtool.pipeline import scan

    (out / f"{name}.txt").write_text(_render(scan([path])))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("REVIEWTOOL_CORPUS", str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("out", type=Path)
    parser.add_argument("--corpus", type=Path, default=Path(default))
    parser.add_argument("--kernel", type=Path, help="a Linux 6.12 tree for the seed")
    parser.add_argument("--no-scan", action="store_true")
    args = parser.parse_args()
    out, corpus = args.out, args.corpus
    out.mkdir(parents=True, exist_ok=True)
    subset = corpus / "linux-6.12-subset"
    mbox = str(SEED / "anon-vma-v2.mbox")
    _check(out, "seed-hunks", [mbox], None)
    _check(out, "seed-base", [mbox], SEED / "base")
    _check(out, "seed-fixed", [str(p) for p in sorted((SEED / "fixed").glob("*"))], SEED / "base")
    if args.kernel:
        _check(out, "seed-kernel", [mbox], args.kernel)
    for family, source in (("lockbugs-dev", "*.patch"), ("kdoc-dev", "*.patch")):
        for case in sorted((corpus / family).iterdir()):
            patches = sorted(str(p) for p in case.glob(source))
            if patches:
                _check(out, f"{family}-{case.name}", patches, subset)
    for case in sorted((corpus / "bisect-dev").iterdir()):
        if (case / "series.mbox").is_file():
            _check(out, f"bisect-dev-{case.name}", [str(case / "series.mbox")], subset)
    for path in sorted((corpus / "mbox").rglob("*")):
        if path.is_file():
            name = "mbox-" + str(path.relative_to(corpus / "mbox")).replace("/", "-")
            _check(out, name, [str(path)], None)
    if not args.no_scan:
        for directory in ("mm", "kernel"):
            _scan(out, f"scan-{directory}", subset / directory)
    print(json.dumps({"written": len(list(out.iterdir())), "to": str(out)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
