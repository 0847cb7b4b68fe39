"""ReplyPlan: what a reply quotes around each finding and where it trims."""

from __future__ import annotations

from pathlib import Path

from reviewtool.mail import parse_message, to_patch
from reviewtool.model import Finding, Location, Patch, Severity
from reviewtool.quote import MAX_QUOTED_RUN, Comment, Quoted, Trim, plan_reply

MAIL = (Path(__file__).parent / "fixtures" / "reply" / "rework.mail").read_text()


def _patch(text: str = MAIL) -> Patch:
    patch = to_patch(parse_message(text.encode()), 1, 1)
    assert patch is not None
    return patch


def _finding(line, path="drivers/foo/foo.c", function="foo_update", code="LK001", **kw):
    return Finding(
        code=code,
        name="lock-not-released",
        severity=Severity.ERROR,
        message=kw.pop("message", "lock held at exit"),
        location=Location(kw.pop("patch", 1), path, line, function),
        key=f"{code}|{path}|{function}|{line}",
        evidence=kw.pop("evidence", ()),
    )


def _render(parts) -> list[str]:
    out: list[str] = []
    for part in parts:
        if isinstance(part, Quoted):
            out.extend(f"> {line}" for line in part.lines)
        elif isinstance(part, Trim):
            out.append("> [...]")
        else:
            assert isinstance(part, Comment)
            out.extend(f"# {f.code}@{f.location.line}" for f in part.findings)
    return out


# Post-image lines of the first hunk: 13 `+static int foo_update(...)`, 14 `{`, 17 `spin_lock`,
# 19 `+return -EINVAL;`, 22 `spin_unlock`, 23 `+return old;`. Second hunk: 45 `+d();`.


def test_quotes_file_header_hunk_and_context_down_to_the_line() -> None:
    plan = plan_reply(_patch(), [_finding(19)])
    assert _render(plan.parts) == [
        "> [...]",
        "> diff --git a/drivers/foo/foo.c b/drivers/foo/foo.c",
        "> [...]",
        "> @@ -10,13 +10,15 @@ struct foo {",
        "> [...]",
        ">  {",
        "> +\tint old;",
        "> +",
        ">  \tspin_lock(&foo->lock);",
        ">  \tif (value < 0)",
        "> -\t\tgoto out;",
        "> +\t\treturn -EINVAL;",
        "# LK001@19",
    ]


def test_function_start_bounds_the_context_above() -> None:
    plan = plan_reply(_patch(), [_finding(19)], context=20)
    quoted = _render(plan.parts)
    # with 20 lines of context the quote would reach the struct; it stops at the function
    assert quoted[4:6] == ["> [...]", "> +static int foo_update(struct foo *foo, int value)"]
    assert ">  \tint value;" not in quoted
    assert "> -static void foo_update(struct foo *foo, int value)" not in quoted


def test_two_findings_in_one_hunk_share_the_quote_in_order() -> None:
    plan = plan_reply(_patch(), [_finding(23), _finding(19, code="LK002")])
    rendered = _render(plan.parts)
    assert rendered.count("> @@ -10,13 +10,15 @@ struct foo {") == 1
    first, second = rendered.index("# LK002@19"), rendered.index("# LK001@23")
    assert first < second
    between = rendered[first + 1 : second]
    assert between[-1] == "> +\treturn old;"  # down to the second line, no trim between
    assert "> [...]" not in between
    assert rendered[-1] == "# LK001@23"  # nothing quoted after the last comment


def test_findings_in_two_hunks_and_two_files_trim_between() -> None:
    findings = [
        _finding(2, path="drivers/foo/bar.c", function=None),
        _finding(45, function="foo_other", code="AS001"),
        _finding(19),
    ]
    rendered = _render(plan_reply(_patch(), findings).parts)
    assert rendered.count("> diff --git a/drivers/foo/foo.c b/drivers/foo/foo.c") == 1
    assert rendered.count("> diff --git a/drivers/foo/bar.c b/drivers/foo/bar.c") == 1
    hunk2 = rendered.index("> @@ -40,6 +42,7 @@ static void foo_other(struct foo *foo)")
    assert rendered[hunk2 - 1] == "> [...]"
    assert rendered.index("# LK001@19") < hunk2 < rendered.index("# AS001@45")
    assert rendered.index("# AS001@45") < rendered.index("# LK001@2")
    assert rendered[rendered.index("# AS001@45") - 1] == "> +\td();"


def test_removed_line_maps_through_source_numbers() -> None:
    # the hunk removes pre-image lines 3-5; line 4 has no post-image line
    mail = MAIL.split("diff --git")[0] + (
        "diff --git a/gone.c b/gone.c\n--- a/gone.c\n+++ b/gone.c\n"
        "@@ -1,5 +1,2 @@\n a();\n b();\n-c();\n-spin_unlock(&l);\n-e();\n-- \n2.47.2\n"
    )
    plan = plan_reply(_patch(mail), [_finding(4, path="gone.c", function=None)])
    assert _render(plan.parts)[-2:] == ["> -spin_unlock(&l);", "# LK001@4"]


def test_evidence_line_pulls_the_quote_up() -> None:
    # the leak is reported at the exit (line 23) with the acquire (line 17) as evidence
    finding = _finding(23, evidence=(Location(0, "drivers/foo/foo.c", 17, "foo_update"),))
    rendered = _render(plan_reply(_patch(), [finding], context=2).parts)
    assert ">  \tspin_lock(&foo->lock);" in rendered
    assert rendered[-2:] == ["> +\treturn old;", "# LK001@23"]
    assert "> +static int foo_update(struct foo *foo, int value)" not in rendered


