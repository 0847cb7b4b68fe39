"""BS002-BS007 on small series made from file versions: each hazard, and its look-alikes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from reviewtool.checks import bisect
from reviewtool.checks.base import Check, FileContext
from reviewtool.checks.bisect.history import removes_definition_line
from reviewtool.engine import run_series
from reviewtool.model import Finding, Severity
from reviewtool.resources import default_rules
from reviewtool.tree import build_snapshots
from tests.bisect_support import make_series, run_checks, summary
from tests.builders import patch, series, snapshot

ALL_BS = bisect.CHECKS

FAULT_C = """\
#include <linux/mm.h>
#include "internal.h"

static vm_fault_t do_read_fault(struct vm_fault *vmf)
{
\tvm_fault_t ret = 0;

\tret = __do_fault(vmf);
\treturn ret;
}
"""

HELPER = """\
static void do_read_fault_check(struct vm_fault *vmf)
{
\tWARN_ON_ONCE(!vmf);
}

"""

MM_H = "vm_fault_t __do_fault(struct vm_fault *vmf);\n#define WARN_ON_ONCE(c) (c)\n"
BASE = {"mm/memory.c": FAULT_C, "include/linux/mm.h": MM_H, "mm/internal.h": "\n"}


def with_call(text: str, call: str = "do_read_fault_check(vmf);") -> str:
    return text.replace("\tret = __do_fault(vmf);", f"\t{call}\n\tret = __do_fault(vmf);")


def with_helper(text: str) -> str:
    return text.replace(
        "static vm_fault_t do_read_fault", HELPER + "static vm_fault_t do_read_fault"
    )


def codes(findings: list[Finding], prefix: str = "BS") -> list[tuple]:
    return summary([f for f in findings if f.code.startswith(prefix)])


# --------------------------------------------------------------------------- BS003


def test_call_before_the_helper_exists_names_the_patch_that_adds_it():
    steps = [{"mm/memory.c": with_call(FAULT_C)}, {"mm/memory.c": with_helper(with_call(FAULT_C))}]
    found = run_checks(BASE, steps, ALL_BS)
    assert codes(found) == [("BS003", 1, "do_read_fault", 2)]
    assert "before 2/2" in found[0].message and found[0].location.line == 8
    assert found[0].key.endswith("|do_read_fault_check")


def test_helper_and_caller_in_one_patch_is_clean():
    steps = [{"mm/memory.c": with_helper(with_call(FAULT_C))}]
    assert codes(run_checks(BASE, steps, ALL_BS)) == []


def test_unknown_external_symbol_is_never_reported():
    steps = [{"mm/memory.c": with_call(FAULT_C, "some_arch_hook(vmf);")}]
    assert codes(run_checks(BASE, steps, ALL_BS)) == []


def test_prototype_added_later_to_a_header_the_series_touches():
    steps = [
        {"mm/memory.c": with_call(FAULT_C, "folio_check(vmf);")},
        {"mm/internal.h": "\nvoid folio_check(struct vm_fault *vmf);\n"},
    ]
    found = run_checks(BASE, steps, ALL_BS)
    assert codes(found) == [("BS003", 1, "do_read_fault", 2)]


def test_declared_in_a_base_header_is_visible():
    base = dict(BASE, **{"include/linux/mm.h": MM_H + "void folio_check(struct vm_fault *);\n"})
    steps = [
        {"mm/memory.c": with_call(FAULT_C, "folio_check(vmf);")},
        {"mm/internal.h": "\nvoid folio_check(struct vm_fault *vmf);\n"},
    ]
    assert codes(run_checks(base, steps, ALL_BS)) == []


def test_a_patch_that_did_not_apply_whole_is_left_to_bs001():
    steps = [{"mm/memory.c": with_call(FAULT_C)}, {"mm/memory.c": with_helper(with_call(FAULT_C))}]
    made, snapshots, _tree = make_series(BASE, steps)
    half = (snapshots[0], dataclasses.replace(snapshots[1], applied=False), snapshots[2])
    findings, _ = run_series(made, half, ALL_BS, default_rules())
    assert codes(findings) == []


def test_a_macro_used_before_a_later_patch_defines_it():
    steps = [
        {"mm/memory.c": with_call(FAULT_C, "if (vmf->flags & FAULT_FLAG_NEW)\n\t\treturn 0;")},
        {"mm/internal.h": "\n#define FAULT_FLAG_NEW 0x1000\n"},
    ]
    found = run_checks(BASE, steps, ALL_BS)
    assert codes(found) == [("BS003", 1, "do_read_fault", 2)]
    assert "FAULT_FLAG_NEW is used here" in found[0].message and found[0].location.line == 8


def test_include_added_by_a_later_patch():
    base = dict(BASE, **{"include/linux/folio.h": "void folio_check(struct vm_fault *vmf);\n"})
    call = with_call(FAULT_C, "folio_check(vmf);")
    steps = [
        {"mm/memory.c": call},
        {
            "mm/memory.c": call.replace(
                "#include <linux/mm.h>", "#include <linux/mm.h>\n#include <linux/folio.h>"
            )
        },
    ]
    found = run_checks(base, steps, ALL_BS)
    assert codes(found) == [("BS003", 1, "do_read_fault", 2)]


def test_a_hunk_revealing_an_old_definition_is_not_its_appearance():
    # Hunks-only states: at 1/2 the helper's lines are unknown (blank); 2/2's hunk shows
    # them as context. The helper was always there: 2/2 did not add it.
    unknown = "\n" * 5
    shown = with_helper(FAULT_C)
    helper_lines = (4, 8)
    step1 = with_call(
        FAULT_C.replace("\n\nstatic vm_fault_t", "\n\n" + unknown + "static vm_fault_t")
    )
    step2 = with_call(shown)
    context_diff = (
        "diff --git a/mm/memory.c b/mm/memory.c\n--- a/mm/memory.c\n+++ b/mm/memory.c\n"
        "@@ -4,3 +4,3 @@\n static void do_read_fault_check(struct vm_fault *vmf)\n {\n"
        "-\tWARN_ON_ONCE(!vmf);\n+\tWARN_ON(!vmf);\n"
    )
    steps = [
        snapshot(0, {"mm/memory.c": FAULT_C}, unknown={"mm/memory.c": [helper_lines]}),
        snapshot(
            1, {"mm/memory.c": step1}, ["mm/memory.c"], unknown={"mm/memory.c": [helper_lines]}
        ),
        snapshot(2, {"mm/memory.c": step2}, ["mm/memory.c"]),
    ]
    made = series(patch(1, 2, "", "add the call"), patch(2, 2, context_diff, "tweak the helper"))
    findings, _ = run_series(made, steps, ALL_BS, default_rules())
    assert codes(findings) == []
    adding = patch(2, 2, context_diff.replace(" static void do_read", "+static void do_read"))
    findings, _ = run_series(series(made.patches[0], adding), steps, ALL_BS, default_rules())
    assert codes(findings) == [("BS003", 1, "do_read_fault", 2)]


# --------------------------------------------------------------------------- BS004


def test_unused_static_helper_that_nothing_ever_uses():
    steps = [{"mm/memory.c": with_helper(FAULT_C)}, {"mm/internal.h": "/* x */\n"}]
    found = run_checks(BASE, steps, ALL_BS)
    assert codes(found) == [("BS004", 1, "do_read_fault_check", None)]
    assert "nothing in the series ever uses it" in found[0].message


def test_unused_static_then_used_reports_the_using_patch():
    steps = [
        {"mm/memory.c": with_helper(FAULT_C)},
        {"mm/internal.h": "/* unrelated */\n"},
        {"mm/memory.c": with_helper(with_call(FAULT_C))},
    ]
    found = run_checks(BASE, steps, ALL_BS)
    assert codes(found) == [("BS004", 1, "do_read_fault_check", 3)]
    assert "first user comes only in 3/3" in found[0].message
    assert found[0].location.line == 4


def test_unused_static_look_alikes_are_not_reported():
    variants = [
        HELPER.replace("static void", "static void __maybe_unused"),
        HELPER.replace("static void", "static inline void"),
        HELPER + "static const struct ops my_ops = { .check = do_read_fault_check };\n\n",
        HELPER + "#define CHECK(v) do_read_fault_check(v)\n\n",
        HELPER.replace("static void", "void"),
    ]
    for helper in variants:
        text = FAULT_C.replace("static vm_fault_t", helper + "static vm_fault_t")
        assert codes(run_checks(BASE, [{"mm/memory.c": text}], ALL_BS)) == [], helper


def test_static_function_already_unused_in_the_base_is_not_blamed_on_a_patch():
    base = dict(BASE, **{"mm/memory.c": with_helper(FAULT_C)})
    steps = [{"mm/memory.c": with_helper(FAULT_C).replace("ret = 0;", "ret = 1;")}]
    assert codes(run_checks(base, steps, ALL_BS)) == []


def test_unused_static_needs_the_whole_file():
    made, _snapshots, _tree = make_series(BASE, [{"mm/memory.c": with_helper(FAULT_C)}])
    snapshots, _early = build_snapshots(made, None)  # hunks only: the rest of the file unknown
    findings, _ = run_series(made, snapshots, ALL_BS, default_rules())
    assert codes(findings) == []


# --------------------------------------------------------------------------- BS005

VMA_C = """\
#include "vma_internal.h"

