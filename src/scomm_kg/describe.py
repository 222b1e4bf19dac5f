"""What the store holds about one resource, a named graph or the ontology, as quads.

The web layer dereferences IRIs with this; it knows nothing of HTTP. A description keeps the
named graph of every triple, so that TriG and N-Quads say where each fact comes from and a
page can show, under each fact, the graph, the documents behind it and the evidence sentence.

A resource's description is its outgoing triples (with the blank nodes they lead to, such as a
qualified attribution, described too) and its incoming links (a blank subject is reached from
the triple that leads to it). A graph's description is every triple it holds plus what the
other graphs (the provenance graph) say about it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from . import queries, resources
from .namespaces import PREFIXES
from .results import GRAPH_FORMATS, Format, GraphResult, serialize
from .store import GraphStore, Term

_DATASET_FORMATS = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}


def _run(store: GraphStore, name: str, bindings: Mapping[str, Term] | None = None):
    query = queries.get(name, resources.queries_dir() / "resource")
    return store.query(query.text, bindings=bindings or {}, prefixes=PREFIXES).rows


@dataclass(frozen=True)
class Fact:
    """One quad, read from the side of the resource described."""

    graph: str
    subject: Term
    predicate: str
    object: Term


@dataclass(frozen=True)
class GraphSource:
    """The documents behind a named graph: the one read and the one it cites (either may lack)."""

    graph: str
    read: str | None
    cited: str | None


@dataclass(frozen=True)
class Evidence:
    """A passage a graph gives for a resource: its verbatim sentence and the text it is from."""

    graph: str
    passage: str
    exact: str | None
    source: str | None


@dataclass
class Description:
    """What the store says about ``iri``: outgoing and incoming quads, evidence by graph."""

    iri: str
    outgoing: list[ox.Quad] = field(default_factory=list)
    incoming: list[ox.Quad] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.outgoing or self.incoming)

    @property
    def quads(self) -> list[ox.Quad]:
        """Every quad of the description, each once, outgoing first."""
        return list(dict.fromkeys([*self.outgoing, *self.incoming]))

    def kinds(self) -> list[str]:
        rdf_type = PREFIXES["rdf"] + "type"
        return list(
            dict.fromkeys(
                q.object.value
                for q in self.outgoing
                if q.subject.value == self.iri and q.predicate.value == rdf_type
            )
        )


def _named_node(iri: str) -> ox.NamedNode | None:
    """The IRI as a term, or None when it is no IRI at all (a control character, a space)."""
    try:
        return ox.NamedNode(iri)
    except ValueError:
        return None


def describe(store: GraphStore, iri: str) -> Description:
    """The description of ``iri``; ``found`` is False when the store names nothing so (which
    is the case of a text that is not even an IRI)."""
    described = Description(iri)
    resource = _named_node(iri)
    if resource is None:
        return described
    bound = {"resource": resource}
    for row in _run(store, "outgoing", bound):
        quad = ox.Quad(row["subject"], row["predicate"], row["object"], row["graph"])
        described.outgoing.append(quad)
    for row in _run(store, "incoming", bound):
        graph = row["graph"]
        described.incoming.append(ox.Quad(row["subject"], row["predicate"], resource, graph))
        if "parent" in row:
            described.incoming.append(ox.Quad(row["parent"], row["via"], row["subject"], graph))
    described.outgoing = list(dict.fromkeys(described.outgoing))
    described.incoming = list(dict.fromkeys(described.incoming))
    for row in _run(store, "evidence", bound):
        described.evidence.append(
            Evidence(
                row["graph"].value,
                row["passage"].value,
                row["exact"].value if "exact" in row else None,
                row["source"].value if "source" in row else None,
            )
        )
    return described


def graph_contents(store: GraphStore, graph_iri: str) -> list[ox.Quad]:
    """Every quad of the named graph ``graph_iri`` (none when there is no such graph)."""
    graph = _named_node(graph_iri)
    if graph is None:
        return []
    rows = _run(store, "graph-contents", {"graph": graph})
    return [ox.Quad(r["subject"], r["predicate"], r["object"], r["graph"]) for r in rows]


@dataclass(frozen=True)
class GraphWrite:
    """One accepted write that changed a graph, as the audit trail records it."""

    write: str
    agent: str
    when: Term
    channel: str
    input_sha256: str
    added: int
    removed: int


def graph_writes(store: GraphStore, graph_iri: str) -> list[GraphWrite]:
    """The writes that changed the graph ``graph_iri``, newest first (none for shipped data)."""
    rows = _run(store, "graph-writes", {"graph": ox.Literal(graph_iri)})
    return [
        GraphWrite(
            row["write"].value,
            row["agent"].value,
            row["when"],
            row["channel"].value,
            row["input"].value,
            int(row["added"].value),
            int(row["removed"].value),
        )
        for row in rows
    ]


def labels(store: GraphStore) -> dict[str, str]:
    """A label for every IRI that has one."""
    return {row["resource"].value: row["label"].value for row in _run(store, "labels")}


def graph_sources(store: GraphStore) -> dict[str, GraphSource]:
    """The documents behind each named graph, by graph IRI."""
    sources = {}
    for row in _run(store, "graph-sources"):
        graph = row["graph"].value
        sources[graph] = GraphSource(
            graph,
            row["read"].value if "read" in row else None,
            row["cited"].value if "cited" in row else None,
        )
    return sources


def serialize_quads(quads: Iterable[ox.Quad], fmt: Format) -> bytes:
    """The quads in ``fmt``: TriG and N-Quads keep each graph, the triple formats merge them.

    Raises ValueError when the format cannot carry the data (results.serialize says why).
    """
    quads = list(quads)
    if fmt not in GRAPH_FORMATS:
        raise ValueError(f"{fmt.name} is not an RDF format")
    if fmt.name in _DATASET_FORMATS:
        options = {}
        if fmt.name == "trig":
            options["prefixes"] = _used_prefixes(quads)
        return ox.serialize(quads, format=_DATASET_FORMATS[fmt.name], **options)
    triples = tuple(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
    return serialize(GraphResult(triples), fmt, PREFIXES)


def _used_prefixes(quads: list[ox.Quad]) -> dict[str, str]:
    iris = set()
    for quad in quads:
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {
        name: namespace
        for name, namespace in sorted(PREFIXES.items())
        if any(iri.startswith(namespace) for iri in iris)
    }


def said_by(store: GraphStore, speaker: str) -> tuple[dict, ...]:
    """The speaker's statements, oldest first (the canned statements-by-speaker query's rows)."""
    return queries.run(store, "statements-by-speaker", {"speaker": speaker}).rows


def opposite_stances(store: GraphStore, statement: str, proposition: str) -> list[dict]:
    """The statements on ``proposition`` whose stance is the opposite of ``statement``'s.

    Each is a dict of the other statement's terms (statement, date, stance, speakerLabel, text,
    sourceLabel), and ``earlier``: whether it is the earlier of the pair.
    """
    others = []
    for row in queries.run(store, "contradictions", {"proposition": proposition}).rows:
        for mine, theirs in (("earlier", "later"), ("later", "earlier")):
            if row[mine].value == statement:
                other = {
                    key[len(theirs) :][:1].lower() + key[len(theirs) + 1 :]: value
                    for key, value in row.items()
                    if key.startswith(theirs) and key != theirs
                }
                other["statement"] = row[theirs]
                other["earlier"] = theirs == "earlier"
                others.append(other)
    return others
