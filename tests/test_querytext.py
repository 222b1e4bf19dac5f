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


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("SELECT * WHERE { BIND(1 AS ?zeta) BIND(2 AS ?alpha) }", ["zeta", "alpha"]),
        ("select distinct * { ?s ?p ?o }", ["s", "p", "o"]),
        ("SELECT REDUCED*{ $s ?p $o }", ["s", "p", "o"]),
        # Comments, strings and IRIs hold no variables.
        (
            'SELECT * { # ?c first\n ?b <http://x/?a> "?a" , """?a""" . ?a ?p ?c }',
            ["b", "a", "p", "c"],
        ),
        # A subquery's variables count where they first appear.
        ("SELECT * { { SELECT ?b ?a { ?a ?p ?b } } ?c ?d ?a }", ["b", "a", "p", "c", "d"]),
        ("PREFIX select: <http://x/> SELECT * { ?y select:p ?x }", ["y", "x"]),
    ],
)
def test_the_variables_of_select_star_in_order_of_first_appearance(query, variables):
    assert querytext.star_variables(query) == variables


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?o ?s { ?s ?p ?o }",
        "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o } WHERE { { SELECT * { ?s ?p ?o } } }",
        "ASK { ?s ?p ?o }",
        "# SELECT * { ?a ?b ?c }\nSELECT ?c { ?a ?b ?c }",
    ],
)
def test_only_a_select_star_query_has_its_variables_reordered(query):
    assert querytext.star_variables(query) is None


def test_a_dataset_given_in_the_protocol_replaces_the_querys_own_from_clauses():
    query = (
        "PREFIX ex: <http://example.org/>\n"
        "SELECT * FROM <http://example.org/a> FROM NAMED ex:b\n"
        'WHERE { ?s ex:from <http://example.org/FROM> . FILTER(?s != "FROM <x>") }'
    )
    assert querytext.without_dataset_clauses(query) == (
        "PREFIX ex: <http://example.org/>\n"
        "SELECT *  \n"
        'WHERE { ?s ex:from <http://example.org/FROM> . FILTER(?s != "FROM <x>") }'
    )


@pytest.mark.parametrize(
    "query", ["SELECT * WHERE { ?s ?p ?o }", "SELECT * FROMNAMED <http://example.org/a> {}"]
)
def test_a_query_without_a_plain_from_clause_is_left_as_it_is(query):
    assert querytext.without_dataset_clauses(query) == query


@pytest.mark.parametrize(
    ("query", "end", "absolute"),
    [
        ("BASE <http://example.org/base/>\nASK {}", 31, True),
        ("BASE <http://example.org/> # why\nBASE <sub/> ASK {}", 44, True),
        ("BASE <relative/> ASK {}", 16, False),
        ("PREFIX ex: <http://example.org/> BASE <http://example.org/> ASK {}", 0, False),
        ("ASK { ?s <base> ?o }", 0, False),
    ],
)
def test_the_leading_base_declarations_of_a_query(query, end, absolute):
    assert querytext.leading_bases(query) == end
    assert querytext.first_base_is_absolute(query) is absolute
