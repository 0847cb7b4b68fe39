"""The command line: the only place that echoes, writes user files or exits."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from reviewtool import __version__
from reviewtool.config import Config
from reviewtool.config import load as load_config
from reviewtool.errors import ReviewtoolError
from reviewtool.model import Severity

EXIT_CLEAN, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    """`--select LK,AS001 --select KD` → ("LK", "AS001", "KD")."""
    return tuple(
        code.strip().upper() for value in values for code in value.split(",") if code.strip()
    )


def guarded(command: Callable[..., int | None]) -> Callable[..., None]:
    """Turns our errors into one line on stderr and a documented exit code."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            code = command(*args, **kwargs)
        except ReviewtoolError as exc:
            click.echo(f"reviewtool: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            sys.exit(EXIT_CLEAN)
        except Exception as exc:  # a bug of ours: say so in one line, exit 3
            if os.environ.get("REVIEWTOOL_DEBUG"):
                raise
            click.echo(
                f"reviewtool: internal error: {type(exc).__name__}: {exc} "
                "(set REVIEWTOOL_DEBUG=1 for a traceback and please report it)",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)
        sys.exit(code or EXIT_CLEAN)

    return wrapper


def write_atomically(path: Path, text: str, *, force: bool) -> None:
    """Write via a temporary file in the same directory and rename; never clobber without force."""
    if path.exists() and not force:
        raise ReviewtoolError(f"{path} exists; use --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _rules(rule_dirs: tuple[Path, ...]):
    from reviewtool.resources import Rules, default_rules

    return Rules(rule_dirs) if rule_dirs else default_rules()


def settings(fmt, select, ignore, fail_on, rule_dirs, repo) -> Config:
    """Command-line values over the repo's .reviewtool.toml over the user's config.toml."""
    config = load_config(
        repo,
        format=fmt,
        select=_codes(select),
        ignore=_codes(ignore),
        fail_on=fail_on,
        rules=tuple(rule_dirs),
    )
    if config.format not in _format_names():
        names = ", ".join(_format_names())
        raise ReviewtoolError(f"unknown format {config.format!r} (one of {names})")
    _known_codes(config.select, "select")
    _known_codes(config.ignore, "ignore")
    for directory in config.rules:
        if not Path(directory).is_dir():
            raise ReviewtoolError(f"--rules {directory}: not a directory")
    return config


def _known_codes(codes: tuple[str, ...], option: str) -> None:
    """A mistyped code would silently select nothing, or ignore nothing: refuse it."""
    from reviewtool.checks import ALL

    for code in codes:
        if not any(check.code.startswith(code.upper()) for check in ALL):
            raise ReviewtoolError(
                f"{option} {code!r} matches no check; 'reviewtool rules' lists them"
            )


def _exit_for(findings, fail_on: str) -> int:
    threshold = Severity.parse(fail_on)
    return EXIT_FINDINGS if any(f.severity >= threshold for f in findings) else EXIT_CLEAN


def _use_color(choice: str, output: Path | None) -> bool:
    if choice == "always":
        return True
    if choice == "never" or output is not None or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def _emit(
    report,
    fmt: str,
    output: Path | None,
    force: bool,
    color: str,
    show_asserts: bool,
    url_template: str | None = None,
) -> None:
    from reviewtool.formats import RENDERERS, RenderOptions

    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise ReviewtoolError(f"unknown format {fmt!r} (one of {', '.join(RENDERERS)})")
    options = RenderOptions(
        color=_use_color(color, output), show_asserts=show_asserts, url_template=url_template
    )
    text = renderer(report, options)
    if output is not None:
        write_atomically(output, text, force=force)
    else:
        click.echo(text, nl=False)


def _format_names() -> list[str]:
    from reviewtool.formats import DIRECTORY_FORMATS, RENDERERS

    return [*RENDERERS, *DIRECTORY_FORMATS]


common_rules = click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory whose rule files shadow the packaged rules/ (repeatable).",
)
common_select = click.option(
    "--select", multiple=True, help="Only these codes or code prefixes (LK,AS001); repeatable."
)
common_ignore = click.option("--ignore", multiple=True, help="Skip these codes or prefixes.")
common_fail_on = click.option(
    "--fail-on",
    type=click.Choice(["note", "warning", "error"]),
    default=None,
    help="Exit 1 when a finding is at least this severe [default: error].",
)
common_output = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write here (atomically).",
)
check_output = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write here (atomically); a directory for --format b4-review.",
)
common_force = click.option("--force", is_flag=True, help="Overwrite an existing output file.")


