"""The VoID and DCAT description of the dataset: what it holds, under which licence, from
which documents, and where to query and download it.

One description serves three places: ``/.well-known/void`` (RFC 5785 and the VoID guide's
well-known location), the endpoint's service description, and a named graph of its own in
every dump. Its IRIs are all under the base, never the Host a request came with, so that the
same bytes describe the dataset wherever they are read; the base's path maps to the server's
root, so each of them resolves on a server that serves the base.

The counts, licences, sources and example resources come from the store by the queries in
queries/dataset/; this module adds what the data cannot know: the endpoint, the dumps and
the dataset's own title.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from . import __version__, queries, resources
from .cache import PerVersion
from .namespaces import PREFIXES
from .store import GraphStore

#: The path (under the base) of the description; with the fragment, the dataset's IRI.
WELL_KNOWN_PATH = ".well-known/void"
DATASET_FRAGMENT = "#dataset"
TITLE = "scomm-kg: a provenance graph of ICE's Secure Communities program (2008-2011)"
DESCRIPTION = (
    "Who said what about Secure Communities, when, to whom, and according to which source: "
    "statements, their stances on propositions, opt-out attempts and statistics, each fact "
    "in the named graph of the source that states it, with the verbatim evidence sentence."
)


@dataclass(frozen=True)
class Dump:
    """One download of the whole dataset: its file name, media type and W3C format IRI."""

    file_name: str
    export_format: str
    media_type: str
    format_iri: str
    description: str


DUMPS: tuple[Dump, ...] = (
    Dump(
        "scomm-kg.trig",
        "trig",
        "application/trig",
        "http://www.w3.org/ns/formats/TriG",
        "Every named graph, in TriG with the project's prefixes, one block per graph",
    ),
    Dump(
        "scomm-kg.nq",
        "nquads",
        "application/n-quads",
        "http://www.w3.org/ns/formats/N-Quads",
        "Every named graph, as sorted N-Quads with canonical blank node labels (RDFC-1.0)",
    ),
    Dump(
        "scomm-kg.jsonld",
        "jsonld",
        "application/ld+json",
        "http://www.w3.org/ns/formats/JSON-LD",
        "Every named graph, as JSON-LD (one @graph per named graph)",
    ),
    Dump(
        "scomm-kg.ttl",
        "turtle",
        "text/turtle",
        "http://www.w3.org/ns/formats/Turtle",
        "The RDF merge of every named graph, each triple once, in Turtle: which graph states "
        "a fact is lost, so prefer TriG or N-Quads for provenance",
    ),
)
DUMPS_BY_NAME = {dump.file_name: dump for dump in DUMPS}


def dataset_iri(base_iri: str) -> str:
    return base_iri + WELL_KNOWN_PATH + DATASET_FRAGMENT


def description_graph(base_iri: str) -> str:
    """The named graph the description is in, in dumps: the document that serves it."""
    return base_iri + WELL_KNOWN_PATH


def describe(store: GraphStore, base_iri: str) -> list[ox.Triple]:
    """The VoID + DCAT description of the dataset ``store`` holds, in a stable order.

    Kept per data version: the service description and the dumps page ask for it often, and
    its counts go over every triple.
    """
    return list(_described.get(store, base_iri, lambda: _describe(store, base_iri)))


_described = PerVersion()


def _describe(store: GraphStore, base_iri: str) -> list[ox.Triple]:
    dataset = ox.NamedNode(dataset_iri(base_iri))
    bindings = {"dataset": dataset, "uriSpace": ox.Literal(base_iri)}
    triples: list[ox.Triple] = []
    for name in ("dataset", "graphs", "classes"):
        triples.extend(_construct(store, name, bindings))
    triples.extend(_declared(dataset, base_iri))
    triples.extend(_vocabularies(store, dataset))
    # A set, sorted: the same data gives the same description, byte for byte.
    return sorted(set(triples), key=str)


def _construct(store: GraphStore, name: str, bindings) -> Iterable[ox.Triple]:
    query = queries.get(name, resources.queries_dir() / "dataset")
    # Written in as VALUES on every store: pyoxigraph's substitution of ?dataset does not
    # reach the BIND that names each class partition, which then went unwritten.
    return store.query(query.text_with_values(bindings), prefixes=PREFIXES).triples


def _declared(dataset: ox.NamedNode, base_iri: str) -> Iterable[ox.Triple]:
    """What only the service knows: its title, its endpoint, its dumps."""

    def iri(term: str) -> ox.NamedNode:
        prefix, local = term.split(":", 1)
        return ox.NamedNode(PREFIXES[prefix] + local)

    endpoint = ox.NamedNode(base_iri + "sparql")
    service = ox.NamedNode(base_iri + WELL_KNOWN_PATH + "#sparql-service")
    yield ox.Triple(dataset, iri("rdf:type"), iri("void:Dataset"))
    yield ox.Triple(dataset, iri("rdf:type"), iri("dcat:Dataset"))
    yield ox.Triple(dataset, iri("dcterms:title"), ox.Literal(TITLE, language="en"))
    yield ox.Triple(dataset, iri("dcterms:description"), ox.Literal(DESCRIPTION, language="en"))
    yield ox.Triple(dataset, iri("dcterms:hasVersion"), ox.Literal(__version__))
    yield ox.Triple(dataset, iri("void:uriSpace"), ox.Literal(base_iri))
    yield ox.Triple(dataset, iri("void:sparqlEndpoint"), endpoint)
    yield ox.Triple(dataset, iri("void:rootResource"), ox.NamedNode(base_iri))
    yield ox.Triple(dataset, iri("dcat:accessService"), service)
    yield ox.Triple(service, iri("rdf:type"), iri("dcat:DataService"))
    yield ox.Triple(service, iri("dcterms:title"), ox.Literal("SPARQL 1.1 endpoint", language="en"))
    yield ox.Triple(service, iri("dcat:endpointURL"), endpoint)
    yield ox.Triple(service, iri("dcterms:conformsTo"), ox.NamedNode(_SPARQL_PROTOCOL))
    yield ox.Triple(service, iri("dcat:servesDataset"), dataset)
    for dump in DUMPS:
        url = ox.NamedNode(base_iri + "dumps/" + dump.file_name)
        distribution = ox.NamedNode(base_iri + WELL_KNOWN_PATH + "#dump-" + dump.export_format)
        yield ox.Triple(dataset, iri("void:dataDump"), url)
        yield ox.Triple(dataset, iri("dcat:distribution"), distribution)
        yield ox.Triple(distribution, iri("rdf:type"), iri("dcat:Distribution"))
        yield ox.Triple(distribution, iri("dcat:downloadURL"), url)
        yield ox.Triple(distribution, iri("dcat:accessURL"), url)
        yield ox.Triple(distribution, iri("dcat:mediaType"), ox.NamedNode(_IANA + dump.media_type))
        yield ox.Triple(distribution, iri("dcterms:format"), ox.NamedNode(dump.format_iri))
        yield ox.Triple(
            distribution, iri("dcterms:description"), ox.Literal(dump.description, language="en")
        )


def _vocabularies(store: GraphStore, dataset: ox.NamedNode) -> Iterable[ox.Triple]:
    """void:vocabulary for each namespace of PREFIXES that a property or class used is in."""
    query = queries.get("vocabularies", resources.queries_dir() / "dataset")
    used = {row["term"].value for row in store.query(query.text).rows}
    vocabulary = ox.NamedNode(PREFIXES["void"] + "vocabulary")
    for namespace in sorted(set(PREFIXES.values())):
        if any(term.startswith(namespace) for term in used):
            yield ox.Triple(dataset, vocabulary, ox.NamedNode(_vocabulary_iri(namespace)))


def _vocabulary_iri(namespace: str) -> str:
    """The vocabulary's IRI: its namespace without the trailing '#' (VoID's convention)."""
    return namespace[:-1] if namespace.endswith("#") else namespace


_IANA = "https://www.iana.org/assignments/media-types/"
_SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
