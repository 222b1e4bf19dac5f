"""HTTP as caches, browsers and proxies expect it: validators and 304, compression, the Host
header, errors. The app runs queries in-process over a store that counts what reaches its
engine, so a test sees which requests ran a query.
"""

from __future__ import annotations

import gzip
import re
from datetime import timedelta

import brotli
import pytest
from werkzeug.http import http_date

from scomm_kg import loader
from scomm_kg.settings import Settings
from scomm_kg.web import create_app

from helpers import CountingStore

ATTEMPTS = "SELECT ?a WHERE { ?a a scomm:OptOutAttempt } ORDER BY ?a"
BOSTON_GLOBE = "https://w3id.org/scomm-kg/graph/boston-globe-boston-opt-out"
NAPOLITANO = "id/person/janet-napolitano"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

# Every kind of answer the server gives, as (path, query string, Accept).
EVERY_ANSWER = [
    ("/", {}, BROWSER),
    ("/sparql", {"query": ATTEMPTS}, None),
    ("/sparql", {}, "text/turtle"),  # the service description
    ("/queries", {}, BROWSER),
    ("/queries.json", {}, None),
    ("/queries/statistics", {}, BROWSER),
    ("/queries/statistics.csv", {}, None),
    ("/queries/statements-by-speaker.json", {"speaker": NAPOLITANO}, None),
    ("/source/secure-communities-backgrounder.txt", {}, None),
]
ANSWER_IDS = [
    "home",
    "query",
    "description",
    "catalogue",
    "catalogue.json",
    "canned page",
    "canned csv",
    "canned json",
    "source",
]


@pytest.fixture(scope="module")
def nquads():
    return loader.load().nquads()


@pytest.fixture
def store(nquads):
    counting = CountingStore()
    counting.replace_all(nquads)
    return counting


def app_over(store, **settings):
    return create_app(Settings(**settings), store=store, isolate_queries=False)


@pytest.fixture
def client(store):
    return app_over(store).test_client()


def ask(client, path, params=None, accept=None, **headers):
    if accept:
        headers["Accept"] = accept
    return client.get(path, query_string=params or {}, headers=headers)


# --- Validators and 304 --------------------------------------------------------------------


@pytest.mark.parametrize(("path", "params", "accept"), EVERY_ANSWER, ids=ANSWER_IDS)
def test_every_answer_carries_an_etag_and_when_the_data_was_loaded(
    client, store, path, params, accept
):
    response = ask(client, path, params, accept)
    assert response.status_code == 200
    etag, weak = response.get_etag()
    assert etag and not weak
    assert response.last_modified == store.version.loaded
    assert response.headers["Cache-Control"]


