"""RDF added to the graph: quads grouped by graph into a Change, merged or replacing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pyoxigraph as ox

from ..store import GraphStore
from . import Change, WriteRefused


def change_adding(
    store: GraphStore,
    quads: Iterable[ox.Quad],
    *,
    replace: bool,
    via: str,
    agent: str,
    data: bytes,
) -> Change:
    """The Change that adds ``quads`` to their graphs (or, with ``replace``, makes them the
    whole content of those graphs). Triples outside any named graph are refused: every fact
    belongs to the graph of its source."""
    by_graph: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        if not isinstance(quad.graph_name, ox.NamedNode):
            raise WriteRefused(
                f"a triple outside any named graph ({quad.triple}): every fact sits in the "
                f"named graph of its source; name one (--graph)"
            )
        by_graph.setdefault(quad.graph_name.value, []).append(quad)
    if not by_graph:
        raise WriteRefused("the input holds no triples")
    graphs = {
        name: quads if replace else [*store.graph_quads(name), *quads]
        for name, quads in by_graph.items()
    }
    return Change(graphs, via=via, agent=agent, input_sha256=hashlib.sha256(data).hexdigest())
