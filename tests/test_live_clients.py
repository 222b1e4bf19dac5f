"""SPARQLWrapper, unmodified, in every return format and for every query form, on a live server.

SPARQLWrapper names its return format three times, as format=, output= and results=, in its own
words (xml, n3, rdf+xml, json-ld, …; for TSV, RDF/XML and JSON-LD the media type follows as a
second value), and sends an Accept header, which is */* for the combinations it finds
meaningless (Turtle for a SELECT, CSV for a CONSTRUCT). Whatever it asks for, the answer must
be one its convert() turns into a sensible object: the rows, the boolean, or the triples.
"""

from __future__ import annotations

import warnings

import pytest
import rdflib
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDF,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from live_server import LiveServer
from scomm_kg.loader import rdflib_quietly

from helpers import iri

ATTEMPT = iri("id/event/opt-out-attempt/washington-dc-2010-07")
PREFIXES = """\
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX scomm: <https://w3id.org/scomm-kg/ontology#>
"""
QUERIES = {
    "select": PREFIXES
    + "SELECT ?attempt ?date WHERE { ?attempt a scomm:OptOutAttempt ; dcterms:date ?date }",
    "ask": PREFIXES + f"ASK {{ <{ATTEMPT}> a scomm:OptOutAttempt }}",
    "construct": PREFIXES
    + "CONSTRUCT { ?a a scomm:OptOutAttempt ; rdfs:label ?label ; dcterms:date ?date }\n"
    + "WHERE { ?a a scomm:OptOutAttempt ; rdfs:label ?label ; dcterms:date ?date }",
    "describe": f"DESCRIBE <{ATTEMPT}>",
}
RETURN_FORMATS = [JSON, XML, CSV, TSV, N3, TURTLE, RDF, RDFXML, JSONLD]
METHODS = {
    "get": ("GET", URLENCODED),
    "post": (POST, URLENCODED),
    "post-direct": (POST, POSTDIRECTLY),
}

RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
RDF_XML = "application/rdf+xml"
JSON_LD = "application/ld+json"
# What each return format must get where it makes sense; elsewhere (N3 for a SELECT, CSV for a
# CONSTRUCT) the server answers SPARQLWrapper's Accept: */* with its default, JSON or Turtle.
HONOURED = {
    "tabular": {
        JSON: RESULTS_JSON,
        XML: RESULTS_XML,
        CSV: "text/csv",
        TSV: "text/tab-separated-values",
    },
    "graph": {
        XML: RDF_XML,
        RDF: RDF_XML,
        RDFXML: RDF_XML,
        N3: "text/turtle",
        TURTLE: "text/turtle",
        JSON: JSON_LD,
        JSONLD: JSON_LD,
    },
}
FALLBACK = {"tabular": RESULTS_JSON, "graph": "text/turtle"}


@pytest.fixture(scope="module")
def endpoint():
    with LiveServer() as live:
        yield live.url + "/sparql"


def ask(endpoint: str, query: str, return_format: str, method: str):
    """(media type, converted object, warnings) of one SPARQLWrapper request."""
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    http_method, request_method = METHODS[method]
    client.setMethod(http_method)
    client.setRequestMethod(request_method)
    # SPARQLWrapper warns of its own choices (Accept: */*, a format other than it asked for)
    # and rdflib of its deprecated ConjunctiveGraph: recorded here, judged below.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = client.query()
        media_type = response.info()["content-type"].split(";")[0].strip()
        converted = response.convert()
    return media_type, converted, [str(w.message) for w in caught]


def triples(converted) -> int:
    """How many triples an answer holds, whether SPARQLWrapper parsed it or left it as text."""
    if isinstance(converted, bytes):
        with rdflib_quietly():
            return len(rdflib.Graph().parse(data=converted.decode("utf-8"), format="turtle"))
    return len(converted)


def rows(converted, media_type: str) -> list:
    """The solutions (or the one boolean) of a SELECT or ASK answer, as SPARQLWrapper gives it."""
    if media_type == RESULTS_JSON:
        return converted["results"]["bindings"] if "results" in converted else [converted]
    if media_type == RESULTS_XML:
        results = converted.getElementsByTagName("result")
        return results or converted.getElementsByTagName("boolean")
    return converted.decode("utf-8").splitlines()[1:]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("return_format", RETURN_FORMATS)
@pytest.mark.parametrize("form", QUERIES)
def test_sparqlwrapper_gets_a_sensible_answer_in_every_format_for_every_form(
    endpoint, store, form, return_format, method
):
    query = QUERIES[form]
    kind = "graph" if form in ("construct", "describe") else "tabular"
    media_type, converted, caught = ask(endpoint, query, return_format, method)
    assert media_type == HONOURED[kind].get(return_format, FALLBACK[kind])
    if return_format in HONOURED[kind]:
        assert not [w for w in caught if "has been returned" in w], "the format it asked for"
    assert not [w for w in caught if "unknown response content type" in w]
    expected = store.query(query)
    if form == "select":
        assert len(rows(converted, media_type)) == len(expected.rows) == 7
    elif form == "ask":
        (answer,) = rows(converted, media_type)
        if media_type == RESULTS_JSON:
            assert answer["boolean"] is True
        elif media_type == RESULTS_XML:
            assert answer.firstChild.data == "true"
        else:
            assert answer == "true"
    else:
        assert triples(converted) == len(expected.triples) > 0
