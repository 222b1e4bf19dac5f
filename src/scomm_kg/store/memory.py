"""The embedded in-memory backend: the default, nothing to set up.

Data lives in this process and in the query workers forked from it, which share its pages
copy-on-write: one copy of the graph whatever the number of workers. A load builds a new
engine beside the one in use and swaps them in one assignment, so a reader finishes on the data
it started on and never sees a mix.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import pyoxigraph as ox

from . import DataVersion, HeldSource, LoadSummary, Source, graphs_replaced, held_after
from .embedded import EmbeddedStore, bulk_load, check_union_mode, hold_union


class MemoryStore(EmbeddedStore):
    def __init__(self, union: str = "auto"):
        self._union = check_union_mode(union)
        self._engine = ox.Store()
        self._merged = False
        self._held: dict[str, HeldSource] = {}
        self._version = DataVersion.of(b"")

    @property
    def version(self) -> DataVersion:
        return self._version

    def held(self) -> dict[str, HeldSource]:
        return dict(self._held)

    def replace_all(self, nquads: bytes, version: DataVersion | None = None) -> None:
        """``version``: the one the data has where it came from (a copy keeps its original's,
        as the query workers' copy does after a write), else that of these N-Quads."""
        fresh = ox.Store()
        fresh.load(nquads, format=ox.RdfFormat.N_QUADS)
        merged = hold_union(fresh, self._union)
        self._engine, self._merged, self._held = fresh, merged, {}
        self._version = version or DataVersion.of(nquads)

    def load(
        self, sources: Sequence[Source], progress: Callable[[int], None] | None = None
    ) -> LoadSummary:
        started = time.perf_counter()
        replaced = graphs_replaced(sources, self._held)
        fresh = ox.Store()
        fresh.bulk_extend(
            quad
            for quad in self._engine
            if not isinstance(quad.graph_name, ox.DefaultGraph)
            and quad.graph_name.value not in replaced
        )
        for source in sources:
            bulk_load(fresh, source.nquads, progress)
        merged = hold_union(fresh, self._union)
        held = held_after(self._held, sources)
        self._engine, self._merged, self._held = fresh, merged, held
        self._version = DataVersion.of_sources(self.held_sources())
        return LoadSummary.of(sources, time.perf_counter() - started)
