"""Callee summaries of a base tree's other files, kept across runs (reviewtool/diskcache.py).

analysis/locks/callees.py reads files of the base tree (the headers a file includes, the
other .c files of its directory) to summarise the functions the file calls there: parsing
them and analysing their functions is most of a `--tree` run's cost. The tree does not change
between runs, so what was found in a file (the functions it defines; each summary asked for)
is stored under the file's path and content hash, the fingerprint of the rule data its
analysis reads (rule files along the search path, the lock vocabulary of its directory, with
the tree's derived entries) and the code version. A stored entry gives exactly what the
analysis computes (tests/test_diskcache.py); one that does not decode is recomputed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from reviewtool import diskcache
from reviewtool.analysis.locks.state import Effect
from reviewtool.analysis.vocab import scope_of, vocabulary
from reviewtool.csyntax import FileFacts
from reviewtool.resources import Rules, per_rules

_STORE = diskcache.Store("callees", keep=8192)

Summarise = Callable[[FileFacts, set[str], Any], dict[str, tuple[Effect, ...]]]


def _encode(effects: tuple[Effect, ...]) -> list[list[Any]]:
    """Each effect as the list of its fields' values (a frozenset as {"set": sorted})."""
    return [
        [{"set": sorted(v)} if isinstance(v, frozenset) else v for v in _values(e)] for e in effects
    ]


def _values(effect: Effect) -> list[Any]:
    return [getattr(effect, f.name) for f in fields(Effect)]


def _decode(rows: Any) -> tuple[Effect, ...]:
    """The effects of a stored summary; ValueError or TypeError when the rows are not ours
    (another shape, a field more or less)."""
    if not isinstance(rows, list):
        raise ValueError(rows)
    effects = []
    for row in rows:
        values = [frozenset(v["set"]) if isinstance(v, dict) else v for v in row]
        effect = Effect(*values)
        if _encode((effect,)) != [row]:  # types as the analysis makes them, or not ours
            raise ValueError(row)
        effects.append(effect)
    return tuple(effects)


@per_rules
def _fingerprint(rules: Rules, scope: str) -> str:
    table = json.dumps(vocabulary(rules, scope), sort_keys=True, default=str)
    return diskcache.digest(diskcache.rules_fingerprint(rules), table)


class StoredFile:
    """What is known of one file of the base tree (its path and the SHA-1 of its content):
    from the cache, else from `facts()`, its parse (called only then). It keeps no text."""

    def __init__(self, path: str, sha1: str, rules: Any) -> None:
        self.path, self.sha1, self.rules = path, sha1, rules
        self._key: str | None = None
        self._defines: frozenset[str] | None = None
        self._summaries: dict[str, tuple[Effect, ...]] = {}
        self._loaded = False

    def _cache_key(self) -> str:
        if self._key is None:
            fingerprint = _fingerprint(self.rules, scope_of(self.rules, self.path))
            self._key = f"callees\0{self.path}\0{self.sha1}\0{fingerprint}"
        return self._key

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        stored = _STORE.get(self._cache_key())
        try:
            defines, summaries = stored["defines"], stored["summaries"]
            if not all(isinstance(name, str) for name in defines):
                raise ValueError(defines)
            decoded = {name: _decode(rows) for name, rows in summaries.items()}
            if not all(isinstance(name, str) for name in decoded):
                raise ValueError(summaries)
        except (TypeError, KeyError, ValueError, AttributeError):
            return  # absent or not ours: computed again, stored anew
        self._defines, self._summaries = frozenset(defines), decoded

    def _save(self) -> None:
        summaries = {name: _encode(effects) for name, effects in self._summaries.items()}
        defines = sorted(self._defines or ())
        _STORE.put(self._cache_key(), {"defines": defines, "summaries": summaries})

    def defines(self, facts: Callable[[], FileFacts]) -> frozenset[str]:
        """The names of the functions the file defines (its parse's)."""
        self._load()
        if self._defines is None:
            self._defines = frozenset(fn.name for fn in facts().functions)
            self._save()
        return self._defines

    def summarise(
        self, names: set[str], summarise: Summarise, facts: Callable[[], FileFacts]
    ) -> dict[str, tuple[Effect, ...]]:
        """`summarise(facts(), names, rules)`, from the cache for the names it holds."""
        self._load()
        missing = names - self._summaries.keys()
        if missing:
            computed = summarise(facts(), missing, self.rules)
            self._summaries.update({name: tuple(computed.get(name, ())) for name in missing})
            self._save()
        return {name: self._summaries[name] for name in names if self._summaries[name]}
