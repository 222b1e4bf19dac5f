"""No form of SERVICE or LOAD reaches the engine: the guard against the engine itself.

Each variant below is first put to the guard (querytext.forbidden_reason). Then the engine runs
it anyway, with no guard, in a real query worker, against a listener on this machine's loopback
address that every SERVICE in the variants names: any variant the engine tried to send out must
be one the guard refused. It runs twice: in an isolated worker (as served: a variant that tries
is seen by the engine's failure to connect) and in a worker with isolation forced off (the
listener is reached: the guard alone must hold). The variants change what stands around the
keyword (white space, comments, punctuation, the operator "<" and what it can hide, strings,
escapes, prefixed names, the keyword's case and glued forms, nesting) and random characters
inserted next to it.
"""

from __future__ import annotations

import itertools
import random
import socket
import threading

import pyoxigraph as ox
import pytest

from scomm_kg import querytext
from scomm_kg.serving import isolation
from scomm_kg.serving.pool import GENERAL, Lane, QueryPool
from scomm_kg.settings import Settings
from scomm_kg.web import create_app

XSD = "http://www.w3.org/2001/XMLSchema#"


class Listener:
    """A loopback socket that counts the connections made to it and answers 500."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.hits += 1
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    conn.sendall(
                        b"HTTP/1.1 500 No\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                except OSError:
                    pass

    def count(self) -> int:
        with self._lock:
            return self.hits

    def close(self):
        self.sock.close()


@pytest.fixture(scope="module")
def listener():
    served = Listener()
    yield served
    served.close()


_engine: ox.Store | None = None


def engine() -> ox.Store:
    """Data every variant's patterns match, so that nothing short-circuits the SERVICE."""
    global _engine
    if _engine is None:
        _engine = ox.Store()
        node, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
        rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        triple = ox.Triple(node, p, ox.Literal("c"))
        head, reifier = ox.BlankNode("list"), ox.NamedNode("http://example.org/r")
        for s, pred, o in [
            (node, p, ox.Literal("c")),
            (node, p, ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))),
            (head, ox.NamedNode(rdf + "first"), ox.Literal("c")),
            (head, ox.NamedNode(rdf + "rest"), ox.NamedNode(rdf + "nil")),
            (reifier, ox.NamedNode(rdf + "reifies"), triple),
        ]:
            _engine.add(ox.Quad(s, pred, o))
    return _engine


def engine_tries_the_network(query: str) -> bool:
    """In the worker: run the query unguarded; True when the engine failed to connect (its
    I/O errors are OSError: unreachable network, refused socket, or the listener's 500)."""
    try:
        answer = engine().query(query)
        if isinstance(answer, ox.QuerySolutions | ox.QueryTriples):
            list(answer)
    except OSError:
        return True
    except (SyntaxError, RuntimeError, ValueError):
        pass
    return False


@pytest.fixture(scope="module", params=["isolated worker", "isolation off"])
def worker(request):
    """A query worker in which the engine runs each variant, isolated as served, or not."""
    mode = "auto" if request.param == "isolated worker" else "none"
    try:
        pool = QueryPool(None, {GENERAL: Lane(1, 30.0, 4)}, isolation_mode=mode).start()
    except isolation.IsolationUnavailable as unavailable:
        pytest.skip(str(unavailable))
    yield pool
    pool.stop()


def sends_out(worker, listener, query: str) -> bool:
    """Whether the engine, unguarded in the worker, tries to reach the listener."""
    before = listener.count()
    tried = worker.run(engine_tries_the_network, query)
    # The listener counts a connection before it answers, so before the engine returns.
    return tried or listener.count() != before


