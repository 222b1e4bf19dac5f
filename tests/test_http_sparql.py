"""/sparql as a linked-data developer or a journalist meets it, over HTTP (Flask's test client).

The W3C protocol suite runs against a live server elsewhere; these tests go further: the same
rows whichever way the query is sent, the dataset a request sees, every result format read back
by an independent parser, content negotiation with q-values, CORS, the service description, and
every error as a short JSON answer. Queries run in forked workers with the default limits, as in
production; separate apps carry a small row limit, time limit or request size.
"""

from __future__ import annotations

import csv
import html
import io

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, SH, XSD

from scomm_kg.loader import rdflib_quietly
from scomm_kg.namespaces import PREFIXES as PROJECT_PREFIXES
from scomm_kg.results import term_text
from scomm_kg.settings import Settings
from scomm_kg.web import create_app

from helpers import ON_VIRTUOSO, iri

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
TRIG = "application/trig"
NQUADS = "application/n-quads"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
W3C_FORMATS = rdflib.Namespace("http://www.w3.org/ns/formats/")

WUSA = iri("graph/wusa-washington-dc-opt-out")
BOSTON_GLOBE = iri("graph/boston-globe-boston-opt-out")
DC_ATTEMPT = iri("id/event/opt-out-attempt/washington-dc-2010-07")
BOSTON_ATTEMPT = iri("id/event/opt-out-attempt/boston-ma-2011-07")
DC_LABEL = "Washington, D.C. tries to opt out of Secure Communities (July 2010)"
NO_SUCH_GRAPH = "http://example.org/no-such-graph"

PREFIXES = """\
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX scomm: <https://w3id.org/scomm-kg/ontology#>
"""
# Which jurisdictions tried to opt out, and when: seven attempts, each in its own source graph.
ATTEMPTS = (
    PREFIXES
    + "SELECT ?attempt ?date WHERE { ?attempt a scomm:OptOutAttempt ; dcterms:date ?date }\n"
    + "ORDER BY ?attempt"
)
ATTEMPTS_BY_GRAPH = (
    PREFIXES
    + "SELECT ?g ?attempt WHERE { GRAPH ?g { ?attempt a scomm:OptOutAttempt } } ORDER BY ?g"
)
ATTEMPT_GRAPH = (
    PREFIXES
    + "CONSTRUCT { ?attempt a scomm:OptOutAttempt ; rdfs:label ?label ; dcterms:date ?date }\n"
    + "WHERE { ?attempt a scomm:OptOutAttempt ; rdfs:label ?label ; dcterms:date ?date }"
)
DESCRIBE_DC = f"DESCRIBE <{DC_ATTEMPT}>"
ASK_DC = PREFIXES + f"ASK {{ <{DC_ATTEMPT}> a scomm:OptOutAttempt }}"
# Far more work than a one-second limit allows (about 2 * 10^9 solutions to count).
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

RESULTS_PARSERS = {
    JSON: ox.QueryResultsFormat.JSON,
    XML: ox.QueryResultsFormat.XML,
    TSV: ox.QueryResultsFormat.TSV,
}
RDFLIB_FORMATS = {
    TURTLE: "turtle",
    NTRIPLES: "nt",
    JSONLD: "json-ld",
    RDFXML: "xml",
    TRIG: "trig",
    NQUADS: "nquads",
}
TABULAR = [("json", JSON), ("xml", XML), ("csv", CSV), ("tsv", TSV)]
GRAPHS = [
    ("turtle", TURTLE),
    ("ntriples", NTRIPLES),
    ("jsonld", JSONLD),
    ("rdfxml", RDFXML),
    ("trig", TRIG),
    ("nquads", NQUADS),
]


# --- Apps and clients ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(store):
    """The endpoint as deployed: default settings, queries in forked workers."""
    return create_app(Settings.from_env(), store=store).test_client()


@pytest.fixture(scope="module")
def proxied_client(store):
    """The endpoint reached by names it trusts, as behind a proxy (see SCOMM_ALLOWED_HOSTS)."""
    allowed = "localhost,example.org,data.example.org"
    return create_app(Settings(allowed_hosts=allowed), store=store).test_client()


@pytest.fixture(scope="module")
def slow_client(store):
    """An endpoint that stops any query after one second."""
    return create_app(Settings(query_timeout=1), store=store).test_client()


@pytest.fixture(scope="module")
def small_client(store):
    """An endpoint that gives at most three rows (or triples) per answer."""
    return create_app(Settings(row_limit=3), store=store).test_client()


@pytest.fixture(scope="module")
def tight_client(store):
    """An endpoint that refuses request bodies over 1000 bytes."""
    return create_app(Settings(max_request_bytes=1000), store=store).test_client()


# --- Helpers -------------------------------------------------------------------------------


def get(client, params, accept=None, **kwargs):
    """GET /sparql with these parameters (a dict, or pairs when a name repeats)."""
    headers = {"Accept": accept} if accept else {}
    return client.get("/sparql", query_string=params, headers=headers, **kwargs)


