"""Finds and loads packaged data: rules/ (TOML, tree-sitter queries) and templates/."""

from __future__ import annotations

import importlib.util
import tomllib
from collections.abc import Callable, Sequence
from functools import cache, wraps
from pathlib import Path
from typing import Any, TypeVar

from reviewtool.errors import RuleDataError

_REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir(kind: str) -> Path:
    """The packaged `rules` or `templates` directory.

    A wheel installs them as the packages reviewtool.rules / reviewtool.templates; a checkout
    or an editable install keeps them at the top of the repository, next to reviewtool/.
    """
    if kind not in ("rules", "templates"):
        raise ValueError(kind)
    try:
        spec = importlib.util.find_spec(f"reviewtool.{kind}")
    except (ImportError, ValueError):
        spec = None
    # rules/ and templates/ hold no Python: they are namespace packages, found by location.
    for location in (spec.submodule_search_locations or []) if spec else []:
        installed = Path(location)
        if installed.is_dir() and any(installed.iterdir()):
            return installed
    repo = _REPO_ROOT / kind
    if repo.is_dir():
        return repo
    raise RuleDataError(f"packaged {kind}/ directory not found (broken installation?)")


class Rules:
    """Rule data: TOML tables and tree-sitter queries, looked up in the user's override
    directories first, then in the packaged rules/. Parsed once per file."""

    def __init__(self, overrides: Sequence[Path] = ()) -> None:
        self.search_path: tuple[Path, ...] = (*overrides, data_dir("rules"))

    def _find(self, relative: str) -> Path:
        # found once per search path: the lowering asks for its tables once per function
        found = vars(self).setdefault("_found", {})
        key = (self.search_path, relative)
        if key not in found:
            found[key] = self._search(relative)
        return found[key]

    def _search(self, relative: str) -> Path:
        for root in self.search_path:
            candidate = root / relative
            if candidate.is_file():
                return candidate
        raise RuleDataError(
            f"rule file {relative} not found in {', '.join(map(str, self.search_path))}"
        )

    def table(self, name: str) -> dict[str, Any]:
        """The parsed `rules/<name>.toml`."""
        return _load_toml(self._find(f"{name}.toml"))

    def tables(self, name: str) -> list[dict[str, Any]]:
        """Every `<name>.toml` along the search path, the user's first, the packaged last
        (for tables whose entries merge rather than shadow)."""
        found = [root / f"{name}.toml" for root in self.search_path]
        tables = [_load_toml(path) for path in found if path.is_file()]
        if not tables:
            self._find(f"{name}.toml")  # the usual error
        return tables

    def query(self, name: str) -> str:
        """The text of `rules/queries/c/<name>.scm`."""
        return self._find(f"queries/c/{name}.scm").read_text(encoding="utf-8")


@cache
def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise RuleDataError(f"{path}: {exc}") from None
    except OSError as exc:
        raise RuleDataError(f"{path}: {exc.strerror}") from None


@cache
def default_rules() -> Rules:
    return Rules()


T = TypeVar("T")


def per_rules(function: Callable[..., T]) -> Callable[..., T]:
    """`functools.cache` for a function of a Rules and hashable arguments, kept on the Rules
    object: what is derived from one run's rules (a tree's lock vocabulary) goes with them,
    where a process-wide cache would keep every run's (a bot checking in-process)."""

    @wraps(function)
    def cached(rules: Rules, *args: Any) -> T:
        memo = vars(rules).setdefault("_per_rules_memo", {})
        key = (cached, *args)
        if key not in memo:
            memo[key] = function(rules, *args)
        return memo[key]

    return cached


@per_rules
def rules_key(rules: Rules) -> object:
    """A stand-in for `rules` in the key of a cache that outlives runs: equal only for the
    same rules, and it keeps none of their data alive."""
    return object()
