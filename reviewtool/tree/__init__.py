"""The tree at every patch: base trees (directory, git revision, none), the diff model, the
in-memory `git apply`, and the snapshot builder that walks a series with them."""

from reviewtool.tree.applier import image_state, split_lines
from reviewtool.tree.diff import parse_diff
from reviewtool.tree.snapshots import build_snapshots
from reviewtool.tree.sources import (
    BaseTree,
    DirTree,
    FileTooLarge,
    GitTree,
    HunksOnly,
    path_problem,
)

__all__ = [
    "BaseTree",
    "DirTree",
    "FileTooLarge",
    "GitTree",
    "HunksOnly",
    "build_snapshots",
    "image_state",
    "parse_diff",
    "path_problem",
    "split_lines",
]