def solutions(response) -> list[dict]:
    """The rows of a SELECT answer, read back by pyoxigraph (CSV: by the csv module)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    if response.mimetype == CSV:
        text = response.get_data(as_text=True)
        return [
            {k: v for k, v in row.items() if v}
            for row in csv.DictReader(io.StringIO(text, newline=""))
        ]
    parsed = ox.parse_query_results(response.data, RESULTS_PARSERS[response.mimetype])
    names = [v.value for v in parsed.variables]
    return [{name: row[name] for name in names if row[name] is not None} for row in parsed]


def plain(rows) -> list[dict[str, str]]:
    """Rows with every term as its plain text (IRI, lexical form), as CSV carries them."""
    return [{k: v if isinstance(v, str) else term_text(v) for k, v in row.items()} for row in rows]


def boolean(response) -> bool:
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = ox.parse_query_results(response.data, RESULTS_PARSERS[response.mimetype])
    assert isinstance(answer, ox.QueryBoolean)
    return bool(answer)


def to_rdflib(term):
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=term.datatype.value)


def rdf_graph(response) -> rdflib.Graph:
    """The graph of an RDF answer, read back by rdflib; quad formats must use the default graph."""
    assert response.status_code == 200, response.get_data(as_text=True)
    with rdflib_quietly():
        dataset = rdflib.Dataset()
        dataset.parse(data=response.data, format=RDFLIB_FORMATS[response.mimetype])
        graphs = [g for g in dataset.graphs() if len(g)]
        assert len(graphs) <= 1, "a CONSTRUCT answer is one graph"
        result = rdflib.Graph()
        for triple in dataset.default_graph:
            result.add(triple)
    return result


def store_graph(store, query) -> rdflib.Graph:
    graph = rdflib.Graph()
    for t in store.query(query).triples:
        graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph


def attempts(response) -> list[str]:
    return [row["attempt"].value for row in solutions(response)]


def assert_json_error(response, status, *mentions):
    """A short JSON error with "error" and "message", no stack trace, readable from any origin."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) >= {"error", "message"}
    assert body["error"] and body["message"]
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and 'File "' not in text
    assert len(response.data) < 1000
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    for word in mentions:
        assert word.lower() in body["message"].lower(), body["message"]
    return body


def service_description(response) -> rdflib.Graph:
    assert response.status_code == 200, response.get_data(as_text=True)
    with rdflib_quietly():
        return rdflib.Graph().parse(data=response.data, format=RDFLIB_FORMATS[response.mimetype])


# --- One query, three ways of sending it -------------------------------------------------


def test_get_form_post_and_direct_post_give_the_same_rows(client, store):
    expected = [dict(row) for row in store.query(ATTEMPTS).rows]
    by_get = solutions(get(client, {"query": ATTEMPTS}))
    by_form = solutions(client.post("/sparql", data={"query": ATTEMPTS}, content_type=FORM))
    by_direct = solutions(client.post("/sparql", data=ATTEMPTS, content_type=DIRECT))
    assert by_get == by_form == by_direct == expected
    assert len(expected) == 7
    assert {
        "attempt": ox.NamedNode(DC_ATTEMPT),
        "date": ox.Literal(
            "2010-07", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYearMonth")
        ),
    } in expected


def test_direct_post_with_an_explicit_utf8_charset_and_non_ascii_text(client):
    query = 'SELECT ?s WHERE { ?s ?p "Zoë Lofgren" } # naïve comment'
    response = client.post(
        "/sparql", data=query.encode("utf-8"), content_type=DIRECT + "; charset=UTF-8"
    )
    assert solutions(response) == []


# --- The dataset a request sees ----------------------------------------------------------


def test_without_dataset_parameters_the_default_graph_is_the_union_of_the_named_graphs(client):
    everything = attempts(get(client, {"query": ATTEMPTS}))
    assert len(everything) == 7
    by_graph = solutions(get(client, {"query": ATTEMPTS_BY_GRAPH}))
    assert sorted(row["attempt"].value for row in by_graph) == sorted(everything)
    assert len({row["g"] for row in by_graph}) == 7, "each attempt sits in its own source graph"


def test_default_graph_uri_restricts_the_default_graph_to_that_graph(client):
    assert attempts(get(client, {"query": ATTEMPTS, "default-graph-uri": WUSA})) == [DC_ATTEMPT]


def test_default_graph_uri_is_honoured_in_a_form_post(client):
    response = client.post("/sparql", data={"query": ATTEMPTS, "default-graph-uri": WUSA})
    assert attempts(response) == [DC_ATTEMPT]


def test_default_graph_uri_is_honoured_in_the_url_of_a_direct_post(client):
    response = client.post(
        "/sparql", query_string={"default-graph-uri": WUSA}, data=ATTEMPTS, content_type=DIRECT
    )
    assert attempts(response) == [DC_ATTEMPT]


def test_several_default_graph_uris_merge_into_one_default_graph(client):
    params = [("query", ATTEMPTS), ("default-graph-uri", WUSA), ("default-graph-uri", BOSTON_GLOBE)]
    assert attempts(get(client, params)) == sorted([DC_ATTEMPT, BOSTON_ATTEMPT])


def test_named_graph_uri_chooses_the_graphs_that_graph_patterns_see(client):
    params = [
        ("query", ATTEMPTS_BY_GRAPH),
        ("named-graph-uri", WUSA),
        ("named-graph-uri", BOSTON_GLOBE),
    ]
    rows = plain(solutions(get(client, params)))
    assert rows == [
        {"g": BOSTON_GLOBE, "attempt": BOSTON_ATTEMPT},
        {"g": WUSA, "attempt": DC_ATTEMPT},
    ]


def test_named_graphs_alone_leave_the_default_graph_empty(client):
    params = {"query": "ASK { ?s ?p ?o }", "named-graph-uri": WUSA}
    assert boolean(get(client, params, JSON)) is False


def test_default_graphs_alone_leave_no_named_graphs(client):
    params = {"query": ATTEMPTS_BY_GRAPH, "default-graph-uri": WUSA}
    assert solutions(get(client, params)) == []


def test_a_from_clause_in_the_query_is_honoured(client):
    query = ATTEMPTS.replace("WHERE", f"FROM <{WUSA}> WHERE", 1)
    assert attempts(get(client, {"query": query})) == [DC_ATTEMPT]


