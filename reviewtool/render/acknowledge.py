"""`reply --acknowledge-fixed`: one sentence thanking the author for what the previous
version had and this one no longer has ("v2's lock leak in 1/8 is fixed, thanks."), worded
by `templates/acknowledge-fixed.j2`."""

from __future__ import annotations

from reviewtool.engine import Report
from reviewtool.model import Fixed
from reviewtool.render.comments import environment, wrap


def _restates(gone: Fixed, others: list[Fixed]) -> bool:
    """A BS007 about a finding that is itself in the list: one thanks per problem."""
    subject = gone.finding.key.split("|", 3)[-1]
    return any(
        other is not gone
        and other.finding.location == gone.finding.location
        and subject.startswith(f"{other.finding.code}:")
        for other in others
    )


def acknowledgement(report: Report) -> str:
    """The sentence, or "" when the reviewed posting fixed nothing of the one before."""
    memory = report.memory
    if memory is None or memory.last is None:
        return ""
    fixed = list(memory.fixed_by_newest())
    items: list[dict] = []
    for gone in fixed:
        if _restates(gone, fixed):
            continue
        patch = gone.finding.location.patch
        where = f"{patch}/{memory.last.old_total}" if patch else ""
        item = {"code": gone.finding.code, "name": gone.finding.name, "where": where}
        if item not in items:
            items.append(item)
    if not items:
        return ""
    template = environment().get_template("acknowledge-fixed.j2")
    return wrap(template.render(version=memory.last.old_version, items=items).strip())
