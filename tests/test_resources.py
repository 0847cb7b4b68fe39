"""Packaged rules/ and templates/ are found from a checkout, an editable install and a wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from reviewtool.errors import RuleDataError
from reviewtool.resources import Rules, data_dir

ROOT = Path(__file__).resolve().parent.parent
_pycache = shutil.ignore_patterns("__pycache__", "*.pyc")


def test_checkout_finds_the_repository_rules():
    assert (data_dir("rules") / "csyntax.toml").is_file()


def test_override_directory_shadows_a_packaged_file(tmp_path: Path):
    (tmp_path / "csyntax.toml").write_text('[attributes]\nplain = ["__mine"]\n')
    assert Rules([tmp_path]).table("csyntax")["attributes"]["plain"] == ["__mine"]
    assert "__init" in Rules().table("csyntax")["attributes"]["plain"]


def test_malformed_rule_file_is_a_rule_data_error(tmp_path: Path):
    (tmp_path / "csyntax.toml").write_text("[attributes\n")
    with pytest.raises(RuleDataError, match="csyntax.toml"):
        Rules([tmp_path]).table("csyntax")


def test_missing_rule_file_is_a_rule_data_error():
    with pytest.raises(RuleDataError, match="no-such-table"):
        Rules().table("no-such-table")


def test_wheel_carries_rules_and_templates_and_finds_them(tmp_path: Path):
    """Build a real wheel, install it into a fresh target dir, and ask data_dir from there."""
    source = tmp_path / "src"  # build from a copy: a build writes egg-info next to the sources
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "reviewtool", "rules", "templates"):
        if not (ROOT / name).exists():
            continue
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(
            ROOT / name, source / name, **({"ignore": _pycache} if copy is shutil.copytree else {})
        )
    wheel_dir = tmp_path / "wheel"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheel_dir),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    if build.returncode != 0 and "No module named" in build.stderr:
        pytest.skip(f"cannot build a wheel here: {build.stderr.strip().splitlines()[-1]}")
    assert build.returncode == 0, build.stderr
    wheel = next(wheel_dir.glob("reviewtool-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "reviewtool/rules/csyntax.toml" in names
    # pyproject lists packages by hand: every package of the checkout must be in the wheel.
    packages = {
        init.parent.relative_to(ROOT).as_posix()
        for init in (ROOT / "reviewtool").rglob("__init__.py")
    }
    missing = {p for p in packages if f"{p}/__init__.py" not in names}
    assert not missing, f"packages missing from pyproject's list: {sorted(missing)}"
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    probe = (
        f"import sys; sys.path.insert(0, {str(target)!r}); "
        "import reviewtool.resources as r; print(r.data_dir('rules')); "
        "print(r.Rules().table('csyntax')['attributes']['plain'][0])"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    rules_dir, first_word = result.stdout.split()
    assert Path(rules_dir).is_relative_to(target)
    assert first_word == "__init"
