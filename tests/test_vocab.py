"""The lock vocabulary derived from a tree's headers (tests/fixtures/vocab is a small stand-in
for the kernel's include/: annotated prototypes, macros, static inlines, wrappers in an
ordinary header), the committed table, and how users extend it."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtool import pipeline
from reviewtool.analysis.locks import lock_table
from reviewtool.analysis.vocab import definitions, derive, derived_table, vocabulary
from reviewtool.analysis.vocab.tree import TreeRules, skipped
from reviewtool.resources import Rules, default_rules
from reviewtool.tree import DirTree

TREE = Path(__file__).parent / "fixtures" / "vocab"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def derived(rules: Rules | None = None) -> dict:
    rules = rules or default_rules()
    found = []
    for path in sorted((TREE / "include").rglob("*.h")):
        relative = path.relative_to(TREE / "include").as_posix()
        if not skipped(relative):
            found.extend(definitions(f"include/{relative}", path.read_text(), rules))
    return derive(found, rules)


def test_roots_come_from_annotations_conventions_and_sparse_contexts() -> None:
    ops = derived()
    assert (ops["_raw_spin_lock"].op, ops["_raw_spin_lock"].cls) == ("acquire", "raw spinlock")
    assert ops["_raw_spin_trylock"].acquired_when == "nonzero"  # a trylock by its name
    assert (ops["mutex_lock"].cls, ops["mutex_unlock"].op) == ("mutex", "release")
    assert ops["mutex_lock_interruptible"].acquired_when == "zero"
    assert (ops["rcu_read_lock"].cls, ops["rcu_read_lock"].lock) == ("rcu", ())
    for not_an_operation in (
        "mutex_is_locked",
        "mutex_init",
        "spin_is_locked",
        "mutex_lock_opportunistic",
    ):
        assert not_an_operation not in ops


def test_wrappers_follow_macros_inlines_and_converters() -> None:
    ops = derived()
    # a static inline over raw_spin_lock(&lock->rlock): the class of its own parameter's type
    assert (ops["spin_lock"].cls, ops["spin_lock"].lock) == ("spinlock", (0,))
    # a macro passing spinlock_check(lock): the type comes from the converter's parameter
    assert (ops["spin_lock_irqsave"].cls, ops["spin_lock_irqsave"].variant) == (
        "spinlock",
        "irqsave",
    )
    assert ops["raw_spin_trylock"].acquired_when == "nonzero"  # __cond_lock
    assert ops["spin_trylock"].acquired_when == "nonzero"  # returns the trylock's result
    assert ops["raw_spin_lock_nested"].lock == (0,)  # ((void)(subclass), (lock))
    assert ops["xa_lock"].cls == "spinlock ->xa_lock"
    assert ops["xas_lock"].cls == "spinlock ->xa->xa_lock"
    assert ops["widget_lock"].cls == "spinlock widget->lock"
    assert (ops["widget_lock_all"].cls, ops["widget_lock_all"].lock) == (
        "mutex &widget_mutex",
        (),
    )
    assert ops["widget_lock_private"].cls == "spinlock ->lock"


def test_no_wrapper_when_the_body_is_not_one_operation() -> None:
    ops = derived()
    assert "widget_maybe_lock" not in ops  # conditional
    assert "widget_bump" not in ops  # a critical section
    assert "widget_uapi_lock" not in ops  # include/uapi is not read


def test_releases_pair_by_class_and_irq_variant() -> None:
    table = derived_table(derived(), default_rules())
    releases = {entry["name"]: entry["releases"] for entry in table["acquire"]}
    assert releases["spin_lock_irqsave"] == ["spin_unlock_irqrestore"]
    assert "spin_unlock" in releases["spin_lock"]
    assert "spin_unlock_irqrestore" not in releases["spin_lock"]
    assert releases["xas_lock"] == ["xas_unlock"]
    assert releases["widget_lock"] == ["widget_unlock"]


def test_state_releases_need_their_own_acquire() -> None:
    from reviewtool.analysis.vocab.primitives import has_counterpart

    acquires = frozenset(
        {"get_cpu", "__u64_stats_irqsave", "local_bh_disable", "printk_cpu_sync_get_irqsave"}
    )
    assert has_counterpart("printk_cpu_sync_put_irqrestore", acquires)
    assert has_counterpart("put_cpu", acquires)
    assert has_counterpart("__u64_stats_irqrestore", acquires)
    assert has_counterpart("local_bh_enable", acquires)
    assert not has_counterpart("trace_clear_recursion", acquires)


def test_hand_acquires_pair_with_every_release_of_their_kind() -> None:
    table = lock_table()
    assert {"preempt_enable", "preempt_enable_no_resched"} <= table.acquires[
        "preempt_disable"
    ].releases
    assert "local_irq_enable" not in table.acquires["local_irq_save"].releases


def test_committed_table_knows_the_kernel_primitives() -> None:
    table = lock_table()
    for name in ("spin_lock", "raw_spin_lock_nested", "xa_lock_irqsave", "local_lock_irqsave"):
        assert name in table.acquires, name
    assert "spin_unlock_irqrestore" in table.acquires["spin_lock_irqsave"].releases
    assert table.acquires["down_trylock"].acquired_when == "zero"  # by hand: inverted
    assert table.acquires["mmap_read_lock"].cls == "mm: mmap_lock"  # [class_names]


def test_a_tree_brings_its_own_wrappers() -> None:
    source = TREE / "drivers" / "widget.c"
    without = pipeline.scan([source], select=("LK",))
    with_tree = pipeline.scan([source], select=("LK",), tree=TREE)
    assert [f.code for f in without.findings] == []
    assert [(f.code, f.location.function, f.location.line) for f in with_tree.findings] == [
        ("LK001", "widget_get", 8),
        ("LK001", "gadget_poke", 24),  # from drivers/gadget.h, private to drivers/
    ]


def test_a_tree_is_derived_once_then_read_from_the_cache(tmp_path, monkeypatch) -> None:
    tree = DirTree(TREE)  # rule data refers to the tree weakly: keep it while in use
    first = TreeRules(default_rules(), tree)
    assert "widget_lock" in lock_table(first).acquires
    assert list((tmp_path / "cache" / "reviewtool" / "vocab").glob("*.json"))

    def no_derivation(*args, **kwargs):
        raise AssertionError("derived again")

    monkeypatch.setattr("reviewtool.analysis.vocab.tree.derive", no_derivation)
    again = TreeRules(default_rules(), tree)
    assert "widget_lock" in lock_table(again).acquires
    assert "spin_lock" in lock_table(again).acquires  # the committed table underneath


def test_users_extend_the_vocabulary_with_a_rules_dir(tmp_path) -> None:
    (tmp_path / "locks.toml").write_text(
        '[[acquire]]\nname = "gadget_lock"\nclass = "gadget"\nreleases = ["gadget_unlock"]\n'
        '[[release]]\nname = "gadget_unlock"\nclass = "gadget"\n'
        '[[acquire]]\nname = "down_trylock"\nclass = "semaphore"\nreleases = ["up"]\n'
    )
    rules = Rules([tmp_path])
    table = lock_table(rules)
    assert table.acquires["gadget_lock"].releases == frozenset({"gadget_unlock"})
    assert "spin_lock" in table.acquires  # merged, not shadowed
    assert "nesting_classes" in vocabulary(rules)
    assert table.acquires["down_trylock"].acquired_when == ""  # the user's entry wins


def test_private_headers_apply_below_their_directory_only() -> None:
    tree = DirTree(TREE)
    rules = TreeRules(default_rules(), tree)
    assert "gadget_lock" in lock_table(rules, "drivers/widget.c").acquires
    assert "gadget_lock" not in lock_table(rules, "kernel/widget.c").acquires
    assert "gadget_lock" not in lock_table(rules).acquires


def test_committed_scoped_entries_follow_the_path(tmp_path) -> None:
    (tmp_path / "locks-derived.toml").write_text(
        '[[acquire]]\nname = "ext4_lock_it"\nclass = "spinlock"\nlock = [0]\n'
        'releases = ["spin_unlock"]\nscope = "fs/ext4/"\n'
    )
    rules = Rules([tmp_path])
    assert "ext4_lock_it" in lock_table(rules, "fs/ext4/inode.c").acquires
    assert "ext4_lock_it" in lock_table(rules, "/src/linux/fs/ext4/super.c").acquires
    assert "ext4_lock_it" not in lock_table(rules, "fs/xfs/xfs_inode.c").acquires
