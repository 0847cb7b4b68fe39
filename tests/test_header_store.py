"""What base-tree headers provide, kept across runs (analysis/header_store.py), through the
bisect checks on a small series: a hit gives the findings of a miss without reading the
header's symbols again, a corrupt entry is ignored, a changed header is read again (BS006
counts the arguments of a call against its prototype there)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewtool import diskcache
from reviewtool.analysis.symbols import store as symbol_store
from reviewtool.checks import bisect
from tests.bisect_support import run_checks

FAULT_C = """\
#include <linux/mm.h>

static vm_fault_t do_read_fault(struct vm_fault *vmf)
{
\tvm_fault_t ret = 0;

\tret = __do_fault(vmf);
\treturn ret;
}
"""
MM_H = "vm_fault_t __do_fault(struct vm_fault *vmf);\nvoid folio_check(struct vm_fault *);\n"
HELPER = "static void late_check(struct vm_fault *vmf)\n{\n}\n\n"


def _steps() -> list[dict[str, str]]:
    calls = FAULT_C.replace(
        "\tret = __do_fault", "\tfolio_check(vmf);\n\tlate_check(vmf);\n\tret = __do_fault"
    )
    later = calls.replace(
        "static vm_fault_t do_read_fault", HELPER + "static vm_fault_t do_read_fault"
    )
    return [{"mm/memory.c": calls}, {"mm/memory.c": later}]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    diskcache.set_enabled(None)
    return tmp_path / "xdg" / "reviewtool" / "provides"


def _found(header: str = MM_H) -> str:
    base = {"mm/memory.c": FAULT_C, "include/linux/mm.h": header}
    return repr(run_checks(base, _steps(), bisect.CHECKS))


def _symbols_read(monkeypatch) -> list[str]:
    read: list[str] = []
    real = symbol_store.SymbolStore._compact  # where a state's symbols are computed

    def recording(self, state, facts):
        read.append(state.path)
        return real(self, state, facts)

    monkeypatch.setattr(symbol_store.SymbolStore, "_compact", recording)
    return read


def test_a_hit_gives_the_findings_of_a_miss_without_reading_the_header(cache, monkeypatch):
    missed = _found()
    assert "late_check" in missed and "folio_check" not in missed  # the header was seen
    assert list(cache.glob("*.json"))
    read = _symbols_read(monkeypatch)
    assert _found() == missed
    assert "include/linux/mm.h" not in read and "mm/memory.c" in read


def test_a_corrupt_entry_is_ignored(cache):
    missed = _found()
    for entry in cache.glob("*.json"):
        key = json.loads(entry.read_text())["key"]
        entry.write_text(json.dumps({"key": key, "value": {"folio_check": [["x"]]}}))
    assert _found() == missed


def test_a_changed_header_is_read_again(cache):
    assert "BS006" not in _found()
    two = MM_H.replace("folio_check(struct vm_fault *)", "folio_check(struct vm_fault *, int)")
    changed = _found(two)
    assert "BS006" in changed and "folio_check" in changed  # the call now lacks an argument
    diskcache.set_enabled(False)
    try:
        assert _found(two) == changed
    finally:
        diskcache.set_enabled(None)
