"""A series' file texts kept by region (tree/texts.py): the states read as before, and the
states of one file share the regions their patches did not change."""

from __future__ import annotations

from dataclasses import replace

from reviewtool.model import FileState
from reviewtool.tree import build_snapshots
from reviewtool.tree.texts import RegionTexts, SharedState
from tests.builders import MemoryTree, patch, series

FUNCTIONS = "".join(f"int f{n}(void)\n{{\n\treturn {n};\n}}\n\n" for n in range(40))


def adding(line: int, name: str) -> str:
    body = f"@@ -{line},0 +{line + 1},5 @@\n+int {name}(void)\n+{{\n+\treturn -1;\n+}}\n+\n"
    return f"diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n{body}"


def test_a_shared_state_is_the_state_it_stands_for() -> None:
    texts = RegionTexts()
    plain = FileState("a.c", FUNCTIONS, ((3, 4),))
    kept = texts.keep(plain)
    assert isinstance(kept, SharedState) and kept.text == FUNCTIONS
    assert kept == plain and plain == kept and hash(kept) == hash(plain)
    assert kept.sha1 == plain.sha1 and kept.unknown == ((3, 4),) and kept.complete is False
    assert kept != FileState("a.c", FUNCTIONS) and kept != FileState("b.c", FUNCTIONS, ((3, 4),))
    assert replace(kept, text="x\n").text == "x\n"


def test_the_states_of_a_series_share_unchanged_regions() -> None:
    diffs = [adding(5 * k + 5, f"g{k}") for k in range(3)]
    patches = [patch(k, len(diffs), diff) for k, diff in enumerate(diffs, start=1)]
    snapshots, findings = build_snapshots(series(*patches), MemoryTree({"a.c": FUNCTIONS}))
    assert findings == ()
    states = [snapshot.files["a.c"] for snapshot in snapshots]
    assert all(isinstance(state, SharedState) for state in states)
    assert states[3].text.count("return -1;") == 3 and states[0].text == FUNCTIONS
    first, last = states[0]._regions, states[3]._regions  # type: ignore[attr-defined]
    shared = {id(region) for region in first} & {id(region) for region in last}
    assert len(first) == 41 and len(last) == 44 and len(shared) >= 39  # all but where they went


def test_a_kept_text_is_split_into_the_regions_it_was_joined_from() -> None:
    from reviewtool.csyntax import regions as cuts

    kept = RegionTexts().keep(FileState("a.c", FUNCTIONS))
    text = kept.text
    again = cuts.split_regions(text)
    assert all(a is b for a, b in zip(again, kept._regions, strict=True))  # type: ignore[attr-defined]
    again.append("x")  # a caller's list is its own
    assert cuts.split_regions(text) == again[:-1]
    equal = "".join(["x", text])[1:]  # an equal string, another object: split again
    assert equal is not text and cuts.split_regions(equal) == again[:-1]
    assert cuts.split_regions(equal)[0] is not again[0]
