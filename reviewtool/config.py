"""The Config value: defaults < ~/.config/reviewtool/config.toml < repo .reviewtool.toml < flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from reviewtool.errors import ConfigError

_SEVERITIES = ("note", "warning", "error")


@dataclass(frozen=True)
class Config:
    fail_on: str = "error"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    format: str = "text"
    rules: tuple[Path, ...] = ()  # override directories, searched before the packaged rules/
    reviewer: str | None = None  # "Name <addr>" for reply drafts
    attribution: str = "default"  # "default" or "mutt"


def _validate(raw: dict[str, Any], origin: Path) -> dict[str, Any]:
    known = {f.name for f in fields(Config)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        if name not in known:
            raise ConfigError(f"{origin}: unknown setting {key!r}")
        if name in ("select", "ignore"):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{origin}: {key} must be a list of codes")
            value = tuple(v.strip().upper() for v in value)
        elif name == "rules":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{origin}: rules must be a list of directories")
            value = tuple((origin.parent / Path(v).expanduser()).resolve() for v in value)
        elif not isinstance(value, str):
            raise ConfigError(f"{origin}: {key} must be a string")
        if name == "fail_on" and value not in _SEVERITIES:
            raise ConfigError(f"{origin}: fail-on must be one of {', '.join(_SEVERITIES)}")
        if name == "attribution" and value not in ("default", "mutt"):
            raise ConfigError(f"{origin}: attribution must be 'default' or 'mutt'")
        values[name] = value
    return values


def _read(path: Path) -> dict[str, Any]:
    import tomllib  # not at start-up: --help imports this module

    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from None
    section = data.get("reviewtool", data)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [reviewtool] must be a table")
    return _validate(section, path)


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "reviewtool" / "config.toml"


def repo_config_path(start: Path) -> Path | None:
    """The nearest .reviewtool.toml from `start` up to the repository top (a .git entry)."""
    current = start.resolve()
    for directory in (current, *current.parents):
        candidate = directory / ".reviewtool.toml"
        if candidate.is_file():
            return candidate
        if (directory / ".git").exists():
            return None
    return None


def load(cwd: Path | None = None, **flags: Any) -> Config:
    """The layered configuration; `flags` holds command-line values (None means not given)."""
    config = Config()
    layers = [user_config_path(), repo_config_path(cwd or Path.cwd())]
    for path in layers:
        if path is not None and path.is_file():
            config = replace(config, **_read(path))
    given = {key: value for key, value in flags.items() if value not in (None, ())}
    return replace(config, **given)