def common_memory(command: Callable[..., Any]) -> Callable[..., Any]:
    """--since and --history: which earlier postings of the series are compared."""
    command = click.option(
        "--history",
        type=click.IntRange(min=0, max=64),
        default=8,
        show_default=True,
        help="Earlier versions compared at most, each one more analysis (0: none).",
    )(command)
    return click.option(
        "--since",
        multiple=True,
        help="An earlier posting (mbox, directory, ...; repeatable): findings are new, "
        "persisting or fixed against it.",
    )(command)


def _memory_stdin(series: tuple[str, ...], since: tuple[str, ...]):
    if "-" in series and "-" in since:
        raise ReviewtoolError("standard input ('-') can be read once: by SERIES or --since")
    return sys.stdin.buffer if "-" in series or "-" in since else None


common_color = click.option(
    "--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reviewtool")
def main() -> None:
    """Review Linux-kernel-style patch series: locking, asserts, kernel-doc, bisectability.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad input, usage or rule data,
    3 internal error.
    """


@main.command("check")
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
    default=1,
    show_default=True,
    help="Parallel builds for --build-cmd (one worktree each).",
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
    jobs=1,
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
        from reviewtool.patchwork import check_url_template

        if config.format != "patchwork":
            raise ReviewtoolError("--url-template is for --format patchwork")
        check_url_template(url_template)
    if output is not None and output.is_dir() and config.format != "b4-review":
        raise ReviewtoolError(f"-o {output}: is a directory (only --format b4-review writes one)")
    if config.format == "b4-review":
        agent_files_at = agent_dir(output, force)
    stdin = _memory_stdin(series, since)
    rules = _rules(config.rules)
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
        jobs=jobs,
        build_timeout=build_timeout,
        progress=(lambda line: click.echo(f"reviewtool: {line}", err=True)) if build_cmd else None,
        base_candidates=base_candidates,
        since=since,
        history=history,
    )
    if config.format == "b4-review":
        write_agent_files(report, rules, *agent_files_at)
    else:
        _emit(report, config.format, output, force, color, show_asserts, url_template)
    if nipa:
        return _nipa_exit(report)
    return _exit_for(report.findings, config.fail_on)


@main.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", default=None, help="text (default), json, sarif.")
@common_select
@common_ignore
@common_fail_on
@common_rules
@common_output
@common_force
@common_color
@guarded
def scan_command(paths, fmt, select, ignore, fail_on, rule_dirs, output, force, color) -> int:
    """Whole-file analysis of C files or directories (not diff-aware)."""
    from reviewtool import pipeline

    config = settings(fmt, select, ignore, fail_on, rule_dirs, None)
    report = pipeline.scan(
        list(paths), rules=_rules(config.rules), select=config.select, ignore=config.ignore
    )
    _emit(report, config.format, output, force, color, False)
    return _exit_for(report.findings, config.fail_on)


FAMILY_ORDER = ("IN", "LK", "AS", "KD", "BS")  # the order the README presents them


def _listing_order(check) -> tuple[int, str]:
    family = check.code[:2]
    rank = FAMILY_ORDER.index(family) if family in FAMILY_ORDER else len(FAMILY_ORDER)
    return rank, check.code


