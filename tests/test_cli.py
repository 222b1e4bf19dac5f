"""The scomm-kg command as a curator or journalist uses it in a terminal."""

from __future__ import annotations

import csv
import io
import json
import re

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from scomm_kg.cli import main

RESULTS_FORMATS = {"tsv": ox.QueryResultsFormat.TSV, "xml": ox.QueryResultsFormat.XML}


@pytest.fixture
def runner():
    return CliRunner()


def test_queries_lists_every_canned_query_with_its_parameters(runner):
    result = runner.invoke(main, ["queries"])
    assert result.exit_code == 0
    assert "statements-on-topic" in result.output
    assert "-p speaker=…  (iri, required)" in result.output


def test_a_canned_query_as_a_table(runner):
    result = runner.invoke(
        main, ["query", "statements-by-speaker", "-p", "speaker=id/person/janet-napolitano"]
    )
    assert result.exit_code == 0, result.output
    assert "local jurisdictions could opt out" in result.stdout
    assert result.stdout.rstrip().endswith("(2 rows)")


def test_a_speaker_the_graph_does_not_know_is_an_error_not_an_empty_table(runner):
    result = runner.invoke(main, ["query", "statements-by-speaker", "-p", "speaker=napolitano"])
    assert result.exit_code == 2
    assert result.stdout == "", "no '(0 rows)' that would read as 'she said nothing'"
    # Progress lines (validation) come first on stderr; the error is the last line.
    assert result.stderr.splitlines()[-1].startswith(
        "error: speaker: nothing in the graph is <https://w3id.org/scomm-kg/napolitano>; "
        "did you mean: id/person/janet-napolitano (Janet Napolitano), "
    )


def test_a_name_like_nothing_in_the_graph_says_so(runner):
    result = runner.invoke(main, ["query", "opt-out-attempts", "-p", "state=id/place/xyzzy"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] + "\n" == (
        "error: state: nothing in the graph is <https://w3id.org/scomm-kg/id/place/xyzzy>; "
        "no name in the graph comes near it; look for one with the search query\n"
    )


def test_a_canned_query_as_csv_for_a_spreadsheet(runner):
    result = runner.invoke(main, ["query", "opt-out-attempts", "--format", "csv"])
    assert result.exit_code == 0
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["jurisdictionLabel"] for row in table][:2] == [
        "Washington, D.C.",
        "Arlington County",
    ]
    assert table[0]["outletLabel"] == "WUSA"


def test_a_canned_query_as_sparql_json(runner):
    result = runner.invoke(main, ["query", "contradictions", "--format", "json"])
    body = json.loads(result.stdout)
    assert len(body["results"]["bindings"]) == 2
    assert body["results"]["bindings"][0]["earlierDate"]["datatype"].endswith("#gYearMonth")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "statements-by-speaker"], "needs the parameter speaker"),
        (["query", "statements-by-speaker", "-p", "speaker"], "KEY=VALUE"),
        (["query", "who-knows"], "no canned query named 'who-knows'"),
        (["query", "search", "-p", "text=a", "-p", "text=b"], "give each parameter once"),
    ],
    ids=["missing", "no-equals-sign", "unknown-query", "repeated"],
)
def test_a_mistaken_query_command_is_a_usage_error_that_says_why(runner, args, message):
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output