static bool needs_notify(const struct vm_operations_struct *ops)
{
\treturn ops && ops->page_mkwrite;
}

bool a(struct vm_area_struct *vma)
{
\treturn needs_notify(vma->vm_ops);
}

bool b(struct vm_area_struct *vma)
{
\tif (needs_notify(vma->vm_ops))
\t\treturn true;
\treturn false;
}
"""
HELPER_DEF = VMA_C[VMA_C.index("static bool") : VMA_C.index("bool a(")]
WITHOUT_HELPER = VMA_C.replace(HELPER_DEF, "")
OPEN_CODED = VMA_C.replace("needs_notify(vma->vm_ops)", "(vma->vm_ops && vma->vm_ops->x)")
VMA_BASE = {"mm/vma.c": VMA_C, "mm/vma_internal.h": "\n"}


def test_removed_while_still_called_counts_the_call_sites():
    steps = [{"mm/vma.c": WITHOUT_HELPER}, {"mm/vma.c": OPEN_CODED.replace(HELPER_DEF, "")}]
    found = run_checks(VMA_BASE, steps, ALL_BS)
    assert codes(found) == [("BS005", 1, "a", 2)]
    assert "still called at 2 sites (a(), b())" in found[0].message
    assert "only converted by 2/2" in found[0].message
    assert len(found[0].evidence) == 2


def test_callers_converted_first_leaves_only_the_unused_helper():
    steps = [{"mm/vma.c": OPEN_CODED}, {"mm/vma.c": OPEN_CODED.replace(HELPER_DEF, "")}]
    found = run_checks(VMA_BASE, steps, ALL_BS)
    assert codes(found) == [("BS004", 1, "needs_notify", 2)]  # unused once open-coded
    both = [{"mm/vma.c": OPEN_CODED.replace(HELPER_DEF, "")}]
    assert codes(run_checks(VMA_BASE, both, ALL_BS)) == []


def test_prototype_moved_to_an_internal_header_the_caller_includes():
    base = {
        "include/linux/rmap.h": "void unlink_anon_vmas(struct vm_area_struct *);\n",
        "mm/internal.h": "\n",
        "mm/vma_internal.h": '#include <linux/rmap.h>\n#include "internal.h"\n',
        "mm/vma.c": '#include "vma_internal.h"\nvoid f(struct vm_area_struct *v)\n{\n'
        "\tunlink_anon_vmas(v);\n}\n",
    }
    moved = [
        {
            "include/linux/rmap.h": "\n",
            "mm/internal.h": "\nvoid unlink_anon_vmas(struct vm_area_struct *vma);\n",
        }
    ]
    assert codes(run_checks(base, moved, ALL_BS)) == []
    dropped = [{"include/linux/rmap.h": "\n", "mm/vma.c": base["mm/vma.c"] + "\n"}]
    found = run_checks(base, dropped, ALL_BS)
    assert codes(found) == [("BS005", 1, "f", None)]


# --------------------------------------------------------------------------- BS006

NAMEI_C = """\
#include <linux/kernel.h>

