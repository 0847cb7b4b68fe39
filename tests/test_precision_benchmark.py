"""benchmarks/precision.py on a tiny tree: subset files are skipped by relative path, rates are
findings per 10k lines of .c, and the dump names each finding relative to the tree."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

_PRECISION = Path(__file__).resolve().parent.parent / "benchmarks" / "precision.py"

LEAK = """\
static int leak(struct dev *dev)
{
\tspin_lock(&dev->lock);
\tif (!dev->ready)
\t\treturn -EAGAIN;
\tspin_unlock(&dev->lock);
\treturn 0;
}
"""


def _module():
    spec = importlib.util.spec_from_file_location("reviewtool_precision", _PRECISION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_subset_files_are_skipped_and_rates_counted(tmp_path: Path, capsys) -> None:
    tree, subset = tmp_path / "linux", tmp_path / "subset"
    for root in (tree / "drv" / "sub", subset / "drv"):
        root.mkdir(parents=True)
    (tree / "drv" / "seen.c").write_text(LEAK)  # in the subset: skipped
    (subset / "drv" / "seen.c").write_text(LEAK)
    (tree / "drv" / "sub" / "new.c").write_text(LEAK + "\n" * 12)  # 20 lines, one leak
    (tree / "drv" / "sub" / "header.h").write_text(LEAK)  # not .c: not counted
    dump = tmp_path / "findings.json"
    precision = _module()
    code = precision.main([str(tree), "drv", "--subset", str(subset), "--dump", str(dump)])
    assert code == 0
    score = precision.score_directory(tree, "drv", subset)
    assert (score.files, score.skipped, score.lines, len(score.findings)) == (1, 1, 20, 1)
    assert score.rate() == 10_000 * 1 / 20
    records = json.loads(dump.read_text())
    assert [(r["path"], r["code"], r["function"], r["line"]) for r in records] == [
        ("drv/sub/new.c", "LK001", "leak", 5)
    ]
    assert "drv " in capsys.readouterr().out


def test_a_directory_outside_the_tree_is_an_error(tmp_path: Path, capsys) -> None:
    assert _module().main([str(tmp_path), "nowhere", "--no-subset"]) == 2
    assert "nowhere" in capsys.readouterr().err
