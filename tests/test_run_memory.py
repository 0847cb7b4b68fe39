"""What one run derives from its rules (a tree's lock vocabulary, its lock tables, the assert
vocabulary) goes when the run ends: a bot or the fuzz harness checking in-process must not
grow with every series."""

from __future__ import annotations

import gc

from reviewtool import pipeline
from reviewtool.analysis.vocab.tree import TreeRules
from reviewtool.resources import Rules, per_rules, rules_key

BEFORE = """\
#include <linux/spinlock.h>

static DEFINE_SPINLOCK(foo_lock);

int foo(int x)
{
\tspin_lock(&foo_lock);
\tx++;
\tspin_unlock(&foo_lock);
\treturn x;
}
"""

PATCH = """\
From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
From: A U Thor <a@example.org>
Date: Mon, 1 Jan 2024 00:00:00 +0000
Subject: [PATCH] kernel: foo: add bar

Add bar.

Signed-off-by: A U Thor <a@example.org>
---
 kernel/foo.c | 7 +++++++
 1 file changed, 7 insertions(+)

diff --git a/kernel/foo.c b/kernel/foo.c
--- a/kernel/foo.c
+++ b/kernel/foo.c
@@ -9,3 +9,10 @@ int foo(int x)
 \tspin_unlock(&foo_lock);
 \treturn x;
 }
+
+int bar(int x)
+{
+\tspin_lock(&foo_lock);
+\tx++;
+\treturn x;
+}
--
2.40.0
"""


def _live_tree_rules() -> int:
    gc.collect()
    return sum(isinstance(o, TreeRules) for o in gc.get_objects())


def test_a_run_against_a_tree_keeps_none_of_its_rules_alive(tmp_path):
    mail = tmp_path / "bar.patch"
    mail.write_text(PATCH)
    codes = []
    for run in range(3):
        tree = tmp_path / f"tree{run}"
        (tree / "kernel").mkdir(parents=True)
        (tree / "kernel" / "foo.c").write_text(BEFORE)
        report = pipeline.check([str(mail)], tree=tree)
        codes.append(sorted(f.code for f in report.findings))
    assert "LK001" in codes[0] and codes[0] == codes[1] == codes[2]
    assert _live_tree_rules() == 0


def test_per_rules_results_live_on_their_rules():
    calls = []

    @per_rules
    def derived(rules, scope):
        calls.append(scope)
        return [scope]

    first, second = Rules(), Rules()
    assert derived(first, "a") is derived(first, "a")
    assert derived(second, "a") is not derived(first, "a")
    assert calls == ["a", "a"]
    assert rules_key(first) == rules_key(first) and rules_key(first) != rules_key(second)


def test_the_parse_cache_keeps_no_more_files_than_its_capacity():
    """scan parses each file once: the cache must not keep every file's tree as the one to
    parse that file's next state from."""
    from reviewtool.csyntax import FactsCache
    from reviewtool.model import FileState

    cache = FactsCache(capacity=3)
    for n in range(6):
        cache.facts(FileState(f"f{n}.c", f"int f{n}(void)\n{{\n\treturn {n};\n}}\n"))
    assert len(cache._latest) == 3 and len(cache._entries) == 3
    again = cache.facts(FileState("f5.c", "int f5(void)\n{\n\treturn 6;\n}\n"))
    assert cache.incremental == 1 and again.functions[0].name == "f5"