static int nd_jump_root(struct nameidata *nd)
{
\treturn nd->flags ? -EXDEV : 0;
}

static const char *pick_link(struct nameidata *nd)
{
\tint error = nd_jump_root(nd);
\treturn error ? ERR_PTR(error) : NULL;
}

static const char *path_init(struct nameidata *nd)
{
\tint error = nd_jump_root(nd);
\treturn error ? ERR_PTR(error) : NULL;
}
"""


def test_signature_change_without_updating_the_callers():
    new_signature = NAMEI_C.replace(
        "nd_jump_root(struct nameidata *nd)", "nd_jump_root(struct nameidata *nd, unsigned int f)"
    )
    steps = [
        {"fs/namei.c": new_signature},
        {"fs/namei.c": new_signature.replace("nd_jump_root(nd)", "nd_jump_root(nd, 0)")},
    ]
    found = run_checks({"fs/namei.c": NAMEI_C}, steps, ALL_BS)
    assert codes(found) == [("BS006", 1, "pick_link", 2)]
    assert "takes 2 arguments" in found[0].message and "2 call sites" in found[0].message


def test_new_call_with_the_wrong_count_against_a_base_header():
    header = (
        "int kref_put(struct kref *kref, void (*release)(struct kref *kref));\n"
        "int printk(const char *fmt, ...);\n"
        "#define container_of(ptr, type, member) ((type *)(ptr))\n"
    )
    base = {"fs/namei.c": NAMEI_C, "include/linux/kernel.h": header}
    good = (
        '\tprintk("%d %d", 1, 2);\n'
        "\tx = container_of(nd, struct nameidata, list);\n"
        "\tkref_put(&nd->ref, release_nd);\n"
    )
    steps = [{"fs/namei.c": NAMEI_C.replace("\treturn nd->flags", good + "\treturn nd->flags")}]
    assert codes(run_checks(base, steps, ALL_BS)) == []
    bad = "\tkref_put(&nd->ref);\n"
    steps = [{"fs/namei.c": NAMEI_C.replace("\treturn nd->flags", bad + "\treturn nd->flags")}]
    assert codes(run_checks(base, steps, ALL_BS)) == [("BS006", 1, "nd_jump_root", None)]


def test_a_parameter_that_shadows_a_function_is_not_that_function():
    header = "int release(struct kref *kref);\n"
    base = {"fs/namei.c": NAMEI_C, "include/linux/kernel.h": header}
    helper = "void put_nd(struct nameidata *nd, void (*release)(void))\n{\n\trelease();\n}\n"
    steps = [{"fs/namei.c": NAMEI_C + "\n" + helper}]
    assert codes(run_checks(base, steps, ALL_BS)) == []


def test_ifdef_alternatives_that_disagree_are_skipped():
    alternatives = (
        "#ifdef CONFIG_A\nint hook(int a, int b);\n#else\n"
        "static inline int hook(int a) { return 0; }\n#endif\n"
    )
    base = {"fs/namei.c": NAMEI_C, "include/linux/kernel.h": alternatives}
    steps = [
        {"fs/namei.c": NAMEI_C.replace("\treturn nd->flags", "\thook(1);\n\treturn nd->flags")}
    ]
    assert codes(run_checks(base, steps, ALL_BS)) == []


# --------------------------------------------------------------------------- BS002


def test_missing_parenthesis_is_a_parse_regression():
    broken = FAULT_C.replace("\tret = __do_fault(vmf);", "\tif (ret\n\t\tret = __do_fault(vmf);")
    found = run_checks(BASE, [{"mm/memory.c": broken}], [bisect.ParseRegression()])
    assert codes(found) == [("BS002", 1, "do_read_fault", None)]
    assert found[0].severity is Severity.WARNING


def test_missing_semicolon_after_a_call_is_a_parse_regression():
    broken = FAULT_C.replace(
        "\tret = __do_fault(vmf);", "\tmutex_lock(&vmf->lock)\n\tret = __do_fault(vmf);"
    )
    found = run_checks(BASE, [{"mm/memory.c": broken}], [bisect.ParseRegression()])
    assert codes(found) == [("BS002", 1, "do_read_fault", None)]


def test_leftover_conflict_markers_are_a_parse_regression():
    broken = FAULT_C.replace(
        "\tret = __do_fault(vmf);",
        "<<<<<<< HEAD\n\tret = __do_fault(vmf);\n=======\n\tret = do_fault(vmf);\n>>>>>>> fix\n",
    )
    found = run_checks(BASE, [{"mm/memory.c": broken}], [bisect.ParseRegression()])
    assert codes(found) == [("BS002", 1, "do_read_fault", None)]


def test_a_missing_closing_brace_runs_into_the_next_function():
    two = with_helper(FAULT_C).replace(
        "\tWARN_ON_ONCE(!vmf);", "\tif (!vmf) {\n\t\tWARN_ON_ONCE(1);"
    )
    found = run_checks(BASE, [{"mm/memory.c": two}], [bisect.ParseRegression()])
    assert codes(found) == [("BS002", 1, "do_read_fault_check", None)]
    assert "runs into do_read_fault()" in found[0].message


def test_kernel_idioms_are_not_parse_regressions():
    idioms = (
        "\tlist_for_each_entry(pos, &vmf->list, node) {\n\t\tret++;\n\t}\n"
        "\tx = container_of(vmf, struct vm_fault, node);\n"
        "\tn = min_t(unsigned long, n, 4);\n"
        '\tpr_err(PFX "failed\\n");\n'
        "\tfor_each_online_cpu(cpu)\n\t\tret++;\n"
        "\tstatic DECLARE_WORK(work, work_fn);\n"
    )
    text = FAULT_C.replace("\tret = __do_fault(vmf);", idioms + "\tret = __do_fault(vmf);")
    assert codes(run_checks(BASE, [{"mm/memory.c": text}], [bisect.ParseRegression()])) == []


def test_attributes_and_preprocessor_branches_are_not_parse_regressions():
    annotated = (
        "static inline void take(struct vm_fault *vmf)\n\t__acquires(&vmf->lock)\n{\n"
        "\tspin_lock(&vmf->lock);\n}\n\n"
        "static inline void put(unsigned long flags)\n{\n#ifndef CONFIG_PREEMPT_RT\n"
        "\tif (likely(!flags))\n\t\tlocal_unlock(&stock.lock);\n\telse\n#endif\n"
        "\t\tlocal_unlock_irqrestore(&stock.lock, flags);\n}\n\n"
    )
    text = FAULT_C.replace("static vm_fault_t", annotated + "static vm_fault_t")
    assert codes(run_checks(BASE, [{"mm/memory.c": text}], [bisect.ParseRegression()])) == []


def test_neutralizing_keeps_every_offset():
    text = "\tlist_for_each_entry(p, h, m) {\n\tx = min_t(unsigned long, a, b);\n"
    out = bisect.neutralize_kernel_idioms(text)
    assert len(out) == len(text) and out.count("\n") == text.count("\n")
    assert "if                 (p, h, m)" in out and "Unsigned_long" in out


# --------------------------------------------------------------------------- BS007


class MarkerCheck(Check):
    """A stand-in file check: reports each `MARKER();` call, keyed by its function."""

    code = "ZZ900"
    name = "marker-call"
    severity = Severity.ERROR
    scope = "file"

    def run(self, ctx: FileContext) -> Iterator[Finding]:
        for call in ctx.facts.calls:
            if call.name == "MARKER":
                yield self.finding(
                    f"MARKER() in {call.function}()",
                    path=ctx.path,
                    line=call.line,
                    function=call.function,
                    subject="marker",
                )


def _marker_steps(*with_marker: bool) -> list[dict[str, str | None]]:
    marked = with_call(FAULT_C, "MARKER();")
    steps: list[dict[str, str | None]] = []
    for index, flag in enumerate(with_marker):
        text = marked if flag else FAULT_C
        steps.append({"mm/memory.c": text.replace("ret = 0;", f"ret = {index};")})
    return steps


def test_transient_finding_of_another_check_is_reported_on_the_introducing_patch():
    found = run_checks(BASE, _marker_steps(True, True, False), [MarkerCheck(), *ALL_BS])
    transient = [f for f in found if f.code == "BS007"]
    assert summary(transient) == [("BS007", 1, "do_read_fault", 3)]
    assert transient[0].introduced_in == 1
    assert "stays until 3/3 removes it" in transient[0].message
    assert "fix it in 1/3 itself" in transient[0].message
    assert "ZZ900" in transient[0].key and "ZZ900" in transient[0].message


def test_nothing_transient_when_the_defect_stays_or_never_comes():
    assert codes(run_checks(BASE, _marker_steps(True, True, True), [MarkerCheck(), *ALL_BS])) == []
    assert (
        codes(run_checks(BASE, _marker_steps(False, False, False), [MarkerCheck(), *ALL_BS])) == []
    )


def test_bisect_findings_are_not_repeated_as_transient():
    steps = [{"mm/memory.c": with_call(FAULT_C)}, {"mm/memory.c": with_helper(with_call(FAULT_C))}]
    found = run_checks(BASE, steps, ALL_BS)
    assert [f.code for f in found] == ["BS003"] and found[0].fixed_in == 2


def test_transient_check_is_generic_over_series_findings():
    made, snapshots, _tree = make_series(BASE, _marker_steps(True, False))
    findings, _ = run_series(made, snapshots, [MarkerCheck()], default_rules())
    from reviewtool.checks.base import SeriesContext

    ctx = SeriesContext(made, tuple(snapshots), tuple(findings), default_rules())
    transient = list(bisect.TransientDefect().run(ctx))
    assert summary(transient) == [("BS007", 1, "do_read_fault", 2)]
    again = SeriesContext(made, tuple(snapshots), tuple(findings + transient), default_rules())
    assert summary(list(bisect.TransientDefect().run(again))) == summary(transient)


def test_every_bisect_check_is_documented():
    for check in ALL_BS:
        doc = check.doc()
        for section in ("What it checks:", "Why it matters:", "Example:", "Better:", "Rule data:"):
            assert section in doc, (check.code, section)


def test_body_removed_while_its_forward_declaration_stays():
    declared = VMA_C.replace(
        "static bool needs_notify",
        "static bool needs_notify(const struct vm_operations_struct *);\n\n"
        "static bool needs_notify",
        1,
    )
    steps = [{"mm/vma.c": declared.replace(HELPER_DEF, "")}]
    found = run_checks({"mm/vma.c": declared, "mm/vma_internal.h": "\n"}, steps, ALL_BS)
    assert codes(found) == [("BS005", 1, "a", None)]


def test_only_a_removed_definition_line_counts_as_a_removal():
    def removes(diff: str) -> bool:
        return removes_definition_line(series(patch(1, 1, diff)), 1, "flush_locked")

    assert removes("--- a/x.c\n+++ b/x.c\n@@ -1 +0,0 @@\n-static void flush_locked(int a)\n")
    assert removes("--- a/x.h\n+++ b/x.h\n@@ -1 +0,0 @@\n-#define flush_locked(x) x\n")
    assert not removes("--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-\tflush_locked(cgrp);\n+\tx();\n")
    assert removes("diff --git a/x.c b/x.c\ndeleted file mode 100644\n--- a/x.c\n+++ /dev/null\n")


def test_definition_line_starting_with_the_name():
    diff = "--- a/x.c\n+++ b/x.c\n@@ -1 +0,0 @@\n-flush_locked(struct cgroup *cgrp)\n"
    assert removes_definition_line(series(patch(1, 1, diff)), 1, "flush_locked")


def test_parameter_added_on_a_continuation_line():
    multi = NAMEI_C.replace(
        "static int nd_jump_root(struct nameidata *nd)",
        "static int\nnd_jump_root(struct nameidata *nd,\n\t     int a)",
    )
    calls = multi.replace("nd_jump_root(nd)", "nd_jump_root(nd, 1)")
    wider = calls.replace("\t     int a)", "\t     int a, int b)")
    steps = [{"fs/namei.c": wider}]
    found = run_checks({"fs/namei.c": calls}, steps, ALL_BS)
    assert codes(found) == [("BS006", 1, "pick_link", None)]


def test_bisect_findings_carry_their_span():
    steps = [{"mm/memory.c": with_call(FAULT_C)}, {"mm/memory.c": with_helper(with_call(FAULT_C))}]
    (found,) = run_checks(BASE, steps, ALL_BS)
    assert (found.introduced_in, found.fixed_in) == (1, 2)
