"""The endpoint as real clients see it: a gunicorn server on a real socket.

The W3C SPARQL 1.1 Protocol and Service Description suites, SPARQLWrapper and rdflib's
SPARQLStore unmodified, curl-style requests, a runaway query, and hostile queries that try to
make the server reach the network or the file system.
"""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import threading
import time
import warnings
from urllib.parse import quote

import pytest
import requests
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, XML, SPARQLWrapper

from live_server import W3C_DATA, W3C_SUITE, LiveServer
from scomm_kg import queries
from scomm_kg.loader import rdflib_quietly
from scomm_kg.results import term_text

RUNNER = W3C_SUITE / "run.py"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def server():
    """The shipped graph alone: real clients, runaway and hostile queries need nothing else."""
    with LiveServer(query_timeout=3.0) as live:
        yield live


@pytest.fixture(scope="module")
def endpoint(server):
    return server.url + "/sparql"


@pytest.fixture
def w3c_endpoint():
    """A server that also holds the W3C protocol test graphs, read from ../shared."""
    with LiveServer(query_timeout=3.0, w3c_data=W3C_DATA) as live:
        yield live.url + "/sparql"


def canned_rows(store, name, **params):
    result = queries.run(store, name, params)
    return [{k: term_text(v) for k, v in row.items()} for row in result.rows]


# --- Conformance ------------------------------------------------------------------------