def test_from_named_in_the_query_is_honoured_and_empties_the_default_graph(client):
    query = ATTEMPTS_BY_GRAPH.replace("WHERE", f"FROM NAMED <{BOSTON_GLOBE}> WHERE", 1)
    assert plain(solutions(get(client, {"query": query}))) == [
        {"g": BOSTON_GLOBE, "attempt": BOSTON_ATTEMPT}
    ]
    only_named = ATTEMPTS.replace("WHERE", f"FROM NAMED <{BOSTON_GLOBE}> WHERE", 1)
    assert attempts(get(client, {"query": only_named})) == []


def test_the_word_from_outside_a_dataset_clause_keeps_the_union_default_graph(client):
    query = (
        "# FROM <https://w3id.org/scomm-kg/graph/wusa-washington-dc-opt-out>\n"
        + ATTEMPTS.replace("?date }", '?date . FILTER(?date != "FROM") }')
    )
    assert len(attempts(get(client, {"query": query}))) == 7


def test_protocol_parameters_override_the_from_clause(client):
    query = ATTEMPTS.replace("WHERE", f"FROM <{WUSA}> WHERE", 1)
    response = get(client, {"query": query, "default-graph-uri": BOSTON_GLOBE})
    assert attempts(response) == [BOSTON_ATTEMPT]


def test_protocol_named_graphs_override_from_named(client):
    query = ATTEMPTS_BY_GRAPH.replace("WHERE", f"FROM NAMED <{WUSA}> WHERE", 1)
    response = get(client, {"query": query, "named-graph-uri": BOSTON_GLOBE})
    assert plain(solutions(response)) == [{"g": BOSTON_GLOBE, "attempt": BOSTON_ATTEMPT}]


@pytest.mark.parametrize(
    "params",
    [
        {"query": ATTEMPTS.replace("WHERE", f"FROM <{NO_SUCH_GRAPH}> WHERE", 1)},
        {"query": ATTEMPTS, "default-graph-uri": NO_SUCH_GRAPH},
        {"query": ATTEMPTS_BY_GRAPH, "named-graph-uri": NO_SUCH_GRAPH},
        {"query": ATTEMPTS_BY_GRAPH.replace("WHERE", f"FROM NAMED <{NO_SUCH_GRAPH}> WHERE", 1)},
    ],
    ids=["FROM", "default-graph-uri", "named-graph-uri", "FROM NAMED"],
)
def test_an_unknown_graph_is_an_empty_graph_not_an_error(client, params):
    response = get(client, params)
    assert response.status_code == 200
    assert solutions(response) == []


def test_the_union_default_graph_holds_each_triple_once(client, store):
    if store.runs_queries_remotely:
        pytest.skip("a SPARQL server unites the graphs as a bag (README: Stores)")
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    rows = plain(solutions(get(client, {"query": query})))
    seen = [(r["s"], r["p"], r["o"]) for r in rows]
    assert len(seen) == len(set(seen))


# --- Relative IRIs and hostile parameter values --------------------------------------------


