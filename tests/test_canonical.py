"""Canonical Turtle and TriG: same triples, same text; nothing lost on the way."""

from __future__ import annotations

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, XSD

from scomm_kg import canonical
from scomm_kg.loader import rdflib_quietly

EX = "https://w3id.org/scomm-kg/id/"


def sample_graph(reverse: bool = False) -> Graph:
    triples = [
        (URIRef(EX + "b"), RDFS.label, Literal("b", lang="en")),
        (URIRef(EX + "a"), RDFS.label, Literal('quote " and \\ backslash', lang="en")),
        (URIRef(EX + "a"), RDFS.comment, Literal('line one\nline "two"\n"""three"""')),
        (URIRef(EX + "a"), URIRef(EX + "count"), Literal(77000)),
        (URIRef(EX + "a"), URIRef(EX + "when"), Literal("2010-09", datatype=XSD.gYearMonth)),
        (URIRef(EX + "a"), RDF.type, URIRef(EX + "Thing")),
    ]
    node = BNode()
    triples += [(URIRef(EX + "a"), URIRef(EX + "nested"), node), (node, RDFS.label, Literal("n"))]
    graph = Graph()
    for triple in reversed(triples) if reverse else triples:
        graph.add(triple)
    items = BNode()
    Collection(graph, items, [Literal("x"), URIRef(EX + "y")])
    graph.add((URIRef(EX + "b"), URIRef(EX + "list"), items))
    return graph


def test_the_same_triples_in_any_order_give_the_same_text():
    assert canonical.turtle(sample_graph(), EX) == canonical.turtle(sample_graph(reverse=True), EX)


def test_the_text_parses_back_to_the_same_graph():
    text = canonical.turtle(sample_graph(), "https://w3id.org/scomm-kg/")
    assert isomorphic(Graph().parse(data=text, format="turtle"), sample_graph())


def test_type_and_label_lead_and_subjects_are_sorted():
    text = canonical.turtle(sample_graph(), "https://w3id.org/scomm-kg/")
    block = text[text.index("<id/a>") :]
    assert block.index(" a <id/Thing>") < block.index("rdfs:label") < block.index("rdfs:comment")
    assert text.index("<id/a>") < text.index("<id/b>")
    assert '( "x" <id/y> )' in text
    assert text.startswith("BASE <https://w3id.org/scomm-kg/>\nPREFIX rdfs:")


def test_trig_keeps_each_named_graph():
    dataset = Dataset()
    dataset.graph(URIRef("https://w3id.org/scomm-kg/graph/two")).add(
        (URIRef(EX + "x"), RDFS.label, Literal("x", lang="en"))
    )
    dataset.graph(URIRef("https://w3id.org/scomm-kg/graph/one")).add(
        (URIRef(EX + "y"), RDFS.label, Literal("y", lang="en"))
    )
    text = canonical.trig(dataset, "https://w3id.org/scomm-kg/")
    assert text.index("<graph/one> {") < text.index("<graph/two> {")
    again = Dataset()
    with rdflib_quietly():
        again.parse(data=text, format="trig")
    assert {(s, p, o, g) for s, p, o, g in again.quads()} == {
        (s, p, o, g) for s, p, o, g in dataset.quads()
    }


def test_every_repository_file_is_in_canonical_form():
    assert canonical.fmt(check=True) == []
