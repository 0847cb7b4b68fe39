"""`--build-cmd`: builds each step of a series in temporary git worktrees (BS008), cached."""

from __future__ import annotations

from reviewtool.build.results import (
    MAX_LOG_BYTES,
    BuildResult,
    BuildStats,
    build_findings,
    first_error,
)
from reviewtool.build.runner import (
    CACHE_DIR,
    CACHE_VERSION,
    DEFAULT_TIMEOUT,
    build_series,
    cache_dir,
)
from reviewtool.build.worktrees import GIT_TIMEOUT, BuildInterrupted, BuildSession

__all__ = [
    "CACHE_DIR",
    "CACHE_VERSION",
    "DEFAULT_TIMEOUT",
    "GIT_TIMEOUT",
    "MAX_LOG_BYTES",
    "BuildInterrupted",
    "BuildResult",
    "BuildSession",
    "BuildStats",
    "build_findings",
    "build_series",
    "cache_dir",
    "first_error",
]
