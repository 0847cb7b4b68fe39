"""`reviewtool check` and `reviewtool scan`: run the pipeline, write the report, exit by
severity (or by NIPA's contract)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from reviewtool.cli.b4agent import agent_dir, write_agent_files
from reviewtool.cli.common import (
    check_output,
    common_cache,
    common_color,
    common_fail_on,
    common_force,
    common_ignore,
    common_memory,
    common_output,
    common_rules,
    common_select,
    emit,
    exit_for,
    guarded,
    memory_stdin,
    rule_set,
    settings,
)
from reviewtool.errors import ReviewtoolError


@click.command("check")
@click.argument("series", nargs=-1, required=True)
@click.option("--tree", type=click.Path(path_type=Path), help="Base tree directory.")
@click.option("--base", help="Base revision in the git repository (see -C).")
@click.option(
    "-C",
    "repo",
    type=click.Path(path_type=Path, file_okay=False),
    help="Git repository for --base, base-commit: and revision ranges.",
)
@click.option("--series-version", "version", type=int, help="Pick this version (default newest).")
@click.option(
    "--format",
    "fmt",
    default=None,
    help="text (default), json, sarif, b4, b4-json, patchwork, b4-review (a directory).",
)
@click.option("--show-asserts", is_flag=True, help="List asserts each patch adds or removes.")
@click.option(
    "--base-candidate",
    "base_candidates",
    multiple=True,
    metavar="REV",
    help="Also try the series on this revision of the repository (repeatable); tried, with "
    "the series' base-commit: and prerequisite-patch-id:, whenever the series does not apply.",
)
@click.option(
    "--url-template",
    help="patchwork: each check's target_url, with {msgid} {patch} {total} {version} "
    "filled in (e.g. https://ci.example.org/{msgid}.txt).",
)
@click.option(
    "--nipa",
    is_flag=True,
    help="NIPA test contract: exit 0 pass, 250 warning, 1 fail; a one-line description "
    "to the file descriptor in $DESC_FD.",
)
@click.option(
    "--build-cmd",
    help="Also build every patch with this command (split like a shell would, run without "
    "one) in temporary git worktrees; needs a git base. Reports BS008.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1, max=64),
    default=None,
    help="Worker processes: the file checks of the series' files run in N forked workers "
    "(each file's states in order in one; the report is the same for any N; default 1: "
    "on the series measured workers cost more CPU than they saved), and --build-cmd builds N "
    "patches at once (one worktree each; default 1).",
)
@click.option(
    "--build-timeout",
    type=click.FloatRange(min=1),
    default=1200,
    show_default=True,
    help="Seconds before one --build-cmd build is killed.",
)
@common_select
@common_ignore
@common_fail_on
@common_rules
@common_cache
@check_output
@common_force
@common_color
@common_memory
@guarded
def check_command(
    series,
    tree,
    base,
    repo,
    version,
    fmt,
    show_asserts,
    select,
    ignore,
    fail_on,
    rule_dirs,
    output,
    force,
    color,
    nipa=False,
    build_cmd=None,
    jobs=None,
    build_timeout=1200,
    url_template=None,
    base_candidates=(),
    since=(),
    history=8,
) -> int:
    """Check a patch series: mbox(.gz), maildir, format-patch dir or file, '-', or A..B."""
    from reviewtool import pipeline

    if tree is not None and base is not None:
        raise ReviewtoolError("--tree and --base are exclusive")
    config = settings(fmt, select, ignore, fail_on, rule_dirs, repo)
    if url_template is not None:
        from reviewtool.formats import check_url_template

        if config.format != "patchwork":
            raise ReviewtoolError("--url-template is for --format patchwork")
        check_url_template(url_template)
    if output is not None and output.is_dir() and config.format != "b4-review":
        raise ReviewtoolError(f"-o {output}: is a directory (only --format b4-review writes one)")
    if config.format == "b4-review":
        agent_files_at = agent_dir(output, force)
    stdin = memory_stdin(series, since)
    rules = rule_set(config.rules)
    report = pipeline.check(
        list(series),
        tree=tree,
        base=base,
        repo=repo,
        version=version,
        rules=rules,
        select=config.select,
        ignore=config.ignore,
        stdin=stdin,
        build_cmd=build_cmd,
        jobs=jobs or 1,
        file_jobs=jobs or 1,  # workers are opt-in for check (README: --jobs)
        build_timeout=build_timeout,
        progress=(lambda line: click.echo(f"reviewtool: {line}", err=True)) if build_cmd else None,
        base_candidates=base_candidates,
        since=since,
        history=history,
    )
    if config.format == "b4-review":
        write_agent_files(report, rules, *agent_files_at)
    else:
        emit(report, config.format, output, force, color, show_asserts, url_template)
    if nipa:
        return _nipa_exit(report)
    return exit_for(report.findings, config.fail_on)


@click.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", default=None, help="text (default), json, sarif.")
@click.option(
    "--tree",
    type=click.Path(path_type=Path),
    help="The kernel tree the files belong to: lock primitives come from its headers.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1, max=256),
    default=None,
    help="Worker processes sharing the files (default: one per CPU); any number gives the "
    "same report.",
)
@common_select
@common_ignore
@common_fail_on
@common_rules
@common_cache
@common_output
@common_force
@common_color
@guarded
def scan_command(
    paths, fmt, tree, jobs, select, ignore, fail_on, rule_dirs, output, force, color
) -> int:
    """Whole-file analysis of C files or directories (not diff-aware)."""
    from reviewtool import pipeline
    from reviewtool.parallel import default_jobs

    config = settings(fmt, select, ignore, fail_on, rule_dirs, None)
    report = pipeline.scan(
        list(paths),
        rules=rule_set(config.rules),
        select=config.select,
        ignore=config.ignore,
        tree=tree,
        jobs=jobs or default_jobs(),
    )
    emit(report, config.format, output, force, color, False)
    return exit_for(report.findings, config.fail_on)


def _nipa_exit(report) -> int:
    """NIPA's contract (core/test.py): 0 pass, 250 warning, other fail; desc to $DESC_FD."""
    from reviewtool.formats import nipa_verdict

    code, description = nipa_verdict(report)
    fd = os.environ.get("DESC_FD", "").strip()
    if fd.isdigit():
        try:
            os.write(int(fd), (description + "\n").encode("utf-8"))
        except OSError as exc:
            click.echo(f"reviewtool: warning: DESC_FD={fd}: {exc.strerror}", err=True)
    return code