def test_ad_hoc_sparql_with_month_dates(runner):
    query = (
        "PREFIX scomm: <https://w3id.org/scomm-kg/ontology#> "
        "PREFIX dcterms: <http://purl.org/dc/terms/> "
        "SELECT (YEAR(?d) AS ?y) WHERE { ?a a scomm:OptOutAttempt ; dcterms:date ?d } "
        "ORDER BY ?d LIMIT 1"
    )
    result = runner.invoke(main, ["sparql", query, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["y", "2010"]


def test_ad_hoc_sparql_knows_the_projects_prefixes_without_prefix_lines(runner):
    query = "SELECT ?s WHERE { ?s a scomm:OptOutAttempt ; dcterms:date ?d } ORDER BY ?d LIMIT 1"
    result = runner.invoke(main, ["sparql", query, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("https://w3id.org/scomm-kg/id/event/")


@pytest.mark.parametrize(
    ("output", "header"),
    [("table", ["s", "p", "o"]), ("tsv", ["?s", "?p", "?o"]), ("csv", ["s,p,o"])],
)
def test_select_star_prints_its_columns_in_the_order_the_query_names_them(runner, output, header):
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 5"  # as in the README
    result = runner.invoke(main, ["sparql", query, "--format", output])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split() == header


def test_ad_hoc_sparql_reads_standard_input(runner):
    result = runner.invoke(main, ["sparql", "-", "--format", "tsv"], input="ASK { ?s ?p ?o }")
    assert result.exit_code == 0
    assert "true" in result.stdout


def test_a_malformed_query_shows_the_line_with_a_caret_on_standard_error(runner):
    query = "SELECT ?s\nWHERE {\n  ?s a foaf:Person , ex:Thing .\n}"
    result = runner.invoke(main, ["sparql", query])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-3:] == [
        "error: line 3, column 30: undeclared prefix ex: (declare it with PREFIX ex: <…>)",
        "3 |   ?s a foaf:Person , ex:Thing .",
        "  |                              ^",
    ]


def test_service_is_refused(runner):
    result = runner.invoke(
        main, ["sparql", "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"]
    )
    assert result.exit_code == 1
    assert "SERVICE is not allowed" in result.output


def test_export_writes_every_named_graph(runner):
    result = runner.invoke(main, ["export", "--format", "nquads"])
    assert result.exit_code == 0
    graphs = {line.rsplit(" ", 2)[-2] for line in result.stdout.splitlines() if line}
    assert "<https://w3id.org/scomm-kg/graph/backgrounder>" in graphs
    assert "<https://w3id.org/scomm-kg/ontology>" in graphs


def test_fmt_check_passes_on_the_repository(runner):
    result = runner.invoke(main, ["fmt", "--check"])
    assert result.exit_code == 0, result.output


def test_fmt_check_flags_a_file_out_of_order_and_fmt_mends_it(runner, tmp_path):
    messy = tmp_path / "messy.trig"
    messy.write_text(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "<https://w3id.org/scomm-kg/graph/x> {\n"
        "<https://w3id.org/scomm-kg/id/b> rdfs:label 'b'@en .\n"
        "<https://w3id.org/scomm-kg/id/a> rdfs:label 'a'@en . }\n",
        encoding="utf-8",
    )
    check = runner.invoke(main, ["fmt", "--check", str(messy)])
    assert check.exit_code == 1
    assert "would rewrite" in check.output
    assert runner.invoke(main, ["fmt", str(messy)]).exit_code == 0
    assert runner.invoke(main, ["fmt", "--check", str(messy)]).exit_code == 0
    text = messy.read_text(encoding="utf-8")
    assert text.index("<id/a>") < text.index("<id/b>")


def test_settings_errors_are_usage_errors(runner, monkeypatch):
    monkeypatch.setenv("SCOMM_BASE_IRI", "https://example.org/no-slash")
    result = runner.invoke(main, ["query", "sources"])
    assert result.exit_code == 2
    assert "must end with '/'" in result.output


def test_ask_prints_true_or_false_in_a_table(runner):
    result = runner.invoke(main, ["sparql", "ASK { ?s ?p ?o }"])
    assert result.stdout == "true\n"


def test_an_update_is_refused_as_read_only(runner):
    result = runner.invoke(main, ["sparql", "INSERT DATA { <a:b> <a:c> <a:d> }"])
    assert result.exit_code == 1
    assert "read-only" in result.output


def test_ad_hoc_sparql_honours_the_query_timeout(runner, monkeypatch):
    monkeypatch.setenv("SCOMM_QUERY_TIMEOUT", "1")
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    result = runner.invoke(main, ["sparql", runaway])
    assert result.exit_code == 1
    assert "did not finish within 1 s" in result.output


def test_fmt_check_reports_an_unreadable_file_cleanly(runner, tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text("garbage {\n", encoding="utf-8")
    result = runner.invoke(main, ["fmt", "--check", str(broken)])
    assert result.exit_code == 2
    assert "broken.ttl: cannot be read" in result.output


def test_two_exports_are_identical(runner):
    for output in ("nquads", "trig"):
        first = runner.invoke(main, ["export", "--format", output]).stdout
        assert first == runner.invoke(main, ["export", "--format", output]).stdout
        assert "graph/backgrounder" in first


# --- Output formats: the same in both commands, each ending with a newline ------------------

SELECT_ONE = "SELECT ?s WHERE { ?s a <https://w3id.org/scomm-kg/ontology#OptOutAttempt> } LIMIT 2"
ASK_ANY = "ASK { ?s ?p ?o }"
CONSTRUCT_ONE = (
    "CONSTRUCT { ?s a <https://w3id.org/scomm-kg/ontology#OptOutAttempt> } "
    "WHERE { ?s a <https://w3id.org/scomm-kg/ontology#OptOutAttempt> } LIMIT 2"
)
RESULTS = ["table", "json", "xml", "csv", "tsv"]
GRAPHS = ["table", "turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads"]


def format_choices(runner, command: str) -> str:
    help_text = runner.invoke(main, [command, "--help"]).output
    return " ".join(help_text.split("--format")[1].split())


def test_query_and_sparql_offer_the_same_formats(runner):
    offered = format_choices(runner, "sparql")
    assert format_choices(runner, "query") == offered
    for name in RESULTS + GRAPHS:
        assert name in offered


@pytest.mark.parametrize("output", ["tsv", "xml"])
def test_a_canned_query_in_tsv_and_xml(runner, output):
    result = runner.invoke(main, ["query", "opt-out-attempts", "--format", output])
    assert result.exit_code == 0, result.output
    parsed = ox.parse_query_results(result.stdout.encode(), format=RESULTS_FORMATS[output])
    assert len(list(parsed)) == 7


@pytest.mark.parametrize(
    ("query", "output"),
    [(SELECT_ONE, name) for name in RESULTS]
    + [(ASK_ANY, name) for name in RESULTS]
    + [(CONSTRUCT_ONE, name) for name in GRAPHS],
    ids=[f"select-{n}" for n in RESULTS]
    + [f"ask-{n}" for n in RESULTS]
    + [f"construct-{n}" for n in GRAPHS],
)
def test_every_output_ends_with_a_newline(runner, query, output):
    result = runner.invoke(main, ["sparql", query, "--format", output])
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("\n") and not result.stdout.endswith("\n\n")


@pytest.mark.parametrize("output", RESULTS[1:])
def test_a_canned_query_ends_with_a_newline_in_every_format(runner, output):
    result = runner.invoke(main, ["query", "sources", "--format", output])
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sparql", SELECT_ONE, "--format", "turtle"], "json, xml, csv, tsv"),
        (["sparql", CONSTRUCT_ONE, "--format", "csv"], "turtle, ntriples"),
        (["query", "sources", "--format", "rdfxml"], "json, xml, csv, tsv"),
        (["sparql", SELECT_ONE, "--format", "yaml"], "'yaml' is not one of"),
    ],
    ids=["select-turtle", "construct-csv", "canned-rdfxml", "unknown"],
)
def test_a_format_that_cannot_carry_the_result_is_a_usage_error(runner, args, message):
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output


def test_the_first_query_says_it_validates_and_the_next_that_it_need_not(
    runner, tmp_path, monkeypatch
):
    monkeypatch.setenv("SCOMM_CACHE_DIR", str(tmp_path))
    first = runner.invoke(main, ["sparql", ASK_ANY])
    assert first.exit_code == 0, first.output
    lines = first.stderr.splitlines()
    assert re.fullmatch(r"validating \d+ files against the SHACL shapes…", lines[0])
    assert re.fullmatch(r"valid \(\d+\.\ds\)", lines[1])
    assert first.stdout == "true\n"
    again = runner.invoke(main, ["sparql", ASK_ANY])
    assert re.fullmatch(
        r"\d+ files already validated against the SHACL shapes \(cached\)\n", again.stderr
    )
