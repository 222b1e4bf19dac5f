"""A data user downloads the whole dataset and reads what it is before loading it elsewhere.

Every dump (TriG, N-Quads, JSON-LD; Turtle as the merge of the graphs) loads into rdflib and
into a real Oxigraph server with the same quads; the dataset's VoID and DCAT description gives
the counts the store gives, the documents read and those only cited, the endpoint and the
dumps, at /.well-known/void, in the service description and in every dump.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import requests
from click.testing import CliRunner
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from scomm_kg import dataset_description, export
from scomm_kg.cli import main
from scomm_kg.loader import rdflib_quietly
from scomm_kg.namespaces import DEFAULT_BASE_IRI, PREFIXES
from scomm_kg.settings import Settings
from scomm_kg.web import create_app

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
VOID, DCAT, DCTERMS = PREFIXES["void"], PREFIXES["dcat"], PREFIXES["dcterms"]
DATASET = ox.NamedNode(dataset_description.dataset_iri(DEFAULT_BASE_IRI))
DESCRIPTION_GRAPH = ox.NamedNode(dataset_description.description_graph(DEFAULT_BASE_IRI))
RDFLIB_FORMATS = {"trig": "trig", "nquads": "nquads", "jsonld": "json-ld", "turtle": "turtle"}
OX_FORMATS = {
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
    "turtle": ox.RdfFormat.TURTLE,
}


@pytest.fixture(scope="module")
def client(store):
    return create_app(Settings.from_env(), store=store, isolate_queries=False).test_client()


@pytest.fixture(scope="module")
def dumps(store) -> dict[str, bytes]:
    return {name: export.dataset(store, name) for name in export.FORMATS}


def canonical(quads) -> set[str]:
    """The quads as canonical N-Quads lines: blank node labels from the data alone."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(quad) for quad in dataset}


def as_default_graph(quads) -> list[ox.Quad]:
    """The quads' triples, each once, in the default graph: what a Turtle dump can hold."""
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    return [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]


def expected_quads(dumps) -> dict[str, set[str]]:
    """What each dump must hold: the N-Quads dump's quads, or their merge for Turtle."""
    quads = list(ox.parse(dumps["nquads"], format=ox.RdfFormat.N_QUADS))
    merged = canonical(as_default_graph(quads))
    return {name: merged if name == "turtle" else canonical(quads) for name in export.FORMATS}


def description(store) -> list[ox.Triple]:
    return dataset_description.describe(store, DEFAULT_BASE_IRI)


def objects(triples, subject, predicate: str) -> set:
    return {t.object for t in triples if t.subject == subject and t.predicate.value == predicate}


# --- The dumps themselves --------------------------------------------------------------------


def test_each_dump_holds_every_named_graph_and_the_datasets_description(store, dumps):
    quads = list(ox.parse(dumps["nquads"], format=ox.RdfFormat.N_QUADS))
    graphs = {q.graph_name for q in quads}
    assert {ox.NamedNode(g) for g in store.graph_sizes()} | {DESCRIPTION_GRAPH} == graphs
    described = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    assert set(description(store)) <= described
    data_only = export.dataset(store, "nquads", with_description=False)
    assert DESCRIPTION_GRAPH.value not in data_only.decode()
    assert len(data_only.splitlines()) == sum(store.graph_sizes().values())


@pytest.mark.parametrize("name", export.FORMATS)
def test_each_dump_parses_in_rdflib_with_the_same_quads(dumps, name, monkeypatch):
    # Literals as written: rdflib would otherwise rewrite "…Z" as "…+00:00" (the same value,
    # another RDF term), and the comparison would be of rdflib's rewriting, not of the dump.
    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", False)
    expected = expected_quads(dumps)[name]
    with rdflib_quietly():  # rdflib's own deprecation warnings, not ours
        if name == "turtle":
            parsed = Graph().parse(data=dumps[name], format="turtle")
            quads = [ox.Quad(*map(_term, triple), ox.DefaultGraph()) for triple in parsed]
        else:
            parsed = Dataset().parse(data=dumps[name], format=RDFLIB_FORMATS[name])
            quads = [
                ox.Quad(_term(s), _term(p), _term(o), _graph(g))
                for s, p, o, g in parsed.quads((None, None, None, None))
            ]
    assert canonical(quads) == expected


def test_two_exports_are_byte_for_byte_the_same(store, dumps):
    for name in export.FORMATS:
        assert export.dataset(store, name) == dumps[name], name


def test_the_cli_exports_every_format_and_refuses_an_unknown_one():
    runner = CliRunner()
    for name in export.FORMATS:
        result = runner.invoke(main, ["export", "--format", name])
        assert result.exit_code == 0, result.output
        assert DEFAULT_BASE_IRI + "graph/backgrounder" in result.stdout or name == "turtle"
    refused = runner.invoke(main, ["export", "--format", "csv"])
    assert refused.exit_code == 2
    assert "'csv' is not one of" in refused.output


