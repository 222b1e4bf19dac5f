"""The HTTP conventions as a real client meets them, on a real server process: a second visit
that costs nothing (ETag, 304), compressed answers, a Host header that is not believed, and
the router's own errors in JSON."""

from __future__ import annotations

import re

import pytest
import requests

from live_server import LiveServer

STATISTICS = "/queries/statistics.json"


@pytest.fixture(scope="module")
def server():
    with LiveServer() as live:
        yield live


def test_a_second_visit_with_the_etag_is_answered_304_without_a_body(server):
    with requests.Session() as session:
        first = session.get(server.url + STATISTICS, timeout=10)
        assert first.status_code == 200 and first.headers["Last-Modified"]
        again = session.get(
            server.url + STATISTICS, headers={"If-None-Match": first.headers["ETag"]}, timeout=10
        )
        assert again.status_code == 304 and again.content == b""
        assert again.headers["ETag"] == first.headers["ETag"]
        since = {"If-Modified-Since": first.headers["Last-Modified"]}
        assert session.head(server.url + STATISTICS, headers=since, timeout=10).status_code == 304


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_answers_come_compressed_when_the_client_asks(server, coding):
    response = requests.get(
        server.url + STATISTICS, headers={"Accept-Encoding": coding}, timeout=10
    )
    assert response.headers["Content-Encoding"] == coding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.json()["results"]["bindings"]  # requests decodes either


def test_a_spoofed_host_header_is_never_written_back(server):
    response = requests.get(
        server.url + "/sparql",
        headers={"Host": "evil.example", "Accept": "text/turtle"},
        timeout=10,
    )
    assert response.status_code == 200
    assert b"evil.example" not in response.content
    endpoint = re.search(rb"sd:endpoint <([^>]+)>", response.content).group(1).decode()
    assert endpoint == server.url + "/sparql"


def test_the_routers_own_errors_are_json(server):
    missing = requests.get(server.url + "/no-such-page", timeout=10)
    assert missing.status_code == 404 and missing.json()["error"] == "not found"
    refused = requests.delete(server.url + "/sparql", timeout=10)
    assert refused.status_code == 405
    assert refused.json()["allowed"] == ["GET", "HEAD", "OPTIONS", "POST"]
