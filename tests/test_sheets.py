"""A curator adds sources with a claim sheet (issue 10, points 1 and 2).

The story: the backgrounder dates Napolitano's letter to Rep. Lofgren only to September 2010,
citing the Los Angeles Times. A curator who has read a letter (here an explicitly fictional
fixture, tests/fixtures/sheets/, since the project has no text of the real one) writes one row:
the same statement, dated to the day, reconciled with the one the graph holds. The sheet
becomes the whole new content of the graphs it touches; together with the shipped graph it
passes validation, both accounts stay, each in its own source graph, and the canned queries
see the new source at once. Every bad cell is reported by row and column, all at once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result

from scomm_kg import loader, queries, resources, validate
from scomm_kg.cli import main
from scomm_kg.curation import sheets
from scomm_kg.settings import Settings
from scomm_kg.store import open_store
from scomm_kg.web import create_app

from helpers import snapshot

FIXTURES = resources.project_root() / "tests" / "fixtures" / "sheets"
LETTER_SHEET = FIXTURES / "fictional-napolitano-letter.csv"
LETTER_TEXT = FIXTURES / "fictional-napolitano-letter.txt"
BACKGROUNDER_TEXT = (
    resources.project_root() / "data" / "sources" / ("secure-communities-backgrounder.txt")
)
BASE = "https://w3id.org/scomm-kg/"
LETTER_GRAPH = BASE + "graph/fictional-letter-from-janet-napolitano-to-rep-zoe"
LETTER = BASE + "id/document/fictional-letter-from-janet-napolitano-to-rep-zoe"
OLD_STATEMENT = BASE + "id/statement/napolitano-2010-09-jurisdictions-can-opt-out"
NEW_STATEMENT = OLD_STATEMENT + "-according-to-fictional-letter-from-janet-napolitano-to-rep-zoe"
CURATORS_GRAPH = BASE + "graph/curators-knowledge"
PROVENANCE_GRAPH = BASE + "graph/provenance"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROV = "http://www.w3.org/ns/prov#"


@pytest.fixture(scope="module")
def settings():
    return Settings()


@pytest.fixture(scope="module")
def shipped_nquads(loaded):
    return loaded.nquads()


def the_letter_row() -> dict[str, str]:
    with open(LETTER_SHEET, encoding="utf-8", newline="") as handle:
        return next(csv.DictReader(handle))


def write_sheet(folder: Path, rows: list[dict[str, str]], columns=None) -> Path:
    """A sheet of ``rows`` beside a copy of the fictional letter's text."""
    shutil.copy(LETTER_TEXT, folder / LETTER_TEXT.name)
    columns = columns or list(rows[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path = folder / "sheet.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def dataset_with(shipped: bytes, change: sheets.SheetChange) -> ox.Store:
    """The shipped dataset with the change's graphs in place of the ones it rewrites."""
    held = ox.Store()
    held.load(shipped, ox.RdfFormat.N_QUADS)
    for graph, quads in change.graphs.items():
        held.remove_graph(ox.NamedNode(graph))
        held.extend(quads)
    return held


def serving(held: ox.Store):
    """A query store over ``held``, as the canned queries run on it."""
    dump = io.BytesIO()
    held.dump(dump, ox.RdfFormat.N_QUADS)
    store = open_store("memory")
    store.replace_all(dump.getvalue())
    return store


def validated(held: ox.Store, change: sheets.SheetChange, folder: Path):
    """Validate the whole dataset, the sheet's new source texts shipped beside the others."""
    texts = folder / "shipped-texts"
    texts.mkdir(exist_ok=True)
    for name, content in change.source_texts.items():
        (texts / name).write_bytes(content)
    return validate.validate_store(held, extra_sources=[texts])


def in_graph(change, graph, subject=None, predicate=None):
    return [
        q
        for q in change.graphs[graph]
        if (subject is None or q.subject == ox.NamedNode(subject))
        and (predicate is None or q.predicate == ox.NamedNode(predicate))
    ]


def problems(error: sheets.SheetError) -> set[tuple[int, str]]:
    return {(p.row, p.column) for p in error.problems}


# --- The story ------------------------------------------------------------------------------


def test_a_letter_dating_a_statement_to_the_day_passes_validation_with_the_shipped_graph(
    store, settings, shipped_nquads, tmp_path
):
    change = sheets.read_sheet(LETTER_SHEET, store, settings)

    assert set(change.graphs) == {LETTER_GRAPH, PROVENANCE_GRAPH, CURATORS_GRAPH}
    report = validated(dataset_with(shipped_nquads, change), change, tmp_path)
    assert report.conforms, report.text()
    # What the sheet names is reused (a label, the role by its alternative label "DHS
    # Secretary", an IRI); only the letter, its passage and this account of the statement
    # are new.
    assert change.minted == sorted(
        [
            LETTER,
            NEW_STATEMENT,
            BASE + "id/passage/fictional-napolitano-letter-in-this-"
            "invented-letter-dated-7-september-2010",
        ]
    )
    statement = {
        q.predicate.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]: q.object
        for q in in_graph(change, LETTER_GRAPH, NEW_STATEMENT)
    }
    assert statement["date"] == ox.Literal("2010-09-07", datatype=ox.NamedNode(XSD + "date"))
    assert statement["earliestDate"].value == statement["latestDate"].value == "2010-09-07"
    assert statement["wasAttributedTo"] == ox.NamedNode(BASE + "id/person/janet-napolitano")
    assert statement["recipient"] == ox.NamedNode(BASE + "id/person/zoe-lofgren")
    assert statement["affirms"] == ox.NamedNode(
        BASE + "id/proposition/local-jurisdictions-can-opt-out"
    )
    assert statement["isPartOf"] == ox.NamedNode(LETTER)
    assert "reportedBy" not in statement, "the letter is the statement's medium, not a report"


def test_both_accounts_stay_each_in_its_own_graph_and_the_link_is_the_curators(store, settings):
    change = sheets.read_sheet(LETTER_SHEET, store, settings)

    assert OLD_STATEMENT not in {q.subject.value for q in change.graphs[LETTER_GRAPH]}
    assert BASE + "graph/los-angeles-times-napolitano-letter" not in change.graphs
    links = in_graph(change, CURATORS_GRAPH, NEW_STATEMENT, PROV + "alternateOf")
    assert [q.object for q in links] == [ox.NamedNode(OLD_STATEMENT)]
    assert not in_graph(change, LETTER_GRAPH, predicate=PROV + "alternateOf")
    # The curators' graph keeps everything it held.
    shipped = {q for q in store_graph(store, CURATORS_GRAPH)}
    assert shipped < set(change.graphs[CURATORS_GRAPH])


def store_graph(store, graph: str) -> list[ox.Quad]:
    rows = store.query(
        "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", bindings={"g": ox.NamedNode(graph)}
    ).rows
    return [ox.Quad(r["s"], r["p"], r["o"], ox.NamedNode(graph)) for r in rows]


def test_a_read_source_is_derived_from_the_letter_and_ships_its_text_with_its_checksum(
    store, settings
):
    change = sheets.read_sheet(LETTER_SHEET, store, settings)

    described = {
        (q.predicate.value, q.object.value)
        for q in in_graph(change, PROVENANCE_GRAPH, LETTER_GRAPH)
    }
    assert (PROV + "wasDerivedFrom", LETTER) in described
    assert not any(p.endswith("citedSource") for p, _ in described), "read, not cited"
    assert (PROV + "generatedAtTime", "2026-12-05T00:00:00Z") in described
    content = LETTER_TEXT.read_bytes()
    assert change.source_texts == {LETTER_TEXT.name: content}
    checksum = in_graph(
        change, LETTER_GRAPH, BASE + f"source/{LETTER_TEXT.name}", "https://schema.org/sha256"
    )
    assert [q.object.value for q in checksum] == [hashlib.sha256(content).hexdigest()]
    assert change.input_sha256 == hashlib.sha256(LETTER_SHEET.read_bytes()).hexdigest()


def test_the_canned_queries_see_the_new_source_at_once(store, settings, shipped_nquads):
    change = sheets.read_sheet(LETTER_SHEET, store, settings)
    served = serving(dataset_with(shipped_nquads, change))

    facts = queries.run(served, "facts-stated-by-several-sources").rows
    pair = next(r for r in facts if r["fact"].value == OLD_STATEMENT)
    assert pair["account"].value == OLD_STATEMENT and pair["other"].value == NEW_STATEMENT
    assert (pair["accountDate"].value, pair["otherDate"].value) == ("2010-09", "2010-09-07")
    assert pair["accountGraph"].value == BASE + "graph/los-angeles-times-napolitano-letter"
    assert pair["otherGraph"].value == LETTER_GRAPH
    assert pair["agree"].value == "true", "7 September 2010 lies within September 2010"

    contradictions = queries.run(served, "contradictions").rows
    assert any(r["earlier"].value == NEW_STATEMENT for r in contradictions), (
        "the letter's statement contradicts the October denial"
    )
    timeline = queries.run(served, "timeline").rows
    dated = [r for r in timeline if r["resource"].value == NEW_STATEMENT]
    assert [r["date"].value for r in dated] == ["2010-09-07"]
    assert dated[0]["source"].value == LETTER


def test_the_question_over_http_credits_each_account_to_its_source(store, settings, shipped_nquads):
    change = sheets.read_sheet(LETTER_SHEET, store, settings)
    client = create_app(settings, store=serving(dataset_with(shipped_nquads, change)))

    response = client.test_client().get("/queries/facts-stated-by-several-sources.json")

    assert response.status_code == 200
    rows = response.get_json()["results"]["bindings"]
    pair = next(r for r in rows if r["fact"]["value"] == OLD_STATEMENT)
    assert pair["accountSourceLabel"]["value"] == (
        "Los Angeles Times report on Napolitano's letter to Lofgren"
    )
    assert pair["otherSourceLabel"]["value"].startswith("Fictional letter from Janet Napolitano")
    assert pair["agree"]["value"] == "true"


def test_two_sources_whose_dates_cannot_meet_are_listed_as_conflicting(
    store, settings, shipped_nquads, tmp_path
):
    row = the_letter_row() | {"date": "2010-11-02", "source_date": "2010-11-02"}
    change = sheets.read_sheet(write_sheet(tmp_path, [row]), store, settings)
    served = serving(dataset_with(shipped_nquads, change))

    pairs = queries.run(served, "facts-stated-by-several-sources", {"fact": OLD_STATEMENT}).rows
    assert [(r["otherDate"].value, r["agree"].value) for r in pairs] == [("2010-11-02", "false")]


def test_a_third_account_named_after_the_second_is_linked_to_the_first(
    store, settings, shipped_nquads, tmp_path
):
    applied = dataset_with(shipped_nquads, sheets.read_sheet(LETTER_SHEET, store, settings))
    row = the_letter_row() | {
        "same_as": NEW_STATEMENT,
        "source": "Second fictional letter (test fixture)",
        "source_same_as": "",
    }
    third = sheets.read_sheet(write_sheet(tmp_path, [row]), serving(applied), settings)

    (link,) = [
        q
        for q in third.graphs[CURATORS_GRAPH]
        if q.predicate.value.endswith("alternateOf")
        and "second-fictional-letter" in q.subject.value
    ]
    assert link.object == ox.NamedNode(OLD_STATEMENT), "one step from the first account"
    served = serving(dataset_with(_dump(applied), third))
    pairs = queries.run(served, "facts-stated-by-several-sources", {"fact": OLD_STATEMENT}).rows
    assert len(pairs) == 3, "three accounts, three pairs"


def test_the_same_sheet_gives_the_same_change_every_time(store, settings):
    first = sheets.read_sheet(LETTER_SHEET, store, settings)
    second = sheets.read_sheet(LETTER_SHEET, store, settings)

    assert first.graphs == second.graphs
    assert first.source_texts == second.source_texts
    assert first.minted == second.minted


def test_a_sheet_read_again_after_it_was_applied_describes_each_node_once(
    store, settings, shipped_nquads, tmp_path
):
    first = sheets.read_sheet(LETTER_SHEET, store, settings)
    applied = dataset_with(shipped_nquads, first)
    again = sheets.read_sheet(LETTER_SHEET, serving(applied), settings)

    assert again.source_texts == {}, "the text is shipped already, with the same checksum"
    assert {g: len(q) for g, q in again.graphs.items()} == {
        g: len(q) for g, q in first.graphs.items()
    }
    report = validated(dataset_with(_dump(applied), again), first, tmp_path)
    assert report.conforms, report.text()


def _dump(held: ox.Store) -> bytes:
    out = io.BytesIO()
    held.dump(out, ox.RdfFormat.N_QUADS)
    return out.getvalue()


def test_new_people_and_propositions_get_stable_slugs_and_pass_validation(
    store, settings, shipped_nquads, tmp_path
):
    row = the_letter_row() | {
        "same_as": "",
        "speaker": "Pat Example",
        "speaker_kind": "person",
        "role": "",
        "addressee": "",
        "words": "the Secretary writes",
        "proposition": "Fixture letters can be added by claim sheet",
        "source_author": "Pat Example",
        "source_addressee": "Zoe Lofgren",
        "source_same_as": "",
        "source_url": "https://example.org/fixture-letter",
    }
    columns = [*the_letter_row(), "speaker_kind", "source_url"]
    change = sheets.read_sheet(write_sheet(tmp_path, [row], columns), store, settings)

    person = BASE + "id/person/pat-example"
    proposition = BASE + "id/proposition/fixture-letters-can-be-added-by-claim-sheet"
    assert {person, proposition} <= set(change.minted)
    assert BASE + "id/statement/pat-example-2010-09-07-the-secretary-writes" in change.minted
    assert in_graph(change, LETTER_GRAPH, person, "http://xmlns.com/foaf/0.1/name")
    (url,) = in_graph(change, LETTER_GRAPH, LETTER, "https://schema.org/url")
    assert url.object == ox.NamedNode("https://example.org/fixture-letter")
    report = validated(dataset_with(shipped_nquads, change), change, tmp_path)
    assert report.conforms, report.text()


def test_an_opt_out_attempt_read_in_the_backgrounder_is_another_account_of_bostons(
    store, settings, shipped_nquads, tmp_path
):
    shutil.copy(BACKGROUNDER_TEXT, tmp_path / BACKGROUNDER_TEXT.name)
    row = {
        "kind": "opt-out attempt",
        "same_as": "id/event/opt-out-attempt/boston-ma-2011-07",
        "speaker": "Boston, Mass.",
        "date": "2011-07",
        "program": "SComm",
        "source": "Backgrounder: Secure Communities, ICE's program for deporting criminal "
        "immigrants",
        "read_or_cited": "read",
        "text_file": BACKGROUNDER_TEXT.name,
        "evidence": "Boston, Mass., July 2011. Article (Boston Globe)",
        "curated_on": "2026-12-05",
    }
    path = tmp_path / "sheet.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    change = sheets.read_sheet(path, store, settings)

    assert change.source_texts == {}, "the backgrounder's text is shipped already"
    assert not any("passage" in iri for iri in change.minted), "its passage is reused"
    report = validated(dataset_with(shipped_nquads, change), change, tmp_path)
    assert report.conforms, report.text()


# --- Bad input: every problem, by row and column, before anything is built ------------------


@pytest.mark.parametrize(
    ("cells", "where", "says"),
    [
        ({"date": "2010-13"}, (2, "date"), "no month 13"),
        ({"date": "Sept. 2010"}, (2, "date"), "YYYY-MM"),
        ({"date": "2010-02-30"}, (2, "date"), "not a day"),
        ({"stance": "endorses"}, (2, "stance"), "unknown stance"),
        ({"wording": "quote"}, (2, "wording"), "verbatim or paraphrase"),
        (
            {"proposition": "id/proposition/no-such-thing"},
            (2, "proposition"),
            "no label to add it by",
        ),
        ({"evidence": "A sentence the letter does not hold."}, (2, "evidence"), "not found"),
        ({"words": "could not opt out"}, (2, "words"), "not in the evidence"),
        (
            {"read_or_cited": "read", "cited_by": "id/document/secure-communities-backgrounder"},
            (2, "cited_by"),
            "marked read, yet cited",
        ),
        ({"read_or_cited": "cited"}, (2, "cited_by"), "needs the document that cites it"),
        ({"speaker": "Nobody Known"}, (2, "speaker"), "speaker_kind"),
        ({"same_as": "No such statement"}, (2, "same_as"), "no statement"),
        ({"source": "A new report", "source_kind": "pamphlet"}, (2, "source_kind"), "unknown"),
        ({"curated_on": "2026-12"}, (2, "curated_on"), "the day"),
        ({"text_file": "missing.txt"}, (2, "text_file"), "cannot read"),
        ({"text_file": "../Letter.TXT"}, (2, "text_file"), "lower-case"),
        ({"kind": "rumour"}, (2, "kind"), "unknown kind"),
        ({"source_url": "ftp://example.org/letter"}, (2, "source_url"), "http(s) URL"),
        ({"program": "Secure Communities"}, (2, "program"), "only an opt-out attempt"),
    ],
)
def test_a_bad_cell_is_named_by_row_and_column(store, settings, tmp_path, cells, where, says):
    path = write_sheet(tmp_path, [the_letter_row() | cells])

    with pytest.raises(sheets.SheetError) as raised:
        sheets.read_sheet(path, store, settings)

    assert where in problems(raised.value), str(raised.value)
    message = next(p.message for p in raised.value.problems if (p.row, p.column) == where)
    assert says in message
    assert f"row {where[0]}, column {where[1]}: " in str(raised.value)


def test_a_missing_required_column_is_named_on_the_header_row(store, settings, tmp_path):
    columns = [c for c in the_letter_row() if c != "evidence"]
    path = write_sheet(tmp_path, [the_letter_row()], columns)

    with pytest.raises(sheets.SheetError) as raised:
        sheets.read_sheet(path, store, settings)

    assert problems(raised.value) == {(1, "evidence")}


def test_an_unknown_column_is_refused_rather_than_ignored(store, settings, tmp_path):
    row = the_letter_row() | {"speeker": "Janet Napolitano"}
    path = write_sheet(tmp_path, [row], [*the_letter_row(), "speeker"])

    with pytest.raises(sheets.SheetError) as raised:
        sheets.read_sheet(path, store, settings)

    assert problems(raised.value) == {(1, "speeker")}


def test_every_problem_of_every_row_is_reported_at_once(store, settings, tmp_path):
    rows = [
        the_letter_row() | {"date": "2010-13", "stance": "endorses"},
        the_letter_row(),
        the_letter_row() | {"evidence": "Not in the letter."},
    ]
    path = write_sheet(tmp_path, rows)

    with pytest.raises(sheets.SheetError) as raised:
        sheets.read_sheet(path, store, settings)

    assert problems(raised.value) >= {(2, "date"), (2, "stance"), (4, "evidence")}
    assert all(p.row != 3 or p.column == "words" for p in raised.value.problems), (
        "row 3 is fine but for describing the statement row 2 would have"
    )


def test_an_ambiguous_label_names_its_candidates(settings, shipped_nquads, tmp_path):
    held = ox.Store()
    held.load(shipped_nquads, ox.RdfFormat.N_QUADS)
    graph = ox.NamedNode(BASE + "graph/two-namesakes")
    for slug in ("janet-napolitano", "zoe-lofgren"):
        held.add(
            ox.Quad(
                ox.NamedNode(BASE + f"id/person/{slug}"),
                ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"),
                ox.Literal("the Representative", language="en"),
                graph,
            )
        )
    path = write_sheet(tmp_path, [the_letter_row() | {"addressee": "the Representative"}])

    with pytest.raises(sheets.SheetError) as raised:
        sheets.read_sheet(path, serving(held), settings)

    (problem,) = raised.value.problems
    assert (problem.row, problem.column) == (2, "addressee")
    assert "ambiguous" in problem.message
    assert "id/person/janet-napolitano" in problem.message
    assert "id/person/zoe-lofgren" in problem.message


def test_a_text_that_differs_from_the_shipped_one_of_that_name_is_refused(
    store, settings, tmp_path
):
    (tmp_path / BACKGROUNDER_TEXT.name).write_text("Not the backgrounder.\n", encoding="utf-8")
    row = the_letter_row() | {"text_file": BACKGROUNDER_TEXT.name, "evidence": "Not the"}
    path = write_sheet(tmp_path, [row])

    with pytest.raises(sheets.SheetError) as raised:
        sheets.read_sheet(path, store, settings)

    assert (2, "text_file") in problems(raised.value)


def test_a_validation_result_is_told_back_as_the_row_and_column_it_came_from(
    store, settings, shipped_nquads, tmp_path
):
    # Nothing wrong in a cell, but a letter needs its author: only SHACL knows that.
    row = the_letter_row() | {"source_author": ""}
    change = sheets.read_sheet(write_sheet(tmp_path, [row]), store, settings)

    report = validated(dataset_with(shipped_nquads, change), change, tmp_path)

    assert not report.conforms
    told = change.explain(report.violations)
    assert any(line.startswith("row 2, column source: ") and "author" in line for line in told), (
        told
    )


def test_a_sheet_that_is_not_utf8_or_has_no_rows_says_so(store, settings, tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("speaker\nJos\xe9\n".encode("latin-1"))
    header_only = tmp_path / "header.csv"
    header_only.write_text(",".join(sheets.COLUMN_NAMES) + "\n", encoding="utf-8")

    with pytest.raises(sheets.SheetError, match="not UTF-8"):
        sheets.read_sheet(latin, store, settings)
    with pytest.raises(sheets.SheetError, match="no rows"):
        sheets.read_sheet(header_only, store, settings)


def test_the_template_lists_every_column_and_reads_as_an_empty_sheet(store, settings):
    template = resources.project_root() / "examples" / "claim-sheet-template.csv"
    with open(template, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))

    assert tuple(header) == sheets.COLUMN_NAMES
    with pytest.raises(sheets.SheetError, match="no rows"):
        sheets.read_sheet(template, store, settings)


def test_the_shipped_example_reconciles_every_name_and_passes_validation(
    store, settings, shipped_nquads, tmp_path
):
    example = resources.project_root() / "examples" / "napolitano-letter" / "claim-sheet.csv"
    change = sheets.read_sheet(example, store, settings)

    assert change.source_texts == {}, "it rests on the shipped backgrounder text"
    assert change.minted == [
        OLD_STATEMENT + "-according-to-los-angeles-times-report-on-napolitano-letter"
    ]
    report = validated(dataset_with(shipped_nquads, change), change, tmp_path)
    assert report.conforms, report.text()


def test_the_docs_describe_every_column():
    docs = (resources.project_root() / "docs" / "claim-sheets.md").read_text(encoding="utf-8")
    for name in sheets.COLUMN_NAMES:
        assert f"`{name}`" in docs, name


def test_shipped_sources_are_untouched_by_reading_a_sheet(store, settings):
    before = {p: p.read_bytes() for p in loader.default_files()}
    sheets.read_sheet(LETTER_SHEET, store, settings)
    assert {p: p.read_bytes() for p in loader.default_files()} == before


# --- End to end: `scomm-kg add SHEET.csv`, then `scomm-kg query` ----------------------------


def cli(*args) -> Result:
    return CliRunner().invoke(main, [*map(str, args)])


def test_a_curator_adds_the_letter_with_the_cli_and_queries_it_at_once(data_dir):
    added = cli("add", LETTER_SHEET)

    assert added.exit_code == 0, added.output
    assert f"changed <{LETTER_GRAPH}>" in added.stdout
    letter_file = data_dir / "graphs" / "fictional-letter-from-janet-napolitano-to-rep-zoe.trig"
    assert letter_file.exists()
    assert (data_dir / "sources" / LETTER_TEXT.name).read_bytes() == LETTER_TEXT.read_bytes()
    asked = cli("query", "facts-stated-by-several-sources", "--format", "csv")
    assert asked.exit_code == 0, asked.output
    assert "2010-09-07" in asked.stdout and "Fictional letter" in asked.stdout
    timeline = cli("query", "timeline", "--format", "csv")
    assert "2010-09-07" in timeline.stdout
    assert cli("validate").exit_code == 0, "the whole curated graph still conforms"


def test_adding_the_same_sheet_twice_changes_nothing_the_second_time(data_dir):
    assert cli("add", LETTER_SHEET).exit_code == 0
    before = snapshot(data_dir)

    again = cli("add", LETTER_SHEET)

    assert again.exit_code == 0, again.output
    assert "nothing to change" in again.stdout
    assert snapshot(data_dir) == before


def test_a_bad_sheet_is_explained_by_row_and_column_and_nothing_is_written(data_dir, tmp_path):
    path = write_sheet(tmp_path, [the_letter_row() | {"date": "2010-13", "stance": "endorses"}])
    before = snapshot(data_dir)

    result = cli("add", path)

    assert result.exit_code == 2, result.output
    assert "row 2, column date: " in result.stderr
    assert "row 2, column stance: " in result.stderr
    assert snapshot(data_dir) == before


def test_a_sheet_the_shapes_refuse_is_told_back_by_row_and_nothing_is_written(data_dir, tmp_path):
    path = write_sheet(tmp_path, [the_letter_row() | {"source_author": ""}])
    before = snapshot(data_dir)

    result = cli("add", path)

    assert result.exit_code == 1, result.output
    assert "row 2, column source: a letter needs exactly one author" in result.stderr
    assert snapshot(data_dir) == before


def test_a_dry_run_of_the_shipped_example_says_what_would_change_and_writes_nothing(data_dir):
    example = resources.project_root() / "examples" / "napolitano-letter" / "claim-sheet.csv"
    before = snapshot(data_dir)

    result = cli("add", "--dry-run", example)

    assert result.exit_code == 0, result.output
    assert "would change <" + BASE + "graph/los-angeles-times-report-on-napolitano-letter>" in (
        result.stdout
    )
    assert snapshot(data_dir) == before
