"""Which releases belong to an acquire's API when only the IRQ/BH part differs (LK004 is
not reported for those): the variant words are dropped wherever they are in the name, and a
trylock is its API's lock."""

from __future__ import annotations

from reviewtool.analysis.locks.rules import _same_base_api


def test_variant_words_anywhere_in_the_name() -> None:
    # kernel/rcu/rcu.h's wrappers put the variant before `_rcu_node`
    assert _same_base_api("raw_spin_lock_irqsave_rcu_node", "raw_spin_unlock_rcu_node")
    assert _same_base_api("raw_spin_lock_rcu_node", "raw_spin_unlock_irqrestore_rcu_node")
    assert _same_base_api("spin_lock_irqsave", "spin_unlock")
    assert _same_base_api("raw_spin_trylock", "raw_spin_unlock_irq")


def test_other_apis_stay_apart() -> None:
    assert not _same_base_api("raw_spin_lock_rcu_node", "raw_spin_unlock")
    assert not _same_base_api("down_read", "up_write")
    assert not _same_base_api("spin_lock_bh", "read_unlock_bh")
