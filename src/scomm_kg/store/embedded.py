"""What the two embedded backends share: pyoxigraph's engine, and how it holds the union.

The union default graph is an RDF merge, a set: a triple two sources both state is one triple
of it. pyoxigraph can evaluate a query over the union of the named graphs without a copy of
them (``use_default_graph_as_union``), but that union is a bag: a triple held by two graphs
matches twice. So the store holds the union in one of two ways, the ``union`` setting:

- ``view``: no copy; a query without a dataset of its own runs over the union of the named
  graphs as the engine evaluates it. A triple that k graphs hold matches k times.
- ``merged``: the union materialized in the engine's default graph, each triple once: the
  exact RDF merge, for about three times the memory at a million triples (measured in
  benchmarks/stores.py).
- ``auto`` (the default): ``view`` when no triple sits in two graphs, which is then exact;
  ``merged`` when some does and the store is small (at most ``AUTO_MERGE_LIMIT`` quads, where
  the copy costs a few MB); ``view`` for a larger store, whose memory matters more (the
  shipped graph alone holds 2 shared triples, so a national store would otherwise be copied
  whole for them). Which one a store chose is in ``union_mode``.
"""

from __future__ import annotations

from itertools import islice

import pyoxigraph as ox

from .. import parse_errors, querytext
from ..results import AskResult, GraphResult, QueryResult, SelectResult
from . import EngineError, GraphStore, QuerySyntaxError, ResultTooLarge, graph_name

UNION_MODES = ("auto", "merged", "view")
_MATERIALIZE_UNION = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
AUTO_MERGE_LIMIT = 100_000
_SHARED_TRIPLE = "ASK { GRAPH ?a { ?s ?p ?o } GRAPH ?b { ?s ?p ?o } FILTER(?a != ?b) }"
# Progress is reported after each batch of this many quads (about 64 MiB of N-Quads): fewer,
# larger batches load faster (pyoxigraph writes sorted files per call), more show more progress.
LOAD_BATCH_QUADS = 500_000


def check_union_mode(union: str) -> str:
    if union not in UNION_MODES:
        raise ValueError(f"union must be one of {', '.join(UNION_MODES)}, not {union!r}")
    return union


class EmbeddedStore(GraphStore):
    """A store whose engine is a pyoxigraph Store in this process."""

    _engine: ox.Store
    _merged: bool

    @property
    def union_mode(self) -> str:
        """``merged`` or ``view``: how this store holds the union default graph now."""
        return "merged" if self._merged else "view"

    def _query(self, sparql, bindings, dataset, base_iri, prefixes, row_limit) -> QueryResult:
        default_graphs, named_graphs = dataset
        # Oxigraph lets a PREFIX declared in the query override one of these.
        options: dict = {"base_iri": base_iri, "prefixes": dict(prefixes)}
        if default_graphs is not None or named_graphs is not None:
            options["default_graph"] = [graph_name(g) for g in default_graphs or ()]
            options["named_graphs"] = [graph_name(g) for g in named_graphs or ()]
        elif not self._merged and not querytext.names_dataset(sparql):
            # The engine's union option would override a FROM of the query's own.
            options["use_default_graph_as_union"] = True
        if bindings:
            options["substitutions"] = {ox.Variable(k): v for k, v in bindings.items()}
        try:
            answer = self._engine.query(sparql, **options)
            return _collect(answer, row_limit)
        except SyntaxError as error:
            diagnosis = parse_errors.explain(sparql, str(error), prefixes)
            raise QuerySyntaxError(*diagnosis) from error
        except (OSError, RuntimeError, ValueError, TypeError) as error:
            raise EngineError(str(error)) from error

    def graph_quads(self, graph: str) -> list[ox.Quad]:
        return list(self._engine.quads_for_pattern(None, None, None, graph_name(graph)))

    def engine(self) -> ox.Store:
        return self._engine

    def graph_sizes(self) -> dict[str, int]:
        answer = self._engine.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        return {row["g"].value: int(row["n"].value) for row in answer}

    def default_graph_size(self) -> int:
        if self._merged:
            answer = self._engine.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        else:
            # In view mode no triple sits in two graphs unless the setting forced the view.
            answer = self._engine.query(
                "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }",
                use_default_graph_as_union=True,
            )
        return int(next(iter(answer))["n"].value)

    def dump(self, format_name: str) -> bytes:
        formats = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
        if format_name not in formats:
            raise ValueError(f"cannot dump a dataset as {format_name!r}: use nquads or trig")
        # The named graphs only: a merged default graph is their union, derived on loading.
        named = (q for q in self._engine if not isinstance(q.graph_name, ox.DefaultGraph))
        return ox.serialize(named, format=formats[format_name])


def hold_union(engine: ox.Store, union: str) -> bool:
    """Set up the union default graph in ``engine`` as ``union`` says; True when merged.

    The engine's default graph must hold no union materialized earlier.
    """
    small = union == "auto" and len(engine) <= AUTO_MERGE_LIMIT
    merged = union == "merged" or (small and bool(engine.query(_SHARED_TRIPLE)))
    if merged:
        engine.update(_MATERIALIZE_UNION)
    return merged


def bulk_load(engine: ox.Store, nquads: bytes, progress=None) -> None:
    """Load N-Quads into ``engine`` in batches, telling ``progress`` the triples of each.

    The input is parsed once, its blank nodes given fresh names (as one bulk_load call would:
    two inputs' ``_:b0`` stay two nodes, one input's stay one), and added a batch at a time.
    Slices of the text loaded by separate bulk_load calls would each rename their blank
    nodes, splitting a node that two slices mention into two.
    """
    quads = ox.parse(nquads, format=ox.RdfFormat.N_QUADS, rename_blank_nodes=True)
    while batch := list(islice(quads, LOAD_BATCH_QUADS)):
        engine.bulk_extend(batch)
        if progress is not None:
            progress(len(batch))


def _collect(answer, row_limit: int | None) -> QueryResult:
    """Turn pyoxigraph's lazy answer into a result object, enforcing the row cap."""
    if isinstance(answer, ox.QueryBoolean):
        return AskResult(bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        variables = tuple(v.value for v in answer.variables)
        rows = []
        for solution in answer:
            if row_limit is not None and len(rows) >= row_limit:
                raise ResultTooLarge(row_limit)
            rows.append({name: solution[name] for name in variables if solution[name] is not None})
        return SelectResult(variables, tuple(rows))
    triples = []
    for triple in answer:
        if row_limit is not None and len(triples) >= row_limit:
            raise ResultTooLarge(row_limit)
        triples.append(triple)
    return GraphResult(tuple(triples))
