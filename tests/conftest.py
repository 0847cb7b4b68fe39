"""Suite-wide settings."""

from __future__ import annotations

import os
import shutil
import tempfile

_CACHE: str | None = None


def pytest_configure(config) -> None:
    # Per-user caches (the tree vocabulary's) go to a directory of this run, not the user's
    # ~/.cache: the suite makes hundreds of tiny trees. Subprocesses inherit it.
    global _CACHE
    _CACHE = tempfile.mkdtemp(prefix="reviewtool-test-cache-")
    os.environ["XDG_CACHE_HOME"] = _CACHE


def pytest_unconfigure(config) -> None:
    if _CACHE:
        shutil.rmtree(_CACHE, ignore_errors=True)
