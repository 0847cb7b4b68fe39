"""kernel-doc's special cases, each a small C file in tests/fixtures/kdoc/perl/: SYSCALL_DEFINEn,
tracepoints, member macros (DECLARE_BITMAP, struct_group ...), function pointers, attribute
forms, nested structs and unions, `@...` and named varargs, empty descriptions, enums, the
errors kernel-doc prints, odd comment lines and name-line forms. `expected.json` holds what
the real `scripts/kernel-doc -none -Wall` (Linux 6.12) printed for each file: every warning
and error, by line, whitespace collapsed. Our reader must print exactly that.

Record again (needs perl and the kernel's script):
    python -m tests.test_kdoc_perl /path/to/linux/scripts/kernel-doc
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from reviewtool.analysis.kdoc import analyse

FIXTURES = Path(__file__).parent / "fixtures" / "kdoc" / "perl"
EXPECTED = FIXTURES / "expected.json"
CASES = sorted(p.name for p in FIXTURES.glob("*.[ch]"))


def normal(message: str) -> str:
    return " ".join(message.split())


def ours(name: str) -> Counter[tuple[int, str]]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return Counter((p.line, normal(p.message)) for p in analyse(text).problems)


@pytest.mark.parametrize("name", CASES)
def test_reader_prints_what_kernel_doc_printed(name: str) -> None:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))[name]
    theirs = Counter((line, message) for line, message in expected)
    assert ours(name) == theirs


def test_every_fixture_was_recorded() -> None:
    assert sorted(json.loads(EXPECTED.read_text(encoding="utf-8"))) == CASES


def record(script: Path) -> dict[str, list[tuple[int, str]]]:
    """Run the kernel's script on every fixture; its stderr, record by record."""
    recorded: dict[str, list[tuple[int, str]]] = {}
    for name in CASES:
        done = subprocess.run(
            ["perl", str(script), "-none", "-Wall", name],
            cwd=FIXTURES,
            capture_output=True,
            text=True,
            check=True,
        )
        start = re.compile(rf"^{re.escape(name)}:(\d+): (?:warning|error): (.*)$")
        records: list[list] = []
        for line in done.stderr.split("\n"):
            if re.search(r" at \S*kernel-doc line \d+(?:, <\w+> line \d+)?\.$", line):
                continue  # perl's own "Use of uninitialized value ..."
            match = start.match(line)
            if match:
                records.append([int(match.group(1)), match.group(2)])
            elif records and line:
                records[-1][1] += "\n" + line
        recorded[name] = [(number, normal(message)) for number, message in records]
    return recorded


def dump(recorded: dict[str, list[tuple[int, str]]]) -> str:
    """One file a key, one record a line."""
    files = [
        f"  {json.dumps(name)}: [\n" + ",\n".join(f"    {json.dumps(r)}" for r in records) + "\n  ]"
        if records
        else f"  {json.dumps(name)}: []"
        for name, records in recorded.items()
    ]
    return "{\n" + ",\n".join(files) + "\n}\n"


if __name__ == "__main__":
    EXPECTED.write_text(dump(record(Path(sys.argv[1]))), encoding="utf-8")
