"""Our kernel-doc reader against the real `scripts/kernel-doc -none -Wall` (Linux 6.12) on 400
synthetic files (tests/kdocgen.py: a grammar of the forms kernel-doc reads, texts of our own):
every warning, by line and message, and nothing else. Needs no corpus."""

from __future__ import annotations

import gzip
import json
from collections import Counter

from reviewtool.analysis.kdoc import analyse
from tests.kdocgen import FIXTURE, make_text
from tests.test_kdoc_corpus import _comparable as _first_line


def _comparable(message: str) -> str:
    """As the whole-subset test compares (kernel-doc prints the offending line under some
    messages, or the prototype with other blanks), with blanks folded."""
    return _first_line(" ".join(message.split()))


def _cases() -> list[dict]:
    return json.loads(gzip.decompress(FIXTURE.read_bytes()))["cases"]


def test_every_synthetic_file_gets_kernel_docs_warnings_exactly() -> None:
    differing = []
    warned = 0
    for number, case in enumerate(_cases()):
        theirs = Counter((line, _comparable(message)) for line, message in case["warnings"])
        mine = Counter((p.line, _comparable(p.message)) for p in analyse(case["text"]).problems)
        warned += sum(theirs.values())
        if mine != theirs:
            differing.append((number, sorted(theirs - mine), sorted(mine - theirs)))
    assert warned > 1000
    assert differing[:5] == []


def test_the_fixture_is_what_the_generator_makes() -> None:
    # The texts are regenerated from their seeds: a grammar change must regenerate the
    # fixture (python -m tests.kdocgen), so recorded warnings never describe other texts.
    cases = _cases()
    assert [case["text"] for case in cases[:20]] == [
        make_text(612 * 100_000 + n) for n in range(20)
    ]