def test_export_refuses_an_unknown_format_in_the_package_too(store):
    with pytest.raises(ValueError, match="use trig, nquads, turtle, jsonld"):
        export.dataset(store, "rdfxml")


# --- Every dump round-trips through a real Oxigraph server ------------------------------------


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which(
        "oxigraph"
    )
    assert binary, "the oxigraph command (pip install oxigraph, in the test extra) is missing"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    location = tmp_path_factory.mktemp("oxigraph")
    process = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(url + "/query", params={"query": "ASK {}"}, timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None, "the Oxigraph server exited"
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("name", export.FORMATS)
def test_each_dump_loads_into_an_oxigraph_server_with_the_same_quads(oxigraph_server, dumps, name):
    media_type = {d.export_format: d.media_type for d in dataset_description.DUMPS}[name]
    update = requests.post(
        oxigraph_server + "/update",
        data="CLEAR ALL",
        headers={"Content-Type": "application/sparql-update"},
        timeout=30,
    )
    assert update.status_code == 204, update.text
    # A dataset format is posted to the store (its named graphs), Turtle to the default graph.
    target = "/store?default" if name == "turtle" else "/store"
    loaded = requests.post(
        oxigraph_server + target,
        data=dumps[name],
        headers={"Content-Type": media_type},
        timeout=60,
    )
    assert loaded.status_code in (200, 201, 204), loaded.text
    back = requests.get(
        oxigraph_server + "/store", headers={"Accept": "application/n-quads"}, timeout=60
    )
    assert back.status_code == 200
    quads = list(ox.parse(back.content, format=ox.RdfFormat.N_QUADS))
    assert canonical(quads) == expected_quads(dumps)[name]


# --- The VoID and DCAT description ------------------------------------------------------------


def test_the_description_counts_what_the_store_holds(store):
    triples = description(store)
    subsets = objects(triples, DATASET, VOID + "subset")
    sizes = store.graph_sizes()
    assert {s.value for s in subsets} == set(sizes)
    for graph in subsets:
        assert objects(triples, graph, VOID + "triples") == {_integer(sizes[graph.value])}
    assert objects(triples, DATASET, VOID + "triples") == {_integer(store.default_graph_size())}
    entities = store.query(
        "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { GRAPH ?g { ?e ?p ?o } "
        f'FILTER(isIRI(?e) && STRSTARTS(STR(?e), "{DEFAULT_BASE_IRI}")) }}'
    ).rows[0]["n"]
    assert objects(triples, DATASET, VOID + "entities") == {entities}


def test_the_description_says_which_document_was_read_and_which_only_cited(store):
    triples = description(store)
    backgrounder = ox.NamedNode(DEFAULT_BASE_IRI + "id/document/secure-communities-backgrounder")
    assert objects(triples, DATASET, DCTERMS + "source") == {backgrounder}
    cited = objects(triples, DATASET, PREFIXES["scomm"] + "citedSource")
    assert ox.NamedNode(DEFAULT_BASE_IRI + "id/document/ice-brochure-2010") in cited
    assert backgrounder not in cited
    letter_graph = ox.NamedNode(DEFAULT_BASE_IRI + "graph/los-angeles-times-napolitano-letter")
    assert objects(triples, letter_graph, PREFIXES["prov"] + "wasDerivedFrom") == {backgrounder}
    licence = ox.NamedNode("https://creativecommons.org/licenses/by/4.0/")
    assert objects(triples, DATASET, DCTERMS + "license") == {licence}


def test_the_description_names_the_endpoint_vocabularies_examples_and_every_dump(store):
    triples = description(store)
    endpoint = ox.NamedNode(DEFAULT_BASE_IRI + "sparql")
    assert objects(triples, DATASET, VOID + "sparqlEndpoint") == {endpoint}
    vocabularies = {v.value for v in objects(triples, DATASET, VOID + "vocabulary")}
    assert {"http://www.w3.org/ns/prov", "https://schema.org/"} <= vocabularies
    examples = objects(triples, DATASET, VOID + "exampleResource")
    statement = store.query(
        "SELECT (MIN(STR(?s)) AS ?first) WHERE { GRAPH ?g { ?s a scomm:Statement } }",
        prefixes=PREFIXES,
    ).rows[0]["first"]
    assert ox.NamedNode(statement.value) in examples
    assert all(e.value.startswith(DEFAULT_BASE_IRI) for e in examples)
    downloads = set()
    for distribution in objects(triples, DATASET, DCAT + "distribution"):
        downloads |= {u.value for u in objects(triples, distribution, DCAT + "downloadURL")}
        assert objects(triples, distribution, DCAT + "mediaType")
    assert downloads == {
        DEFAULT_BASE_IRI + "dumps/" + d.file_name for d in dataset_description.DUMPS
    }


def test_the_service_description_holds_the_void_description(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = list(ox.parse(response.data, format=ox.RdfFormat.TURTLE))
    service = next(t.subject for t in graph if t.predicate.value == PREFIXES["sd"] + "endpoint")
    assert objects(graph, service, PREFIXES["sd"] + "defaultDataset") == {DATASET}
    assert objects(graph, DATASET, VOID + "subset")
    assert objects(graph, DATASET, DCAT + "distribution")


# --- Over HTTP --------------------------------------------------------------------------------


def test_a_browser_sees_the_dumps_and_the_counts_of_each_graph(client, store):
    page = client.get("/dumps/", headers=BROWSER)
    assert page.status_code == 200 and page.mimetype == "text/html"
    for dump in dataset_description.DUMPS:
        assert f'href="/dumps/{dump.file_name}"' in page.text
    backgrounder = store.graph_sizes()[DEFAULT_BASE_IRI + "graph/backgrounder"]
    assert f"<td>{backgrounder}</td>" in page.text
    assert client.get("/.well-known/void", headers=BROWSER).text == page.text


def test_a_program_gets_the_list_of_dumps_as_json(client):
    listed = client.get("/dumps/", headers={"Accept": "application/json"}).get_json()
    assert [d["file"] for d in listed["dumps"]] == [d.file_name for d in dataset_description.DUMPS]
    assert listed["description"] == "/.well-known/void"


@pytest.mark.parametrize("dump", dataset_description.DUMPS, ids=lambda d: d.file_name)
def test_a_dump_downloads_as_an_attachment_with_a_validator(client, dumps, dump):
    response = client.get(f"/dumps/{dump.file_name}")
    assert response.status_code == 200
    assert response.mimetype == dump.media_type
    assert response.headers["Content-Disposition"] == f'attachment; filename="{dump.file_name}"'
    assert response.data == dumps[dump.export_format]
    etag = response.headers["ETag"]
    again = client.get(f"/dumps/{dump.file_name}", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_an_unknown_dump_is_a_404_that_lists_the_dumps(client):
    response = client.get("/dumps/scomm-kg.csv", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert "scomm-kg.trig" in response.get_json()["message"]


def test_the_well_known_void_answers_rdf_by_content_negotiation(client, store):
    turtle = client.get("/.well-known/void")
    assert turtle.status_code == 200 and turtle.mimetype == "text/turtle"
    parsed = {q.triple for q in ox.parse(turtle.data, format=ox.RdfFormat.TURTLE)}
    assert parsed == set(description(store))
    jsonld = client.get("/.well-known/void?format=jsonld")
    assert jsonld.mimetype == "application/ld+json"
    nquads = client.get("/.well-known/void", headers={"Accept": "application/n-quads"})
    assert nquads.mimetype == "application/n-quads"


def test_the_well_known_void_refuses_a_format_it_cannot_write(client):
    response = client.get("/.well-known/void", headers={"Accept": "text/csv"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_json()["formats"]


def test_every_iri_the_description_names_under_the_base_resolves_here(client, store):
    iris = set()
    for triple in description(store):
        for term in (triple.subject, triple.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(DEFAULT_BASE_IRI):
                iris.add(term.value.split("#")[0])
    for iri in sorted(iris):
        path = "/" + iri[len(DEFAULT_BASE_IRI) :]
        response = client.get(path, headers=BROWSER)
        assert response.status_code in (200, 303), (iri, response.status_code)


# --- Helpers ----------------------------------------------------------------------------------


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))


def _term(node):
    """An rdflib term as a pyoxigraph one."""
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    assert isinstance(node, Literal)
    if node.language:
        return ox.Literal(str(node), language=node.language)
    datatype = node.datatype or PREFIXES["xsd"] + "string"
    return ox.Literal(str(node), datatype=ox.NamedNode(str(datatype)))


def _graph(identifier):
    if identifier is None or identifier == DATASET_DEFAULT_GRAPH_ID:
        return ox.DefaultGraph()
    return _term(identifier)


def test_the_description_partitions_the_resources_by_class_with_their_counts(store):
    triples = description(store)
    partitions = objects(triples, DATASET, VOID + "classPartition")
    by_class = {
        next(iter(objects(triples, p, VOID + "class"))).value: objects(
            triples, p, VOID + "entities"
        )
        for p in partitions
    }
    statement = PREFIXES["scomm"] + "Statement"
    assert statement in by_class, "a partition per class, the statements' among them"
    count = store.query(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a scomm:Statement } }",
        prefixes=PREFIXES,
    ).rows[0]["n"]
    assert by_class[statement] == {count}
