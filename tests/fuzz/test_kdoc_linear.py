"""The kernel-doc reader's linear rewrites of quadratic Perl loops give the Perl loops' results
(the loops found slow by hostile declarations: typedef tail trimming, enum parenthesis
removal), and a declaration past the reader's bound is a KD010 note, not a long wait."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtool.analysis.kdoc import analyse
from reviewtool.analysis.kdoc.declaration import MAX_PROTOTYPE
from reviewtool.analysis.kdoc.types import _drop_parenthesised, _trim_tail

PIECES = st.text(st.sampled_from(list("()[]a; \t,x")), max_size=40)
SLICE = settings(max_examples=300, derandomize=True, database=None, deadline=None)


def perl_trim_loop(text: str) -> str:
    """dump_typedef's loop, as the Perl script writes it."""
    while re.search(r"\(*.\)\s*;$", text, re.A) or re.search(r"\[*.\]\s*;$", text, re.A):
        text = re.sub(r"\(*.\)\s*;$", ";", text, count=1, flags=re.A)
        text = re.sub(r"\[*.\]\s*;$", ";", text, count=1, flags=re.A)
    return text


def linear_trim_loop(text: str) -> str:
    while True:
        trimmed = _trim_tail(_trim_tail(text, "(", ")"), "[", "]")
        if trimmed == text:
            return text
        text = trimmed


@SLICE
@given(PIECES)
def test_typedef_trimming_matches_the_perl_loop(tail: str) -> None:
    text = "typedef int x" + tail + ";"
    assert linear_trim_loop(text) == perl_trim_loop(text)


@SLICE
@given(PIECES)
def test_enum_parenthesis_removal_matches_the_perl_substitution(members: str) -> None:
    assert _drop_parenthesised(members) == re.sub(r"\([^;]*?[\)]", "", members, flags=re.A)


def test_a_declaration_past_the_bound_is_a_note() -> None:
    members = "int (*a)(int, int);" * (MAX_PROTOTYPE // 19 + 10)
    text = "/**\n * struct x - x\n */\nstruct x {" + members + "};\n"
    kinds = [p.kind for p in analyse(text).problems]
    assert kinds == ["cut-short"]
