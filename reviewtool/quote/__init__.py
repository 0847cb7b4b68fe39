"""What a reply quotes of a patch mail around each finding (`plan_reply`), and under which
diff line each comment goes in a quote of the whole diff (`comment_lines`). Pure."""

from __future__ import annotations

from reviewtool.quote.anchors import MAX_SHIFT, NEAR_LINES
from reviewtool.quote.plan import (
    COMMIT_HEAD_LINES,
    COMMIT_TAIL_LINES,
    DEFAULT_CONTEXT,
    MAX_QUOTED_RUN,
    Comment,
    Part,
    Quoted,
    ReplyPlan,
    Trim,
    comment_lines,
    plan_reply,
)

__all__ = [
    "COMMIT_HEAD_LINES",
    "COMMIT_TAIL_LINES",
    "DEFAULT_CONTEXT",
    "MAX_QUOTED_RUN",
    "MAX_SHIFT",
    "NEAR_LINES",
    "Comment",
    "Part",
    "Quoted",
    "ReplyPlan",
    "Trim",
    "comment_lines",
    "plan_reply",
]
