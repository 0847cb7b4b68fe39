"""Review drafts, in three rooms: `replies` plans what each draft says (which findings, which
quotes), `comments` writes the comment on one finding, `headers` makes the mail around it."""

from reviewtool.render.comments import (
    WRAP,
    comment_text,
    comment_variables,
    environment,
    wrap,
)
from reviewtool.render.headers import (
    ATTRIBUTIONS,
    MAX_SLUG,
    Draft,
    DraftOptions,
    attribution_line,
    build_message,
    draft_filename,
    mbox_text,
    recipients,
    slug,
)
from reviewtool.render.replies import (
    cover_body,
    draft_for_patch,
    drafts,
    for_author,
    options_from_rules,
    reply_body,
)

__all__ = [
    "ATTRIBUTIONS",
    "MAX_SLUG",
    "WRAP",
    "Draft",
    "DraftOptions",
    "attribution_line",
    "build_message",
    "comment_text",
    "comment_variables",
    "cover_body",
    "draft_filename",
    "draft_for_patch",
    "drafts",
    "environment",
    "for_author",
    "mbox_text",
    "options_from_rules",
    "recipients",
    "reply_body",
    "slug",
    "wrap",
]