def test_relative_iris_in_a_construct_resolve_against_the_endpoint_url(proxied_client):
    query = f"CONSTRUCT {{ <notes/dc> rdfs:seeAlso <{DC_ATTEMPT}> }} WHERE {{}}"
    params = {"query": "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + query}
    local = rdf_graph(get(proxied_client, params, NTRIPLES))
    assert set(local.subjects()) == {rdflib.URIRef("http://localhost/notes/dc")}
    base_url = "https://data.example.org/kg/"
    proxied = rdf_graph(get(proxied_client, params, NTRIPLES, base_url=base_url))
    assert set(proxied.subjects()) == {rdflib.URIRef("https://data.example.org/kg/notes/dc")}


def test_a_base_declared_in_the_query_wins_over_the_endpoint_url(client):
    query = "BASE <http://example.org/base/>\nCONSTRUCT { <a> <b> <c> } WHERE {}"
    graph = rdf_graph(get(client, {"query": query}, NTRIPLES))
    assert set(graph) == {
        (
            rdflib.URIRef("http://example.org/base/a"),
            rdflib.URIRef("http://example.org/base/b"),
            rdflib.URIRef("http://example.org/base/c"),
        )
    }


@pytest.mark.parametrize("name", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize(
    "value",
    [
        "not an iri",
        WUSA + "> } UNION { ?attempt a ?date } # ",
        f"{WUSA} {BOSTON_GLOBE}",
        f"<{WUSA}>",
        "graph/wusa-washington-dc-opt-out",
        "",
    ],
    ids=["words", "query-syntax", "two-iris", "angle-brackets", "relative", "empty"],
)
def test_a_graph_parameter_that_is_not_an_absolute_iri_is_refused(client, name, value):
    response = get(client, {"query": ATTEMPTS, name: value})
    assert_json_error(response, 400, name)


@pytest.mark.parametrize("value", ["http://example.org:port/", "http://[::1/"])
def test_a_graph_parameter_that_only_looks_like_an_iri_is_a_bad_request(client, value):
    response = get(client, {"query": ATTEMPTS, "default-graph-uri": value})
    assert_json_error(response, 400, "default-graph-uri")


# --- Every result format, by Accept and by format= -----------------------------------------


@pytest.mark.parametrize(("name", "media_type"), TABULAR, ids=[n for n, _ in TABULAR])
@pytest.mark.parametrize("how", ["accept", "format-name", "format-media-type"])
def test_select_in_every_results_format_reads_back_to_the_same_rows(
    client, store, name, media_type, how
):
    if how == "accept":
        response = get(client, {"query": ATTEMPTS}, media_type)
    else:
        value = name if how == "format-name" else media_type
        response = get(client, {"query": ATTEMPTS, "format": value})
    assert response.mimetype == media_type
    assert response.mimetype_params.get("charset") == "utf-8"
    expected = [dict(row) for row in store.query(ATTEMPTS).rows]
    rows = solutions(response)
    if media_type == CSV:
        assert rows == plain(expected)
    else:
        assert rows == expected


@pytest.mark.parametrize(("name", "media_type"), TABULAR, ids=[n for n, _ in TABULAR])
def test_select_star_keeps_the_variable_order_of_the_query_in_every_format(
    client, name, media_type
):
    response = get(client, {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"}, media_type)
    assert response.status_code == 200
    if media_type == CSV:
        header = response.get_data(as_text=True).splitlines()[0].split(",")
    else:
        answer = ox.parse_query_results(response.data, RESULTS_PARSERS[media_type])
        header = [variable.value for variable in answer.variables]
    assert header == ["s", "p", "o"]


@pytest.mark.parametrize("media_type", [JSON, XML])
def test_ask_in_json_and_xml(client, media_type):
    assert boolean(get(client, {"query": ASK_DC}, media_type)) is True
    # WUSA's report says nothing about Boston.
    ask_boston = ASK_DC.replace(DC_ATTEMPT, BOSTON_ATTEMPT)
    response = get(client, {"query": ask_boston, "default-graph-uri": WUSA}, media_type)
    assert response.mimetype == media_type
    assert boolean(response) is False


@pytest.mark.parametrize(("name", "media_type"), [("csv", CSV), ("tsv", TSV)])
def test_ask_in_csv_and_tsv_answers_a_single_boolean(client, name, media_type):
    response = get(client, {"query": ASK_DC, "format": name})
    assert response.mimetype == media_type
    lines = response.get_data(as_text=True).split()
    assert lines[-1] == "true" and len(lines) == 2


@pytest.mark.parametrize("query", [ATTEMPT_GRAPH, DESCRIBE_DC], ids=["construct", "describe"])
@pytest.mark.parametrize(("name", "media_type"), GRAPHS, ids=[n for n, _ in GRAPHS])
def test_graphs_in_every_rdf_format_read_back_to_the_same_triples(
    client, store, query, name, media_type
):
    response = get(client, {"query": query}, media_type)
    assert response.mimetype == media_type
    graph = rdf_graph(response)
    assert isomorphic(graph, store_graph(store, query))
    label = rdflib.Literal(DC_LABEL, lang="en")
    assert (rdflib.URIRef(DC_ATTEMPT), RDFS.label, label) in graph


@pytest.mark.parametrize(("name", "media_type"), GRAPHS, ids=[n for n, _ in GRAPHS])
def test_graph_formats_by_format_parameter(client, name, media_type):
    for value in (name, media_type, name.upper()):
        response = get(client, {"query": DESCRIBE_DC, "format": value})
        assert response.status_code == 200
        assert response.mimetype == media_type


@pytest.mark.parametrize(("value", "media_type"), [("ttl", TURTLE), ("nt", NTRIPLES)])
def test_format_shorthands_for_graphs(client, value, media_type):
    assert get(client, {"query": DESCRIBE_DC, "format": value}).mimetype == media_type


def test_a_query_may_use_the_projects_prefixes_without_declaring_them(client):
    query = "SELECT ?attempt WHERE { ?attempt a scomm:OptOutAttempt ; dcterms:date ?date }"
    assert len(solutions(get(client, {"query": query}))) == 7
    # A PREFIX the query declares itself still means what it says.
    redeclared = "PREFIX scomm: <http://example.org/not-scomm#>\n" + query
    assert solutions(get(client, {"query": redeclared})) == []


def test_turtle_answers_use_the_projects_prefixes(client):
    text = get(client, {"query": ATTEMPT_GRAPH}, TURTLE).get_data(as_text=True)
    assert "@prefix scomm: <https://w3id.org/scomm-kg/ontology#>" in text
    assert "@prefix owl:" not in text, "only the prefixes the answer uses"


@pytest.mark.parametrize(
    ("query", "media_type"),
    [
        ('SELECT ?x WHERE { VALUES ?x { "a\\u0000b" } }', XML),
        ("CONSTRUCT { <http://example.org/s> <http://example.org/p/1> 1 } WHERE {}", RDFXML),
        pytest.param(
            "CONSTRUCT { <http://example.org/s> <http://example.org/says> "
            "<<( <http://example.org/a> <http://example.org/b> <http://example.org/c> )>> } "
            "WHERE {}",
            JSONLD,
            marks=pytest.mark.xfail(
                ON_VIRTUOSO,
                reason="Virtuoso 7.2 reads no SPARQL 1.2 triple term: it refuses the query "
                "(400, syntax error) before any answer format matters",
                raises=AssertionError,
                strict=True,
            ),
        ),
    ],
    ids=["nul-in-xml", "rdfxml-predicate", "jsonld-triple-term"],
)
def test_an_answer_a_format_cannot_carry_is_a_client_error_with_advice(client, query, media_type):
    body = assert_json_error(get(client, {"query": query}, media_type), 406, "cannot")
    assert body["error"] == "not acceptable"
    assert media_type in body["formats"] and len(body["formats"]) > 1


# --- Content negotiation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "query", "media_type"),
    [
        ("text/csv;q=0.5, application/sparql-results+xml", ATTEMPTS, XML),
        ("application/sparql-results+json;q=0.1, text/tab-separated-values", ATTEMPTS, TSV),
        ("application/json", ATTEMPTS, JSON),
        ("application/json", ASK_DC, JSON),
        ("application/xml", ATTEMPTS, XML),
        ("text/xml", ASK_DC, XML),
        ("TEXT/CSV", ATTEMPTS, CSV),
        ("*/*", ATTEMPTS, JSON),
        ("*/*", ASK_DC, JSON),
        (None, ATTEMPTS, JSON),
        ("application/*", ATTEMPTS, JSON),
        (BROWSER, ATTEMPTS, XML),
        ("*/*", ATTEMPT_GRAPH, TURTLE),
        (None, DESCRIBE_DC, TURTLE),
        ("text/plain", ATTEMPT_GRAPH, NTRIPLES),
        ("application/json", ATTEMPT_GRAPH, JSONLD),
        ("application/xml", DESCRIBE_DC, RDFXML),
        ("application/x-turtle", DESCRIBE_DC, TURTLE),
        ("text/n3", DESCRIBE_DC, TURTLE),
        ("text/*", DESCRIBE_DC, TURTLE),
        ("application/n-quads;q=0.9, application/trig;q=0.95", DESCRIBE_DC, TRIG),
        ("text/turtle;charset=utf-8", DESCRIBE_DC, TURTLE),
    ],
)
def test_content_negotiation_with_q_values_and_aliases(client, accept, query, media_type):
    response = get(client, {"query": query}, accept)
    assert response.status_code == 200, response.get_data(as_text=True)
    # An alias asked for (application/json) is answered with the format's proper media type.
    assert response.mimetype == media_type


@pytest.mark.parametrize(
    ("accept", "query", "media_type"),
    [
        ("application/sparql-results+json;q=0, */*;q=0.1", ATTEMPTS, XML),
        ("text/turtle;q=0, */*", DESCRIBE_DC, NTRIPLES),
        ("text/*", ATTEMPTS, CSV),
        ("text/csv;q=0, text/*", ATTEMPTS, TSV),
        ("application/*", DESCRIBE_DC, NTRIPLES),
    ],
    ids=["json-refused", "turtle-refused", "text-select", "csv-refused", "application-graph"],
)
def test_the_media_type_sent_is_one_the_client_accepts(client, accept, query, media_type):
    assert get(client, {"query": query}, accept).mimetype == media_type


def test_format_parameter_wins_over_accept(client):
    response = get(client, {"query": ATTEMPTS, "format": "csv"}, accept="image/png")
    assert response.status_code == 200 and response.mimetype == CSV


RESULTS_OFFERED = [media_type for _, media_type in TABULAR]
GRAPHS_OFFERED = [media_type for _, media_type in GRAPHS]


@pytest.mark.parametrize(
    ("accept", "query", "offered"),
    [
        ("image/png", ATTEMPTS, RESULTS_OFFERED),
        ("image/png", DESCRIBE_DC, GRAPHS_OFFERED),
        ("text/turtle", ATTEMPTS, RESULTS_OFFERED),
        ("application/sparql-results+json", ATTEMPT_GRAPH, GRAPHS_OFFERED),
        ("text/csv", ATTEMPT_GRAPH, GRAPHS_OFFERED),
        ("text/csv;q=0", ATTEMPTS, RESULTS_OFFERED),
    ],
    ids=[
        "png-select",
        "png-describe",
        "turtle-select",
        "json-construct",
        "csv-construct",
        "no-csv",
    ],
)
def test_nothing_acceptable_is_a_406_in_json_that_lists_the_formats_on_offer(
    client, accept, query, offered
):
    # JSON though the client did not ask for it: an error is better read than refused again.
    body = assert_json_error(get(client, {"query": query}, accept), 406)
    assert body["error"] == "not acceptable"
    assert body["formats"] == offered


def test_a_406_for_a_browser_is_the_error_page(client):
    response = get(client, {"query": ASK_DC}, "text/html")
    assert response.status_code == 406
    assert response.mimetype == "text/html"
    assert "application/sparql-results+json" in response.get_data(as_text=True)


def test_406_and_conflicting_formats_are_decided_before_the_query_runs(slow_client):
    # The query would be stopped at one second with a 503; refusing the format comes first.
    assert get(slow_client, {"query": RUNAWAY}, "image/png").status_code == 406
    assert get(slow_client, {"query": RUNAWAY, "format": "turtle"}, TURTLE).status_code == 406
    conflict = {"query": RUNAWAY, "format": "json", "output": "csv"}
    assert_json_error(get(slow_client, conflict), 400, "json", "csv")


# --- The format parameters: format=, output= and results= ----------------------------------


@pytest.mark.parametrize("parameter", ["format", "output", "results"])
@pytest.mark.parametrize(
    ("query", "value", "media_type"),
    [
        (ATTEMPTS, "xml", XML),
        (ASK_DC, "xml", XML),
        (ATTEMPT_GRAPH, "xml", RDFXML),
        (DESCRIBE_DC, "xml", RDFXML),
        (ATTEMPTS, "json", JSON),
        (DESCRIBE_DC, "json", JSONLD),
    ],
    ids=["select-xml", "ask-xml", "construct-xml", "describe-xml", "select-json", "describe-json"],
)
def test_xml_and_json_mean_the_results_format_or_the_rdf_format_by_the_query_form(
    client, parameter, query, value, media_type
):
    # As in Fuseki: output=xml on a CONSTRUCT is RDF/XML, on a SELECT SPARQL XML results.
    response = get(client, {"query": query, parameter: value})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == media_type


@pytest.mark.parametrize(
    ("value", "media_type"),
    [
        ("n3", TURTLE),
        ("rdf", RDFXML),
        ("rdf+xml", RDFXML),
        ("application/rdf xml", RDFXML),  # a '+' not percent-encoded arrives as a space
        ("json-ld", JSONLD),
        ("application/ld+json,application/x-json+ld", JSONLD),
        ("RDF+XML", RDFXML),
    ],
)
def test_sparqlwrappers_names_for_graph_formats(client, value, media_type):
    assert get(client, {"query": DESCRIBE_DC, "format": value}).mimetype == media_type


@pytest.mark.parametrize(
    ("query", "params", "accept", "media_type"),
    [
        (ATTEMPTS, {"format": "foo"}, None, JSON),
        (ATTEMPTS, {"format": "foo"}, CSV, CSV),
        (ATTEMPTS, {"format": "turtle"}, XML, XML),
        (ASK_DC, {"output": "n3"}, None, JSON),
        (ATTEMPT_GRAPH, {"format": "csv"}, None, TURTLE),
        (ATTEMPT_GRAPH, {"results": "tsv"}, RDFXML, RDFXML),
        (DESCRIBE_DC, {"format": "application/sparql-results+json"}, NTRIPLES, NTRIPLES),
        (ATTEMPTS, {"format": ""}, TSV, TSV),
    ],
    ids=[
        "unknown",
        "unknown-accept-csv",
        "graph-format-select",
        "n3-ask",
        "csv-construct",
        "tsv-construct-accept",
        "results-type-describe",
        "empty",
    ],
)
def test_a_format_parameter_this_answer_cannot_honour_leaves_the_choice_to_accept(
    client, query, params, accept, media_type
):
    response = get(client, {"query": query, **params}, accept)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == media_type


def test_a_set_aside_format_parameter_is_named_in_the_406(client):
    response = get(client, {"query": ATTEMPT_GRAPH, "format": "csv"}, CSV)
    body = assert_json_error(response, 406, "format=csv")
    assert body["formats"] == GRAPHS_OFFERED


@pytest.mark.parametrize(
    ("query", "params", "media_type"),
    [
        (ATTEMPTS, {"format": ["tsv", "text/tab-separated-values"]}, TSV),
        (ATTEMPTS, {"format": "csv", "output": "csv", "results": "text/csv"}, CSV),
        (ATTEMPTS, {"format": "json", "output": "turtle"}, JSON),
        (DESCRIBE_DC, {"format": ["rdf+xml", ""], "output": "application/rdf+xml"}, RDFXML),
    ],
    ids=["repeated", "three-agree", "one-fits", "sparqlwrapper-rdfxml"],
)
def test_format_parameters_that_agree_or_fit_once_are_honoured(client, query, params, media_type):
    response = get(client, {"query": query, **params}, "image/png")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == media_type


@pytest.mark.parametrize(
    ("query", "params"),
    [
        (ATTEMPTS, {"format": "json", "output": "csv"}),
        (ATTEMPTS, {"format": ["xml", "json"]}),
        (DESCRIBE_DC, {"output": "turtle", "results": "application/ld+json"}),
    ],
    ids=["format-output", "repeated-format", "output-results"],
)
def test_format_parameters_that_name_two_fitting_formats_are_a_bad_request(client, query, params):
    body = assert_json_error(get(client, {"query": query, **params}), 400)
    assert body["error"] == "conflicting formats"
    for values in params.values():
        for value in values if isinstance(values, list) else [values]:
            assert repr(value) in body["message"]


# --- Headers: Vary and CORS ----------------------------------------------------------------


@pytest.mark.parametrize(
    "params", [{"query": ATTEMPTS}, {"query": ATTEMPT_GRAPH}, {"query": ASK_DC}, {}]
)
def test_negotiated_answers_vary_on_accept_and_are_readable_from_any_origin(client, params):
    response = get(client, params)
    assert response.status_code == 200
    assert "Accept" in [v.strip() for v in response.headers.get("Vary", "").split(",")]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_errors_are_readable_from_any_origin_too(client):
    for response in (
        get(client, {"query": "SELECT"}),
        get(client, {"query": ATTEMPTS}, "image/png"),
        client.put("/sparql", data="x"),
        client.get("/no-such-page"),
    ):
        assert response.status_code >= 400
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_cors_preflight_is_answered_204_with_methods_and_headers(client):
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://newsroom.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, accept",
        },
    )
    assert response.status_code == 204
    assert response.data == b""
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST"} <= methods
    headers = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {"content-type", "accept"} <= headers
    assert "Access-Control-Allow-Credentials" not in response.headers


# --- The service description ---------------------------------------------------------------


@pytest.mark.parametrize("media_type", [TURTLE, RDFXML, JSONLD, NTRIPLES])
def test_get_without_a_query_describes_the_service(client, media_type):
    response = get(client, {}, media_type)
    assert response.mimetype == media_type
    graph = service_description(response)
    service = graph.value(predicate=RDF.type, object=SD.Service)
    assert service is not None
    assert graph.value(service, SD.endpoint) == rdflib.URIRef("http://localhost/sparql")
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    # No write token is configured here: no update is taken, none is advertised.
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in graph


@pytest.mark.parametrize(
    ("base_url", "endpoint"),
    [
        ("http://example.org/", "http://example.org/sparql"),
        ("https://data.example.org/kg/", "https://data.example.org/kg/sparql"),
    ],
)
def test_the_endpoint_iri_is_the_url_the_client_asked_by_a_trusted_name(
    proxied_client, base_url, endpoint
):
    graph = service_description(get(proxied_client, {}, TURTLE, base_url=base_url))
    service = graph.value(predicate=RDF.type, object=SD.Service)
    assert graph.value(service, SD.endpoint) == rdflib.URIRef(endpoint)


def test_the_description_lists_every_named_graph_with_its_real_size(client, store):
    graph = service_description(get(client, {}, TURTLE))
    service = graph.value(predicate=RDF.type, object=SD.Service)
    dataset = graph.value(service, SD.defaultDataset)
    described = {}
    for named in graph.objects(dataset, SD.namedGraph):
        name = str(graph.value(named, SD.name))
        described[name] = graph.value(graph.value(named, SD.graph), VOID.triples).toPython()
    # The sizes as the endpoint itself counts them, graph by graph.
    counted = solutions(
        get(
            client,
            {"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"},
        )
    )
    assert described == {row["g"].value: int(row["n"].value) for row in counted}
    assert described == store.graph_sizes()
    assert WUSA in described and iri("graph/provenance") in described
    # The default graph is the RDF merge of the named graphs: a triple in two graphs counts once.
    default = graph.value(dataset, SD.defaultGraph)
    merge = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"
    distinct = solutions(get(client, {"query": merge}))
    assert graph.value(default, VOID.triples).toPython() == int(distinct[0]["n"].value)
    assert graph.value(default, VOID.triples).toPython() <= sum(described.values())


def test_the_description_states_the_union_default_graph_and_no_federation(client):
    graph = service_description(get(client, {}, TURTLE))
    service = graph.value(predicate=RDF.type, object=SD.Service)
    features = set(graph.objects(service, SD.feature))
    assert SD.UnionDefaultGraph in features
    assert SD.BasicFederatedQuery not in features


def test_the_description_lists_every_result_format(client):
    graph = service_description(get(client, {}, TURTLE))
    service = graph.value(predicate=RDF.type, object=SD.Service)
    formats = set(graph.objects(service, SD.resultFormat))
    names = [
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
        "TriG",
        "N-Quads",
    ]
    assert formats == {W3C_FORMATS[name] for name in names}


def test_the_description_declares_the_predeclared_prefixes_as_shacl_does(client):
    graph = service_description(get(client, {}, TURTLE))
    service = graph.value(predicate=RDF.type, object=SD.Service)
    declared = {}
    for declaration in graph.objects(service, SH.declare):
        namespace = graph.value(declaration, SH.namespace)
        assert namespace.datatype == XSD.anyURI
        declared[str(graph.value(declaration, SH.prefix))] = str(namespace)
    assert declared == PROJECT_PREFIXES


def test_the_description_by_format_parameter_and_its_refusals(client):
    assert get(client, {"format": "rdfxml"}).mimetype == RDFXML
    assert get(client, {"output": "xml"}).mimetype == RDFXML
    assert get(client, {"format": "csv"}).mimetype == TURTLE
    assert get(client, {}, "image/png").status_code == 406
    assert get(client, {"format": "csv"}, CSV).status_code == 406


def test_the_description_does_not_count_against_the_row_limit(small_client):
    response = get(small_client, {}, NTRIPLES)
    assert response.status_code == 200
    assert len(service_description(response)) > 3


# --- Errors: short JSON, the right status, never a trace -----------------------------------


def test_a_malformed_query_is_a_400_with_line_column_and_the_line_itself(client):
    query = "SELECT ?attempt\nWHERE {\n  ?attempt a scomm:OptOutAttempt ; bogus:date ?d .\n}"
    body = assert_json_error(get(client, {"query": query}), 400, "undeclared prefix bogus:")
    assert body["error"] == "malformed query"
    assert (body["line"], body["column"]) == (3, 46)
    assert body["message"].startswith("line 3, column 46: ")
    assert "\\u{" not in body["message"], "no Unicode character ranges"
    assert body["snippet"].splitlines() == [
        "3 |   ?attempt a scomm:OptOutAttempt ; bogus:date ?d .",
        "  |                                              ^",
    ]


def test_a_browser_sees_a_malformed_query_with_a_caret_under_the_error(client):
    response = get(client, {"query": "SELECT * WHERE { ?s ?p ?o "}, BROWSER)
    assert response.status_code == 400 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "at the end of the query: expected one of" in html.unescape(page)
    snippet = page.split("<pre>", 1)[1].split("</pre>", 1)[0]
    assert html.unescape(snippet).splitlines() == [
        "1 | SELECT * WHERE { ?s ?p ?o ",
        "  |                           ^",
    ]


def test_a_malformed_direct_post_is_a_400_too(client):
    response = client.post("/sparql", data="SELECT * WHERE { ?s ?p }", content_type=DIRECT)
    body = assert_json_error(response, 400)
    assert body["line"] == 1


@pytest.mark.parametrize("query", ["", "   \n  "], ids=["empty", "blank"])
def test_an_empty_query_is_a_400(client, query):
    assert_json_error(get(client, {"query": query}), 400, "empty")
    assert_json_error(client.post("/sparql", data={"query": query}), 400, "empty")


def test_an_empty_direct_post_is_a_400(client):
    assert_json_error(client.post("/sparql", data=b"", content_type=DIRECT), 400)


def test_two_query_parameters_are_a_400(client):
    pairs = [("query", ATTEMPTS), ("query", ASK_DC)]
    assert_json_error(get(client, pairs), 400, "one query")
    form = client.post("/sparql", query_string={"query": ATTEMPTS}, data={"query": ASK_DC})
    assert_json_error(form, 400, "one query")


def test_a_query_in_both_url_and_direct_body_is_a_400(client):
    response = client.post(
        "/sparql", query_string={"query": ASK_DC}, data=ATTEMPTS, content_type=DIRECT
    )
    assert_json_error(response, 400)


def test_a_form_post_without_a_query_is_a_400(client):
    assert_json_error(client.post("/sparql", data={"default-graph-uri": WUSA}), 400, "query")


def test_a_post_without_content_type_is_a_400(client):
    response = client.post("/sparql", data=ATTEMPTS)
    assert response.request.headers.get("Content-Type") is None
    assert_json_error(response, 400, "Content-Type")


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "multipart/form-data"])
def test_a_post_of_another_media_type_is_a_415(client, content_type):
    assert_json_error(client.post("/sparql", data=ATTEMPTS, content_type=content_type), 415)