def _what_it_checks(doc: str, width: int = 72) -> str:
    """The first sentence of a doc's "What it checks:" section, cut to one listing line."""
    text = " ".join(doc.split())
    if text.startswith("What it checks:"):
        text = text[len("What it checks:") :].strip()
    text = text.split("Why it matters:", 1)[0].strip()
    sentence = re.split(r"(?<=[.;:])\s", text, maxsplit=1)[0].rstrip(".;:")
    sentence = sentence[:1].upper() + sentence[1:]
    return sentence if len(sentence) <= width else sentence[: width - 1].rstrip() + "…"


@main.command("rules")
@click.argument("code", required=False)
@guarded
def rules_command(code: str | None) -> int:
    """List every check, or print one check's documentation."""
    from reviewtool import checks

    if code is None:
        for check in sorted(checks.ALL, key=_listing_order):
            summary = _what_it_checks(check.doc())
            click.echo(f"{check.code}  {check.name:<28} {check.severity.label:<7} {summary}")
        return EXIT_CLEAN
    found = checks.by_code().get(code.upper())
    if found is None:
        raise ReviewtoolError(f"no check {code!r}; 'reviewtool rules' lists them")
    click.echo(f"{found.code} {found.name} ({found.severity.label}, {found.scope} scope)\n")
    click.echo(found.doc())
    return EXIT_CLEAN


# ---------------------------------------------------------------- NIPA, reply, hook


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


def _git_config_value(repo: Path | None, name: str) -> str | None:
    from reviewtool.hook import git_config

    return git_config(repo or Path.cwd(), name)


def _reviewer(from_value: str | None, repo: Path | None):
    """--from, else git config user.name / user.email; exit 2 without either."""
    from email.utils import parseaddr

    from reviewtool.errors import ConfigError
    from reviewtool.model import Address

    if from_value:
        name, address = parseaddr(from_value)
        if "@" not in address:
            raise ConfigError(f"--from {from_value!r}: not an address")
        return Address(name, address)
    address = _git_config_value(repo, "user.email")
    if not address:
        raise ConfigError("who is reviewing? pass --from 'Name <addr>' or set git user.email")
    return Address(_git_config_value(repo, "user.name") or "", address)


def _safe_target(out_dir: Path, filename: str) -> Path:
    """out_dir/filename, refusing anything that would land outside out_dir."""
    if "/" in filename or "\\" in filename or filename in ("", ".", ".."):
        raise ReviewtoolError(f"refusing to write draft named {filename!r}")
    root = out_dir.resolve()
    target = (root / filename).resolve()
    if target.parent != root:
        raise ReviewtoolError(f"refusing to write {target} outside {root}")
    return target


