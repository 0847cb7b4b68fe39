"""Byte-level, coverage-guided fuzzing with atheris (libFuzzer): bytes mutated toward new
coverage of reviewtool's own code, given to `check` as the mail input (with a one-file base
tree for inputs of even length, hunks only otherwise) and to `scan` as a C file, through the
harness and invariants of tests/fuzz/harness.py. benchmarks/fuzz.py is the structure-aware
campaign; this one mutates bytes toward code the grammars may not reach.

atheris is not a dependency of reviewtool (`pip install atheris`: wheels for CPython 3.11 on
Linux x86-64). Arguments other than ours go to libFuzzer:

    python benchmarks/fuzz_bytes.py [--save DIR] [--deadline 20] -runs=100000 [CORPUS_DIR]

Without a corpus directory the run starts from a scratch copy of tests/fixtures/ingest (the
real mails) and the small series of tests/fuzz/regressions; libFuzzer adds the inputs that reach new
code there. An escaped exception, a hang or a broken invariant stops the run: libFuzzer writes
the input to crash-<sha1> (and inputs slower than 10 s to slow-unit-<sha1>) in the current
directory, or with --save DIR in DIR, where the input is also written as DIR/bytes-<sha1>/ in
the layout of tests/fuzz/regressions/ (see its README to make it a regression test).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import pkgutil
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    import atheris
except ImportError:
    print("benchmarks/fuzz_bytes.py needs atheris: pip install atheris", file=sys.stderr)
    sys.exit(2)

with atheris.instrument_imports(include=["reviewtool"]):
    import reviewtool

    for module in pkgutil.walk_packages(reviewtool.__path__, "reviewtool."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)

from tests.fuzz.gen_mail import Case  # noqa: E402
from tests.fuzz.harness import Hang, InvariantBroken, cpu_deadline, run_case  # noqa: E402
from tests.fuzz.saved import save_case  # noqa: E402

TREE = {"drivers/demo/demo.c": "int demo(int v)\n{\n\treturn v + 1;\n}\n"}
MAX_SEED_BYTES = 16_384
SEEDS = [ROOT / "tests" / "fixtures" / "ingest", ROOT / "tests" / "fuzz" / "regressions"]


def seed_corpus(into: Path) -> None:
    for where in SEEDS:
        for path in sorted(where.rglob("*")):
            # small ones: instrumented, a 36 KB series of deeply nested calls takes 50 s
            if path.suffix in (".eml", ".mbox") and path.stat().st_size <= MAX_SEED_BYTES:
                shutil.copyfile(path, into / f"{path.parent.name}-{path.name}")


def one_input(data: bytes, args: argparse.Namespace) -> None:
    case = Case(TREE if len(data) % 2 == 0 else None, data, False, {"input": data})
    with tempfile.TemporaryDirectory(prefix="fuzz-bytes-") as scratch:
        try:
            with cpu_deadline(args.deadline):
                outcome = run_case(case, Path(scratch))
            problem = "; ".join(outcome.escaped)
        except Hang as exc:
            problem = f"hang: {exc}"
        except InvariantBroken as exc:
            problem = str(exc)
    if problem:
        if args.save:
            name = f"bytes-{hashlib.sha1(data).hexdigest()}"
            save_case(case, args.save / name, problem, reply=False)
        raise RuntimeError(problem)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], add_help=False)
    parser.add_argument("--save", type=Path, help="write inputs that broke something here")
    parser.add_argument("--deadline", type=float, default=20.0, help="CPU seconds per input")
    args, libfuzzer = parser.parse_known_args()
    if args.save and not any(flag.startswith("-artifact_prefix=") for flag in libfuzzer):
        args.save.mkdir(parents=True, exist_ok=True)
        libfuzzer.insert(0, f"-artifact_prefix={args.save}/")  # crash-*, slow-unit-* there too
    if any(not flag.startswith("-") for flag in libfuzzer):
        atheris.Setup([sys.argv[0], *libfuzzer], lambda data: one_input(data, args))
        atheris.Fuzz()  # libFuzzer ends the process itself
    # No corpus named: a scratch one seeded with real mails, removed once the run ends
    # (libFuzzer exits without unwinding Python, so the run is a child process).
    scratch = Path(tempfile.mkdtemp(prefix="fuzz-bytes-corpus-"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the child, then clean up
    try:
        seed_corpus(scratch)
        return subprocess.run([sys.executable, __file__, *sys.argv[1:], str(scratch)]).returncode
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