def test_a_direct_post_in_utf16_is_a_415(client):
    response = client.post(
        "/sparql", data=ATTEMPTS.encode("utf-16"), content_type=DIRECT + "; charset=UTF-16"
    )
    assert_json_error(response, 415, "UTF-8")


def test_a_direct_post_that_is_not_utf8_is_a_400(client):
    body = 'SELECT ?s WHERE { ?s ?p "Zo\xeb" }'.encode("latin-1")
    assert_json_error(client.post("/sparql", data=body, content_type=DIRECT), 400, "UTF-8")


def test_a_form_post_that_is_not_utf8_is_a_400(client):
    body = b"query=SELECT+%3Fs+WHERE+%7B+%3Fs+%3Fp+%22Zo%EB%22+%7D"
    response = client.post("/sparql", data=body, content_type=FORM)
    assert_json_error(response, 400, "UTF-8")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_an_allow_header(client, method):
    response = client.open("/sparql", method=method, data=ATTEMPTS, content_type=DIRECT)
    assert_json_error(response, 405)
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    assert not allowed & {"PUT", "DELETE", "PATCH"}


@pytest.mark.parametrize("params", [{"query": ASK_DC}, {}], ids=["query", "description"])
def test_head_answers_like_get(client, params):
    response = client.head("/sparql", query_string=params)
    assert response.status_code == 200
    assert response.mimetype == get(client, params).mimetype


