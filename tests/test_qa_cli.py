"""What a reviewer meets at the command line: a lone cover letter, mistyped options."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewtool.cli import main

SEED = Path(__file__).resolve().parent.parent / "examples" / "anon-vma-v2"


@pytest.fixture
def cover_only(tmp_path: Path) -> Path:
    """The seed's cover letter alone, as `b4 am` or an archive gives it before the patches."""
    source = mailbox.mbox(str(SEED / "anon-vma-v2.mbox"))
    target_path = tmp_path / "cover.mbox"
    target = mailbox.mbox(str(target_path))
    target.add(next(iter(source)))
    target.flush()
    return target_path


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_cover_letter_alone_is_a_warning_not_an_error(cover_only):
    result = _run("check", str(cover_only))
    assert result.exit_code == 0, result.output
    assert "[IN001 missing-patch]" in result.output
    assert "only the cover letter of v2, without its 8 patches" in result.output
    assert "in 0 patches" in result.output


def test_cover_letter_alone_in_json_keeps_the_shape(cover_only):
    result = _run("check", "--format", "json", str(cover_only))
    data = json.loads(result.output)
    assert data["series"]["total"] == 8
    assert data["series"]["cover_message_id"].startswith("cover.1767711840")
    assert data["patches"] == []
    assert [f["code"] for f in data["findings"]] == ["IN001"]


def test_cover_letter_alone_fails_only_when_warnings_fail(cover_only):
    assert _run("check", "--fail-on", "warning", str(cover_only)).exit_code == 1


def test_cover_letter_alone_passes_b4(cover_only):
    result = _run("check", "--format", "b4", str(cover_only))
    assert result.exit_code == 0
    assert result.output == ""


def test_cover_letter_alone_gets_no_reply_draft(cover_only, tmp_path):
    out = tmp_path / "drafts"
    result = _run("reply", "--from", "R <r@example.org>", "-o", str(out), str(cover_only))
    assert result.exit_code == 0
    assert not out.exists() or not list(out.iterdir())
    assert "nothing to reply: 1 finding, about the input only" in result.output


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--select", "ZZ9", "select 'ZZ9' matches no check"),
        ("--ignore", "LK001,LKX", "ignore 'LKX' matches no check"),
        ("--rules", "/nonexistent/rules", "--rules /nonexistent/rules: not a directory"),
    ],
)
def test_mistyped_options_stop_with_one_line(option, value, said):
    result = _run("check", option, value, str(SEED / "anon-vma-v2.mbox"))
    assert result.exit_code == 2
    assert said in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_code_prefixes_still_select():
    result = _run("check", "--select", "lk", str(SEED / "anon-vma-v2.mbox"))
    assert result.exit_code == 1
    assert "[LK001 lock-not-released]" in result.output
    assert "BS007" not in result.output


def test_reply_says_each_problem_once(tmp_path):
    """The seed's leak is LK001 and, being transient, BS007 too: the author reads it once."""
    out = tmp_path / "drafts"
    args = ["reply", "--from", "R <r@example.org>", "-o", str(out)]
    result = _run(*args, "--tree", str(SEED / "base"), str(SEED / "anon-vma-v2.mbox"))
    assert result.exit_code == 0, result.output
    drafts = {p.name[:4]: p.read_text(encoding="utf-8") for p in out.iterdir()}
    assert set(drafts) == {"0000", "0001"}
    for text in drafts.values():
        words = " ".join(text.split())
        assert words.count("Patch 7/8 removes this code again") == 1
        assert "(LK001)" not in words and "BS007" not in words
        assert "The series as a whole looks fine" not in words


def test_rules_listing_is_grouped_by_family_with_a_sentence_each():
    result = _run("rules")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    families = [line[:2] for line in lines]
    order = [f for i, f in enumerate(families) if f not in families[:i]]
    assert order == ["IN", "LK", "AS", "KD", "BS", "CV"]
    assert not any(line.rstrip().endswith("What it checks:") for line in lines)
    lk001 = next(line for line in lines if line.startswith("LK001"))
    assert "A lock taken in a function is still held" in lk001


def test_summary_and_messages_count_in_words(tmp_path):
    one = tmp_path / "one.patch"
    fp = SEED / "format-patch"
    one.write_bytes(next(fp.glob("v2-0006-*.patch")).read_bytes())
    result = _run("check", str(one))
    assert "in 1 patch (1 applied)" in result.output


