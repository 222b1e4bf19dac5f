"""The HTTP front, against a real server process: slow, idle, malformed and greedy clients.

A journalist's browser or a script must be answered while others misbehave: clients that send
half a request and wait, bodies that stall, runaway queries filling every query worker, a
client spending far more query time than its share. Only generous "it did not hang" timeouts
are used here, never a latency figure (benchmarks/load.py measures those).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time

import pytest
import requests

from live_server import LiveServer

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
ASK = "ASK {}"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}
NOT_HUNG = 30  # seconds: far beyond any answer here, far below a runaway's deadline


@pytest.fixture(scope="module")
def server():
    settings = {"http_threads": 4, "client_timeout": 2, "workers": 2, "queue_length": 1}
    with LiveServer(query_timeout=120, settings=settings) as live:
        yield live


def send_raw(server: LiveServer, data: bytes, wait: float = NOT_HUNG) -> bytes:
    """Send bytes as they are and read all the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=wait) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def status_and_json(answer: bytes) -> tuple[int, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    content_type = [h for h in head.lower().split(b"\r\n") if h.startswith(b"content-type:")]
    assert content_type and content_type[0].split(b";")[0].endswith(b"json"), head
    return int(head.split()[1]), json.loads(body)


def ask(server: LiveServer, query: str = ASK, **kwargs) -> requests.Response:
    return requests.get(
        server.url + "/sparql", params={"query": query}, headers=JSON_RESULTS, timeout=NOT_HUNG
    )


@contextlib.contextmanager
def half_sent_requests(server: LiveServer, count: int):
    """``count`` connections that send the start of a request and then nothing."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=NOT_HUNG)
            sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            sockets.append(sock)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def test_clients_that_send_half_a_request_do_not_keep_others_waiting(server):
    with half_sent_requests(server, 8) as stalled:  # twice the front's threads
        answer = ask(server)
        assert answer.status_code == 200
        assert answer.json()["boolean"] is True
        for sock in stalled:
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
            status, body = status_and_json(reply)
            assert status == 408
            assert "2 s" in body["message"]


def test_a_body_that_stalls_is_answered_408(server):
    head = (
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\nASK"
    )
    status, body = status_and_json(send_raw(server, head))
    assert status == 408
    assert "body" in body["message"]


def chunked(body: bytes) -> bytes:
    pieces = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def post_chunked(server: LiveServer, body: bytes) -> bytes:
    head = (
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Accept: application/sparql-results+json\r\n"
        b"Content-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    return send_raw(server, head + chunked(body))


def test_a_chunked_body_over_the_limit_is_413_with_the_limit_and_is_not_run(server):
    limit = 1_000_000  # the default SCOMM_MAX_REQUEST_BYTES
    query = b"ASK {}"
    status, body = status_and_json(post_chunked(server, query + b" " * (limit + 10)))
    assert status == 413
    assert body["limit"] == limit
    assert "1000000 bytes" in body["message"]


def test_a_chunked_body_at_the_limit_is_run(server):
    answer = post_chunked(server, b"ASK {}" + b" " * (1_000_000 - 6))
    status, body = status_and_json(answer)
    assert (status, body["boolean"]) == (200, True)


@pytest.mark.parametrize(
    "request_bytes, status",
    [
        (b"GET /sparql?query=" + b"A" * 9000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414),
        (b"GET /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
        (b"GET /sparql HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)), 431),
        (b"NONSENSE\r\n\r\n", 400),
        (
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\n",
            400,
        ),
    ],
    ids=["long-request-line", "huge-header", "too-many-headers", "bad-line", "bad-chunk"],
)
def test_the_fronts_own_refusals_are_json(server, request_bytes, status):
    answer_status, body = status_and_json(send_raw(server, request_bytes + b"\r\n"))
    assert answer_status == status
    assert body["message"]


def test_two_requests_travel_on_one_kept_alive_connection(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=NOT_HUNG)
    try:
        for _ in range(2):
            connection.request("GET", "/sparql?query=ASK%7B%7D", headers=JSON_RESULTS)
            first_socket = connection.sock
            response = connection.getresponse()
            assert response.status == 200
            assert response.getheader("Connection", "").lower() != "close"
            response.read()
            assert connection.sock is first_socket  # not reopened
    finally:
        connection.close()


def start(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def test_cheap_questions_are_answered_while_runaways_fill_every_worker_and_the_queue(server):
    def runaway(n: int):
        # Each its own text: the result cache would let identical queries share one run.
        query = f"{RUNAWAY} # runaway {n}"
        with contextlib.suppress(requests.RequestException):
            requests.get(server.url + "/sparql", params={"query": query}, timeout=5)

    # 2 general workers and a queue of 1: three runaways fill them (their clients give up
    # after 5 s, which frees the workers); the fourth is refused at once.
    for n in range(3):
        start(runaway, n)
        time.sleep(0.3)
    refused = requests.get(
        server.url + "/sparql", params={"query": RUNAWAY + " # a fourth"}, timeout=NOT_HUNG
    )
    assert refused.status_code == 503
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"] == "server busy"
    # Meanwhile ASK and canned queries go through the reserved lane.
    assert ask(server).json()["boolean"] is True
    canned = requests.get(server.url + "/queries/statistics.json", timeout=NOT_HUNG)
    assert canned.status_code == 200
    assert canned.json()["results"]["bindings"]


def get_from(address: str, server: LiveServer, path: str) -> tuple[int, dict, dict]:
    """GET ``path`` from the local ``address`` (127.0.0.2 is another client on loopback)."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", server.port, timeout=NOT_HUNG, source_address=(address, 0)
    )
    try:
        connection.request("GET", path, headers=JSON_RESULTS)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        connection.close()