UPDATE = f"INSERT DATA {{ GRAPH <{WUSA}> {{ <http://example.org/s> <http://example.org/p> 1 }} }}"


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.post("/sparql", data={"update": UPDATE}),
        lambda c: c.post("/sparql", data=UPDATE, content_type="application/sparql-update"),
    ],
    ids=["form", "direct"],
)
def test_sparql_update_is_refused_while_no_write_token_is_configured(client, store, send):
    assert_json_error(send(client), 403, "writes are disabled")
    assert WUSA in store.graph_sizes() and store.graph_sizes()[WUSA] == 10, "nothing changed"


@pytest.mark.parametrize(
    "params", [{"update": UPDATE}, {"query": ATTEMPTS, "update": UPDATE}], ids=["alone", "query"]
)
def test_sparql_update_by_get_is_a_400_saying_to_post_it(client, store, params):
    assert "POST" in assert_json_error(get(client, params), 400)["message"]
    assert store.graph_sizes()[WUSA] == 10, "nothing changed"


@pytest.mark.parametrize(
    "text",
    [
        "LOAD <http://example.org/data.ttl>",
        "LOAD <file:///etc/passwd> INTO GRAPH <http://example.org/g>",
        UPDATE,
        "CLEAR ALL",
        "DROP ALL",
    ],
)
def test_update_operations_sent_as_a_query_are_a_400_saying_read_only(client, store, text):
    assert "read-only" in assert_json_error(get(client, {"query": text}), 400)["message"]
    direct = client.post("/sparql", data=text, content_type=DIRECT)
    assert "read-only" in assert_json_error(direct, 400)["message"]
    assert store.graph_sizes()[WUSA] == 10