@pytest.fixture
def seed_without_2(tmp_path: Path) -> Path:
    """The seed series as an archive that lost 2/8: the k-th patch present is not k/8."""
    source = mailbox.mbox(str(SEED / "anon-vma-v2.mbox"))
    target_path = tmp_path / "gap.mbox"
    target = mailbox.mbox(str(target_path))
    for position, message in enumerate(source):
        if position != 2:
            target.add(message)
    target.flush()
    return target_path


def test_findings_are_numbered_as_the_mails_number_the_patches(seed_without_2):
    data = json.loads(_run("check", "--format", "json", str(seed_without_2)).output)
    indexes = [p["index"] for p in data["patches"]]
    assert indexes == [1, 3, 4, 5, 6, 7, 8]
    assert {f["patch"] for f in data["findings"]} <= {0, *indexes}
    # Without 2/8 (and without a base tree) 3/8, 7/8 and 8/8 do not apply: BS001 under their
    # own numbers, and nothing else from them. 7/8 would remove the leak of 1/8; it did not
    # apply, so the leak is not fixed in the series as it arrived.
    not_applied = {f["patch"] for f in data["findings"] if f["code"] == "BS001"}
    assert not_applied == {3, 7, 8}
    assert {f["code"] for f in data["findings"] if f["patch"] in not_applied} == {"BS001"}
    leak = next(f for f in data["findings"] if f["code"] == "LK001")
    assert (leak["patch"], leak["introduced_in"], leak["fixed_in"]) == (1, 1, None)


def test_text_shows_every_counted_finding_under_its_patch(seed_without_2):
    output = _run("check", str(seed_without_2)).output
    lines = output.splitlines()
    counted = lines[-1]
    shown = [line for line in lines[:-1] if not line.startswith("--- ")]
    errors, warnings = (int(counted.split(": ")[-1].split()[i]) for i in (0, 2))
    assert len(shown) == errors + warnings
    assert any(line.startswith("PATCH 8/8 mm/rmap.c") and "BS001" in line for line in shown)


def test_new_bug_on_names_the_statement_and_the_function(tmp_path):
    source = tmp_path / "slab.c"
    source.write_text(
        "static void drain(struct kmem_cache *s)\n{\n\tVM_BUG_ON(!irqs_disabled());\n"
        "\tflush(s);\n}\n"
    )
    result = _run("scan", str(source))
    line = next(x for x in result.output.splitlines() if "AS001" in x)
    assert (
        "`VM_BUG_ON(!irqs_disabled())` in drain() crashes the kernel when CONFIG_DEBUG_VM is "
        "set; prefer VM_WARN_ON_ONCE() plus code that recovers"
    ) in line


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "no patches found: the input holds no mail"),
        (bytes(range(256)) * 8, "no patches found: the input holds 1 mail that is neither"),
    ],
    ids=["empty", "binary"],
)
def test_input_without_patches_says_what_it_held(tmp_path, content, said):
    junk = tmp_path / "input.mbox"
    junk.write_bytes(content)
    result = _run("check", str(junk))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"reviewtool: error: {said}")


def test_empty_directory_is_bad_input(tmp_path):
    result = _run("check", str(tmp_path))
    assert result.exit_code == 2
    assert "the input holds no mail" in result.output


def test_text_puts_the_problem_before_its_bisection_note():
    lines = _run("check", str(SEED / "anon-vma-v2.mbox")).output.splitlines()
    codes = [line.rsplit("[", 1)[1].split()[0] for line in lines if line.startswith("PATCH 1/8")]
    assert codes == ["LK001", "BS007"]


def test_reply_asks_once_for_the_patches_that_did_not_arrive(seed_without_2, tmp_path):
    out = tmp_path / "drafts"
    args = ["reply", "--from", "R <r@example.org>", "-o", str(out), str(seed_without_2)]
    assert _run(*args).exit_code == 0
    cover = " ".join(next(out.glob("0000-*.eml")).read_text(encoding="utf-8").split())
    assert "2/8 did not reach me (nor the list I read this on)." in cover
    assert "missing from the input" not in cover
    assert list(out.glob("0008-*.eml"))  # 8/8 is the 7th patch present: its draft is 0008
