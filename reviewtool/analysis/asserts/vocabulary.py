"""The assert vocabulary of rules/asserts.toml: each macro's kind (warn, crash, lock, build,
state), whether its value survives production builds, the lock mode it asserts."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from reviewtool.errors import RuleDataError
from reviewtool.resources import Rules, default_rules, per_rules

KINDS = ("warn", "crash", "lock", "build", "state")
MODES = ("held", "write", "read", "not-held")
VALUES = ("always", "debug")


@dataclass(frozen=True, slots=True)
class AssertMacro:
    """What one assert macro does, as rules/asserts.toml describes it."""

    name: str
    kind: str
    cond: int | None = None
    debug: str | None = None  # config without which the arguments are never evaluated
    value: str | None = None  # "always", "debug" or None (a statement)
    lock: str | None = None  # template: "{0}->mmap_lock"
    mode: str | None = None
    only_with: str | None = None  # config without which nothing is checked (args evaluated)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kind, the lock mode for lock asserts, and "debug-only" when production builds
        check nothing: ("warn", "debug-only"), ("lock", "write"), ("crash",)."""
        kinds = [self.kind]
        if self.mode:
            kinds.append(self.mode)
        if self.debug or self.only_with:
            kinds.append("debug-only")
        return tuple(kinds)


@dataclass(frozen=True)
class AssertRules:
    macros: dict[str, AssertMacro]
    pure_names: frozenset[str] = frozenset()
    pure_patterns: tuple[str, ...] = ()
    impure_patterns: tuple[str, ...] = ()
    lock_classes: dict[str, str] = field(default_factory=dict)  # class -> lock template

    def is_impure(self, name: str) -> bool:
        """True when `name` matches an impure pattern (test-and-set, inc/dec, lock ...)."""
        return any(fnmatchcase(name, pattern) for pattern in self.impure_patterns)

    def is_pure(self, name: str) -> bool:
        """True when a call to `name` is known to have no side effect."""
        if self.is_impure(name):
            return False
        return name in self.pure_names or any(
            fnmatchcase(name, pattern) for pattern in self.pure_patterns
        )


def load_rules(rules: Rules | AssertRules | None = None) -> AssertRules:
    """The assert vocabulary of `rules` (packaged rules when None), validated once."""
    if isinstance(rules, AssertRules):
        return rules
    return _loaded(rules or default_rules())


@per_rules
def _loaded(rules: Rules) -> AssertRules:
    return _parse_rules(rules.table("asserts"))


def _parse_rules(table: dict[str, Any]) -> AssertRules:
    macros = {name: _parse_macro(name, spec) for name, spec in table.get("macro", {}).items()}
    pure = table.get("pure", {})
    classes = table.get("lock_classes", {})
    if not isinstance(classes, dict) or not all(isinstance(v, str) for v in classes.values()):
        raise RuleDataError("asserts.toml: [lock_classes] maps class names to strings")
    return AssertRules(
        macros=macros,
        pure_names=frozenset(_strings(pure, "names")),
        pure_patterns=tuple(_strings(pure, "patterns")),
        impure_patterns=tuple(_strings(pure, "impure")),
        lock_classes=dict(classes),
    )


def _strings(table: dict[str, Any], key: str) -> list[str]:
    values = table.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise RuleDataError(f"asserts.toml: [pure] {key} must be a list of strings")
    return values


def _parse_macro(name: str, spec: Any) -> AssertMacro:
    where = f"asserts.toml: [macro.{name}]"
    if not isinstance(spec, dict):
        raise RuleDataError(f"{where} must be a table")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise RuleDataError(f"{where} kind must be one of {', '.join(KINDS)}")
    cond = spec.get("cond")
    if cond is not None and (not isinstance(cond, int) or cond < 0):
        raise RuleDataError(f"{where} cond must be a non-negative integer")
    if spec.get("mode") not in (None, *MODES):
        raise RuleDataError(f"{where} mode must be one of {', '.join(MODES)}")
    if spec.get("value") not in (None, *VALUES):
        raise RuleDataError(f"{where} value must be one of {', '.join(VALUES)}")
    if kind == "lock" and not isinstance(spec.get("lock"), str):
        raise RuleDataError(f'{where} a lock assert needs lock = "template"')
    return AssertMacro(
        name=name,
        kind=kind,
        cond=cond,
        debug=spec.get("debug"),
        value=spec.get("value"),
        lock=spec.get("lock"),
        mode=spec.get("mode"),
        only_with=spec.get("only_with"),
    )
