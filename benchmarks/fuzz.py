"""The long fuzz run: structure-aware inputs (tests/fuzz strategies) through pipeline.check,
every renderer, the reply drafts and pipeline.scan, in-process, with the invariants of
tests/fuzz/harness.py. Prints counts.

    python benchmarks/fuzz.py --count 100000 [--seed 1] [--deadline 20] [--reply-every 10]
                              [--save DIR]

Counts: inputs run, inputs refused with a ReviewtoolError (exit 2), escaped exceptions by type
and place, hangs (inputs past --deadline CPU seconds), broken invariants (a file written
outside the output directory, an error that is not one line, a draft overwritten without
--force), CPU seconds per input (mean, max) and the peak memory of the process (ru_maxrss).
Run it niced on a shared machine. Progress lines (every --progress inputs, on stderr) give the
running counts and the process's memory now and at its peak. Inputs come from hypothesis
runs of --round inputs each (seeds seed, seed+1000, ...): a run holds on to what it generated
until it ends, so shorter runs keep the memory flat.

With --save DIR, every input that broke something is written to DIR/seed<S>-<n>/ in the layout
of tests/fuzz/regressions/ (tests/fuzz/saved.py: case.toml with the problem, series.mbox or
.gz, tree/, scan/). Once the bug is fixed, move that directory into tests/fuzz/regressions/
under a name that says what it is and list in case.toml's `codes` the findings it must give:
tests/fuzz/test_regressions.py runs every directory there through the same invariants.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzz.gen_mail import any_case  # noqa: E402
from tests.fuzz.harness import Hang, InvariantBroken, cpu_deadline, run_case  # noqa: E402
from tests.fuzz.saved import save_case  # noqa: E402

# Inputs per hypothesis run. A run keeps what it generated (its tree of choices, a cache of
# results) until it ends: ~0.15 MiB an input measured here, so up to ~1.5 GiB by the end of
# a 10,000-input run. Runs of 1,000 bound that; the first 50 inputs of a run are small
# (hypothesis starts small), 5 % of them.
ROUND = 1000


class Tally:
    def __init__(self) -> None:
        self.inputs = 0
        self.rejected = 0
        self.escaped: Counter[str] = Counter()
        self.hangs = 0
        self.broken: Counter[str] = Counter()
        self.cpu_sum = 0.0  # CPU seconds of the inputs (sum and max: nothing kept per input)
        self.cpu_max = 0.0
        self.saved = 0


def run(args: argparse.Namespace, tally: Tally, round_seed: int, count: int) -> None:
    @seed(round_seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(any_case())
    def one(case) -> None:
        if tally.inputs >= args.count:
            return
        tally.inputs += 1
        with tempfile.TemporaryDirectory(prefix="fuzz-") as scratch:
            sandbox = Path(scratch)
            started = time.process_time()
            problem = None
            reply = args.reply_every > 0 and tally.inputs % args.reply_every == 0
            try:
                with cpu_deadline(args.deadline):
                    outcome = run_case(case, sandbox, cli_reply=reply)
                tally.rejected += outcome.rejected is not None
                for escaped in outcome.escaped:
                    tally.escaped[escaped] += 1
                    problem = problem or escaped
            except Hang:
                tally.hangs += 1
                problem = "hang"
            except InvariantBroken as exc:
                tally.broken[str(exc)[:160]] += 1
                problem = str(exc)
            spent = time.process_time() - started
            tally.cpu_sum += spent
            tally.cpu_max = max(tally.cpu_max, spent)
            if problem and args.save:
                save_case(
                    case, fresh(args.save, f"seed{args.seed}-{tally.inputs}"), problem, reply=reply
                )
                tally.saved += 1
        if tally.inputs % args.progress == 0:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
            print(
                f"... seed {args.seed}: {tally.inputs} inputs, {tally.rejected} refused, "
                f"{sum(tally.escaped.values())} escaped, {tally.hangs} hangs, "
                f"{sum(tally.broken.values())} broken, memory {resident_mib()} MiB, "
                f"peak {peak} MiB",
                file=sys.stderr,
                flush=True,
            )

    one()


def fresh(parent: Path, name: str) -> Path:
    """parent/name, or parent/name-2... when taken: a saved input is never overwritten."""
    where, number = parent / name, 1
    while where.exists():
        number += 1
        where = parent / f"{name}-{number}"
    return where


def resident_mib() -> int | str:
    """The process's memory now (VmRSS; the peak alone cannot show whether it grows)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return "?"
    line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), "")
    return int(line.split()[1]) >> 10 if line else "?"


def campaign(args: argparse.Namespace) -> tuple[Tally, float, float]:
    """One process's share: (tally, CPU seconds, peak memory in MiB)."""
    tally = Tally()
    started = time.process_time()
    round_seed = args.seed
    while tally.inputs < args.count:
        before = tally.inputs
        run(args, tally, round_seed, min(args.count - tally.inputs, args.round))
        round_seed += 1000
        if tally.inputs == before:
            break
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return tally, time.process_time() - started, peak


def worker(args: argparse.Namespace) -> tuple[Tally, float, float]:
    return campaign(args)


def merged(results: list[tuple[Tally, float, float]]) -> tuple[Tally, float, float]:
    total = Tally()
    for tally, _, _ in results:
        total.inputs += tally.inputs
        total.rejected += tally.rejected
        total.escaped.update(tally.escaped)
        total.hangs += tally.hangs
        total.broken.update(tally.broken)
        total.cpu_sum += tally.cpu_sum
        total.cpu_max = max(total.cpu_max, tally.cpu_max)
        total.saved += tally.saved
    return total, sum(r[1] for r in results), max(r[2] for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="inputs to run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--deadline", type=float, default=20.0, help="CPU seconds per input")
    parser.add_argument("--reply-every", type=int, default=10, help="CLI reply on every Nth")
    parser.add_argument("--jobs", type=int, default=1, help="processes (seeds seed, seed+1...)")
    parser.add_argument("--progress", type=int, default=500, help="a progress line every N")
    parser.add_argument(
        "--round", type=int, default=ROUND, help="inputs per hypothesis run (memory: see above)"
    )
    parser.add_argument("--save", type=Path, help="write inputs that broke something here")
    args = parser.parse_args()

    if args.jobs <= 1:
        tally, cpu, peak = campaign(args)
    else:
        shares = []
        for job in range(args.jobs):
            share = argparse.Namespace(**vars(args))
            share.seed = args.seed + job
            share.count = args.count // args.jobs + (job < args.count % args.jobs)
            shares.append(share)
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            tally, cpu, peak = merged(pool.map(worker, shares))

    print(f"inputs: {tally.inputs} (seed {args.seed}, deadline {args.deadline} CPU s)")
    print(f"refused with a one-line error (exit 2): {tally.rejected}")
    print(f"escaped exceptions: {sum(tally.escaped.values())}")
    for what, count in tally.escaped.most_common():
        print(f"  {count:6d}  {what}")
    print(f"hangs: {tally.hangs}")
    print(f"broken invariants: {sum(tally.broken.values())}")
    for what, count in tally.broken.most_common():
        print(f"  {count:6d}  {what}")
    if tally.inputs:
        mean = tally.cpu_sum / tally.inputs
        print(f"CPU per input: mean {mean * 1000:.1f} ms, max {tally.cpu_max:.2f} s")
    print(f"CPU total: {cpu:.0f} s in {args.jobs} process(es)")
    print(f"peak memory (ru_maxrss, largest process): {peak:.0f} MiB")
    if args.save:
        print(f"saved {tally.saved} inputs under {args.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
