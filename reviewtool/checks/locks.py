"""LK checks: lock not released, double acquire, release of a lock not held, mismatched release.
All four read one lock analysis per file state (reviewtool.analysis.locks)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import ClassVar

from reviewtool.analysis.locks import Event, FileLocks, analyse_file, lock_table
from reviewtool.checks.base import Check, FileContext
from reviewtool.model import Finding, Location, Severity


def file_locks(ctx: FileContext) -> FileLocks:
    """The lock analysis of this file state, computed once and shared by LK001..LK004."""
    return ctx.derived(
        "locks",
        lambda: analyse_file(
            ctx.facts, ctx.rules, known=ctx.state.is_known, cache=ctx.memo.functions
        ),
    )


def _display(event: Event) -> str:
    """`&x->lock`, or `anon_vma (mm: anon_vma rwsem)` when the class is not obvious: the
    fallback when the call cannot be read back from the source line."""
    cls = event.ident[: len(event.ident) - len(event.expr) - 1]
    if cls in ("spinlock", "mutex", "rwsem", "raw spinlock", "semaphore", "rwlock", "annotated"):
        return event.expr or cls
    return f"{event.expr} ({cls})" if event.expr else cls


_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_KEYWORDS = frozenset({"if", "while", "for", "switch", "return", "sizeof", "unlikely", "likely"})
_CONDITION = re.compile(r"`([^`]+)` \(line (\d+)\)")


def _balanced_end(text: str, open_index: int) -> int:
    depth = 0
    for index in range(open_index, min(len(text), open_index + 400)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return index
    return -1


def call_on_line(text: str, line: int, names: frozenset[str]) -> str | None:
    """The lock call as written on `line` (1-based): the first call to one of `names`, else
    the first call that is not a keyword-like macro. None when the line holds none whole."""
    lines = text.split("\n")
    if not 0 < line <= len(lines):
        return None
    source = lines[line - 1]
    found = [(m.group(1), m.start(1), m.end() - 1) for m in _CALL.finditer(source)]
    preferred = [c for c in found if c[0] in names] or [c for c in found if c[0] not in _KEYWORDS]
    for _name, start, open_paren in preferred:
        close = _balanced_end(source, open_paren)
        if close > 0:
            return " ".join(source[start : close + 1].split())
    return None


def condition_as_written(detail: str, text: str) -> str:
    """The analysis prints conditions without spaces (`ret<0`); show them as the source has
    them when the `if`/`while` on that line holds the same tokens."""

    def restore(match: re.Match[str]) -> str:
        compact, line = match.group(1), int(match.group(2))
        lines = text.split("\n")
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        for keyword in re.finditer(r"\b(?:if|while)\s*\(", source):
            close = _balanced_end(source, keyword.end() - 1)
            if close < 0:
                continue
            written = " ".join(source[keyword.end() : close].split())
            if written.replace(" ", "") == compact.replace(" ", ""):
                return f"`{written}` (line {line})"
        return match.group(0)

    return _CONDITION.sub(restore, detail)


class _LockCheck(Check):
    scope: ClassVar[str] = "file"
    severity: ClassVar[Severity] = Severity.ERROR
    focus_aware = True

    @staticmethod
    def widen_focus(old: FileContext, new: FileContext, focus: frozenset[str]) -> frozenset[str]:
        """The focus, plus the functions whose findings a change of the file's confirmed lock
        contracts can drop or bring back (contracts.py). Only when a function in the focus
        takes part in a contract before or after the patch are all results needed."""
        before, after = file_locks(old), file_locks(new)
        if all(before.neutral(name) and after.neutral(name) for name in focus):
            return focus
        changed = before.confirmed() ^ after.confirmed()
        return focus | before.involved(changed) | after.involved(changed)

    def run(self, ctx: FileContext) -> Iterator[Finding]:
        results = file_locks(ctx)
        for fn in ctx.facts.functions:
            if not ctx.in_focus(fn.name):
                continue
            result = results.result(fn)
            if result is None or result.budget_exceeded:
                continue
            if not ctx.state.is_known(fn.start_line, fn.end_line):
                continue
            events = [e for e in result.events if e.code == self.code]
            yield from self.report(ctx, fn.name, sorted(events, key=lambda e: (e.line, e.ident)))

    def report(self, ctx: FileContext, function: str, events: list[Event]) -> Iterator[Finding]:
        for event in events:
            yield self.make(ctx, function, event)

    def make(self, ctx: FileContext, function: str, event: Event) -> Finding:
        raise NotImplementedError

    @staticmethod
    def call(ctx: FileContext, line: int, event: Event) -> str:
        """The lock call on `line` as written, else the lock's name."""
        table = lock_table(ctx.rules, ctx.path)
        names = frozenset(table.acquires) | frozenset(table.releases)
        return call_on_line(ctx.state.text, line, names) or _display(event)

    def _finding(self, ctx: FileContext, function: str, event: Event, message: str) -> Finding:
        evidence = (Location(0, ctx.path, event.other_line, function),)
        return self.finding(
            message,
            path=ctx.path,
            line=event.line,
            function=function,
            subject=event.ident,  # reply drafts read the lock's name back from the key
            evidence=evidence,
        )


