"""Run one fuzz case through the product in-process and check the invariants:

- nothing but a ReviewtoolError escapes pipeline.check / pipeline.scan / rendering, and its
  message is one line;
- no input runs past a CPU deadline (`Hang`, raised by a profiling timer);
- no file is written outside the output directory: the whole sandbox (base tree, input,
  the targets of symlinks planted in the output directory) is unchanged afterwards;
- `reply -o` never overwrites a file without --force (through the real command line).
"""

from __future__ import annotations

import contextlib
import os
import signal
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from reviewtool import cli, pipeline
from reviewtool.cli.common import safe_target, write_atomically
from reviewtool.errors import ReviewtoolError
from reviewtool.formats import RENDERERS, RenderOptions
from reviewtool.model import Address
from reviewtool.render import draft_filename
from reviewtool.resources import default_rules
from tests.fuzz.gen_mail import SANDBOX, Case, gz

REVIEWER = Address("Rev Iewer", "rev@example.org")
VICTIM = b"do not touch\n"


class Hang(Exception):
    """The input ran past its CPU deadline."""


class InvariantBroken(AssertionError):
    """A file outside the output directory changed, or an error was not one line."""


@dataclass
class Outcome:
    rejected: str | None = None  # the ReviewtoolError message, when the input was refused
    findings: int = 0
    drafts: int = 0
    codes: set[str] = field(default_factory=set)  # finding codes of check and scan
    escaped: list[str] = field(default_factory=list)  # "Type: message" of escaped exceptions


@contextlib.contextmanager
def cpu_deadline(seconds: float) -> Iterator[None]:
    """Raise Hang in the main thread once this process spent `seconds` of CPU time."""

    def expire(_signum, _frame):
        raise Hang(f"more than {seconds} CPU seconds")

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def _fingerprint(root: Path, skip: Path) -> dict[str, bytes]:
    """Every file and symlink under root except under `skip`: path -> content / link target."""
    seen: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if here == skip or skip in here.parents:
            dirnames[:] = []
            continue
        for name in filenames + [d for d in dirnames if (here / d).is_symlink()]:
            path = here / name
            key = str(path.relative_to(root))
            seen[key] = (
                b"->" + os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
            )
    return seen


def materialise(case: Case, sandbox: Path) -> tuple[Path, Path | None, list[Path]]:
    """Write the case into the sandbox: (input file, base tree or None, files to scan)."""
    data = case.mbox.replace(SANDBOX.encode(), str(sandbox).encode())
    source = sandbox / ("series.mbox.gz" if case.gzipped else "series.mbox")
    source.write_bytes(gz(data) if case.gzipped else data)
    tree = None
    if case.tree is not None:
        tree = sandbox / "tree"
        for path, text in case.tree.items():
            (tree / path).parent.mkdir(parents=True, exist_ok=True)
            (tree / path).write_text(text, encoding="utf-8", errors="surrogateescape")
    scan_dir = sandbox / "scan"
    scan_dir.mkdir()
    scanned = []
    for name, data in case.scan.items():
        (scan_dir / f"{name}.c").write_bytes(data)
        scanned.append(scan_dir / f"{name}.c")
    (sandbox / "victim.txt").write_bytes(VICTIM)
    return source, tree, scanned


def plant_traps(out: Path, sandbox: Path) -> None:
    """Symlinks in the output directory pointing outside it, under names drafts may take."""
    out.mkdir(parents=True)
    names = [draft_filename(0, "demo: a series")]
    names += [draft_filename(index, f"demo: change {index}") for index in range(1, 6)]
    for name in names:
        (out / name).symlink_to(sandbox / "victim.txt")
    (out / "escape").symlink_to(sandbox)


def _rejected(exc: ReviewtoolError) -> str:
    message = str(exc)
    if "\n" in message or not message.strip():
        raise InvariantBroken(f"{type(exc).__name__} message is not one line: {message!r}")
    return message


def run_case(case: Case, sandbox: Path, *, cli_reply: bool = False) -> Outcome:
    """check + every renderer + drafts written into out/, then scan; invariants checked."""
    source, tree, scanned = materialise(case, sandbox)
    out = sandbox / "out"  # every output directory of the run is under here
    plant_traps(out / "drafts", sandbox)
    before = _fingerprint(sandbox, out)
    outcome = Outcome()
    try:
        report = pipeline.check([str(source)], tree=tree, repo=sandbox)
        outcome.findings = len(report.findings)
        outcome.codes.update(f.code for f in report.findings)
        for renderer in RENDERERS.values():
            renderer(report, RenderOptions())
        outcome.drafts = write_drafts(report, out / "drafts")
    except ReviewtoolError as exc:
        outcome.rejected = _rejected(exc)
    except (Hang, InvariantBroken):
        raise
    except Exception as exc:
        outcome.escaped.append(_describe(exc))
    try:
        scan_report = pipeline.scan(scanned)
        outcome.codes.update(f.code for f in scan_report.findings)
        RENDERERS["json"](scan_report, RenderOptions())
    except ReviewtoolError as exc:
        _rejected(exc)
    except (Hang, InvariantBroken):
        raise
    except Exception as exc:
        outcome.escaped.append(_describe(exc))
    if cli_reply:
        try:
            reply_twice(source, tree, sandbox)
        except (Hang, InvariantBroken):
            raise
        except Exception as exc:
            outcome.escaped.append(_describe(exc))
    after = _fingerprint(sandbox, out)
    if before != after:
        changed = sorted(
            set(before) ^ set(after) | {k for k in before if before[k] != after.get(k)}
        )
        raise InvariantBroken(f"files outside the output directory changed: {changed[:5]}")
    return outcome


def write_drafts(report, out: Path) -> int:
    """The reply command's writing path: every draft through cli's own target check."""
    from reviewtool import render

    options = render.options_from_rules(
        default_rules(), report.checks, reviewer=REVIEWER, attribution="default"
    )
    drafts = render.drafts(report, options)
    for draft in drafts:
        try:
            target = safe_target(out, draft.filename)
        except ReviewtoolError:
            continue  # refused: a symlink planted under this name points outside
        write_atomically(target, draft.as_text(), force=True)
    return len(drafts)


def reply_twice(source: Path, tree: Path | None, sandbox: Path) -> None:
    """`reviewtool reply -o DIR` twice: the second run, without --force, must change nothing."""
    out = sandbox / "out" / "reply"
    plant_traps(out, sandbox)
    args = ["reply", str(source), "-o", str(out), "--from", "Rev Iewer <rev@example.org>"]
    if tree is not None:
        args += ["--tree", str(tree)]
    first = _invoke(args)
    written = _fingerprint(out, out / "none")
    second = _invoke(args)
    drafts = [name for name, data in written.items() if not data.startswith(b"->")]
    if drafts and second.exit_code != 2:
        raise InvariantBroken(f"reply over existing drafts exited {second.exit_code}, not 2")
    if _fingerprint(out, out / "none") != written:
        raise InvariantBroken("reply without --force changed existing drafts")
    del first


def _invoke(args: list[str]):
    result = CliRunner(env={"REVIEWTOOL_DEBUG": "1"}).invoke(cli.main, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # escaped (or Hang): the caller records it
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        if len(lines) != 1 or not lines[0].startswith("reviewtool: error: "):
            raise InvariantBroken(f"exit 2 without a one-line error: {result.stderr!r}")
    elif result.exit_code not in (0, 1):
        raise InvariantBroken(f"reply exited {result.exit_code}: {result.stderr!r}")
    return result


def _describe(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    place = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    return f"{type(exc).__name__}{place}: {str(exc)[:200]}"
