"""The SPARQL 1.1 Service Description of the endpoint, with VoID counts per graph.

The prefixes every query sees predeclared are stated the way SHACL declares prefixes
(``sh:declare [ sh:prefix "scomm" ; sh:namespace "…"^^xsd:anyURI ]``), as other public
endpoints describe theirs, so that a client can read them from the description.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyoxigraph as ox

from . import __version__
from .namespaces import PREFIXES
from .results import GRAPH_FORMATS, TABULAR_FORMATS, GraphResult

SD = PREFIXES["sd"]
SH = PREFIXES["sh"]
VOID = PREFIXES["void"]
FORMATS = "http://www.w3.org/ns/formats/"
# W3C's unique URIs for file formats (https://www.w3.org/ns/formats/), by our format names.
FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML",
    "trig": "TriG",
    "nquads": "N-Quads",
}


def service_description(
    endpoint: str,
    graph_sizes: Mapping[str, int],
    default_size: int,
    title: str,
    prefixes: Mapping[str, str] | None = None,
    dataset_description: Sequence[ox.Triple] = (),
    dataset_iri: str | None = None,
    takes_updates: bool = False,
) -> GraphResult:
    """What the endpoint at ``endpoint`` offers: its predeclared ``prefixes``, its graphs and
    their sizes; with ``dataset_iri``, its default dataset is that IRI, which
    ``dataset_description`` (VoID and DCAT) describes further; with ``takes_updates``, SPARQL
    1.1 Update (from a client holding a write token)."""
    service = ox.BlankNode("service")
    dataset = ox.NamedNode(dataset_iri) if dataset_iri else ox.BlankNode("dataset")
    default = ox.BlankNode("defaultGraph")
    triples = []

    def add(s, p, o):
        triples.append(ox.Triple(s, ox.NamedNode(p), o))

    add(service, PREFIXES["rdf"] + "type", ox.NamedNode(SD + "Service"))
    add(service, SD + "endpoint", ox.NamedNode(endpoint))
    add(service, SD + "supportedLanguage", ox.NamedNode(SD + "SPARQL11Query"))
    if takes_updates:
        add(service, SD + "supportedLanguage", ox.NamedNode(SD + "SPARQL11Update"))
    # The default graph is the union of the named graphs (UnionDefaultGraph); SERVICE is
    # refused, so BasicFederatedQuery is deliberately not listed.
    add(service, SD + "feature", ox.NamedNode(SD + "UnionDefaultGraph"))
    add(
        service,
        SD + "defaultEntailmentRegime",
        ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
    )
    for fmt in (*TABULAR_FORMATS, *GRAPH_FORMATS):
        add(service, SD + "resultFormat", ox.NamedNode(FORMATS + FORMAT_IRIS[fmt.name]))
    add(service, PREFIXES["dcterms"] + "title", ox.Literal(title, language="en"))
    add(service, PREFIXES["dcterms"] + "hasVersion", ox.Literal(__version__))
    for name, namespace in sorted((prefixes or {}).items()):
        declaration = ox.BlankNode(f"prefix-{name}")
        add(service, SH + "declare", declaration)
        add(declaration, SH + "prefix", ox.Literal(name))
        any_uri = ox.NamedNode(PREFIXES["xsd"] + "anyURI")
        add(declaration, SH + "namespace", ox.Literal(namespace, datatype=any_uri))
    add(service, SD + "defaultDataset", dataset)
    add(dataset, PREFIXES["rdf"] + "type", ox.NamedNode(SD + "Dataset"))
    add(dataset, SD + "defaultGraph", default)
    add(default, PREFIXES["rdf"] + "type", ox.NamedNode(SD + "Graph"))
    add(default, VOID + "triples", _integer(default_size))
    for index, (name, size) in enumerate(sorted(graph_sizes.items())):
        named = ox.BlankNode(f"namedGraph{index}")
        graph = ox.BlankNode(f"graph{index}")
        add(dataset, SD + "namedGraph", named)
        add(named, PREFIXES["rdf"] + "type", ox.NamedNode(SD + "NamedGraph"))
        add(named, SD + "name", ox.NamedNode(name))
        add(named, SD + "graph", graph)
        add(graph, PREFIXES["rdf"] + "type", ox.NamedNode(SD + "Graph"))
        add(graph, VOID + "triples", _integer(size))
    triples.extend(dataset_description)
    return GraphResult(tuple(triples))


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))
