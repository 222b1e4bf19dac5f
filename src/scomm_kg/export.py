"""Dumps of the whole dataset, written the same way every time so that two dumps can be diffed.

Blank nodes get the labels of W3C RDF Dataset Canonicalization (RDFC-1.0), which depend on the
data alone, and the quads are written sorted: N-Quads line by line; TriG with the project's
prefixes, one block per named graph; JSON-LD with one ``@graph`` per named graph; Turtle, which
has no named graphs, is the RDF merge of them all (each triple once), so it loses which graph
states a fact: TriG, N-Quads and JSON-LD keep it. All are written by pyoxigraph from the
store's own terms, so every format holds the same literals (Oxigraph keeps a value's canonical
form: "…+00:00" in a data file is "…Z" in every dump).

A dump also carries the dataset's VoID and DCAT description (dataset_description.py) in a named
graph of its own, ``<BASE.well-known/void>``, the document that serves the same triples, unless
it is asked for the data alone.
"""

from __future__ import annotations

import pyoxigraph as ox

from . import dataset_description
from .namespaces import DEFAULT_BASE_IRI, PREFIXES
from .store import GraphStore

FORMATS = ("trig", "nquads", "turtle", "jsonld")


def dataset(
    store: GraphStore,
    format_name: str,
    base_iri: str = DEFAULT_BASE_IRI,
    *,
    with_description: bool = True,
) -> bytes:
    """Every named graph (and the dataset's description, unless left out) in ``format_name``."""
    if format_name not in FORMATS:
        raise ValueError(f"cannot export the dataset as {format_name!r}: use {', '.join(FORMATS)}")
    quads = list(ox.parse(store.dump("nquads"), format=ox.RdfFormat.N_QUADS))
    if with_description:
        graph = ox.NamedNode(dataset_description.description_graph(base_iri))
        described = dataset_description.describe(store, base_iri)
        quads.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in described)
    canonical = _canonical(quads)
    if format_name == "nquads":
        lines = sorted(str(quad) + " ." for quad in canonical)
        return ("\n".join(lines) + "\n").encode("utf-8")
    if format_name == "turtle":
        merged = {ox.Triple(q.subject, q.predicate, q.object) for q in canonical}
        written = sorted(merged, key=_triple_order)
    else:
        # By graph, then subject: each graph is one block, each subject one group in it.
        written = sorted(canonical, key=lambda q: (str(q.graph_name), *_triple_order(q)))
    # Prefixes but no base: pyoxigraph would make other hosts' IRIs scheme-relative (<//…>).
    options = {} if format_name == "jsonld" else {"prefixes": PREFIXES}
    return ox.serialize(written, format=_WRITERS[format_name], **options)


_WRITERS = {
    "trig": ox.RdfFormat.TRIG,
    "turtle": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def _triple_order(statement) -> tuple[str, str, str]:
    return (str(statement.subject), str(statement.predicate), str(statement.object))


def _canonical(quads: list[ox.Quad]) -> ox.Dataset:
    """The quads with their blank nodes labelled by RDFC-1.0: labels that depend on the data
    alone, so that two dumps of the same data are the same bytes."""
    canonical = ox.Dataset(quads)
    canonical.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return canonical