# Everything that can stand before the keyword in a group, and keeps the filter true.
BEFORE = [
    "",
    " ",
    "\n",
    "\t",
    "?s ?p ?o . ",
    "?s ?p ?o ",
    "?s ?p ?o.",
    "?s ?p ?o\n",
    "?s ?p <http://example.org/o> ",
    "?s ?p <http://example.org/o>",
    '?s ?p "x"',
    "?s ?p 1.0 ",
    "?s ?p 1.",
    "?s ?p ( ?o ) .",
    "[] ?p ?o .",
    "?s ?p ?o ; ?q ?r .",
    "FILTER(1<2)",
    "FILTER(1<2) ",
    "FILTER(1 <2)",
    "FILTER(?o<'d')",
    "FILTER(true)",
    "FILTER(STR(?o)<'z')",
    "OPTIONAL{?s ?p ?o}",
    "{?s ?p ?o}",
    "# a comment\n",
    "#SERVICE\n",
    "BIND(1 AS ?z)",
    "VALUES ?z {1}",
    "MINUS{?x ?y ?z}",
    "?s ?p ?o FILTER(1<2)",
    # A subject that needs no properties, then the keyword: a pattern may begin there.
    "[ ?p ?o ]",
    "[ ?p ?o ] ",
    "( ?o ) ",
    "( ?o )",
    "<< ?s ?p ?o >> ",
    "<<?s ?p ?o>>",
    # A trailing ";" (its verb is optional) or ",".
    "?s ?p ?o ;",
    "?s ?p ?o ; ",
    "?s ?p ?o;",
    # A keyword the engine ends a triple with, glued to the next one.
    "?s ?p true",
    "?s ?p true ",
    "?s ?p false",
    # Less-than, then "<" again: never a triple term after an operand.
    "FILTER(?o<<http://example.org/x#a>)",
    "FILTER(1<=2)",
]
# What can close an IRI the "<" of a filter seemed to open, hiding the keyword from a lexer.
AFTER_PATTERN = ["", " #>", "#>", ' "<>"', " # >"]
KEYWORDS = [
    "SERVICE",
    "service",
    "Service",
    "sErViCe",
    "SERVICE SILENT",
    "SERVICESILENT",
    "service silent",
    "SERVICE#x\nSILENT",
    "SERVICE\tSILENT",
    "SERVICE:sparql",
]
TARGETS = [" <{url}>", "<{url}>", "\n<{url}>", "#c\n<{url}>", " x:sparql", ":sparql", "x:sparql"]
PATTERNS = [" { ?a ?b ?c }", "{?a ?b ?c}", "{}", " {}"]
WRAPPERS = [
    "SELECT * WHERE {{ ?s ?p ?o {body} }}",
    "ASK {{ ?s ?p ?o {body} }}",
    "SELECT * {{ OPTIONAL {{ ?s ?p ?o {body} }} }}",
    "SELECT * {{ {{ SELECT * {{ ?s ?p ?o {body} }} }} }}",
    "SELECT * {{ ?s ?p ?o FILTER EXISTS {{ {body} }} }}",
    "SELECT * {{ ?s ?p ?o LATERAL {{ {body} }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o {body} }}",
    "DESCRIBE ?s WHERE {{ ?s ?p ?o {body} }}",
    "SELECT * {{ {{ ?s ?p ?o }} UNION {{ ?s ?p ?o {body} }} }}",
    "SELECT * {{ ?s ?p ?o }} ORDER BY ?o LIMIT 1 OFFSET 0",
]


def prologue(port: int) -> str:
    return (
        f"PREFIX x: <http://127.0.0.1:{port}/>\nPREFIX : <http://127.0.0.1:{port}/>\n"
        "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>\n"
    )


def variants(port: int, count: int, seed: int) -> list[str]:
    """A seeded sample of every combination, then the pieces' own cross product in part."""
    url = f"http://127.0.0.1:{port}/sparql"
    rng = random.Random(seed)
    combos = list(itertools.product(BEFORE, KEYWORDS, TARGETS, PATTERNS, AFTER_PATTERN, WRAPPERS))
    chosen = rng.sample(combos, count)
    # Every "before" with every keyword in the plainest frame, so none is left to chance.
    chosen += [(b, k, " <{url}>", " {}", "", WRAPPERS[0]) for b in BEFORE for k in KEYWORDS]
    queries = []
    for before, keyword, target, pattern, after, wrapper in chosen:
        body = before + keyword + target.format(url=url) + pattern + after + "\n"
        queries.append(prologue(port) + wrapper.format(body=body))
    return queries


def mutations(port: int, count: int, seed: int) -> list[str]:
    """A working SERVICE query with one to three random characters inserted beside SERVICE."""
    url = f"http://127.0.0.1:{port}/sparql"
    base = prologue(port) + "SELECT * WHERE { ?s ?p ?o FILTER(1<2) SERVICE <" + url + "> { } }"
    at = base.index("SERVICE")
    alphabet = "<>#\"'\n \t.{}():?$\\^@_;,=!&|*/+-~019aSeE%"
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        text = base
        for _ in range(rng.randint(1, 3)):
            spot = rng.randint(at - 12, at + 10)
            text = text[:spot] + rng.choice(alphabet) + text[spot:]
        out.append(text)
    return out


def test_the_plain_service_query_does_reach_out_without_the_guard(worker, listener):
    """The check below can fail: unguarded, the engine does call out (or try to)."""
    query = prologue(listener.port) + (
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(1<2)SERVICE <http://127.0.0.1:{listener.port}/> "
        "{ } #>\n}"
    )
    assert sends_out(worker, listener, query)
    if worker.isolation == "none":
        assert listener.count() > 0
    assert querytext.forbidden_reason(query) is not None