def test_a_client_over_its_query_budget_gets_429_while_others_are_served():
    # A budget of 1 s a minute and a deadline of 1.5 s: one stopped runaway overspends it.
    settings = {"client_query_seconds": 1, "workers": 2}
    with LiveServer(query_timeout=1.5, settings=settings) as live:
        assert get_from("127.0.0.3", live, "/queries/sources.json")[0] == 200  # now cached
        spent = get_from("127.0.0.3", live, "/sparql?query=" + requests.utils.quote(RUNAWAY))
        assert spent[0] == 503  # stopped at its deadline, and charged for it
        status, headers, body = get_from("127.0.0.3", live, "/sparql?query=ASK%7B%7D")
        assert status == 429
        assert int(headers["Retry-After"]) >= 1
        assert body["retry_after"] == int(headers["Retry-After"])
        assert "1 s of query time per minute" in body["message"]
        # What is cached costs nothing and is still served to the same client,
        assert get_from("127.0.0.3", live, "/queries/sources.json")[0] == 200
        # and another client is served as before.
        status, _, body = get_from("127.0.0.2", live, "/sparql?query=ASK%7B%7D")
        assert (status, body["boolean"]) == (200, True)


def test_an_answer_over_the_byte_cap_is_refused_before_any_of_it_is_sent():
    with LiveServer(settings={"max_answer_bytes": 20_000}) as live:
        everything = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
        refused = requests.get(
            live.url + "/sparql",
            params={"query": everything},
            headers=JSON_RESULTS,
            timeout=NOT_HUNG,
        )
        assert refused.status_code == 400
        body = refused.json()
        assert (body["error"], body["limit_bytes"]) == ("answer too large", 20_000)
        assert "20000" in body["message"].replace(",", "")
        # A small answer from the same server is whole.
        small = requests.get(
            live.url + "/sparql",
            params={"query": everything + " LIMIT 3"},
            headers=JSON_RESULTS,
            timeout=NOT_HUNG,
        )
        assert len(small.json()["results"]["bindings"]) == 3
