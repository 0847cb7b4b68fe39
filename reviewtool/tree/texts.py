"""File texts of a series kept by region: the states of one file share all but the regions
their patches changed, so a thousand states of a big file cost about what the patches wrote,
not a thousand copies of the file. A state's text is joined again when read (a few kept)."""

from __future__ import annotations

from collections import OrderedDict

from reviewtool.csyntax.regions import known_cuts, split_regions
from reviewtool.model import FileState, content_sha1

RECENT = 8  # joined texts kept: a step reads the few states around it, many times each
_recent: OrderedDict[str, str] = OrderedDict()  # by SHA-1


class SharedState(FileState):
    """A FileState whose text is a tuple of region strings shared with other states (by
    `RegionTexts`); equal to a FileState of the same path, text and unknown lines."""

    def __init__(
        self,
        path: str,
        text: str,
        unknown: tuple[tuple[int, int], ...] = (),
        *,
        regions: tuple[str, ...] | None = None,
    ) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "unknown", unknown)
        object.__setattr__(self, "sha1", content_sha1(text))
        object.__setattr__(self, "_regions", regions or tuple(split_regions(text)))

    @property  # type: ignore[override]
    def text(self) -> str:
        key = self.sha1
        regions = self._regions  # type: ignore[attr-defined]
        found = _recent.get(key)
        if found is not None:
            _recent.move_to_end(key)
            known_cuts(found, regions)
            return found
        joined = _recent[key] = "".join(regions)
        if len(_recent) > RECENT:
            _recent.popitem(last=False)
        known_cuts(joined, regions)
        return joined

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FileState):
            return NotImplemented
        return (self.path, self.sha1, self.unknown) == (other.path, other.sha1, other.unknown)

    __hash__ = FileState.__hash__


class RegionTexts:
    """One walk's region strings by content; `keep(state)` gives the state sharing them."""

    def __init__(self) -> None:
        self._regions: dict[str, str] = {}

    def keep(self, state: FileState) -> FileState:
        if isinstance(state, SharedState):
            return state
        return self.state(state.path, state.text, state.unknown)

    def state(self, path: str, text: str, unknown: tuple[tuple[int, int], ...] = ()) -> FileState:
        parts = tuple(self._regions.setdefault(r, r) for r in split_regions(text))
        return SharedState(path, text, unknown, regions=parts)
