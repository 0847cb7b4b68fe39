"""Property tests: no exception escapes the subject parser or the mail → patch path, whatever
the bytes (mutations of real mails)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewtool.errors import InputError
from reviewtool.ingest import split_mbox
from reviewtool.mail import parse_message, parse_trailers, to_patch
from reviewtool.model import Subject
from reviewtool.series import assemble
from reviewtool.subject import parse_subject

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
SEEDS = [
    (FIXTURES / name).read_bytes()
    for name in ("patch-1.eml", "qp-latin1.eml", "attachment.eml", "pgp-mime.eml", "thread.mbox")
]
INSERTS = [b"\n", b"-- \n", b"@@ -1,99 +1 @@\n", b"=?utf-8?b?", b"\x00", b"\r", b"\nFrom x"]
SUBJECT_ALPHABET = st.sampled_from(list("[]()PATCHRFCvV0123456789/ ,:-ReAwFwd\n\t=?é"))

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.one_of(st.text(max_size=200), st.text(SUBJECT_ALPHABET, max_size=80)))
def test_parse_subject_never_raises(raw):
    subject = parse_subject(raw)
    assert isinstance(subject, Subject)
    assert subject.version >= 1
    assert (subject.index is None) == (subject.total is None)


@st.composite
def mutated_mail(draw):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        if not data:
            break
        position = draw(st.integers(min_value=0, max_value=len(data) - 1))
        action = draw(st.sampled_from(["flip", "delete", "insert", "duplicate"]))
        if action == "flip":
            data[position] = draw(st.integers(min_value=0, max_value=255))
        elif action == "delete":
            end = position + draw(st.integers(min_value=1, max_value=64))
            del data[position:end]
        elif action == "insert":
            data[position:position] = draw(st.sampled_from(INSERTS))
        else:
            end = position + draw(st.integers(min_value=1, max_value=200))
            data[position:position] = data[position:end]
    return bytes(data)


@FUZZ
@given(mutated_mail())
def test_mutated_mail_never_raises(raw):
    messages = []
    for chunk in split_mbox(raw):
        message = parse_message(chunk)
        messages.append(message)
        patch = to_patch(message, 1, 1)
        if patch is not None:
            body_lines = message.body.split("\n")
            diff_lines = patch.diff.rstrip("\n").split("\n")
            assert body_lines[patch.diff_start : patch.diff_start + len(diff_lines)] == diff_lines
        parse_trailers(message.body, source="reply")
    with contextlib.suppress(InputError):
        assemble(messages)