@pytest.mark.parametrize(("path", "params", "accept"), EVERY_ANSWER, ids=ANSWER_IDS)
def test_a_client_that_holds_an_answer_gets_304_without_a_body(client, path, params, accept):
    first = ask(client, path, params, accept)
    again = ask(client, path, params, accept, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_a_query_the_client_holds_is_not_run_again(store):
    # A cache of zero bytes: only the ETag can spare the engine.
    client = app_over(store, result_cache_mb=0).test_client()
    for path, params in [
        ("/sparql", {"query": ATTEMPTS}),
        ("/queries/statements-by-speaker.json", {"speaker": NAPOLITANO}),
    ]:
        first = ask(client, path, params)
        ran = store.calls
        again = ask(client, path, params, **{"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
        assert store.calls == ran, f"{path}: the query ran for a client that holds its answer"


@pytest.mark.parametrize(
    ("other", "accept"),
    [
        ({"query": ATTEMPTS + " LIMIT 3"}, None),
        ({"query": ATTEMPTS, "format": "csv"}, None),
        ({"query": ATTEMPTS}, "application/sparql-results+xml"),
        ({"query": ATTEMPTS, "default-graph-uri": BOSTON_GLOBE}, None),
        ({"query": ATTEMPTS, "named-graph-uri": BOSTON_GLOBE}, None),
    ],
    ids=["text", "format parameter", "accept", "default graph", "named graph"],
)
def test_the_etag_differs_with_whatever_makes_the_answer_differ(client, other, accept):
    first = ask(client, "/sparql", {"query": ATTEMPTS})
    second = ask(client, "/sparql", other, accept)
    assert first.headers["ETag"] != second.headers["ETag"]
    held = ask(client, "/sparql", other, accept, **{"If-None-Match": first.headers["ETag"]})
    assert held.status_code == 200 and held.data == second.data


def test_a_canned_querys_etag_differs_with_its_parameters(client):
    boston, ramsey = (
        ask(client, "/queries/search.json", {"text": text}) for text in ("Boston", "Ramsey")
    )
    assert boston.headers["ETag"] != ramsey.headers["ETag"]


def test_new_data_makes_every_etag_stale(client, store):
    first = ask(client, "/sparql", {"query": ATTEMPTS})
    description = ask(client, "/sparql", {}, "text/turtle")
    store.replace_all(
        b"<http://ex.org/a> <http://ex.org/p> <http://ex.org/o> <http://ex.org/g> .\n"
    )
    for response, params, accept in [
        (first, {"query": ATTEMPTS}, None),
        (description, {}, "text/turtle"),
    ]:
        again = ask(
            client, "/sparql", params, accept, **{"If-None-Match": response.headers["ETag"]}
        )
        assert again.status_code == 200
        assert again.headers["ETag"] != response.headers["ETag"]


def test_if_modified_since_the_data_was_loaded_is_answered_304(client, store):
    loaded = store.version.loaded
    for since, status in [
        (loaded, 304),
        (loaded + timedelta(days=1), 304),
        (loaded - timedelta(seconds=1), 200),
    ]:
        for path, params in [("/sparql", {"query": ATTEMPTS}), ("/queries.json", {})]:
            response = client.get(
                path, query_string=params, headers={"If-Modified-Since": http_date(since)}
            )
            assert response.status_code == status, (path, since)


def test_if_none_match_decides_over_if_modified_since(client, store):
    tag = ask(client, "/sparql", {"query": ATTEMPTS}).headers["ETag"]
    recent = http_date(store.version.loaded)
    old = http_date(store.version.loaded - timedelta(days=1))
    for held, since, status in [('"not-this-one"', recent, 200), (tag, old, 304)]:
        headers = {"If-None-Match": held, "If-Modified-Since": since}
        assert ask(client, "/sparql", {"query": ATTEMPTS}, **headers).status_code == status


def test_a_head_request_is_answered_304_too(client):
    first = ask(client, "/queries/statistics.json")
    again = client.head(
        "/queries/statistics.json", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_post_is_tagged_but_always_answered_in_full(client):
    first = client.post("/sparql", data={"query": ATTEMPTS})
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.post(
        "/sparql", data={"query": ATTEMPTS}, headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 200 and again.data == first.data


def test_an_answer_is_tagged_and_an_error_is_not(client):
    assert "ETag" in ask(client, "/sparql", {"query": ATTEMPTS}).headers
    error = ask(client, "/sparql", {"query": "SELECT ?s WHERE {"})
    assert error.status_code == 400
    assert "ETag" not in error.headers and "Last-Modified" not in error.headers


# --- Compression ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("coding", "decompress"), [("gzip", gzip.decompress), ("br", brotli.decompress)]
)
@pytest.mark.parametrize(("path", "params", "accept"), EVERY_ANSWER, ids=ANSWER_IDS)
def test_answers_are_compressed_when_the_client_asks(
    client, path, params, accept, coding, decompress
):
    plain = ask(client, path, params, accept)
    packed = ask(client, path, params, accept, **{"Accept-Encoding": coding})
    assert packed.headers["Content-Encoding"] == coding
    assert decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data)
    assert int(packed.headers["Content-Length"]) == len(packed.data)
    for response in (plain, packed):
        assert (
            "Accept-Encoding" in response.headers["Vary"] and "Accept" in response.headers["Vary"]
        )


def test_brotli_is_preferred_when_the_client_likes_both_as_well(client):
    response = ask(client, "/queries/statistics.json", **{"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    response = ask(client, "/queries/statistics.json", **{"Accept-Encoding": "gzip, br;q=0.5"})
    assert response.headers["Content-Encoding"] == "gzip"


def test_tiny_bodies_and_clients_that_do_not_ask_are_sent_as_they_are(client):
    tiny = ask(client, "/sparql", {"query": "ASK {}"}, **{"Accept-Encoding": "gzip, br"})
    assert len(tiny.data) < 100 and "Content-Encoding" not in tiny.headers
    assert "Accept-Encoding" in tiny.headers["Vary"]
    assert "Content-Encoding" not in ask(client, "/queries/statistics.json").headers


def test_each_coding_is_its_own_representation_with_its_own_etag(store):
    client = app_over(store, result_cache_mb=0).test_client()
    plain = ask(client, "/queries/statistics.json")
    packed = ask(client, "/queries/statistics.json", **{"Accept-Encoding": "gzip"})
    assert plain.headers["ETag"] != packed.headers["ETag"]
    ran = store.calls
    again = ask(
        client,
        "/queries/statistics.json",
        **{"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]},
    )
    assert again.status_code == 304 and again.headers["ETag"] == packed.headers["ETag"]
    assert store.calls == ran, "the client held the gzipped answer, yet the query ran"


# --- The Host header -----------------------------------------------------------------------

SPOOFED = "evil.example"
SD_ENDPOINT = re.compile(rb"sd:endpoint <([^>]+)>")


def endpoint_named(client, **headers) -> str:
    """The sd:endpoint the service description gives this client."""
    response = ask(client, "/sparql", {}, "text/turtle", **headers)
    return SD_ENDPOINT.search(response.data).group(1).decode()


@pytest.mark.parametrize(("path", "params", "accept"), EVERY_ANSWER, ids=ANSWER_IDS)
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_a_spoofed_host_appears_in_no_answer(client, path, params, accept, encoding):
    for target in (path, path + "-nothing-here"):  # answers and errors alike
        response = ask(
            client, target, params, accept, Host=SPOOFED, **{"Accept-Encoding": encoding}
        )
        coded = response.headers.get("Content-Encoding") == "gzip"
        body = gzip.decompress(response.data) if coded else response.data
        assert SPOOFED.encode() not in body
        assert not any(SPOOFED in value for _, value in response.headers.items())


def test_an_untrusted_host_gives_way_to_the_address_the_server_listens_on(store):
    client = app_over(store, host="127.0.0.1", port=8181).test_client()
    assert endpoint_named(client, Host=SPOOFED) == "http://127.0.0.1:8181/sparql"
    links = ask(client, "/queries.json", Host=SPOOFED).get_json()["queries"]
    assert {entry["url"].rsplit("/queries/", 1)[0] for entry in links} == {"http://127.0.0.1:8181"}
    anywhere = app_over(store, host="0.0.0.0", port=8181).test_client()
    assert endpoint_named(anywhere, Host=SPOOFED) == "http://localhost:8181/sparql"


def test_a_relative_iri_in_a_query_never_resolves_against_a_spoofed_host(store):
    client = app_over(store, host="127.0.0.1", port=8181).test_client()
    query = "CONSTRUCT { <notes/a> <http://ex.org/p> 1 } WHERE {}"
    answer = ask(client, "/sparql", {"query": query}, "application/n-triples", Host=SPOOFED)
    assert answer.data.startswith(b"<http://127.0.0.1:8181/notes/a>")


def test_allowed_hosts_are_written_as_they_came(store):
    client = app_over(store, allowed_hosts="kg.example.org,.example.net").test_client()
    assert endpoint_named(client, Host="kg.example.org:8443") == "http://kg.example.org:8443/sparql"
    assert endpoint_named(client, Host="data.example.net") == "http://data.example.net/sparql"
    assert endpoint_named(client, Host="example.net") == "http://example.net/sparql"
    assert endpoint_named(client, Host="localhost") == "http://127.0.0.1:8080/sparql"
    assert endpoint_named(client, Host="example.org") == "http://127.0.0.1:8080/sparql"
    anyone = app_over(store, allowed_hosts="*").test_client()
    assert endpoint_named(anyone, Host="whatever.example") == "http://whatever.example/sparql"


def test_by_default_the_local_names_are_trusted(client):
    assert endpoint_named(client, Host="localhost:8080") == "http://localhost:8080/sparql"
    assert endpoint_named(client, Host="127.0.0.1:9999") == "http://127.0.0.1:9999/sparql"
    assert endpoint_named(client, Host="[::1]:8080") == "http://[::1]:8080/sparql"


@pytest.mark.parametrize("host", ["kg.example.org", SPOOFED, "localhost:8080", "a b", "x/y", ""])
def test_the_public_url_is_written_for_its_own_host_and_for_any_untrusted_one(store, host):
    client = app_over(
        store, public_url="https://kg.example.org/scomm/", allowed_hosts=""
    ).test_client()
    headers = {"Host": host} if host else {}
    assert endpoint_named(client, **headers) == "https://kg.example.org/scomm/sparql"


def test_behind_a_trusted_proxy_the_forwarded_host_is_checked_too(store):
    client = app_over(
        store, trust_proxy_headers=True, public_url="https://kg.example.org/"
    ).test_client()
    forwarded = {"X-Forwarded-Host": SPOOFED, "X-Forwarded-Proto": "https"}
    assert endpoint_named(client, **forwarded) == "https://kg.example.org/sparql"
    forwarded = {"X-Forwarded-Host": "localhost", "X-Forwarded-Proto": "https"}
    assert endpoint_named(client, **forwarded) == "https://localhost/sparql"


def test_the_host_settings_come_from_the_environment_and_are_checked():
    settings = Settings.from_env(
        {"SCOMM_PUBLIC_URL": "https://kg.example.org/", "SCOMM_ALLOWED_HOSTS": "a.example,b"}
    )
    assert settings.public_url == "https://kg.example.org/"
    assert settings.allowed_hosts == "a.example,b"
    for wrong in ("kg.example.org", "ftp://kg.example.org/", "https:///path", "https://h/?q=1"):
        with pytest.raises(ValueError, match="public_url"):
            Settings(public_url=wrong).check()


# --- Errors from routing and from the request body -----------------------------------------


def test_a_method_a_route_does_not_take_is_a_405_that_names_those_it_takes(client):
    # Routing errors are JSON like every other, or a page for a browser.
    assert client.get("/no-such-page").json["error"] == "not found"
    assert client.get("/no-such-page", headers={"Accept": BROWSER}).mimetype == "text/html"
    response = client.delete("/sparql")
    assert response.status_code == 405
    assert response.json["error"] == "method not allowed"
    assert response.json["allowed"] == ["GET", "HEAD", "OPTIONS", "POST"]
    assert (
        "DELETE" in response.json["message"]
        and "GET, HEAD, OPTIONS, POST" in response.json["message"]
    )
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    page = client.put("/queries", headers={"Accept": BROWSER})
    assert page.status_code == 405 and page.mimetype == "text/html"
    assert b"GET, HEAD, OPTIONS" in page.data


def test_a_body_over_the_limit_is_a_413_that_states_the_limit(store):
    client = app_over(store, max_request_bytes=1000).test_client()
    response = client.post("/sparql", data="#" * 1001, content_type="application/sparql-query")
    assert response.status_code == 413
    assert response.json["error"] == "request entity too large"
    assert response.json["limit"] == 1000
    assert "1000 bytes" in response.json["message"]


def test_a_script_on_another_site_may_read_the_etag(client):
    # Last-Modified is readable across origins anyway; ETag only when exposed.
    response = ask(client, "/queries/statistics.json", Origin="https://elsewhere.example")
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert "ETag" in exposed
