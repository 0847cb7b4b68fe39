"""KD checks."""

from __future__ import annotations

from reviewtool.checks.base import Check

CHECKS: list[Check] = []