def test_a_request_body_over_the_limit_is_a_413(tight_client):
    padding = "#" + "x" * 1200 + "\n"
    direct = tight_client.post("/sparql", data=padding + ASK_DC, content_type=DIRECT)
    assert_json_error(direct, 413)
    form = tight_client.post("/sparql", data={"query": padding + ASK_DC})
    assert_json_error(form, 413)
    # Under the limit, the same endpoint answers.
    assert boolean(tight_client.post("/sparql", data=ASK_DC, content_type=DIRECT)) is True


def test_a_select_over_the_row_limit_is_refused_with_the_limit(small_client):
    body = assert_json_error(get(small_client, {"query": ATTEMPTS}), 400, "3")
    assert body["error"] == "result too large"
    assert body["limit"] == 3
    # Paging through with LIMIT keeps under it; exactly the limit is fine.
    assert len(solutions(get(small_client, {"query": ATTEMPTS + " LIMIT 3"}))) == 3


def test_a_construct_over_the_row_limit_is_refused(small_client):
    body = assert_json_error(get(small_client, {"query": ATTEMPT_GRAPH}), 400)
    assert body["error"] == "result too large" and body["limit"] == 3


def test_a_query_running_past_the_time_limit_is_a_503_with_retry_after(slow_client):
    response = get(slow_client, {"query": RUNAWAY})
    body = assert_json_error(response, 503)
    assert body["error"] == "query timeout"
    assert int(response.headers["Retry-After"]) > 0
    # The endpoint is not left stuck: the next query is answered.
    assert boolean(get(slow_client, {"query": ASK_DC})) is True


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "select * where { service <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SeRvIcE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { VALUES ?e { <http://example.org/sparql> } SERVICE ?e { ?s ?p ?o } }",
        "ASK { SERVICE SILENT <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "CONSTRUCT WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { { SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } } } }",
    ],
    ids=["upper", "lower", "mixed-silent", "variable", "ask", "construct", "subquery"],
)
def test_service_is_refused_whatever_its_spelling(client, query):
    assert_json_error(get(client, {"query": query}), 400, "SERVICE")
    assert_json_error(client.post("/sparql", data=query, content_type=DIRECT), 400, "SERVICE")


