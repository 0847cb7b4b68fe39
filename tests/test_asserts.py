"""Assert vocabulary, assert sites and the per-patch assert inventory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewtool.analysis.asserts import (
    AssertChange,
    find_asserts,
    inventory,
    load_rules,
    normalise,
    strip_address,
)
from reviewtool.checks import asserts
from reviewtool.checks.base import FileContext, Memo
from reviewtool.csyntax import parse_file
from reviewtool.errors import RuleDataError
from reviewtool.model import FileState
from reviewtool.resources import Rules, default_rules

BEFORE = """\
static void unlink_vmas(struct vm_area_struct *vma)
{
	struct anon_vma *root = NULL;

	mmap_assert_locked(vma->vm_mm);
	VM_WARN_ON_ONCE(!vma->anon_vma && !list_empty(&vma->anon_vma_chain));
	lockdep_assert_held(&root->rwsem);
	BUG_ON(!vma);
}

static int clone_vmas(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	WARN_ON(dst == src);
	return 0;
}
"""


def facts(text: str, path: str = "mm/x.c"):
    return parse_file(path, text)


def test_vocabulary_reflects_the_headers() -> None:
    vocabulary = load_rules(default_rules())
    vm_warn = vocabulary.macros["VM_WARN_ON_ONCE"]
    assert (vm_warn.kind, vm_warn.debug, vm_warn.cond) == ("warn", "CONFIG_DEBUG_VM", 0)
    assert vocabulary.macros["VM_BUG_ON_VMA"].kinds == ("crash", "debug-only")
    assert vocabulary.macros["WARN_ON_ONCE"].debug is None
    assert vocabulary.macros["WARN_ON_ONCE"].value == "always"
    assert vocabulary.macros["BUG_ON"].kinds == ("crash",)
    assert vocabulary.macros["mmap_assert_write_locked"].lock == "{0}->mmap_lock"
    assert vocabulary.macros["lockdep_assert_not_held"].mode == "not-held"
    # lockdep asserts check nothing without lockdep but still evaluate their argument
    held = vocabulary.macros["lockdep_assert_held"]
    assert held.kinds == ("lock", "held", "debug-only") and held.debug is None
    assert vocabulary.macros["mmap_assert_locked"].kinds == ("lock", "held")
    assert vocabulary.is_pure("list_empty") and vocabulary.is_pure("folio_test_locked")
    assert not vocabulary.is_pure("folio_test_set_lru")  # test-and-set: impure wins
    assert not vocabulary.is_pure("atomic_dec_and_test")


def test_sites_name_function_text_and_lock() -> None:
    sites = find_asserts(facts(BEFORE))
    assert [(s.function, s.macro.name, s.line) for s in sites] == [
        ("unlink_vmas", "mmap_assert_locked", 5),
        ("unlink_vmas", "VM_WARN_ON_ONCE", 6),
        ("unlink_vmas", "lockdep_assert_held", 7),
        ("unlink_vmas", "BUG_ON", 8),
        ("clone_vmas", "WARN_ON", 13),
    ]
    assert sites[0].lock == "vma->vm_mm->mmap_lock"
    assert sites[2].lock == "root->rwsem"
    assert sites[1].text.endswith(";") and sites[1].lock is None


def test_normalise_ignores_layout_and_comments() -> None:
    assert normalise("VM_WARN_ON_ONCE(a &&\n\t\tb /* why */);") == "VM_WARN_ON_ONCE(a&&b);"
    assert strip_address("&(mm->mmap_lock)") == "mm->mmap_lock"
    assert strip_address("& vma->vm_lock->lock") == "vma->vm_lock->lock"


def test_inventory_ignores_moves_and_reindentation() -> None:
    moved = BEFORE.replace(
        "\tstruct anon_vma *root = NULL;\n",
        "\tstruct anon_vma *root = NULL;\n\tint unused;\n\n\n",
    ).replace(
        "VM_WARN_ON_ONCE(!vma->anon_vma && !list_empty(&vma->anon_vma_chain));",
        "VM_WARN_ON_ONCE(!vma->anon_vma &&\n\t\t\t!list_empty(&vma->anon_vma_chain));",
    )
    assert inventory(facts(BEFORE), facts(moved)) == []


def test_inventory_added_removed_changed() -> None:
    after = (
        BEFORE.replace("\tBUG_ON(!vma);\n", "")
        .replace("WARN_ON(dst == src);", "WARN_ON(dst == src);\n\tVM_BUG_ON(!src->anon_vma);")
        .replace(
            "VM_WARN_ON_ONCE(!vma->anon_vma && !list_empty(&vma->anon_vma_chain));",
            "VM_WARN_ON_ONCE(!list_empty(&vma->anon_vma_chain));",
        )
        .replace("lockdep_assert_held(&root->rwsem);", "rwsem_assert_held_write(&root->rwsem);")
    )
    changes = inventory(facts(BEFORE), facts(after))
    summary = [(c.change, c.function, c.macro, c.line) for c in changes]
    assert summary == [
        ("changed", "unlink_vmas", "VM_WARN_ON_ONCE", 6),
        ("changed", "unlink_vmas", "rwsem_assert_held_write", 7),
        ("removed", "unlink_vmas", "BUG_ON", 8),
        ("added", "clone_vmas", "VM_BUG_ON", 13),
    ]
    changed = changes[0]
    assert changed.previous_text is not None and "!vma->anon_vma" in changed.previous_text
    assert changed.previous_line == 6
    assert changes[1].lock == "root->rwsem" and changes[1].kinds == ("lock", "write")


def test_unrelated_asserts_are_not_paired_as_changed() -> None:
    after = BEFORE.replace(
        "VM_WARN_ON_ONCE(!vma->anon_vma && !list_empty(&vma->anon_vma_chain));",
        "VM_WARN_ON_ONCE(vma->vm_flags & VM_SHARED);",
    )
    changes = [(c.change, c.macro) for c in inventory(facts(BEFORE), facts(after))]
    assert changes == [("removed", "VM_WARN_ON_ONCE"), ("added", "VM_WARN_ON_ONCE")]


def test_inventory_of_new_and_deleted_files() -> None:
    added = inventory(None, facts(BEFORE))
    assert {c.change for c in added} == {"added"} and len(added) == 5
    removed = inventory(facts(BEFORE), None)
    assert {c.change for c in removed} == {"removed"} and removed[0].path == "mm/x.c"


def test_assert_change_json_round_trips() -> None:
    change = AssertChange(
        change="changed",
        function="f",
        macro="VM_WARN_ON_ONCE",
        kinds=("warn", "debug-only"),
        text="VM_WARN_ON_ONCE(a &&\n\t\tb);",
        line=10,
        path="mm/x.c",
        previous_text="VM_WARN_ON_ONCE(a);",
        previous_line=9,
    )
    data = json.loads(json.dumps(change.to_json()))
    assert data["first_line"] == "VM_WARN_ON_ONCE(a &&"
    assert data["one_line"] == "VM_WARN_ON_ONCE(a && b);"
    assert data["kinds"] == ["warn", "debug-only"]
    assert data["previous_line"] == 9 and "lock" not in data


def test_bad_rule_data_is_a_rule_data_error(tmp_path: Path) -> None:
    (tmp_path / "asserts.toml").write_text('[macro.MY_ASSERT]\nkind = "explode"\n')
    with pytest.raises(RuleDataError, match=r"MY_ASSERT.*kind"):
        load_rules(Rules([tmp_path]))


def test_user_rules_add_a_macro(tmp_path: Path) -> None:
    (tmp_path / "asserts.toml").write_text(
        '[macro.XFS_ASSERT]\nkind = "crash"\ncond = 0\ndebug = "CONFIG_XFS_DEBUG"\n'
    )
    text = "void f(int *p)\n{\n\tXFS_ASSERT(*p++);\n}\n"
    rules = Rules([tmp_path])
    ctx = FileContext("fs/x.c", FileState("fs/x.c", text), facts(text), rules, Memo())
    codes = sorted(f.code for check in asserts.CHECKS for f in check.run(ctx))
    assert codes == ["AS001", "AS002"]


def test_keys_have_no_line_numbers() -> None:
    text = "void f(struct page *p)\n{\n\tBUG_ON(!p);\n}\n"
    shifted = "\n\n\n" + text
    keys = []
    for source in (text, shifted):
        ctx = FileContext("a.c", FileState("a.c", source), facts(source), default_rules(), Memo())
        keys.append([f.key for f in asserts.NewBugOn().run(ctx)])
    assert keys[0] == keys[1] == ["AS001|a.c|f|BUG_ON(!p);"]


def test_unknown_lines_are_skipped() -> None:
    text = "void f(struct page *p)\n{\n\tBUG_ON(!p);\n\tBUG_ON(p->x);\n}\n"
    state = FileState("a.c", text, unknown=((3, 3),))
    ctx = FileContext("a.c", state, facts(text), default_rules(), Memo())
    assert [f.location.line for f in asserts.NewBugOn().run(ctx)] == [4]


def test_lock_names_match_the_lock_analysis_classes() -> None:
    from reviewtool.analysis.asserts import lock_name

    vocabulary = load_rules(default_rules())
    assert lock_name("mm: mmap_lock", "vma->vm_mm", vocabulary) == "vma->vm_mm->mmap_lock"
    assert lock_name("mm: anon_vma rwsem", "anon_vma", vocabulary) == "anon_vma->root->rwsem"
    assert lock_name("spinlock", "&q->lock", vocabulary) == "q->lock"


def test_as003_needs_the_function_wholly_known() -> None:
    text = (
        "void f(struct queue *q)\n{\n\tspin_lock(&q->lock);\n\tspin_unlock(&q->lock);\n"
        "\tlockdep_assert_held(&q->lock);\n}\n"
    )
    complete = FileContext("q.c", FileState("q.c", text), facts(text), default_rules(), Memo())
    assert [f.code for f in asserts.LockAssertContradiction().run(complete)] == ["AS003"]
    partial_state = FileState("q.c", text, unknown=((3, 3),))
    partial = FileContext("q.c", partial_state, facts(text), default_rules(), Memo())
    assert list(asserts.LockAssertContradiction().run(partial)) == []