class LockNotReleased(_LockCheck):
    """What it checks:
        A lock taken in a function is still held at one of its exits (a `return` or the
        closing brace), while the function is not a wrapper that returns with it held by
        design (annotated `__acquires`, or holding it on every path without ever releasing it,
        or holding it exactly when it returns success).

    Why it matters:
        The next taker deadlocks, or the lock protects nothing for the rest of the caller's
        path. Error paths added later (`return -EINVAL;` inside the locked region) are the
        usual source.

    Example:
        spin_lock(&dev->lock);
        if (!dev->ready)
            return -EAGAIN;         /* dev->lock still held */
        spin_unlock(&dev->lock);

    Better:
        spin_lock(&dev->lock);
        if (!dev->ready) {
            ret = -EAGAIN;
            goto out_unlock;
        }
        ...
    out_unlock:
        spin_unlock(&dev->lock);

    Rule data:
        rules/locks.toml: acquire/release pairs, trylock conventions (`acquired_when`),
        cleanup.h guards; rules/cfg.toml: for-each macros and calls that never return.
    """

    code = "LK001"
    name = "lock-not-released"

    def report(self, ctx: FileContext, function: str, events: list[Event]) -> Iterator[Finding]:
        """One finding per lock and acquire site: the first exit that still holds it, the
        other exits as evidence (eight exits of one forgotten unlock are one comment)."""
        groups: dict[tuple[str, int], list[Event]] = {}
        for event in events:
            groups.setdefault((event.ident, event.other_line), []).append(event)
        for group in groups.values():
            finding = self.make(ctx, function, group[0])
            more = tuple(Location(0, ctx.path, e.line, function) for e in group[1:])
            if more:
                also = _exits([e.line for e in group[1:]])
                finding = replace(
                    finding,
                    message=f"{finding.message}; also held at {also}",
                    evidence=finding.evidence + more,
                )
            yield finding

    def make(self, ctx: FileContext, function: str, event: Event) -> Finding:
        how = condition_as_written(event.detail, ctx.state.text) if event.detail else ""
        message = (
            f"{self.call(ctx, event.other_line, event)} at line {event.other_line} is not "
            f"released: {function}() returns at line {event.line} with it held"
            + (f" {how}" if how.startswith("when ") else f" ({how})" if how else "")
        )
        return self._finding(ctx, function, event, message)


def _exits(lines: list[int]) -> str:
    """The other exits in words: "the exit at line 10", "the exits at lines 10 and 12"."""
    if len(lines) == 1:
        return f"the exit at line {lines[0]}"
    listed = ", ".join(str(line) for line in lines[:-1])
    return f"the exits at lines {listed} and {lines[-1]}"


class DoubleAcquire(_LockCheck):
    """What it checks:
        A lock is taken again on a path where this function already holds it (read sides,
        RCU, preemption and IRQ disabling nest and are not reported).

    Why it matters:
        Kernel spinlocks, mutexes and write-side rwsems are not recursive: the second
        acquire deadlocks against itself.

    Example:
        mutex_lock(&m);
        if (retry)
            mutex_lock(&m);

    Better:
        Take it once; restructure the retry so the lock is dropped before looping.

    Rule data:
        rules/locks.toml (`handover` marks hand-over-hand helpers that may be re-taken,
        `nesting_classes` the classes that nest).
    """

    code = "LK002"
    name = "double-acquire"

    def make(self, ctx: FileContext, function: str, event: Event) -> Finding:
        message = (
            f"{self.call(ctx, event.line, event)} at line {event.line} in {function}() takes "
            f"a lock it already holds since {self.call(ctx, event.other_line, event)} at line "
            f"{event.other_line}: it waits for itself"
        )
        return self._finding(ctx, function, event, message)


class ReleaseNotHeld(_LockCheck):
    """What it checks:
        A lock is released on a path where it was already released earlier in the same
        function (a caller's lock released once is allowed: the function may be `__releases`).

    Why it matters:
        Releasing a lock that is not held corrupts its state (a mutex owned by nobody, a
        negative rwsem count) or releases someone else's critical section.

    Example:
        spin_unlock(&q->lock);
        ...
        spin_unlock(&q->lock);

    Better:
        Release it once on every path; a `goto out_unlock` ladder keeps that obvious.

    Rule data:
        rules/locks.toml: release functions and their lock argument.
    """

    code = "LK003"
    name = "release-not-held"

    def make(self, ctx: FileContext, function: str, event: Event) -> Finding:
        message = (
            f"{self.call(ctx, event.line, event)} at line {event.line} in {function}() "
            f"releases a lock that is no longer held: "
            f"{self.call(ctx, event.other_line, event)} at line {event.other_line} already "
            "released it"
        )
        return self._finding(ctx, function, event, message)


class MismatchedRelease(_LockCheck):
    """What it checks:
        A release that does not match what was taken: another lock of the same API while
        this function holds one (`spin_unlock(&b)` with `&a` held and `&b` never taken
        here), or another variant (`spin_lock_irqsave` released by `spin_unlock`, `down_read`
        by `up_write`).

    Why it matters:
        The held lock leaks and the other one is released without being held; a wrong
        variant leaves interrupts disabled or corrupts an rwsem's count.

    Example:
        spin_lock_irqsave(&port->lock, flags);
        ...
        spin_unlock(&port->lock);

    Better:
        spin_unlock_irqrestore(&port->lock, flags);

    Rule data:
        rules/locks.toml: `releases` lists what may release each acquire.
    """

    code = "LK004"
    name = "mismatched-release"

    def make(self, ctx: FileContext, function: str, event: Event) -> Finding:
        message = (
            f"{self.call(ctx, event.line, event)} at line {event.line} in {function}() does "
            f"not release what {self.call(ctx, event.other_line, event)} took at line "
            f"{event.other_line}"
        )
        return self._finding(ctx, function, event, message)


CHECKS: list[Check] = [LockNotReleased(), DoubleAcquire(), ReleaseNotHeld(), MismatchedRelease()]
