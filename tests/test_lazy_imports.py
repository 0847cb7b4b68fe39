"""`--help`, `rules` and `hook install`/`uninstall` start fast: they never import tree-sitter
or jinja2 (checked in a fresh interpreter, where sys.modules says what was imported)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
from reviewtool.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
heavy = [m for m in ("tree_sitter", "tree_sitter_c", "jinja2") if m in sys.modules]
print("HEAVY", heavy)
print("CHECKS", "reviewtool.checks" in sys.modules)
"""


def _probe(*args: str, cwd=None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )
    return done.stdout


@pytest.mark.parametrize("args", [("--help",), ("rules",), ("rules", "LK001"), ("check", "--help")])
def test_commands_that_only_print_import_no_parser_and_no_templates(args):
    out = _probe(*args)
    assert "HEAVY []" in out, out


def test_installing_and_removing_the_hook_imports_no_parser(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert "HEAVY []" in _probe("hook", "install", "--repo", str(tmp_path))
    assert "HEAVY []" in _probe("hook", "uninstall", "--repo", str(tmp_path))


def test_the_probe_sees_an_import():
    """The probe itself works: listing the rules does import the checks."""
    assert "CHECKS True" in _probe("rules")
