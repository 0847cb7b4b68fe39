"""ARCHITECTURE.md's module table names every module of reviewtool/, and only modules that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "reviewtool"


def _named_paths() -> set[str]:
    """Every `path.py` or `dir/` in the first column of the module table."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    table = text.split("## Modules and their contracts", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for cell in re.findall(r"^\| ([^|]+) \|", table, re.M):
        names.update(n for n in re.findall(r"`([^`]+)`", cell) if n.endswith((".py", "/")))
    return names


def test_every_module_is_in_the_table():
    named = _named_paths()
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        package = module.rsplit("/", 1)[0] + "/" if "/" in module else None
        if module in named or (path.name == "__init__.py" and package in named):
            continue
        missing.append(module)
    assert not missing, f"modules missing from ARCHITECTURE.md's table: {missing}"


def test_every_path_in_the_table_exists():
    stale = sorted(name for name in _named_paths() if not (PACKAGE / name).exists())
    assert not stale, f"ARCHITECTURE.md names modules that do not exist: {stale}"
