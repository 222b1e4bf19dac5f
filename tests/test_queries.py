"""The canned queries answer the users' questions on the shipped data, with their sources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scomm_kg import build, queries
from scomm_kg.namespaces import PREFIXES
from scomm_kg.queries import BadParameter, QueryNotFound, UnknownResource
from scomm_kg.results import term_text
from scomm_kg.settings import Settings

from helpers import ON_VIRTUOSO, iri

OPT_OUT = "id/proposition/local-jurisdictions-can-opt-out"
# The one canned query Virtuoso answers otherwise (tests/test_canned_on_servers.py, the README's
# "Other SPARQL servers"): expected to fail there, and only there.
STATEMENTS_FROM_ORGANIZATION_ON_VIRTUOSO = pytest.mark.xfail(
    ON_VIRTUOSO,
    reason="Virtuoso 7.2 loses rows of statements-from-organization: the GRAPH ?graph pattern "
    "joined with the org:subOrganizationOf* paths drops a statement its parts each find",
    raises=AssertionError,
    strict=True,
)


def rows(store, name, **params):
    result = queries.run(store, name, params)
    return [{k: term_text(v) for k, v in row.items()} for row in result.rows]


def pick(table, *columns):
    return [tuple(row.get(c) for c in columns) for row in table]


# --- Who said what, when, to whom, according to which source --------------------------------


def test_who_said_jurisdictions_could_opt_out_and_who_said_the_opposite(store):
    table = rows(store, "statements-on-topic", proposition=OPT_OUT)
    assert pick(table, "date", "stance", "speakerLabel", "addresseeLabel", "textKind") == [
        ("2010-08", "suggests", "U.S. Immigration and Customs Enforcement", None, "verbatim quote"),
        ("2010-09", "affirms", "Janet Napolitano", "Zoe Lofgren", "paraphrase"),
        ("2010-10", "denies", "Janet Napolitano", None, "paraphrase"),
    ]
    letter = table[1]
    assert letter["text"] == "local jurisdictions could opt out"
    assert letter["roleLabel"] == "Secretary of Homeland Security"
    assert (
        letter["mediumLabel"] == "Letter from Janet Napolitano to Rep. Zoe Lofgren (September 2010)"
    )
    assert letter["reportLabel"] == "Los Angeles Times report on Napolitano's letter to Lofgren"
    assert letter["publisherLabel"] == "Los Angeles Times"
    assert letter["graph"] == iri("graph/los-angeles-times-napolitano-letter")


def test_the_memo_suggests_opting_out_only_in_the_backgrounders_reading(store):
    memo = rows(store, "statements-on-topic", proposition=OPT_OUT)[0]
    assert memo["text"] == "removing the jurisdiction from the deployment plan"
    # The memo is the source of the words; the backgrounder is the source of the "suggesting".
    assert memo["source"] == iri("id/document/ice-memo-2010-08-setting-the-record-straight")
    assert memo["stanceSource"] == iri("id/document/secure-communities-backgrounder")


def test_every_statement_comes_with_its_source(store):
    table = rows(store, "statements-on-topic")
    assert len(table) == 6
    for row in table:
        assert row["source"].startswith(iri("id/document/"))
        assert row["sourceLabel"] and row["graph"].startswith(iri("graph/"))


def test_everything_napolitano_said(store):
    table = rows(store, "statements-by-speaker", speaker="id/person/janet-napolitano")
    assert pick(table, "date", "stance", "text", "addresseeLabel", "sourceLabel") == [
        (
            "2010-09",
            "affirms",
            "local jurisdictions could opt out",
            "Zoe Lofgren",
            "Los Angeles Times report on Napolitano's letter to Lofgren",
        ),
        (
            "2010-10",
            "denies",
            "the program is, in fact, not voluntary",
            None,
            "Backgrounder: Secure Communities, ICE's program for deporting criminal immigrants",
        ),
    ]


def test_everything_ice_said(store):
    table = rows(store, "statements-by-speaker", speaker="id/organization/ice")
    assert pick(table, "date", "stance") == [
        ("2010", "affirms"),
        ("2010-08", "affirms"),
        ("2010-08", "affirms"),
        ("2010-08", "suggests"),
    ]


@STATEMENTS_FROM_ORGANIZATION_ON_VIRTUOSO
def test_who_at_dhs_said_what_through_its_units_and_officials(store):
    table = rows(store, "statements-from-organization", organization="id/organization/dhs")
    ice = "U.S. Immigration and Customs Enforcement"
    dhs, secretary = "U.S. Department of Homeland Security", "Secretary of Homeland Security"
    assert pick(table, "date", "speakerLabel", "viaLabel", "roleLabel", "stance") == [
        ("2010", ice, ice, None, "affirms"),
        ("2010-08", ice, ice, None, "affirms"),
        ("2010-08", ice, ice, None, "affirms"),
        ("2010-08", ice, ice, None, "suggests"),
        ("2010-09", "Janet Napolitano", dhs, secretary, "affirms"),
        ("2010-10", "Janet Napolitano", dhs, secretary, "denies"),
    ]
    # That ICE belongs to DHS is the curators' knowledge, not the backgrounder's: each ICE row
    # says so, and the rows through Napolitano's own post need no such link.
    links = {row["speakerLabel"]: row.get("unitLinkFrom") for row in table}
    assert links[ice].startswith("What the curators know")
    assert links["Janet Napolitano"] is None


def test_nobody_in_the_house_of_representatives_made_a_statement(store):
    organization = "id/organization/us-house-of-representatives"
    assert rows(store, "statements-from-organization", organization=organization) == []


def test_contradictions_are_found_from_the_stances(store):
    table = rows(store, "contradictions")
    assert pick(table, "earlierDate", "earlierStance", "laterDate", "laterStance") == [
        ("2010-08", "suggests", "2010-10", "denies"),
        ("2010-09", "affirms", "2010-10", "denies"),
    ]
    assert {row["propositionLabel"] for row in table} == {
        "Local jurisdictions can opt out of Secure Communities"
    }
    assert (
        table[1]["earlierSourceLabel"]
        == "Los Angeles Times report on Napolitano's letter to Lofgren"
    )


def test_the_shipped_graph_has_one_account_of_each_fact(store):
    # Another source's account of a fact comes with a claim sheet (tests/test_sheets.py).
    assert rows(store, "facts-stated-by-several-sources") == []
    single = rows(
        store,
        "facts-stated-by-several-sources",
        fact="id/statement/napolitano-2010-09-jurisdictions-can-opt-out",
    )
    assert single == []


def test_contradictions_for_a_proposition_nobody_denies_is_empty(store):
    table = rows(
        store,
        "contradictions",
        proposition="id/proposition/program-helped-deport-ms-13-member-and-rapist",
    )
    assert table == []


# --- Opt-out attempts --------------------------------------------------------------------


def test_the_seven_opt_out_attempts_in_time_order_with_their_outlets(store):
    table = rows(store, "opt-out-attempts")
    assert pick(table, "date", "jurisdictionLabel", "kind", "stateLabel", "outletLabel") == [
        ("2010-07", "Washington, D.C.", "federal district", None, "WUSA"),
        ("2010-09", "Arlington County", "county", "Virginia", "TBD"),
        ("2010-09", "Santa Clara County", "county", "California", "KGO-TV"),
        ("2011-05", "Illinois", "state", None, "Fox News"),
        ("2011-06", "New York", "state", None, "WNYC"),
        ("2011-06", "San Francisco", "city", "California", "San Francisco Examiner"),
        ("2011-07", "Boston", "city", "Massachusetts", "Boston Globe"),
    ]
    for row in table:
        assert row["graph"].startswith(iri("graph/")) and row["article"]


def test_one_jurisdictions_attempt(store):
    table = rows(store, "opt-out-attempts", jurisdiction="id/place/boston-ma")
    assert pick(table, "date", "articleLabel") == [
        ("2011-07", "Boston Globe article on Boston's attempt to opt out")
    ]


def test_attempts_made_before_dhs_said_the_program_was_mandatory(store):
    table = rows(store, "opt-out-attempts-before-denial", proposition=OPT_OUT)
    assert pick(table, "date", "jurisdictionLabel", "outletLabel", "denialDate") == [
        ("2010-07", "Washington, D.C.", "WUSA", "2010-10"),
        ("2010-09", "Arlington County", "TBD", "2010-10"),
        ("2010-09", "Santa Clara County", "KGO-TV", "2010-10"),
    ]
    assert {row["denialSpeakerLabel"] for row in table} == {"Janet Napolitano"}


# --- Statistics, documents, timeline, search, sources -------------------------------------


def test_statistics_keep_their_period_qualifier_and_source(store):
    table = rows(store, "statistics")
    assert pick(table, "value", "qualifier", "unit", "change", "periodLabel", "baselineLabel") == [
        ("81000", "as stated", "count", "increase", "Fiscal year 2010", "Fiscal year 2008"),
        ("57000", "as stated", "count", "decrease", "Fiscal year 2010", "Fiscal year 2008"),
        ("23", "as stated", "percent", "decrease", "Fiscal year 2010", "Fiscal year 2008"),
        ("77000", "more than", "count", None, "Up to and including 30 April 2011", None),
        ("28000", "more than", "count", None, "Up to and including 30 April 2011", None),
    ]
    assert {row["source"] for row in table} == {iri("id/document/secure-communities-backgrounder")}
    assert table[4]["subtotalOf"] == table[3]["statistic"]
    assert table[3]["periodEnd"] == "2011-04-30" and "periodBeginning" not in table[3]


def test_what_the_los_angeles_times_report_supports_is_cited_not_read(store):
    table = rows(
        store,
        "document-supports",
        document="id/document/los-angeles-times-report-on-napolitano-letter",
    )
    # The whole sentence is "as reported by the Los Angeles Times": the statement and the
    # letter it was made in (its date, author and addressee) both rest on the report, which
    # the curators know only as the backgrounder's citation.
    cited = "https://w3id.org/scomm-kg/ontology#citedSource"
    assert {(row["resource"], row["relation"]) for row in table} == {
        (iri("id/statement/napolitano-2010-09-jurisdictions-can-opt-out"), cited),
        (iri("id/document/napolitano-letter-to-lofgren-2010-09"), cited),
    }
    assert {row["how"] for row in table} == {"cited by the document read; not read"}


def test_what_the_letter_supports_as_the_original_its_report_relays(store):
    table = rows(
        store, "document-supports", document="id/document/napolitano-letter-to-lofgren-2010-09"
    )
    assert {row["relation"] for row in table} == {"https://w3id.org/scomm-kg/ontology#reportedBy"}
    assert iri("id/statement/napolitano-2010-09-jurisdictions-can-opt-out") in {
        row["resource"] for row in table
    }


def test_what_the_backgrounder_supports_includes_the_statistics(store):
    table = rows(store, "document-supports", document="id/document/secure-communities-backgrounder")
    resources = {row["resource"] for row in table}
    assert iri("id/statistic/criminal-removals-increase-fiscal-2008-to-2010") in resources
    assert iri("id/statement/napolitano-2010-10-program-not-voluntary") in resources
    # The curators read the backgrounder: every source graph was derived from it, including
    # those whose facts it attributes to an article it cites.
    assert iri("id/event/opt-out-attempt/boston-ma-2011-07") in resources
    assert {row["how"] for row in table} == {"read by the curators"}


def test_the_timeline_runs_from_the_launch_to_boston(store):
    table = rows(store, "timeline")
    assert table[0]["label"] == "ICE launches Secure Communities (2008)"
    assert table[-1]["label"] == "Boston, Mass. tries to opt out of Secure Communities (July 2011)"
    earliest = [row["earliest"] for row in table]
    assert earliest == sorted(earliest)


def test_the_timeline_from_a_day_keeps_what_may_have_happened_since(store):
    table = rows(store, "timeline", **{"from": "2011-05-15"})
    assert [row["date"] for row in table] == ["2011-05", "2011-05", "2011-06", "2011-06", "2011-07"]


def test_a_misspelt_name_finds_the_place(store):
    table = rows(store, "search", text="San Franciscio")
    assert pick(table, "resource", "label") == [(iri("id/place/san-francisco-ca"), "San Francisco")]


def test_an_abbreviation_finds_the_agency(store):
    table = rows(store, "search", text="dhs")
    assert iri("id/organization/dhs") in {row["resource"] for row in table}


def test_the_sources_behind_the_graph(store):
    table = rows(store, "sources")
    assert len(table) == 12
    letter = next(row for row in table if row.get("publisherLabel") == "Los Angeles Times")
    assert letter["reportsLabel"].startswith("Letter from Janet Napolitano")
    assert {row["curatorLabel"] for row in table} == {"scomm-kg curators"}


def test_every_source_graph_says_what_was_read_and_what_was_only_cited(store):
    table = rows(store, "sources")
    backgrounder = iri("id/document/secure-communities-backgrounder")
    sources = [row for row in table if row["kind"] == "source graph"]
    assert len(sources) == 11
    assert {row["readIn"] for row in sources} == {backgrounder}
    cited = {row["graph"]: row.get("cited") for row in sources}
    assert cited[iri("graph/backgrounder")] is None
    assert cited[iri("graph/wusa-washington-dc-opt-out")] == iri(
        "id/document/wusa-article-washington-dc-opt-out"
    )
    assert backgrounder not in cited.values()
    assert sum(1 for value in cited.values() if value) == 10


def test_the_curators_own_graph_rests_on_no_document(store):
    (curators,) = [row for row in rows(store, "sources") if row["kind"] == "curators' graph"]
    assert curators["graph"] == iri("graph/curators-knowledge")
    assert "readIn" not in curators and "cited" not in curators


# --- Order: never more than the dates say --------------------------------------------------

BROCHURE = "ICE brochure on Secure Communities (2010)"
BROCHURE_CLAIM = (
    "ICE brochure touts the program's role in deporting an MS-13 gang member and a rapist (2010)"
)
DC_ATTEMPT = "Washington, D.C. tries to opt out of Secure Communities (July 2010)"
AUGUST_MEMO = 'ICE memo "Secure Communities: Setting the Record Straight" (August 2010)'
SEPTEMBER_LETTER = "Letter from Janet Napolitano to Rep. Zoe Lofgren (September 2010)"
SEPTEMBER_SAYS = (
    "Napolitano: local jurisdictions could opt out, in a letter to Rep. Zoe Lofgren "
    "(September 2010)"
)
OCTOBER_SAYS = "Napolitano: the program is, in fact, not voluntary (October 2010)"
LAUNCH = "ICE launches Secure Communities (2008)"


def order_unknown_with(row) -> list[str]:
    return row["orderUnknownWith"].split(" | ") if row.get("orderUnknownWith") else []


def overlap(a, b) -> bool:
    return a["earliest"] <= b["latest"] and b["earliest"] <= a["latest"]


def test_the_timeline_says_the_year_only_brochure_may_come_anywhere_in_2010(store):
    row = {r["label"]: r for r in rows(store, "timeline")}
    brochure = order_unknown_with(row[BROCHURE])
    for label in (BROCHURE_CLAIM, DC_ATTEMPT, AUGUST_MEMO, SEPTEMBER_LETTER, OCTOBER_SAYS):
        assert label in brochure
    assert BROCHURE in order_unknown_with(row[DC_ATTEMPT])
    assert "orderUnknownWith" not in row[LAUNCH]  # 2008: before everything else, certainly


def test_months_that_do_not_overlap_are_certainly_ordered(store):
    row = {r["label"]: r for r in rows(store, "timeline")}
    assert SEPTEMBER_SAYS not in order_unknown_with(row[OCTOBER_SAYS])
    assert OCTOBER_SAYS not in order_unknown_with(row[SEPTEMBER_SAYS])
    assert order_unknown_with(row[OCTOBER_SAYS]) == [BROCHURE, BROCHURE_CLAIM]


def test_order_unknown_means_exactly_that_the_dates_overlap_and_is_listed_by_date(store):
    for params in ({}, {"from": "2010-09-15"}):
        table = rows(store, "timeline", **params)
        by_label = {row["label"]: row for row in table}
        for row in table:
            overlapping = {
                other["label"]
                for other in table
                if other["resource"] != row["resource"] and overlap(row, other)
            }
            listed = order_unknown_with(row)
            assert set(listed) == overlapping, row["label"]
            dates = [(by_label[x]["earliest"], by_label[x]["latest"], x) for x in listed]
            assert dates == sorted(dates)
    # From mid-September on, the July attempt is not listed, so it is not named either.
    later = {r["label"]: r for r in rows(store, "timeline", **{"from": "2010-09-15"})}
    assert DC_ATTEMPT not in order_unknown_with(later[BROCHURE])


def test_statements_on_a_topic_say_which_order_is_unknown(store):
    table = rows(store, "statements-on-topic")
    claim = next(row for row in table if row["date"] == "2010")
    assert table[0] is claim  # first by its earliest day, but not before the others for sure:
    assert order_unknown_with(claim) == [
        "ICE: a jurisdiction that does not wish to activate on its scheduled date must notify "
        "in writing (August 2010)",
        "ICE: it has the option of removing the jurisdiction from the deployment plan "
        "(August 2010)",
        SEPTEMBER_SAYS,
        OCTOBER_SAYS,
    ]
    october = next(row for row in table if row["date"] == "2010-10")
    assert order_unknown_with(october) == [BROCHURE_CLAIM]
    # On one proposition only its own statements count: August, September, October, certain.
    on_opting_out = rows(store, "statements-on-topic", proposition=OPT_OUT)
    assert [row.get("orderUnknownWith") for row in on_opting_out] == [None, None, None]


@STATEMENTS_FROM_ORGANIZATION_ON_VIRTUOSO
def test_what_one_speaker_or_organization_said_says_which_order_is_unknown(store):
    ice = rows(store, "statements-by-speaker", speaker="id/organization/ice")
    assert len(order_unknown_with(ice[0])) == 2  # the brochure's claim against both August ones
    assert all(BROCHURE_CLAIM in order_unknown_with(row) for row in ice[1:])
    napolitano = rows(store, "statements-by-speaker", speaker="id/person/janet-napolitano")
    assert [row.get("orderUnknownWith") for row in napolitano] == [None, None]
    dhs = rows(store, "statements-from-organization", organization="id/organization/dhs")
    assert pick(dhs, "date", "orderUnknownWith")[-2:] == [
        ("2010-09", BROCHURE_CLAIM),
        ("2010-10", BROCHURE_CLAIM),
    ]


def test_attempts_in_the_same_month_are_in_no_known_order(store):
    table = rows(store, "opt-out-attempts")
    assert pick(table, "jurisdictionLabel", "orderUnknownWith") == [
        ("Washington, D.C.", None),
        (
            "Arlington County",
            "Santa Clara County, Calif. tries to opt out of Secure Communities (September 2010)",
        ),
        (
            "Santa Clara County",
            "Arlington County, Va. tries to opt out of Secure Communities (September 2010)",
        ),
        ("Illinois", None),
        ("New York", "San Francisco, Calif. tries to opt out of Secure Communities (June 2011)"),
        (
            "San Francisco",
            "The state of New York tries to opt out of Secure Communities (June 2011)",
        ),
        ("Boston", None),
    ]
    # Only what is listed counts: Arlington's attempt alone, or Virginia's, is in a known order.
    alone = rows(store, "opt-out-attempts", jurisdiction="id/place/arlington-county-va")
    assert pick(alone, "orderUnknownWith") == [(None,)]
    virginia = rows(store, "opt-out-attempts", state="id/place/virginia")
    assert pick(virginia, "jurisdictionLabel", "orderUnknownWith") == [("Arlington County", None)]
    before = rows(store, "opt-out-attempts-before-denial", proposition=OPT_OUT)
    assert pick(before, "jurisdictionLabel", "orderUnknownWith")[0] == ("Washington, D.C.", None)
    assert [row["orderUnknownWith"].split(" (")[0] for row in before[1:]] == [
        "Santa Clara County, Calif. tries to opt out of Secure Communities",
        "Arlington County, Va. tries to opt out of Secure Communities",
    ]


YEAR_ONLY_DENIAL = """BASE <https://w3id.org/scomm-kg/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX scomm: <https://w3id.org/scomm-kg/ontology#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
<graph/test-year-only-denial> {
  <id/statement/test-year-only-denial> a scomm:Statement ;
    rdfs:label "A denial dated only by its year (2010)"@en ;
    scomm:denies <id/proposition/local-jurisdictions-can-opt-out> ;
    prov:wasAttributedTo <id/organization/ice> ;
    dcterms:date "2010"^^xsd:gYear ;
    scomm:earliestDate "2010-01-01"^^xsd:date ;
    scomm:latestDate "2010-12-31"^^xsd:date ;
    schema:text "jurisdictions cannot opt out"@en .
  # A graph of its own (a named graph holds one source), described as the brochure's is.
  <graph/test-year-only-denial> prov:wasDerivedFrom <id/document/secure-communities-backgrounder> ;
    scomm:citedSource <id/document/ice-brochure-2010> .
}
"""


def test_a_contradiction_says_whether_the_earlier_certainly_came_first(store, tmp_path):
    assert pick(rows(store, "contradictions"), "earlierDate", "laterDate", "orderCertain") == [
        ("2010-08", "2010-10", "true"),
        ("2010-09", "2010-10", "true"),
    ]
    extra = tmp_path / "year-only-denial.trig"
    extra.write_text(YEAR_ONLY_DENIAL, encoding="utf-8")
    with_denial = build.build_store(Settings(data=(extra,), cache_dir=""), check=False)
    table = rows(with_denial, "contradictions", proposition=OPT_OUT)
    assert pick(table, "earlierDate", "earlierStance", "laterDate", "orderCertain") == [
        ("2010", "denies", "2010-08", "false"),  # "earlier" by its first day only
        ("2010", "denies", "2010-09", "false"),
        ("2010-08", "suggests", "2010-10", "true"),
        ("2010-09", "affirms", "2010-10", "true"),
    ]


# --- Parameters are checked and bound, never pasted ----------------------------------------


def test_a_hostile_parameter_value_is_a_value_not_query_text(store):
    evil = 'x" } UNION { ?resource ?p ?label } #'
    assert rows(store, "search", text=evil) == []


def test_an_iri_parameter_with_query_syntax_is_refused(store):
    with pytest.raises(BadParameter, match="not a usable IRI"):
        queries.run(store, "statements-by-speaker", {"speaker": "x> } ?s ?p ?o {<y"})


def test_a_speaker_the_graph_does_not_know_is_an_error_that_suggests_the_nearest_names(store):
    # Napolitano said plenty: "no rows" for a mistyped IRI would say she said nothing.
    with pytest.raises(UnknownResource) as caught:
        queries.run(store, "statements-by-speaker", {"speaker": "id/person/napolitano"})
    error = caught.value
    assert (error.parameter, error.iri) == ("speaker", iri("id/person/napolitano"))
    assert error.suggestions[0] == (iri("id/person/janet-napolitano"), "Janet Napolitano")
    assert str(error).startswith(
        f"speaker: nothing in the graph is <{iri('id/person/napolitano')}>; "
        "did you mean: id/person/janet-napolitano (Janet Napolitano), "
    )


@pytest.mark.parametrize(
    ("name", "params", "nearest"),
    [
        ("statements-by-speaker", {"speaker": "napolitano"}, "id/person/janet-napolitano"),
        ("statements-by-speaker", {"speaker": "id/organization/icee"}, "id/organization/ice"),
        ("opt-out-attempts", {"jurisdiction": "id/place/bostn"}, "id/place/boston-ma"),
        ("contradictions", {"proposition": "scomm:Statemnt"}, "ontology#Statement"),
    ],
    ids=["bare-name", "typo-at-the-end", "optional-parameter", "ontology-term"],
)
def test_the_nearest_name_comes_first_among_the_suggestions(store, name, params, nearest):
    with pytest.raises(UnknownResource) as caught:
        queries.run(store, name, params)
    assert caught.value.suggestions[0][0] == iri(nearest)


def test_a_name_like_nothing_in_the_graph_gets_no_suggestions(store):
    with pytest.raises(UnknownResource, match="no name in the graph comes near it") as caught:
        queries.run(store, "statements-by-speaker", {"speaker": "id/person/xyzzy"})
    assert caught.value.suggestions == ()


def test_a_missing_required_parameter_says_which(store):
    with pytest.raises(BadParameter, match="needs the parameter speaker"):
        queries.run(store, "statements-by-speaker", {})


def test_an_unknown_parameter_lists_the_accepted_ones(store):
    with pytest.raises(BadParameter, match=r"no parameter who \(accepted: speaker\)"):
        queries.run(store, "statements-by-speaker", {"who": "x"})


def test_a_date_parameter_must_be_a_real_day(store):
    with pytest.raises(BadParameter, match="YYYY-MM-DD"):
        queries.run(store, "timeline", {"from": "2011-02-30"})


def test_a_canned_query_needs_no_prefix_lines_for_the_projects_prefixes(store, tmp_path):
    (tmp_path / "statements.rq").write_text(
        "#+ title: Statements\n#+ summary: Every statement.\n"
        "SELECT ?statement WHERE { ?statement a scomm:Statement ; dcterms:date ?date }\n",
        encoding="utf-8",
    )
    result = queries.run(store, "statements", directory=tmp_path)
    assert len(result.rows) > 3


def test_an_unknown_query_lists_the_known_ones():
    with pytest.raises(QueryNotFound, match="contradictions"):
        queries.get("no-such-query")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("id/person/janet-napolitano", iri("id/person/janet-napolitano")),
        ("<https://example.org/x>", "https://example.org/x"),
        ("scomm:Statement", "https://w3id.org/scomm-kg/ontology#Statement"),
        ("https://w3id.org/scomm-kg/id/place/boston-ma", iri("id/place/boston-ma")),
    ],
)
def test_iri_parameters_accept_full_prefixed_and_relative_forms(raw, expected):
    assert queries.expand_iri(raw) == expected


# --- Every query file is well formed -------------------------------------------------------


@pytest.mark.parametrize("query", list(queries.catalogue().values()), ids=lambda q: q.name)
def test_every_canned_query_has_a_header_and_projects_its_parameters(query):
    assert query.title and query.summary
    projection = query.text.split("WHERE", 1)[0]
    for param in query.params:
        assert re.search(rf"\?{param.name}\b", projection), f"{param.name} is not projected"
        assert not re.search(rf"BOUND\(\s*\?{param.name}\b", query.text), "use COALESCE, not BOUND"


def test_a_query_planned_from_values_gets_its_parameters_written_in_on_the_embedded_store(store):
    """`#+ bind: values` (benchmarks/binding.py measured which queries Oxigraph plans better so):
    the value reaches the engine as a VALUES block, never as text the caller wrote, and the rows
    are those the substitution gives."""
    statistics = queries.get("statistics")
    assert statistics.binds_as_values
    bindings = queries.bind(statistics, {"measure": "id/concept/criminal-removals"})
    text, sent = queries.for_store(store, statistics, bindings)
    assert sent == {}
    assert f"VALUES ?measure {{ <{iri('id/concept/criminal-removals')}> }}" in text
    assert not queries.get("document-supports").binds_as_values
    if store.substitutes_bindings:
        substituted = store.query(statistics.text, bindings=bindings, prefixes=PREFIXES)
        written = store.query(text, prefixes=PREFIXES)
        assert written.rows == substituted.rows and len(written.rows) == 1


def test_a_binding_a_header_does_not_know_is_refused_with_the_choices(tmp_path):
    path = tmp_path / "guess.rq"
    path.write_text("#+ title: T\n#+ summary: S\n#+ bind: guess\nASK {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'engine' \\(the default\\) or 'values'"):
        queries.parse_query_file(path)


@pytest.mark.parametrize("query", list(queries.catalogue().values()), ids=lambda q: q.name)
def test_every_canned_query_is_tested_here(query):
    source = Path(__file__).read_text(encoding="utf-8")
    assert f'"{query.name}"' in source


def test_a_suggestion_is_credited_to_the_source_that_reads_it_so(store):
    table = rows(store, "statements-by-speaker", speaker="id/organization/ice")
    suggestion = next(row for row in table if row["stance"] == "suggests")
    assert suggestion["sourceLabel"].startswith("ICE memo")  # the words are the memo's
    assert suggestion["stanceSourceLabel"].startswith("Backgrounder:")  # the reading is not
    contradiction = rows(store, "contradictions")[0]
    assert contradiction["earlierStanceSourceLabel"].startswith("Backgrounder:")


def test_attempts_in_a_state_include_its_counties_and_cities(store):
    table = rows(store, "opt-out-attempts", state="id/place/california")
    assert pick(table, "jurisdictionLabel") == [("Santa Clara County",), ("San Francisco",)]
    assert pick(rows(store, "opt-out-attempts", state="id/place/illinois"), "date") == [
        ("2011-05",)
    ]


def test_the_timeline_from_a_month_and_what_is_dated_only_relatively(store):
    table = rows(store, "timeline", **{"from": "2010-10"})
    october = next(row for row in table if row["date"] == "2010-10")
    assert october["datedRelativeTo"] == iri(
        "id/statement/napolitano-2010-09-jurisdictions-can-opt-out"
    )
    assert all(row["latest"] >= "2010-10-01" for row in table)