@pytest.mark.needs_shared("tools/sparql-protocol", "the W3C protocol suite")
def test_the_w3c_protocol_and_service_description_suites_pass(w3c_endpoint):
    assert RUNNER.exists(), f"the W3C runner belongs beside the checkout: {RUNNER}"
    run = subprocess.run(
        [sys.executable, str(RUNNER), "--query-url", w3c_endpoint, "--data-preloaded"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1] == "23 passed, 0 failed", run.stdout


# --- Real clients, unmodified ------------------------------------------------------------


@pytest.mark.parametrize("name", ["opt-out-attempts", "contradictions", "statistics"])
def test_sparqlwrapper_gets_the_canned_querys_rows(endpoint, store, name):
    client = SPARQLWrapper(endpoint)
    client.setQuery(queries.get(name).text)
    client.setReturnFormat(JSON)
    bindings = client.query().convert()["results"]["bindings"]
    got = [{k: v["value"] for k, v in row.items()} for row in bindings]
    assert got == canned_rows(store, name)


def test_sparqlwrapper_by_post_and_in_csv_and_xml(endpoint, store):
    client = SPARQLWrapper(endpoint)
    client.setMethod("POST")
    client.setQuery(queries.get("opt-out-attempts").text)
    client.setReturnFormat(CSV)
    lines = client.query().convert().decode("utf-8").splitlines()
    assert len(lines) == 1 + 7
    client.setReturnFormat(XML)
    document = client.query().convert()
    assert len(document.getElementsByTagName("result")) == 7


def test_rdflib_sparqlstore_gets_the_same_rows(endpoint, store):
    graph = Graph(store=SPARQLStore(endpoint))
    rows = list(graph.query(queries.get("contradictions").text))
    expected = canned_rows(store, "contradictions")
    assert [str(row.earlierDate) for row in rows] == [r["earlierDate"] for r in expected]
    assert [str(row.laterText) for row in rows] == [r["laterText"] for r in expected]


def test_rdflib_sparqlstore_construct(endpoint):
    graph = Graph(store=SPARQLStore(endpoint))
    result = graph.query(
        "PREFIX scomm: <https://w3id.org/scomm-kg/ontology#> "
        "CONSTRUCT { ?a a scomm:OptOutAttempt } WHERE { ?a a scomm:OptOutAttempt }"
    )
    assert len(result.graph) == 7


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("text/csv;q=0.4, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_curl_style_requests_with_each_accept_header(endpoint, accept, media_type):
    query = quote("SELECT ?d WHERE { ?s <http://purl.org/dc/terms/date> ?d } LIMIT 1")
    response = requests.get(f"{endpoint}?query={query}", headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media_type


def test_curl_style_construct_in_each_rdf_format(endpoint):
    graph = "<https://w3id.org/scomm-kg/graph/wusa-washington-dc-opt-out>"
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
    for accept, rdflib_format in [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ]:
        response = requests.post(
            endpoint,
            data=query.encode(),
            headers={"Content-Type": "application/sparql-query", "Accept": accept},
            timeout=30,
        )
        assert response.headers["Content-Type"].split(";")[0] == accept
        with rdflib_quietly():
            assert len(Graph().parse(data=response.text, format=rdflib_format)) == 10


# --- A runaway query ---------------------------------------------------------------------


def test_a_runaway_query_is_stopped_with_a_503_while_others_are_served(endpoint):
    outcome = {}

    def runaway():
        outcome["response"] = requests.post(
            endpoint,
            data=RUNAWAY.encode(),
            headers={"Content-Type": "application/sparql-query"},
            timeout=120,
        )

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)
    quick = requests.get(endpoint, params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    runaway_still_running = thread.is_alive()
    thread.join()
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert runaway_still_running, "the quick query should be answered while the runaway runs"
    response = outcome["response"]
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"] == "query timeout"
    assert "Retry-After" in response.headers


def test_a_runaway_property_path_is_stopped_too(endpoint):
    path_query = "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<urn:x>)* ?b . ?c (!<urn:x>)* ?d }"
    response = requests.get(endpoint, params={"query": path_query}, timeout=120)
    assert response.status_code == 503
    assert response.json()["error"] == "query timeout"


# --- Hostile queries never reach the network or the file system --------------------------


class Listener:
    """A TCP listener on loopback that counts every connection made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.hits = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            connection.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


class Canary:
    """A named pipe: anyone who opens it to read is noticed."""

    def __init__(self, directory):
        self.path = directory / "canary"
        os.mkfifo(self.path)
        self.opened = threading.Event()
        self.thread = threading.Thread(target=self._wait, daemon=True)
        self.thread.start()

    def _wait(self):
        with open(self.path, "w") as pipe:  # blocks until a reader opens the pipe
            self.opened.set()
            pipe.write("canary")

    def close(self):
        if not self.opened.is_set():
            with open(self.path) as pipe:  # let the writer go
                pipe.read()
        self.thread.join()


@pytest.fixture
def listener():
    listening = Listener()
    yield listening
    listening.close()


@pytest.fixture
def canary(tmp_path):
    pipe = Canary(tmp_path)
    yield pipe
    pipe.close()


def ask(endpoint, query, **params):
    return requests.post(
        endpoint,
        params=params,
        data=query.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=60,
    )


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ service silent <{url}sparql> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ FILTER(1<2)SERVICE#>\n<{url}> {{ ?s ?p ?o }} }}",
    ],
)
def test_service_is_refused_and_nothing_is_contacted(endpoint, listener, template):
    response = ask(endpoint, template.format(url=listener.url))
    assert response.status_code == 400
    assert "SERVICE" in response.json()["message"]
    time.sleep(0.3)
    assert listener.hits == 0


def test_load_is_refused_and_nothing_is_contacted(endpoint, listener):
    response = ask(endpoint, f"LOAD <{listener.url}data.ttl>")
    assert response.status_code == 400 and "read-only" in response.json()["message"]
    update = requests.post(endpoint, data={"update": f"LOAD <{listener.url}data.ttl>"}, timeout=30)
    assert update.status_code == 403
    time.sleep(0.3)
    assert listener.hits == 0


def test_from_and_dataset_iris_outside_the_store_are_never_fetched(endpoint, listener, canary):
    file_iri = canary.path.as_uri()
    queries_and_params = [
        (f"ASK FROM <{listener.url}> {{ ?s ?p ?o }}", {}),
        (f"ASK FROM NAMED <{listener.url}> {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        (f"ASK FROM <{file_iri}> {{ ?s ?p ?o }}", {}),
        ("ASK { ?s ?p ?o }", {"default-graph-uri": listener.url}),
        ("ASK { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": file_iri}),
    ]
    for query, params in queries_and_params:
        response = ask(endpoint, query, **params)
        assert response.status_code == 200, response.text
        assert response.json()["boolean"] is False  # an unknown graph is an empty graph
    time.sleep(0.3)
    assert listener.hits == 0
    assert not canary.opened.is_set()


# --- Concurrency --------------------------------------------------------------------------


def test_concurrent_requests_each_get_their_own_answer(server, store):
    names = ["opt-out-attempts", "contradictions", "statistics", "sources", "timeline"]
    expected = {name: canned_rows(store, name) for name in names}
    answers: dict[int, tuple[str, list]] = {}

    def fetch(index: int, name: str):
        response = requests.get(f"{server.url}/queries/{name}.json", timeout=60)
        bindings = response.json()["results"]["bindings"]
        answers[index] = (name, [{k: v["value"] for k, v in row.items()} for row in bindings])

    threads = [threading.Thread(target=fetch, args=(i, names[i % len(names)])) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 40
    for name, rows in answers.values():
        assert rows == expected[name], name


# --- The test server itself ---------------------------------------------------------------


def test_a_server_that_cannot_start_is_stopped_and_leaves_nothing_open(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match=r"the server exited: (?s:.*)data1\.nt") as failed:
            LiveServer(w3c_data=tmp_path / "no-such-folder")
        del failed  # its traceback holds the half-made server
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
