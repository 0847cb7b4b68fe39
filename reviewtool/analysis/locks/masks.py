"""Bit-mask facts: what tests of `x & MASK` on one unmodified value imply for each other.

`if (x & (A | B)) { if (x & A) ... else if (x & B) ...; }`: where the outer test held and
`x & A` did not, `x & B` holds; the path where neither inner test holds does not exist. A
mask is a set of bits, each a named constant (`JOBCTL_TRAP_MASK`, which may stand for several
bits: the rules below hold for any values the names stand for), a bit of an integer constant
or `BIT(n)`. With F the union of the masks known clear in x:
- `x & M` is false when M is within F (every bit of it is known clear);
- `x & M` is true when some mask T known set in x is within M and F (T's set bits are in M).
A fact is kept under `x&{A|B}`; it is forgotten when x is assigned (`clobber`). For a value
in memory (a field, `*p`: anything but a local or parameter) a call may change it: after one,
a fact answers a test of the same mask only (as any comparison tested twice does), never
implies another. Only masks tested twice or sharing bits with another mask tested on the
same value get facts (`mask_flags`): a test of other bits tells nothing another could use."""

from __future__ import annotations

from collections.abc import Iterable

from reviewtool.analysis.locks.state import State, lvalue_key
from reviewtool.csyntax.ir import Expr

_BIT_MACROS = frozenset({"BIT", "BIT_ULL", "_BITUL", "_BITULL"})
_MAX_BITS = 16  # a mask of more terms than this is not worth reasoning about
_STALE = "~"  # marks a mask fact from before a call: good for the same test only


def _bits(expr: Expr, out: set[str]) -> bool:
    """The bits of a constant mask expression into `out`; False when it is not one."""
    if len(out) > _MAX_BITS:
        return False
    if expr.kind == "binary" and expr.name == "|" and len(expr.children) == 2:
        return all(_bits(child, out) for child in expr.children)
    if expr.kind == "const" and expr.value is not None and expr.value > 0:
        value = expr.value
        out.update(hex(1 << i) for i in range(value.bit_length()) if value >> i & 1)
        return True
    if expr.kind == "name" and expr.name.isupper():
        out.add(expr.name)
        return True
    if expr.kind == "call" and expr.name in _BIT_MACROS and len(expr.children) == 1:
        shift = expr.children[0]
        if shift.kind == "const" and shift.value is not None and 0 <= shift.value < 64:
            out.add(hex(1 << shift.value))
            return True
    return False


def mask_test(expr: Expr) -> tuple[str, frozenset[str]] | None:
    """`x & (A | B)` (either side the mask) as (x, {A, B}); None for anything else."""
    if expr.kind != "binary" or expr.name != "&" or len(expr.children) != 2:
        return None
    for value, mask in (expr.children, expr.children[::-1]):
        key = lvalue_key(value)
        bits: set[str] = set()
        if key is not None and _bits(mask, bits) and bits:
            return key, frozenset(bits)
    return None


def mask_key(value: str, bits: Iterable[str]) -> str:
    return f"{value}&{{{'|'.join(sorted(bits))}}}"


def _parse(key: str, value: str) -> frozenset[str] | None:
    prefix = f"{value}&{{"
    if not key.startswith(prefix) or not key.endswith("}"):
        return None
    return frozenset(key[len(prefix) : -1].split("|"))


def masks_decide(state: State, value: str, bits: frozenset[str]) -> bool | None:
    """The truth of `value & bits` that the masks known of `value` imply, None if none:
    the same mask tested before (also across a call), else what the masks known since the
    last call imply."""
    key = mask_key(value, bits)
    for known in (key, key + _STALE):
        truth = state.fact(known)
        if truth is not None:
            return truth
    clear: set[str] = set()
    known_set: list[frozenset[str]] = []
    for key, truth in state.facts:
        mask = _parse(key, value)  # (None for a stale one)
        if mask is None:
            continue
        if truth:
            known_set.append(mask)
        else:
            clear |= mask
    if bits <= clear:
        return False
    covered = bits | clear
    if any(mask <= covered for mask in known_set):
        return True
    return None


def noted(state: State, key: str, truth: bool) -> State:
    """`state` knowing the mask `key` tested `truth` (no longer only from before a call)."""
    return state.with_fact(key + _STALE, None).with_fact(key, truth)


def mask_flags(tests: Iterable[Expr]) -> frozenset[str]:
    """The mask fact keys worth keeping: a mask tested twice, or sharing a bit with another
    mask tested on the same value (`x & (A | B)`, `x & A`); masks of bits nothing else
    tests (`x & A`, `x & B`) can decide nothing for each other, and are not kept."""
    tested: dict[str, list[frozenset[str]]] = {}
    for expr in tests:
        found = mask_test(expr)
        if found is not None:
            tested.setdefault(found[0], []).append(found[1])
    keys = set()
    for value, masks in tested.items():
        for mask in masks:
            if sum(m == mask for m in masks) > 1 or any(m != mask and m & mask for m in masks):
                keys.add(mask_key(value, mask))
    return frozenset(keys)


def related_keys(key: str, flags: frozenset[str]) -> set[str]:
    """The mask keys of `flags` a test of `key` reads: those on the same value linked to it
    by shared bits (directly or through others)."""
    value = key[: key.index("&{")]
    masks = {f: m for f in flags if (m := _parse(f, value)) is not None}
    bits = set(_parse(key, value) or ())
    found = {key} if key in flags else set()
    grown = True
    while grown:
        linked = {f for f, m in masks.items() if f not in found and m & bits}
        grown = bool(linked)
        found |= linked
        for f in linked:
            bits |= masks[f]
    return found | {f + _STALE for f in found}


def after_call(state: State, call: Expr, locals_: frozenset[str]) -> State:
    """A call may change any value in memory: mask facts of fields and pointees are kept
    only for a test of the same mask again (stale), as a comparison tested twice is read
    the same (`if (wq->flags & WQ_BH) local_bh_disable(); ...; if (wq->flags & WQ_BH)
    local_bh_enable();`); those of a local or parameter whose address it is given go."""
    if not any("&{" in key for key, _ in state.facts):
        return state
    passed = {
        a.children[0].name
        for a in call.children
        if a.kind == "unary" and a.name == "&" and a.children and a.children[0].kind == "name"
    }
    facts = []
    for key, truth in state.facts:
        value = key[: key.index("&{")] if "&{" in key else None
        if value is None or value in locals_ and value not in passed:
            facts.append((key, truth))
        elif value not in passed:
            facts.append((key if key.endswith(_STALE) else key + _STALE, truth))
    if facts == list(state.facts):
        return state
    return State(state.held, state.released, tuple(sorted(facts)), state.aliases)
