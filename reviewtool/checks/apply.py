"""BS001 does-not-apply and IN010 unsafe-path: what the tree builder meets while applying."""

from __future__ import annotations

from collections.abc import Iterator

from reviewtool.checks.base import Check, PatchContext
from reviewtool.model import Finding, Severity


class DoesNotApply(Check):
    """What it checks:
        Every hunk of every patch applies, in order, to the tree the earlier patches left,
        the way `git am` applies it: all context lines must match, at the stated line or at
        the nearest offset, and a hunk that starts or ends its file must do so here too. A
        patch that creates an existing file, or changes or deletes a missing one, fails too.

    Why it matters:
        A maintainer cannot take a series that does not apply; a bisect stops at the patch
        that broke. The finding names the patch, the file, the hunk header and why: the
        first line where the file differs from what the hunk expects (expected and found,
        numbered as the file stands before the patch, looked for where most of the hunk
        lines up, so a hunk that moved and was edited is still explained), that the patch
        is already applied (every change of the file is already there: what
        `git apply -R --check` would accept; one finding for the file), that a file it
        changes is missing, or that the hunk expects lines an earlier hunk that did not
        apply would have added. The reasons are worked out only for hunks that fail.

    Example:
        A hunk of 3/5 was edited by hand after `git format-patch`:

            @@ -120,7 +120,8 @@ static int foo(struct bar *b)
                spin_lock(&b->lock);
            -    b->count++;
            +    b->count += 2;

        while the tree (after 2/5) has `b->count += 1;` at line 121.

    Better:
        Regenerate the series with `git format-patch` from a branch on the stated base and
        check it with `git am` on a clean tree before sending.

    Rule data:
        None. The findings are made by `reviewtool.tree.build_snapshots` while it applies the
        series (the file keeps what did apply and later patches run against it); `run` makes
        none of its own. Files past the analysis limits (lines per file, files per patch) are
        reported with this code at severity warning.
    """

    code = "BS001"
    name = "does-not-apply"
    severity = Severity.ERROR
    scope = "patch"

    def run(self, ctx: PatchContext) -> Iterator[Finding]:
        # Made while the snapshots are built (see the docstring); nothing to add here.
        return iter(())


class UnsafePath(Check):
    """What it checks:
        Every file name a patch carries is a plain path inside the tree: not empty, not
        absolute, no `..`, `.` or empty components, nothing under `.git`, no NUL or line
        break, and (with a directory as the base) not resolving through a symlink to a place
        outside it.

    Why it matters:
        Mail is untrusted input. `git apply` refuses such names; a tool that wrote them out
        could be made to overwrite files anywhere. reviewtool never writes patch content to
        disk, and skips the file: this finding says why part of the patch was not analysed.

    Example:
            --- a/../../.bashrc
            +++ b/../../.bashrc

    Better:
        Send patches made by `git format-patch` from a normal checkout.

    Rule data:
        None. Made by `reviewtool.tree.build_snapshots`; `run` makes none of its own.
    """

    code = "IN010"
    name = "unsafe-path"
    severity = Severity.ERROR
    scope = "patch"

    def run(self, ctx: PatchContext) -> Iterator[Finding]:
        return iter(())


DOES_NOT_APPLY = DoesNotApply()
UNSAFE_PATH = UnsafePath()

CHECKS: list[Check] = [DOES_NOT_APPLY, UNSAFE_PATH]
