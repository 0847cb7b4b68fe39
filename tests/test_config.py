"""Configuration layers: user file < repository file < command-line flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtool.config import load
from reviewtool.errors import ConfigError


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    (tmp_path / "xdg" / "reviewtool").mkdir(parents=True)
    return tmp_path


def test_layers_override_in_order(home: Path):
    (home / "xdg/reviewtool/config.toml").write_text('fail-on = "warning"\nformat = "json"\n')
    repo = home / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".reviewtool.toml").write_text('[reviewtool]\nfail-on = "note"\nignore = ["kd"]\n')
    (repo / "sub").mkdir()
    config = load(repo / "sub", format="text")
    assert (config.fail_on, config.format, config.ignore) == ("note", "text", ("KD",))


def test_search_for_the_repo_file_stops_at_the_repository_top(home: Path):
    (home / ".reviewtool.toml").write_text('fail-on = "note"\n')
    repo = home / "repo"
    (repo / ".git").mkdir(parents=True)
    assert load(repo).fail_on == "error"


def test_rules_directories_are_relative_to_the_file(home: Path):
    (home / "xdg/reviewtool/config.toml").write_text('rules = ["my-rules"]\n')
    assert load(home).rules == ((home / "xdg/reviewtool/my-rules").resolve(),)


@pytest.mark.parametrize(
    "text, message",
    [
        ('fail-on = "fatal"\n', "fail-on must be one of"),
        ("colour = true\n", "unknown setting 'colour'"),
        ("select = 3\n", "select must be a list"),
        ("fail-on = \n", "config.toml"),
    ],
)
def test_bad_settings_are_config_errors(home: Path, text: str, message: str):
    (home / "xdg/reviewtool/config.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load(home)
