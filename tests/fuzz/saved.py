"""Fuzz inputs on disk: what `benchmarks/fuzz.py --save DIR` writes for an input that broke
something, and what tests/fuzz/test_regressions.py reads back from tests/fuzz/regressions/.
One directory per input, the same layout both ways, so a saved input is moved into the
fixture directory as it is (see tests/fuzz/regressions/README.md):

    case.toml        problem = "what broke", reply = true|false (run the real `reply -o`
                     twice), codes = ["CV001"] (finding codes check or scan must report;
                     filled in by hand once the bug is fixed), refused = true (check
                     must refuse the input with a one-line error: bombs)
    series.mbox      the series, or series.mbox.gz when the input was gzipped
    tree/...         the base tree (absent: hunks only)
    scan/NAME.c      files given to `scan`

`@SANDBOX@` in the mbox stands for the run's sandbox directory (absolute hostile paths)."""

from __future__ import annotations

import gzip
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tests.fuzz.gen_mail import Case


@dataclass(frozen=True)
class Saved:
    case: Case
    problem: str
    reply: bool  # the input went through the real `reply -o` command too
    codes: frozenset[str]  # finding codes check or scan must report on it
    refused: bool  # check must refuse it with a one-line error


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes of ASCII text are TOML's."""
    return json.dumps(text.encode("ascii", "backslashreplace").decode("ascii"))


def save_case(case: Case, where: Path, problem: str, *, reply: bool) -> None:
    where.mkdir(parents=True, exist_ok=True)
    meta = f"problem = {_toml_string(problem)}\nreply = {str(reply).lower()}\ncodes = []\n"
    (where / "case.toml").write_text(meta, encoding="utf-8")
    if case.gzipped:
        (where / "series.mbox.gz").write_bytes(gzip.compress(case.mbox, compresslevel=9))
    else:
        (where / "series.mbox").write_bytes(case.mbox)
    for path, text in (case.tree or {}).items():
        target = where / "tree" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", errors="surrogateescape")
    for name, data in case.scan.items():
        (where / "scan").mkdir(exist_ok=True)
        (where / "scan" / f"{name}.c").write_bytes(data)


def load_case(where: Path) -> Saved:
    meta = tomllib.loads((where / "case.toml").read_text(encoding="utf-8"))
    packed = where / "series.mbox.gz"
    gzipped = packed.exists()
    mbox = gzip.decompress(packed.read_bytes()) if gzipped else (where / "series.mbox").read_bytes()
    tree = None
    if (where / "tree").is_dir():
        tree = {
            str(path.relative_to(where / "tree")): path.read_text(
                encoding="utf-8", errors="surrogateescape"
            )
            for path in sorted((where / "tree").rglob("*"))
            if path.is_file()
        }
    scan = {}
    if (where / "scan").is_dir():
        scan = {path.stem: path.read_bytes() for path in sorted((where / "scan").glob("*.c"))}
    case = Case(tree=tree, mbox=mbox, gzipped=gzipped, scan=scan)
    return Saved(
        case,
        meta["problem"],
        reply=bool(meta.get("reply")),
        codes=frozenset(meta.get("codes", ())),
        refused=bool(meta.get("refused")),
    )
