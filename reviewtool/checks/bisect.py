"""BS002-BS008 checks."""

from __future__ import annotations

from reviewtool.checks.base import Check

CHECKS: list[Check] = []
