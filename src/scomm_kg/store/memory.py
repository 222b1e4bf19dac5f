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
from .embedded import AUTO_MERGE_LIMIT, EmbeddedStore, bulk_load, check_union_mode, hold_union

# The most triples a load writes into a large store in place (see MemoryStore._in_place).
IN_PLACE_LIMIT = 100_000


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

    def replace_all(self, nquads: bytes) -> None:
        fresh = ox.Store()
        fresh.load(nquads, format=ox.RdfFormat.N_QUADS)
        merged = hold_union(fresh, self._union)
        self._engine, self._merged, self._held = fresh, merged, {}
        self._version = DataVersion.of(nquads)

    def load(
        self, sources: Sequence[Source], progress: Callable[[int], None] | None = None
    ) -> LoadSummary:
        started = time.perf_counter()
        replaced = graphs_replaced(sources, self._held)
        if self._in_place(sources):
            self._engine.update(_replacing(replaced, sources))
            if progress is not None:
                progress(sum(source.triples for source in sources))
            self._held = held_after(self._held, sources)
            self._version = DataVersion.of_sources(self.held_sources())
            return LoadSummary.of(sources, time.perf_counter() - started)
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

    def _in_place(self, sources: Sequence[Source]) -> bool:
        """Whether a load is small beside a large store held as a view: then one update
        (a single transaction, which readers see whole or not at all) replaces the graphs,
        instead of a copy of the whole store beside it (seconds at a million triples)."""
        held = sum(source.triples for source in self._held.values())
        loading = sum(source.triples for source in sources)
        stays_view = self._union == "view" or (
            self._union == "auto" and held - AUTO_MERGE_LIMIT > loading
        )
        named = all(source.graphs or source.is_withdrawn for source in sources)
        return not self._merged and stays_view and named and loading <= IN_PLACE_LIMIT


def _replacing(replaced: set[str], sources: Sequence[Source]) -> str:
    """One SPARQL update that empties ``replaced`` and inserts the sources' quads."""
    drops = [f"DROP SILENT GRAPH <{graph}>" for graph in sorted(replaced)]
    by_graph: dict[str, list[ox.Triple]] = {}
    for source in sources:
        for quad in ox.parse(source.nquads, format=ox.RdfFormat.N_QUADS):
            by_graph.setdefault(quad.graph_name.value, []).append(quad.triple)
    blocks = [
        f"GRAPH <{graph}> {{\n{ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()}}}"
        for graph, triples in by_graph.items()
    ]
    inserts = [f"INSERT DATA {{\n{chr(10).join(blocks)}\n}}"] if blocks else []
    return " ;\n".join([*drops, *inserts])