@main.command("reply")
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
    "-o",
    "--output-dir",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory for the drafts (NNNN-re-<slug>.eml).",
)
@click.option(
    "--mbox", type=click.Path(path_type=Path, dir_okay=False), help="All drafts as one mbox."
)
@click.option("--from", "from_value", help="Reviewer 'Name <addr>' (default: git user.name/email).")
@click.option(
    "--attribution",
    type=click.Choice(["default", "mutt"]),
    default=None,
    help="Attribution style (default: git config reviewtool.attribution, else Gmail's).",
)
@click.option("--context", type=click.IntRange(0, 50), default=6, show_default=True)
@click.option(
    "--include-raised",
    is_flag=True,
    help="Also comment on findings a reply in the thread already raised.",
)
@click.option(
    "--acknowledge-fixed",
    is_flag=True,
    help="Thank the author in the cover reply for what the previous version had and this "
    "one fixed.",
)
@common_select
@common_ignore
@common_rules
@common_force
@common_memory
@guarded
def reply_command(
    series,
    tree,
    base,
    repo,
    version,
    out_dir,
    mbox,
    from_value,
    attribution,
    context,
    select,
    ignore,
    rule_dirs,
    force,
    include_raised=False,
    acknowledge_fixed=False,
    since=(),
    history=8,
) -> int:
    """Write review drafts: one reply per patch with findings, and one to the cover letter."""
    from datetime import UTC, datetime

    from reviewtool import pipeline, render

    if out_dir is None and mbox is None:
        raise ReviewtoolError("say where the drafts go: -o DIR and/or --mbox FILE")
    if tree is not None and base is not None:
        raise ReviewtoolError("--tree and --base are exclusive")
    reviewer = _reviewer(from_value, repo)
    style = attribution or _git_config_value(repo, "reviewtool.attribution") or "default"
    if style not in render.ATTRIBUTIONS:
        raise ReviewtoolError(f"reviewtool.attribution {style!r}: one of default, mutt")
    config = settings(None, select, ignore, None, rule_dirs, repo)
    rules = _rules(config.rules)
    stdin = _memory_stdin(series, since)
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
        since=since,
        history=history,
    )
    options = render.options_from_rules(
        rules,
        report.checks,
        reviewer=reviewer,
        attribution=style,
        context=context,
        include_raised=include_raised,
        acknowledge_fixed=acknowledge_fixed,
    )
    drafts = render.drafts(report, options)
    if out_dir is not None:
        targets = [(_safe_target(out_dir, d.filename), d) for d in drafts]
        clashes = [str(path) for path, _ in targets if path.exists()]
        if clashes and not force:
            raise ReviewtoolError(f"{clashes[0]} exists; use --force to overwrite")
        for path, draft in targets:
            write_atomically(path, draft.as_text(), force=force)
            click.echo(f"wrote {path}", err=True)
    if mbox is not None:
        write_atomically(mbox, render.mbox_text(drafts, datetime.now(UTC)), force=force)
        click.echo(f"wrote {len(drafts)} drafts to {mbox}", err=True)
    if not drafts:
        click.echo(f"nothing to reply: {_why_no_drafts(report, include_raised)}", err=True)
    return EXIT_CLEAN


def _why_no_drafts(report, include_raised: bool) -> str:
    """Every finding was about the input (other versions, gaps...) or already raised."""
    held = len(report.findings)
    if not held:
        return "no findings"
    raised = 0 if include_raised else sum(1 for f in report.findings if f.raised_by)
    why = f"{held} finding{'s' if held != 1 else ''}"
    if raised:
        return f"{why}, {raised} already raised in the thread (--include-raised drafts them)"
    return f"{why}, about the input only"


# ---------------------------------------------------------------- b4 review's agent

_AGENT_FILE = re.compile(r"^(?:\d{4}|identity|series)\.txt$")


def agent_dir(out_dir: Path | None, force: bool) -> tuple[Path, list[str]]:
    """Where b4 review's agent files go (default: the b4 review checkout's
    .git/b4-review/<HEAD-sha>/) and the review files already there, refused without --force:
    asked before any work is done."""
    from reviewtool import b4checkout

    if out_dir is None:
        checkout = b4checkout.find(Path.cwd())
        if checkout is None:
            raise ReviewtoolError(
                "--format b4-review writes a directory: pass -o DIR (in a b4 review checkout "
                "it defaults to .git/b4-review/<HEAD-sha>/)"
            )
        out_dir = b4checkout.agent_dir(checkout)
    if out_dir.exists() and not out_dir.is_dir():
        raise ReviewtoolError(f"-o {out_dir}: not a directory")
    present = sorted(p.name for p in out_dir.iterdir()) if out_dir.is_dir() else []
    present = [name for name in present if _AGENT_FILE.match(name)]
    if present and not force:
        raise ReviewtoolError(
            f"{out_dir} already holds review files ({', '.join(present)}); "
            "use --force to replace them"
        )
    return out_dir, present


