"""LK messages say only what the analysis knows about the path to the exit."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtool import pipeline

MERGING = """\
#include <linux/mutex.h>
static DEFINE_MUTEX(m);

int branchy(int x)
{
\tmutex_lock(&m);
\tif (x)
\t\tmutex_unlock(&m);
\telse
\t\tfoo();
\treturn 0;
}
"""


def test_a_merged_path_names_no_branch(tmp_path: Path):
    # The leak is on the false branch; the exit is reached from both, so naming the first
    # branch found ("when `x` is true") would send the reviewer the wrong way.
    (tmp_path / "branchy.c").write_text(MERGING)
    report = pipeline.scan([tmp_path], select=("LK",))
    assert [f.message for f in report.findings] == [
        "mutex_lock(&m) at line 6 is not released: branchy() returns at line 11 with it held"
    ]


EXITS = """\
#include <linux/spinlock.h>
static DEFINE_SPINLOCK(l);

int many_exits(int a, int b)
{
\tspin_lock(&l);
\tif (a)
\t\treturn 1;
\tif (b)
\t\treturn 2;
\tspin_unlock(&l);
\treturn 0;
}
"""


def test_one_forgotten_release_is_one_finding_with_every_exit(tmp_path: Path):
    (tmp_path / "exits.c").write_text(EXITS)
    [leak] = pipeline.scan([tmp_path], select=("LK",)).findings
    assert (leak.code, leak.location.line) == ("LK001", 8)
    assert leak.message.endswith("; also held at the exit at line 10")
    assert [e.line for e in leak.evidence] == [6, 10]


@pytest.mark.parametrize(
    ("exits", "said"),
    [
        (3, "; also held at the exits at lines 10 and 12"),
        (4, "; also held at the exits at lines 10, 12 and 14"),
    ],
)
def test_the_other_exits_are_counted_in_words(tmp_path: Path, exits: int, said: str):
    early = "".join(f"\tif (a == {n})\n\t\treturn {n};\n" for n in range(1, exits + 1))
    source = EXITS.replace("\tif (a)\n\t\treturn 1;\n\tif (b)\n\t\treturn 2;\n", early)
    (tmp_path / "exits.c").write_text(source)
    [leak] = pipeline.scan([tmp_path], select=("LK",)).findings
    assert leak.message.endswith(said)
    assert len(leak.evidence) == exits


AFTER_LOOP = """\
#include <linux/list.h>
#include <linux/spinlock.h>

struct pool {
\tspinlock_t lock;
\tstruct list_head items;
};

struct item {
\tstruct list_head node;
\tint busy;
};

int pool_find_busy(struct pool *p)
{
\tstruct item *it;

\tspin_lock(&p->lock);
\tlist_for_each_entry(it, &p->items, node) {
\t\tif (it->busy) {
\t\t\tspin_unlock(&p->lock);
\t\t\treturn 1;
\t\t}
\t}
\treturn 0;
}
"""


def test_an_exit_reached_when_a_list_walk_ends_is_named_after_the_loop(tmp_path: Path):
    # The walk's head has no condition to quote: the path is "after the loop", not a test
    # of some expression being false.
    (tmp_path / "walk.c").write_text(AFTER_LOOP)
    [leak] = pipeline.scan([tmp_path], select=("LK",)).findings
    assert leak.message == (
        "spin_lock(&p->lock) at line 18 is not released: pool_find_busy() returns at line 25"
        " with it held (after the loop at line 19)"
    )
