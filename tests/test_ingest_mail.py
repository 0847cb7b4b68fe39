"""Mail decoding, classification, patch split and trailers, on small handwritten mails."""

from __future__ import annotations

from pathlib import Path

import unidiff

from reviewtool.mail import parse_message, parse_trailers, to_patch

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def load(name: str):
    return parse_message((FIXTURES / name).read_bytes())


def test_format_patch_mail_splits_into_parts():
    message = load("patch-1.eml")
    assert message.kind == "patch"
    assert message.message_id == "p1.v2@example.org"
    assert message.in_reply_to == "cover.v2@example.org"
    assert message.sender.email == "ada@example.org"
    patch = to_patch(message, 1, 2)
    assert patch is not None
    assert patch.commit_message.startswith("Count the users of foo")
    assert patch.commit_message.endswith("Signed-off-by: Ada Author <ada@example.org>")
    assert patch.notes.startswith("v2: take the lock first")
    assert "1 file changed" in patch.notes
    assert patch.diff.startswith("diff --git a/mm/foo.c b/mm/foo.c\n")
    assert "2.43.0" not in patch.diff and "-- \n" not in patch.diff


def test_diff_line_numbers_map_back_to_the_body():
    message = load("patch-1.eml")
    patch = to_patch(message, 1, 2)
    body_lines = message.body.split("\n")
    assert body_lines[patch.diff_start] == "diff --git a/mm/foo.c b/mm/foo.c"
    parsed = unidiff.PatchSet(patch.diff)
    lines = [line for hunk in parsed[0] for line in hunk]
    assert [line.value for line in lines if line.is_added] == [
        "\tspin_lock(&b->lock);\n",
        "\tb->count++;\n",
    ]
    for line in lines:
        assert body_lines[patch.diff_start + line.diff_line_no - 1] == (
            line.line_type + line.value.rstrip("\n")
        )


def test_removed_dash_space_line_is_not_the_signature():
    patch = to_patch(load("patch-2.eml"), 2, 2)
    assert patch.diff.endswith(" Items:\n-- \n - second\n")
    parsed = unidiff.PatchSet(patch.diff)
    assert parsed[0].removed == 1


def test_trailers_with_wrapped_fixes():
    patch = to_patch(load("patch-1.eml"), 1, 2)
    names = [t.name for t in patch.trailers]
    assert names == [
        "Fixes",
        "Reported-by",
        "Closes",
        "Co-developed-by",
        "Signed-off-by",
        "Signed-off-by",
    ]
    fixes = patch.trailers[0]
    assert fixes.value == '0123456789ab ("mm: introduce foo with a rather long subject that wraps")'
    assert all(t.source == "commit" and t.message_id == "p1.v2@example.org" for t in patch.trailers)


def test_parse_trailers_generic_forms():
    text = "Body.\n\nAcked-by: A <a@x.org>\nLink: https://x.org/1\nCC: c@x.org\nFoo-By: F <f@x.org>"
    trailers = parse_trailers(text)
    assert [(t.name, t.value) for t in trailers] == [
        ("Acked-by", "A <a@x.org>"),
        ("Link", "https://x.org/1"),
        ("Cc", "c@x.org"),
        ("Foo-by", "F <f@x.org>"),
    ]
    # a last paragraph that is prose is no trailer block
    assert parse_trailers("Fixes: the bug.\n\nThis is prose, not: a trailer.") == ()


def test_reply_trailers_skip_quotes_and_signature():
    body = "> Reviewed-by: Q <q@x.org>\n\nReviewed-by: R <r@x.org>\n-- \nSigned-off-by: S <s@x.org>"
    trailers = parse_trailers(body, source="reply", message_id="m@x")
    assert [(t.name, t.value, t.source) for t in trailers] == [
        ("Reviewed-by", "R <r@x.org>", "reply")
    ]


def test_reply_links_only_right_below_a_trailer():
    body = (
        "See Link: https://example.org/prose for details.\n\n"
        "Link: https://example.org/alone\n\n"
        "Tested-by: T <t@x.org>\nLink: https://example.org/log\nCloses: https://x.org/bug/1\n"
    )
    trailers = parse_trailers(body, source="reply")
    assert [(t.name, t.value) for t in trailers] == [
        ("Tested-by", "T <t@x.org>"),
        ("Link", "https://example.org/log"),
        ("Closes", "https://x.org/bug/1"),
    ]


def test_base_commit_in_cover_and_patch():
    cover = load("cover.eml")
    assert cover.kind == "cover"
    assert to_patch(cover, 0, 2) is None


def test_quoted_printable_latin1_and_encoded_folded_subject():
    message = load("qp-latin1.eml")
    assert message.subject.title == "mm: café fix"
    assert message.sender.name == "Jörg Müller"
    assert message.body.startswith("Café naïve fix.")
    patch = to_patch(message, 1, 1)
    assert "/* café */" in patch.diff
    assert patch.trailers[0].value == "Jörg Müller <joerg@example.org>"


def test_base64_utf8_body():
    message = load("base64-utf8.eml")
    assert message.kind == "patch"
    patch = to_patch(message, 1, 1)
    assert "Signed-off-by: Åda Äuthor <ada@example.org>" in patch.commit_message
    assert patch.diff.startswith("diff --git")


def test_undeclared_windows_1252_falls_back():
    message = load("cp1252-undeclared.eml")
    assert message.body.startswith("Fix the \u201cfoo\u201d counter \u2013 properly.")


def test_text_x_patch_attachment_becomes_the_diff():
    message = load("attachment.eml")
    assert message.kind == "patch"
    assert message.body.startswith("Please find the patch attached.")
    patch = to_patch(message, 1, 1)
    assert patch.diff.startswith("diff --git a/mm/foo.c")
    assert len(unidiff.PatchSet(patch.diff)) == 1


