"""BS008: a patch after which the build command fails (the findings are made by
reviewtool.build when --build-cmd is given)."""

from __future__ import annotations

from collections.abc import Iterator

from reviewtool.checks.base import Check, PatchContext
from reviewtool.model import Finding, Severity


class BuildFailed(Check):
    """What it checks:
        With `reviewtool check --build-cmd CMD` (and a git base: `--base REV` or a
        `base-commit:` the repository has), each patch is applied with git in a temporary
        worktree and CMD is run there; a patch after which CMD fails, while it succeeded
        before, is reported with the compiler's first error line.

    Why it matters:
        This is the compiler's own verdict, where BS002..BS006 are the analyser's: a patch
        that does not build cannot be bisected, and maintainers build every patch.

    Example:
            reviewtool check --base v6.12 --build-cmd "make -j8 mm/rmap.o" series.mbox

        reports `mm/rmap.c:2629:13: error: 'foo' defined but not used` on 1/2.

    Better:
        Build each patch before sending: `git rebase -x 'make ...' base`.

    Rule data:
        None. Results are cached by tree hash under `.git/reviewtool-build-cache/`, so an
        unchanged tree is built once; `--jobs N` builds in N worktrees; `--build-timeout`
        bounds each build. The command runs without a shell unless you write `sh -c`.
        It runs code from the patches: use it on series you would build anyway.
    """

    code = "BS008"
    name = "build-failed"
    severity = Severity.ERROR
    scope = "patch"

    def run(self, ctx: PatchContext) -> Iterator[Finding]:
        # Made by reviewtool.build when --build-cmd is given (see the docstring).
        return iter(())
