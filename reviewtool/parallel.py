"""`scan --jobs N`: independent files analysed in N worker processes, results gathered in the
order of the files, so the report is byte-identical to `--jobs 1`; and the progress line on
stderr (only when stderr is a terminal)."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

CHUNK = 4  # files a worker takes at a time: few enough that workers finish together


def default_jobs() -> int:
    """One job per CPU this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def map_ordered(
    work: Callable[[Any], Any],
    items: Sequence[Any],
    jobs: int,
    setup: Callable[..., None],
    setup_args: tuple = (),
    chunk: int = CHUNK,
) -> Iterator[Any]:
    """`work(item)` for every item, in the order of `items`. With jobs > 1, in forked workers
    (`setup(*setup_args)` runs in each first; forking passes its arguments, rule data with a
    tree included, without pickling them); results come back pickled. Without fork (not
    Linux), or with one item or job, in this process. `chunk`: items a worker takes at a
    time (few, big items: 1)."""
    jobs = min(jobs, len(items))
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        setup(*setup_args)
        yield from map(work, items)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=setup, initargs=setup_args) as pool:
        yield from pool.imap(work, items, chunksize=chunk)


class Progress:
    """`label: done/total` rewritten in place on stderr, at most ten times a second; silent
    when stderr is not a terminal (pipes, files, CI logs) or the work is short."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.active = total >= 2 and _is_terminal(self.stream)
        self.label, self.total, self.done = label, total, 0
        self._shown = 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self.active and (now - self._shown >= 0.1 or self.done == self.total):
            self._shown = now
            self.stream.write(f"\r{self.label}: {self.done}/{self.total}")
            self.stream.flush()

    def close(self) -> None:
        if self.active and self.done:
            self.stream.write("\r\033[K")  # the line goes: the report starts clean
            self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed streams
        return False