def write_agent_files(
    report, rules, out_dir: Path, present: list[str], skip: frozenset[int] = frozenset()
) -> None:
    """Write the agent files; the review files `present` before that we did not write go:
    b4 would file them under our identity."""
    from reviewtool import render
    from reviewtool.model import Address
    from reviewtool.render.b4review import agent_files

    options = render.options_from_rules(
        rules, report.checks, reviewer=Address("reviewtool", "reviewtool@reviewtool.invalid")
    )
    files = agent_files(report, options, skip)
    targets = {name: _safe_target(out_dir, name) for name in files}
    for name, text in files.items():
        write_atomically(targets[name], text, force=True)
    for name in present:
        if name not in files:
            (out_dir / name).unlink()
            click.echo(f"removed {out_dir / name} (not ours to leave under our identity)", err=True)
    click.echo(f"wrote {', '.join(files)} to {out_dir}", err=True)


@main.command("b4-agent")
@click.argument("prompt", nargs=-1)
@click.option(
    "-o",
    "--output-dir",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write here instead of .git/b4-review/<HEAD-sha>/.",
)
@common_select
@common_ignore
@common_rules
@common_force
@guarded
def b4_agent_command(prompt, out_dir, select, ignore, rule_dirs, force) -> int:
    """b4 review's agent (git config b4.review-agent-command "reviewtool b4-agent"): review
    the checked-out b4 review branch against its base and write .git/b4-review/<HEAD-sha>/ for
    b4 to take in. PROMPT, which b4 appends, is not read."""
    from reviewtool import b4checkout, pipeline
    from reviewtool.formats import summary_line

    checkout = b4checkout.find(Path.cwd())
    if checkout is None:
        raise ReviewtoolError("HEAD is not a b4 review branch (b4/review/...) with b4's tracking")
    target, present = agent_dir(out_dir or b4checkout.agent_dir(checkout), force)
    config = settings(None, select, ignore, None, rule_dirs, checkout.top)
    rules = _rules(config.rules)
    report = pipeline.check(
        [checkout.patch_range],
        base=checkout.base,
        repo=checkout.top,
        rules=rules,
        select=config.select,
        ignore=config.ignore,
    )
    count = len(report.series.patches) if report.series else 0
    if count != checkout.patches:
        click.echo(
            f"reviewtool: warning: b4's tracking lists {checkout.patches} patches, the branch "
            f"has {count}: b4 numbers review files by position",
            err=True,
        )
    write_agent_files(report, rules, target, present, checkout.skipped)
    click.echo(summary_line(report))
    return EXIT_CLEAN


@main.group("hook")
def hook_group() -> None:
    """The git send-email `sendemail-validate` hook (chains any existing hook)."""


@hook_group.command("install")
@click.option("--repo", type=click.Path(path_type=Path, file_okay=False), default=".")
@guarded
def hook_install(repo: Path) -> int:
    """Install the hook; an existing one is kept and runs after ours."""
    from reviewtool import hook

    click.echo(hook.install(repo))
    return EXIT_CLEAN


@hook_group.command("uninstall")
@click.option("--repo", type=click.Path(path_type=Path, file_okay=False), default=".")
@guarded
def hook_uninstall(repo: Path) -> int:
    """Remove the hook and restore what was there before."""
    from reviewtool import hook

    click.echo(hook.uninstall(repo))
    return EXIT_CLEAN


@hook_group.command("run")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--repo", type=click.Path(path_type=Path, file_okay=False), default=".")
@guarded
def hook_run(files: tuple[Path, ...], repo: Path) -> int:
    """What the wrapper runs for each file git send-email validates."""
    from reviewtool import hook, pipeline
    from reviewtool.formats import RenderOptions, render_text

    config = settings(None, (), (), None, (), repo)  # .reviewtool.toml select/ignore/rules
    rules = _rules(config.rules)

    def check(sources: list[str]):
        return pipeline.check(
            sources, repo=repo, rules=rules, select=config.select, ignore=config.ignore
        )

    verdict = hook.run(
        list(files),
        os.environ,
        repo,
        check,
        lambda report: render_text(report, RenderOptions()),
        lambda report: report.findings,
    )
    if verdict.exit_code:
        click.echo(verdict.report_text, err=True, nl=False)
        click.echo("reviewtool: rejected (git config reviewtool.failOn sets the level)", err=True)
    return verdict.exit_code
