"""Answers a reporter can read: names as links, dates as the source gives them, statements that
contradict each other side by side, downloads with the rows the page shows.

A reporter opens a canned question and reads labels, not IRIs (the IRI is on hover and in the
downloads); she opens the contradictions and sees Napolitano's September 2010 letter beside her
October 2010 clarification; she downloads the same rows as CSV, TSV or JSON.
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest

from scomm_kg import queries
from scomm_kg.namespaces import PREFIXES
from scomm_kg.settings import Settings
from scomm_kg.web import create_app, display

from helpers import iri

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SEPTEMBER_LETTER = "statement/napolitano-2010-09-jurisdictions-can-opt-out"
OCTOBER_CLARIFICATION = "statement/napolitano-2010-10-program-not-voluntary"
NAPOLITANO = "/page/person/janet-napolitano"


@pytest.fixture(scope="module")
def client(store):
    """The site as deployed: default settings, queries in forked workers."""
    return create_app(Settings.from_env(), store=store).test_client()


class Reading(HTMLParser):
    """What a reader meets on a page: links, dates, table cells, pairs of cards."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.links: list[dict] = []  # href, title (the IRI on hover), text
        self.times: list[tuple[str, str]] = []  # (datetime, the text shown)
        self.headings: list[dict] = []  # each column's title and the IRI column it links to
        self.cells: list[list[str]] = []  # each row's cells, as text
        self.pairs: list[dict] = []  # each pair: its cards, each with links and times
        self.tables_outside_scroll = 0
        self._stack: list[tuple[str, dict]] = []
        self._link: dict | None = None
        self._time: list | None = None
        self._cell: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and not any(
            t == "div" and a.get("class") == "scroll" for t, a in self._stack
        ):
            self.tables_outside_scroll += 1
        if tag not in ("br", "input", "meta", "link"):
            self._stack.append((tag, attrs))
        if tag == "a":
            self._link = {"href": attrs.get("href"), "title": attrs.get("title"), "text": ""}
        elif tag == "time":
            self._time = [attrs.get("datetime"), ""]
        elif tag == "th":
            self.headings.append({"title": attrs.get("title"), "link": attrs.get("data-link")})
        elif tag == "tr":
            self.cells.append([])
        elif tag == "td":
            self._cell = []
        elif tag == "section" and attrs.get("class") == "pair":
            self.pairs.append({"cards": []})
        elif tag == "article" and attrs.get("class") == "card":
            self.pairs[-1]["cards"].append({"links": [], "times": [], "text": ""})

    def handle_endtag(self, tag):
        while self._stack and self._stack[-1][0] != tag:
            self._stack.pop()
        if self._stack:
            self._stack.pop()
        if tag == "a" and self._link is not None:
            self.links.append(self._link)
            if self._card() is not None:
                self._card()["links"].append(self._link)
            self._link = None
        elif tag == "time" and self._time is not None:
            self.times.append(tuple(self._time))
            if self._card() is not None:
                self._card()["times"].append(tuple(self._time))
            self._time = None
        elif tag == "td" and self._cell is not None:
            self.cells[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._link is not None:
            self._link["text"] += data
        if self._time is not None:
            self._time[1] += data
        if self._cell is not None:
            self._cell.append(data)
        if self._card() is not None:
            self._card()["text"] += data

    def _card(self) -> dict | None:
        if any(t == "article" for t, _ in self._stack) and self.pairs:
            return self.pairs[-1]["cards"][-1]
        return None

    def rows(self) -> list[list[str]]:
        return [row for row in self.cells if row]


def read(client, path, **params) -> Reading:
    response = client.get(path, query_string=params, headers={"Accept": BROWSER})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    return Reading(response.get_data(as_text=True))


def csv_rows(client, path, **params) -> list[dict]:
    response = client.get(path, query_string=params or None)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))


def tsv_rows(client, path, **params) -> list[list[str]]:
    response = client.get(path, query_string=params or None)
    assert response.status_code == 200 and response.mimetype == "text/tab-separated-values"
    return [line.split("\t") for line in response.get_data(as_text=True).splitlines()[1:]]


def json_rows(client, path, **params) -> list[dict]:
    response = client.get(path, query_string=params or None)
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    return response.get_json()["results"]["bindings"]


# --- Labels, not IRIs ----------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in queries.catalogue() if n != "contradictions"])
def test_no_column_shows_an_iri_beside_its_label(client, store, name):
    params = {
        "search": {"text": "napolitano"},
        "statements-by-speaker": {"speaker": "id/person/janet-napolitano"},
        "statements-from-organization": {"organization": "id/organization/dhs"},
        "document-supports": {"document": "id/document/secure-communities-backgrounder"},
    }.get(name, {})
    shown = read(client, f"/queries/{name}", **params)
    variables = queries.run(store, name, params).variables
    titles = [h["title"].removeprefix("?") for h in shown.headings]
    for variable in variables:
        if variable + "Label" in variables:
            assert variable not in titles, f"{name}: ?{variable} shown beside its label"
            column = titles.index(variable + "Label")
            assert shown.headings[column]["link"] == variable


