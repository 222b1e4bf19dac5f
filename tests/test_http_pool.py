"""The endpoint over the query pool: cheap work is answered while every general worker runs a
runaway query, a full queue is a 503 with Retry-After at once, and an answer over the byte cap
is refused with its limit. (Through the app in this process, from many threads at once: the
HTTP front's own capacity is tested against a real server elsewhere.)"""

from __future__ import annotations

import threading
import time

import pytest

from scomm_kg.settings import Settings
from scomm_kg.web import create_app

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def crowded(store):
    """An app whose two general query workers both run a runaway query, one more waiting."""
    settings = Settings(workers=2, queue_length=1, query_timeout=60.0, max_answer_bytes=20_000)
    app = create_app(settings, store=store)
    statuses: list[int] = []

    def runaway(n: int):
        # Each one its own text: the result cache would run identical ones only once.
        query = f"{RUNAWAY} # runaway {n}"
        response = app.test_client().get("/sparql", query_string={"query": query})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=runaway, args=(n,), daemon=True) for n in range(3)]
    for thread in threads:
        thread.start()
        time.sleep(0.2)
    time.sleep(0.5)
    yield app
    app.extensions["scomm"]["service"].close()
    for thread in threads:
        thread.join(10)
    # Stopped under them, the runaways were answered (503), not left hanging.
    assert statuses == [503, 503, 503]


def test_ask_is_answered_while_every_general_worker_runs_a_runaway(crowded):
    started = time.monotonic()
    response = crowded.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 200 and response.json["boolean"] is True
    assert time.monotonic() - started < 5


def test_a_canned_query_and_its_page_are_answered_too(crowded):
    client = crowded.test_client()
    answer = client.get("/queries/opt-out-attempts.json")
    assert answer.status_code == 200 and answer.json["results"]["bindings"]
    page = client.get("/queries/opt-out-attempts", headers={"Accept": "text/html"})
    assert page.status_code == 200


def test_a_general_query_beyond_the_full_queue_is_a_503_with_retry_after_at_once(crowded):
    started = time.monotonic()
    response = crowded.test_client().get(
        "/sparql",
        query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"},
        headers=JSON_RESULTS,
    )
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.json["error"] == "server busy"
    assert "busy" in response.json["message"]
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60 and response.json["retry_after"] == retry_after


@pytest.fixture(scope="module")
def capped(store):
    app = create_app(Settings(max_answer_bytes=20_000), store=store)
    yield app.test_client()
    app.extensions["scomm"]["service"].close()


def test_an_answer_over_the_byte_cap_is_refused_stating_the_limit(capped):
    response = capped.get(
        "/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers=JSON_RESULTS
    )
    assert response.status_code == 400
    assert response.json["error"] == "answer too large"
    assert response.json["limit_bytes"] == 20_000
    assert "20000 bytes" in response.json["message"]


def test_an_answer_under_the_cap_is_sent_whole(capped):
    response = capped.get(
        "/sparql",
        query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"},
        headers=JSON_RESULTS,
    )
    assert response.status_code == 200 and len(response.json["results"]["bindings"]) == 5
