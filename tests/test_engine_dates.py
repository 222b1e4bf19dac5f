"""Month and year dates behave in queries: ordering, filtering and YEAR() on the real data.

rdflib's own SPARQL engine gets these wrong (ORDER BY mis-sorts xsd:gYearMonth against xsd:date,
a FILTER on a gYearMonth finds nothing, YEAR() is unbound); the store's engine must not.
"""

from __future__ import annotations

from scomm_kg.results import term_text

PREFIXES = """
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX scomm: <https://w3id.org/scomm-kg/ontology#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def column(result, name):
    return [term_text(row[name]) for row in result.rows if name in row]


def test_opt_out_attempts_sort_by_their_month(store):
    result = store.query(
        PREFIXES
        + "SELECT ?date WHERE { ?a a scomm:OptOutAttempt ; dcterms:date ?date } ORDER BY ?date"
    )
    assert column(result, "date") == [
        "2010-07",
        "2010-09",
        "2010-09",
        "2011-05",
        "2011-06",
        "2011-06",
        "2011-07",
    ]


def test_a_filter_on_a_month_finds_the_later_months(store):
    result = store.query(
        PREFIXES
        + """SELECT ?label WHERE {
            ?a a scomm:OptOutAttempt ; dcterms:date ?date ; rdfs:label ?label .
            FILTER(?date >= "2011-06"^^xsd:gYearMonth)
        } ORDER BY ?label"""
    )
    assert len(column(result, "label")) == 3
    assert all("2011" in label for label in column(result, "label"))


def test_year_of_a_month_and_of_a_year(store):
    result = store.query(
        PREFIXES
        + """SELECT ?thing (YEAR(?date) AS ?year) WHERE {
            VALUES ?thing {
                <https://w3id.org/scomm-kg/id/event/secure-communities-launch>
                <https://w3id.org/scomm-kg/id/event/opt-out-attempt/illinois-2011-05>
            }
            ?thing dcterms:date ?date .
        } ORDER BY ?year"""
    )
    assert column(result, "year") == ["2008", "2011"]


def test_mixed_precisions_sort_on_their_bounds(store):
    """Years, months and days in one list order by the earliest day each date admits."""
    result = store.query(
        PREFIXES
        + """SELECT ?date WHERE {
            ?thing dcterms:date ?date ; scomm:earliestDate ?earliest .
        } ORDER BY ?earliest ?date"""
    )
    dates = column(result, "date")
    assert dates[0] == "2008"
    assert dates.index("2010") < dates.index("2010-07") < dates.index("2010-10")
    assert dates[-1] == "2011-07"


def test_month_precision_is_kept_in_answers(store):
    result = store.query(
        PREFIXES
        + """SELECT (DATATYPE(?date) AS ?type) WHERE {
            <https://w3id.org/scomm-kg/id/statement/napolitano-2010-10-program-not-voluntary>
                dcterms:date ?date }"""
    )
    assert column(result, "type") == ["http://www.w3.org/2001/XMLSchema#gYearMonth"]
