"""A linked-data client on a real gunicorn server: a thing's IRI answers 303 to its page or
its data, content negotiation picks the format, and a graph is a document that answers 200."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import requests

from live_server import LiveServer
from scomm_kg.namespaces import DEFAULT_BASE_IRI

PERSON = "/id/person/janet-napolitano"


@pytest.fixture(scope="module")
def server():
    with LiveServer() as live:
        yield live


def test_a_browser_and_a_data_client_are_sent_to_different_documents(server):
    browser = requests.get(
        server.url + PERSON, headers={"Accept": "text/html"}, allow_redirects=False, timeout=10
    )
    assert browser.status_code == 303
    assert browser.headers["Location"].endswith("/page/person/janet-napolitano")
    data = requests.get(
        server.url + PERSON,
        headers={"Accept": "application/trig"},
        allow_redirects=False,
        timeout=10,
    )
    assert data.status_code == 303
    assert data.headers["Location"].endswith("/data/person/janet-napolitano.trig")


def test_following_the_303_gives_data_that_parses_and_names_its_graphs(server):
    answer = requests.get(
        server.url + PERSON, headers={"Accept": "application/n-quads"}, timeout=10
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/n-quads")
    quads = list(ox.parse(answer.content, format=ox.RdfFormat.N_QUADS))
    person = ox.NamedNode(DEFAULT_BASE_IRI + PERSON[1:])
    assert any(q.subject == person for q in quads)
    assert all(str(q.graph_name.value).startswith(DEFAULT_BASE_IRI + "graph/") for q in quads)


def test_a_graph_answers_200_by_negotiation_and_an_unknown_iri_404(server):
    graph = requests.get(
        server.url + "/graph/backgrounder", headers={"Accept": "text/turtle"}, timeout=10
    )
    assert graph.status_code == 200 and graph.headers["Content-Type"].startswith("text/turtle")
    assert graph.headers["Content-Location"] == "/graph/backgrounder.ttl"
    missing = requests.get(server.url + "/id/person/napolitano", timeout=10)
    assert missing.status_code == 404
    assert missing.json()["suggestions"][0]["label"] == "Janet Napolitano"
