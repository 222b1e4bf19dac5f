"""Reading a query's keywords without running it."""

from __future__ import annotations

import pytest

from scomm_kg import querytext


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * { ?s ?p ?o }", "SELECT"),
        ("PREFIX ask: <http://x/> construct { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("# SELECT in a comment\nASK {}", "ASK"),
        ("BASE <http://x/> DESCRIBE <s>", "DESCRIBE"),
        ("PREFIX x: <http://x/>", None),
    ],
)
def test_the_query_form(query, form):
    assert querytext.query_form(query) == form


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }",
        "select * { service silent <http://x/> { ?s ?p ?o } }",
        "SELECT * { ?s ?p ?o . SERVICE ?endpoint { ?s ?p ?o } }",
        # "<2)SERVICE#>" looks like an IRI to a lexer; the engine reads less-than, SERVICE, comment.
        "SELECT * { FILTER(1<2)SERVICE#>\n<http://127.0.0.1:9/> { ?s ?p ?o } }",
        # Unparseable text that mentions service is refused, not trusted.
        "SELECT * { ?s ?p 'service' . SERVICE",
    ],
)
def test_service_is_found(query):
    assert "SERVICE" in querytext.forbidden_reason(query)


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * { ?s ?p "SERVICE" }',
        "SELECT ?service { ?service <http://x/SERVICE> ?o }",
        "PREFIX service: <http://x/> SELECT * { ?s service:x ?o } # SERVICE",
        "SELECT * { ?s <http://x/p> 'a SERVICE b'@en }",
    ],
)
def test_service_as_a_word_in_names_strings_and_comments_is_fine(query):
    assert querytext.forbidden_reason(query) is None


def test_nesting_depth_counts_brackets_outside_strings():
    assert querytext.nesting_depth("SELECT * { ?s ?p ( ( ?o ) ) }") == 3
    assert querytext.nesting_depth('SELECT * { ?s ?p "((((((" }') == 1


def test_an_update_is_recognised_after_its_prologue():
    update = "PREFIX x: <http://x/> INSERT DATA { <a:b> <a:c> 1 }"
    assert querytext.update_keyword(update) == "INSERT"
    assert querytext.update_keyword("SELECT * { ?s ?p ?o }") is None
