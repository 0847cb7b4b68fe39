"""What the base tree's headers provide (functions, prototypes, macros by name), kept across
runs (reviewtool/diskcache.py).

The bisect checks ask, for each name a patch uses, which headers a touched file includes
provide it (analysis/tree_view.py, `TreeView.visible`): that parses up to 160 headers per
file and reads their symbols, the same headers with the same content at every run on a
tree. What a base header provides is stored under its path and content hash, the code
version and the rule files along the search path (its parse reads csyntax rules); a stored
entry gives exactly the provisions `file_symbols` computes (tests/test_header_store.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

from reviewtool import diskcache
from reviewtool.analysis.symbols.state import Provision
from reviewtool.model import FileState

_STORE = diskcache.Store("provides", keep=8192)

Provides = dict[str, tuple[Provision, ...]]
_FIELDS = tuple(f.name for f in fields(Provision))


def _encode(provides: Provides) -> dict[str, list[list[Any]]]:
    return {
        name: [[getattr(p, field) for field in _FIELDS] for p in provisions]
        for name, provisions in provides.items()
    }


def _decode(stored: Any) -> Provides:
    """ValueError, TypeError or AttributeError when `stored` is not what `_encode` wrote."""
    provides = {}
    for name, rows in stored.items():
        provisions = tuple(Provision(*row) for row in rows)
        for p in provisions:  # the types `_encode` writes, or not ours
            if not (
                type(p.name) is type(p.path) is type(p.kind) is str
                and type(p.line) is int
                and (p.arity is None or type(p.arity) is int)
                and type(p.is_static) is type(p.is_inline) is bool
            ):
                raise ValueError(p)
        provides[name] = provisions
    return provides


def stored_provides(
    state: FileState, fingerprint: str, compute: Callable[[], Provides]
) -> Provides:
    """The provisions of a base-tree file `state`: stored, else computed and stored.
    `fingerprint`: `diskcache.rules_fingerprint(rules)` of the run's rules."""
    key = f"provides\0{state.path}\0{state.sha1}\0{fingerprint}"
    stored = _STORE.get(key)
    if stored is not None:
        try:
            return _decode(stored)
        except (ValueError, TypeError, AttributeError):
            pass  # not ours: computed again, stored anew
    provides = compute()
    _STORE.put(key, _encode(provides))
    return provides