def test_pgp_mime_signed_patch():
    message = load("pgp-mime.eml")
    assert message.kind == "patch"
    assert "BEGIN PGP SIGNATURE" not in message.body
    assert to_patch(message, 1, 1).diff.startswith("diff --git")


def test_smime_signed_reply():
    message = load("smime.eml")
    assert message.kind == "reply"
    assert "MIAGCSqG" not in message.body
    assert parse_trailers(message.body, source="reply")[0].name == "Reviewed-by"


def test_inline_pgp_is_stripped_and_dash_unescaped():
    message = load("inline-pgp.eml")
    assert "PGP" not in message.body
    assert message.kind == "patch"
    patch = to_patch(message, 1, 1)
    assert "\n-\tspin_lock(&b->lock);\n" in patch.diff
    assert len(unidiff.PatchSet(patch.diff)) == 1


def test_classification():
    assert load("pull.eml").kind == "pull"
    assert load("bot.eml").kind == "bot"
    assert load("hint-ignore.eml").kind == "other"
    assert load("smime.eml").kind == "reply"
    assert load("cover.eml").kind == "cover"
    assert load("patch-2.eml").kind == "patch"


def test_bot_detection_by_header_and_name():
    raw = b"From: CI <ci@example.org>\nAuto-Submitted: auto-generated\nSubject: Re: x\n\nfail\n"
    assert parse_message(raw).kind == "bot"
    raw = b"From: syzbot <syzbot+abc@example.com>\nSubject: [syzbot] KASAN\n\ncrash\n"
    assert parse_message(raw).kind == "bot"
    raw = b"From: Robert Bottomley <rb@example.org>\nSubject: Re: x\nIn-Reply-To: <a@b>\n\nok\n"
    assert parse_message(raw).kind == "reply"


def test_missing_message_id_is_stable():
    raw = (FIXTURES / "no-message-id.eml").read_bytes()
    first, second = parse_message(raw), parse_message(raw)
    assert first.message_id == second.message_id
    assert first.message_id.endswith("@reviewtool.invalid")
    assert parse_message(raw + b"\n").message_id != first.message_id


def test_non_git_patch_without_separator():
    body = (
        "Subject: [PATCH] x\nMessage-ID: <ng@x>\n\nFix it.\n\nSigned-off-by: A <a@x.org>\n\n"
        "--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
    )
    patch = to_patch(parse_message(body.encode()), 1, 1)
    assert patch.notes == ""
    assert patch.diff == "--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
    assert [t.name for t in patch.trailers] == ["Signed-off-by"]


def test_garbage_never_raises():
    for raw in (
        b"",
        b"\x00\xff\xfe",
        b"Subject: =?x-bogus?q?=ZZ?=\n\n",
        b"Content-Type: multipart/",
    ):
        message = parse_message(raw)
        assert message.kind in ("other", "reply")
        assert to_patch(message, 1, 1) is None


def test_pull_request_versus_patches_of_a_pull():
    diff = "---\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n"
    cover = (
        b"From: M <m@x.org>\nSubject: [PULL 00/15] qapi\n\n"
        b"The following changes since commit 0123456789abcdef:\n"
    )
    assert parse_message(cover).kind == "pull"
    member = f"From: M <m@x.org>\nSubject: [PULL 03/15] qapi: fix\n\nFix.\n{diff}".encode()
    assert parse_message(member).kind == "patch"
    assert (
        parse_message(b"From: M <m@x.org>\nSubject: [GIT PULL] x\n\nplease pull\n").kind == "pull"
    )


def test_inline_octet_stream_patch_is_read():
    raw = (
        b"From: A <a@x.org>\nSubject: [PATCH] f\nContent-Type: application/octet-stream\n\n"
        b"Fix.\n---\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n"
    )
    message = parse_message(raw)
    assert message.kind == "patch"
    assert to_patch(message, 1, 1).diff.endswith("-a\n+b\n")


def test_in_body_from_header_is_not_commit_message():
    raw = (
        b"From: Sender <s@x.org>\nSubject: [PATCH] f\n\nFrom: Real Author <ra@x.org>\n\n"
        b"Fix f.\n\nSigned-off-by: Real Author <ra@x.org>\n---\n"
        b"diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n"
    )
    patch = to_patch(parse_message(raw), 1, 1)
    assert patch.commit_message.startswith("Fix f.")


def test_crlf_mbox_reads_like_lf(tmp_path):
    from reviewtool.ingest import read_messages

    source = FIXTURES / "thread.mbox"
    crlf = tmp_path / "crlf.mbox"
    crlf.write_bytes(source.read_bytes().replace(b"\n", b"\r\n"))
    plain = read_messages([str(source)])
    converted = read_messages([str(crlf)])
    assert [m.message_id for m in converted] == [m.message_id for m in plain]
    assert [m.subject for m in converted] == [m.subject for m in plain]
    assert [m.body for m in converted] == [m.body for m in plain]


def test_line_mapping_survives_form_feeds():
    # kernel sources contain ^L; only "\n" ends a line in the body, in `diff` and in unidiff
    raw = (
        b"From: A <a@x.org>\nSubject: [PATCH] f\n\nFix.\n---\n"
        b"diff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -1,3 +1,3 @@\n \x0c\n-a\n+b\n c\n"
    )
    message = parse_message(raw)
    patch = to_patch(message, 1, 1)
    body_lines = message.body.split("\n")
    added = [line for hunk in unidiff.PatchSet(patch.diff)[0] for line in hunk if line.is_added]
    assert body_lines[patch.diff_start + added[0].diff_line_no - 1] == "+b"