def test_commit_message_quoted_only_for_commit_findings() -> None:
    patch = _patch()
    commit_finding = _finding(None, path=None, function=None, code="CM001")
    rendered = _render(plan_reply(patch, [commit_finding]).parts)
    assert rendered == [
        "> Rework foo_update() so that it returns the old value.",
        "> ",
        "> Signed-off-by: Jane Dev <jane@example.org>",
        "# CM001@None",
    ]
    rendered = _render(plan_reply(patch, [_finding(19)]).parts)
    assert not any("Rework" in line for line in rendered)


def test_unplaced_findings_are_kept_for_the_end() -> None:
    outside = _finding(300, function="elsewhere")  # no change near it, another function
    series_level = _finding(None, path=None, function=None, patch=0)
    plan = plan_reply(_patch(), [outside, series_level, _finding(19)])
    assert plan.unplaced == (outside, series_level)
    assert _render(plan.parts)[-1] == "# LK001@19"


def test_a_line_the_diff_does_not_show_is_quoted_at_the_nearest_change() -> None:
    # foo_update() continues past the hunk: an exit at line 30 is not shown, the change
    # nearest to it in that function is `+\treturn old;` (line 23)
    hidden_exit = _finding(30)
    plan = plan_reply(_patch(), [hidden_exit])
    assert plan.near == (hidden_exit,) and plan.unplaced == ()
    assert _render(plan.parts)[-2:] == ["> +\treturn old;", "# LK001@30"]
    # a finding in another function near the second hunk lands there
    nearby = _finding(60, function="foo_other")
    assert _render(plan_reply(_patch(), [nearby]).parts)[-2:] == ["> +\td();", "# LK001@60"]


def test_long_hunks_are_bounded() -> None:
    added = "".join(f"+\tx{i}();\n" for i in range(200))
    mail = MAIL.split("diff --git")[0] + (
        "diff --git a/big.c b/big.c\n--- a/big.c\n+++ b/big.c\n"
        f"@@ -1,0 +1,200 @@\n{added}-- \n2.47.2\n"
    )
    plan = plan_reply(_patch(mail), [_finding(200, path="big.c", function=None)], context=500)
    quoted = sum(len(p.lines) for p in plan.parts if isinstance(p, Quoted))
    assert quoted <= MAX_QUOTED_RUN + 2


def test_commit_message_found_below_in_body_headers_and_trimmed_when_long() -> None:
    long_message = "\n".join(f"Line {i} of the story." for i in range(20))
    mail = MAIL.replace(
        "Rework foo_update() so that it returns the old value.\n",
        "From: Jane Dev <jane@example.org>\n\n" + long_message + "\n",
    )
    patch = _patch(mail)
    rendered = _render(plan_reply(patch, [_finding(None, path=None, function=None)]).parts)
    assert rendered[0] == "> [...]"  # the in-body From: line above is left out
    assert rendered[1] == "> Line 0 of the story."
    assert "> Line 7 of the story." in rendered and "> Line 8 of the story." not in rendered
    assert rendered[-2:] == ["> Signed-off-by: Jane Dev <jane@example.org>", "# LK001@None"]


def test_hunks_applied_with_an_offset_are_matched_in_the_post_image() -> None:
    """The tree had 3 more lines above foo_update() than the patch assumed: git apply moved
    every hunk by 3 and the findings are numbered in that post-image."""
    patch = _patch()
    post_image = ["/* added upstream */"] * 3 + ["x"] * 9
    post_image += [
        "\tint value;",
        "};",
        "",
        "static int foo_update(struct foo *foo, int value)",
        "{",
        "\tint old;",
        "",
        "\tspin_lock(&foo->lock);",
        "\tif (value < 0)",
        "\t\treturn -EINVAL;",
        "\told = foo->value;",
        "\tfoo->value = value;",
        "\tspin_unlock(&foo->lock);",
        "\treturn old;",
        "}",
    ]
    text = "\n".join(post_image) + "\n"
    shifted = _finding(22)  # `return -EINVAL;` is line 22 in the real post-image, 19 in the mail
    plan = plan_reply(patch, [shifted], post_image=lambda path: text)
    assert _render(plan.parts)[-2:] == ["> +\t\treturn -EINVAL;", "# LK001@22"]
    assert plan.near == ()
    unshifted = plan_reply(patch, [shifted])  # without the post-image: line 22 is `spin_unlock`
    assert _render(unshifted.parts)[-2:] == [">  \tspin_unlock(&foo->lock);", "# LK001@22"]


def test_a_form_feed_in_a_hunk_line_does_not_shift_the_quote() -> None:
    # Kernel sources carry ^L; only "\n" ends a line in a mail body, so the quote must land
    # on the same lines as without it.
    with_ff = MAIL.replace("+\tint old;\n", "+\tint old;\x0c\n", 1)
    assert with_ff != MAIL
    plain = _render(plan_reply(_patch(), [_finding(19)]).parts)
    fed = _render(plan_reply(_patch(with_ff), [_finding(19)]).parts)
    assert fed == [line.replace("\tint old;", "\tint old;\x0c") for line in plain]