@pytest.mark.parametrize(
    ("kind", "seed"), [("combinations", 1), ("combinations", 2), ("mutations", 3)]
)
def test_every_variant_the_engine_sends_out_is_refused_by_the_guard(worker, listener, kind, seed):
    queries = (
        variants(listener.port, 1500, seed)
        if kind == "combinations"
        else mutations(listener.port, 3000, seed)
    )
    escaped, sent, refused = [], 0, 0
    for query in queries:
        reason = querytext.forbidden_reason(query)
        refused += reason is not None
        if sends_out(worker, listener, query):
            sent += 1
            if reason is None:
                escaped.append(query)
    assert escaped == []
    # The sample is not idle: variants do call out when nothing stops them (most random
    # insertions break the syntax, so fewer of those do).
    assert sent >= len(queries) // (20 if kind == "combinations" else 100), (sent, refused)


@pytest.mark.parametrize(
    "query",
    [
        # The service description's own vocabulary, and the word in every harmless place.
        "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> "
        "SELECT ?s WHERE { ?s a sd:Service ; sd:endpoint ?e }",
        "SELECT ?service WHERE { ?service <http://www.w3.org/ns/sparql-service-description#"
        "endpoint> ?e }",
        'SELECT * WHERE { ?s ?p "customer service" } # a comment on the service',
        "SELECT * WHERE { ?s ?p ?o FILTER(CONTAINS(?o, 'SERVICE')) }",
        "PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:p ?o }",
        # What the engine accepts and rdflib's parser does not: LATERAL and RDF-star.
        "SELECT * WHERE { ?s ?p ?o LATERAL { SELECT ?service WHERE { ?service ?q ?r } LIMIT 1 }}",
        "SELECT * WHERE { << ?s ?p ?o >> <http://example.org/service> ?x }",
        "SELECT * WHERE { ?s ?p ?o FILTER(?o < 'service') }",
        "SELECT * WHERE { ?s ?p ?o } ORDER BY <http://example.org/service>(?o)",
    ],
)
def test_harmless_mentions_of_service_are_not_refused(query):
    assert querytext.forbidden_reason(query) is None


def test_a_huge_query_that_only_mentions_service_is_read_through():
    """The 589 KB query the old check took 18 s over: read in one linear pass, not refused."""
    query = "SELECT * WHERE { " + "?s <http://example.org/service> 'service' . " * 14000 + "}"
    assert len(query) > 589_000
    assert querytext.forbidden_reason(query) is None


# --- LOAD: the engine fetches for it only as an update, which this service never runs ---------


def load_variants(port: int) -> list[str]:
    url = f"http://127.0.0.1:{port}/data.ttl"
    forms = [
        "LOAD <{url}>",
        "load silent <{url}>",
        "LOAD <{url}> INTO GRAPH <http://example.org/g>",
        "PREFIX x: <http://127.0.0.1:{port}/> LOAD x:data.ttl",
        "#c\nLOAD<{url}>",
        "SELECT * {{ ?s ?p ?o }} ; LOAD <{url}>",
        "LOAD <{url}> ; SELECT * {{ ?s ?p ?o }}",
        "INSERT DATA {{ <a:b> <a:c> 1 }} ; LOAD <{url}>",
        "SELECT * {{ ?s ?p ?o FILTER(1<2)LOAD <{url}> #>\n }}",
    ]
    return [form.format(url=url, port=port) for form in forms]


def test_the_engine_fetches_for_load_only_when_asked_to_update(listener):
    """Why LOAD is safe here: the same text as a query is a syntax error."""
    (load, *_) = load_variants(listener.port)
    before = listener.count()
    with pytest.raises(OSError):
        ox.Store().update(load)  # an update, which nothing in this service ever runs
    assert listener.count() == before + 1


def test_no_form_of_load_reaches_out_through_the_endpoint(store, listener):
    """As a query (query=) or as an update (update=, a direct update body), no request goes out."""
    client = create_app(Settings(), store=store).test_client()
    before = listener.count()
    for text in load_variants(listener.port):
        assert client.get("/sparql", query_string={"query": text}).status_code == 400, text
        assert client.post("/sparql", data={"update": text}).status_code == 403, text
        response = client.post(
            "/sparql", data=text.encode(), content_type="application/sparql-update"
        )
        assert response.status_code == 403, text
    assert listener.count() == before