def test_the_word_service_in_strings_iris_and_comments_is_not_refused(client):
    query = (
        "# SERVICE in a comment\n"
        'ASK { ?s <http://example.org/SERVICE> "SERVICE" . ?s ?service """SERVICE""" }'
    )
    assert boolean(get(client, {"query": query})) is False


def test_the_source_text_is_served_verbatim(client):
    response = client.get("/source/secure-communities-backgrounder.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert "San Franciscio, Calif., June 2011." in response.get_data(as_text=True)
    assert client.get("/source/passwd").status_code == 404
    assert client.get("/source/..%2F..%2Fpyproject.toml").status_code == 404


def test_a_query_nested_too_deep_is_a_400_not_a_crash(client):
    deep = "SELECT * { ?s ?p " + "(" * 500 + "?o" + ")" * 500 + " }"
    body = assert_json_error(get(client, {"query": deep}), 400)
    assert body["error"] == "query too complex"


def test_a_variable_named_service_is_fine(client):
    response = get(client, {"query": "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1"})
    assert response.status_code == 200


def test_a_too_large_result_says_so_once(store):
    app = create_app(Settings(row_limit=3), store=store)
    response = app.test_client().get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
    message = response.get_json()["message"]
    assert message.count("the result has more than 3 rows") == 1
