"""BS002-BS009: every patch must parse and build, and leave no defect for a later patch to fix.
One module per rule; `history` holds what they share (tree views of every step, labels,
renames, diff scans)."""

from reviewtool.checks.base import Check
from reviewtool.checks.bisect.argument_count import ArgumentCountMismatch
from reviewtool.checks.bisect.build_failed import BuildFailed
from reviewtool.checks.bisect.history import changed_lines
from reviewtool.checks.bisect.parse_regression import ParseRegression, neutralize_kernel_idioms
from reviewtool.checks.bisect.removed_still_used import RemovedStillUsed
from reviewtool.checks.bisect.transient import TransientDefect
from reviewtool.checks.bisect.uncounted import ArgumentsNotCounted
from reviewtool.checks.bisect.unused_static import UnusedStatic
from reviewtool.checks.bisect.used_before_defined import UsedBeforeDefined

CHECKS: list[Check] = [
    ParseRegression(),
    UsedBeforeDefined(),
    UnusedStatic(),
    RemovedStillUsed(),
    ArgumentCountMismatch(),
    TransientDefect(),
    BuildFailed(),
    ArgumentsNotCounted(),
]

__all__ = [
    "CHECKS",
    "ArgumentsNotCounted",
    "ArgumentCountMismatch",
    "BuildFailed",
    "ParseRegression",
    "RemovedStillUsed",
    "TransientDefect",
    "UnusedStatic",
    "UsedBeforeDefined",
    "changed_lines",
    "neutralize_kernel_idioms",
]
