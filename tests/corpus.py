"""Locate the shared corpus for corpus tests: required in CI, optional on a user's clone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.needs import missing

_DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def corpus_dir() -> Path:
    """The corpus root. Fails when REVIEWTOOL_CORPUS is set but wrong, and under CI=true when
    there is none; skips when it is unset and no ../shared/corpus exists next to the checkout."""
    configured = os.environ.get("REVIEWTOOL_CORPUS")
    if configured:
        path = Path(configured).resolve()
        if not path.is_dir():
            pytest.fail(f"REVIEWTOOL_CORPUS={configured} is not a directory")
        return path
    if _DEFAULT.is_dir():
        return _DEFAULT
    missing("corpus not available: set REVIEWTOOL_CORPUS to the shared corpus directory")