def test_a_label_links_to_the_resources_page_here_with_its_iri_on_hover(client):
    shown = read(client, "/queries/statements-on-topic")
    speaker = next(link for link in shown.links if link["href"] == NAPOLITANO)
    assert speaker["text"] == "Janet Napolitano"
    assert speaker["title"] == iri("id/person/janet-napolitano")
    headings = [h["title"] for h in shown.headings]
    assert "?speakerLabel" in headings and "?speaker" not in headings


def test_sources_are_links_to_the_documents_pages(client):
    shown = read(client, "/queries/statements-by-speaker", speaker="id/person/janet-napolitano")
    column = [h["title"] for h in shown.headings].index("?sourceLabel")
    sources = {row[column] for row in shown.rows()}
    assert sources and all(sources)
    documents = {link["text"]: link["href"] for link in shown.links}
    for source in sources:
        assert documents[source].startswith("/page/document/"), source


def test_wide_answers_scroll_inside_their_table(client):
    shown = read(client, "/queries/statements-on-topic")
    assert shown.rows() and shown.tables_outside_scroll == 0


# --- Dates at their precision --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "datatype", "reads"),
    [
        ("2010", "gYear", "2010"),
        ("2010-09", "gYearMonth", "September 2010"),
        ("2010-09-07", "date", "7 September 2010"),
    ],
)
def test_a_date_reads_at_the_precision_its_datatype_states(value, datatype, reads):
    term = ox.Literal(value, datatype=ox.NamedNode(PREFIXES["xsd"] + datatype))
    shown = display.value(term, "https://w3id.org/scomm-kg/", {})
    assert shown == f'<time datetime="{value}">{reads}</time>'


def test_text_that_looks_like_a_date_is_left_as_it_is():
    assert display.value(ox.Literal("2010-09"), "https://w3id.org/scomm-kg/", {}) == "2010-09"


def test_the_pages_show_years_months_and_days_as_the_sources_give_them(client):
    shown = dict(read(client, "/queries/statistics").times)
    assert shown["2009-10-01"] == "1 October 2009"
    statements = dict(read(client, "/queries/statements-on-topic").times)
    assert statements["2010-09"] == "September 2010"
    assert statements["2010"] == "2010"


# --- Contradictions as pairs of cards ------------------------------------------------------


def test_the_september_letter_and_the_october_clarification_are_shown_as_a_pair(client):
    shown = read(client, "/queries/contradictions")
    assert not shown.rows(), "cards, not a table"
    pair = next(
        p
        for p in shown.pairs
        if [c["links"][0]["href"] for c in p["cards"]]
        == ["/page/" + SEPTEMBER_LETTER, "/page/" + OCTOBER_CLARIFICATION]
    )
    earlier, later = pair["cards"]
    assert earlier["times"] == [("2010-09", "September 2010")]
    assert later["times"] == [("2010-10", "October 2010")]
    for card, stance in ((earlier, "affirms"), (later, "denies")):
        assert card["text"].lstrip().startswith(("Earlier", "Later"))
        assert stance in card["text"]
        assert any(link["href"] == NAPOLITANO for link in card["links"]), "the speaker"
        assert any(link["href"].startswith("/page/document/") for link in card["links"])


def test_there_is_one_pair_of_cards_per_row_of_the_downloads(client):
    shown = read(client, "/queries/contradictions")
    rows = csv_rows(client, "/queries/contradictions.csv")
    assert len(shown.pairs) == len(rows) > 0
    for pair, row in zip(shown.pairs, rows, strict=True):
        earlier, later = (card["links"][0]["title"] for card in pair["cards"])
        assert (earlier, later) == (row["earlier"], row["later"])


# --- Downloads with the rows of the page ---------------------------------------------------


def test_each_question_page_downloads_the_rows_it_shows(client):
    params = {"speaker": "id/person/janet-napolitano"}
    shown = read(client, "/queries/statements-by-speaker", **params)
    offered = {link["text"]: link["href"] for link in shown.links}
    for kind in ("CSV", "TSV", "JSON"):
        assert offered[kind].startswith(f"/queries/statements-by-speaker.{kind.lower()}?")
    titles = [h["title"].removeprefix("?") for h in shown.headings]
    column = titles.index("propositionLabel")
    on_page = [row[column] for row in shown.rows()]
    assert on_page == [row["propositionLabel"] for row in csv_rows(client, offered["CSV"])]
    assert len(tsv_rows(client, offered["TSV"])) == len(on_page)
    assert [row["propositionLabel"]["value"] for row in json_rows(client, offered["JSON"])] == (
        on_page
    )
