"""The search box on every page: a reporter types a name, however she spells it, and gets links.

She types "Napolitano", or "napolitano", or a hurried "Napolitno", and finds Janet Napolitano's
page among the results; the same results download as CSV, TSV and JSON. An empty box, a pasted
paragraph or a format nobody offers gets a clear answer, never a trace or an empty page.
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest

from scomm_kg import search
from scomm_kg.settings import Settings
from scomm_kg.web import create_app

from helpers import iri

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
NAPOLITANO_PAGE = "/page/person/janet-napolitano"
NAPOLITANO = iri("id/person/janet-napolitano")


@pytest.fixture(scope="module")
def client(store):
    return create_app(Settings.from_env(), store=store).test_client()


class Results(HTMLParser):
    """A page as a reader meets it: the search box, the links found, the messages."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.search_box: dict | None = None  # the form's action and its text field
        self.found: list[tuple[str, str, str]] = []  # (href, IRI on hover, text) in the list
        self.links: dict[str, str] = {}  # text → href, every link
        self.messages: list[str] = []
        self._in_form = self._in_found = False
        self._link: list | None = None
        self._message: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("role") == "search":
            self._in_form = True
            self.search_box = {"action": attrs.get("action"), "method": attrs.get("method")}
        elif tag == "input" and self._in_form:
            self.search_box["field"] = attrs.get("name")
            self.search_box["value"] = attrs.get("value")
            self.search_box["id"] = attrs.get("id")
        elif tag == "label" and self._in_form:
            self.search_box["label_for"] = attrs.get("for")
        elif tag == "ul" and attrs.get("class") == "found":
            self._in_found = True
        elif tag == "a":
            self._link = [attrs.get("href"), attrs.get("title"), ""]
        elif tag == "p" and attrs.get("class") in ("error", "note"):
            self._message = []

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "ul":
            self._in_found = False
        elif tag == "a" and self._link is not None:
            href, title, text = self._link
            self.links[text.strip()] = href
            if self._in_found:
                self.found.append((href, title, text.strip()))
            self._link = None
        elif tag == "p" and self._message is not None:
            self.messages.append(" ".join("".join(self._message).split()))
            self._message = None

    def handle_data(self, data):
        if self._link is not None:
            self._link[2] += data
        if self._message is not None:
            self._message.append(data)


def searched(client, text, status=200) -> Results:
    response = client.get("/search", query_string={"text": text}, headers={"Accept": BROWSER})
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    return Results(response.get_data(as_text=True))


# --- Finding her, however she is spelt -----------------------------------------------------


@pytest.mark.parametrize("text", ["Napolitano", "napolitano", "Napolitno", "NÁPOLITANO"])
def test_a_reporter_finds_napolitanos_page_however_she_types_the_name(client, text):
    results = searched(client, text)
    assert (NAPOLITANO_PAGE, NAPOLITANO, "Janet Napolitano") in results.found
    assert results.search_box["value"] == text  # the box keeps what she typed


def test_a_misspelt_name_says_that_the_results_are_near_it_not_in_it(client):
    assert any("close to it" in m for m in searched(client, "Napolitno").messages)
    assert not any("close to it" in m for m in searched(client, "Napolitano").messages)


def test_an_abbreviation_and_a_known_misspelling_find_what_they_name(client):
    assert "/page/organization/dhs" in {href for href, _, _ in searched(client, "DHS").found}
    hrefs = {href for href, _, _ in searched(client, "San Franciscio").found}
    assert "/page/place/san-francisco-ca" in hrefs


def test_a_name_like_nothing_in_the_graph_finds_nothing_and_says_so(client):
    results = searched(client, "zzyzx quux")
    assert results.found == []
    assert any("No name contains" in m for m in results.messages)


def test_a_stray_word_is_not_taken_for_a_misspelling_of_a_short_name(store):
    # Aligned within "Secure Comunities", a short name such as "unit" would match perfectly.
    found = search.search(store, "Secure Comunities")
    assert found.near_names and all(len(n) >= len("Secure Com") for n in found.near_names)
    assert iri("id/program/secure-communities") in {r["resource"].value for r in found.result.rows}


# --- The box on every page -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/queries", "/queries/contradictions", NAPOLITANO_PAGE, "/search", "/page/nobody"],
)
def test_every_page_has_the_search_box(client, path):
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.mimetype == "text/html"
    box = Results(response.get_data(as_text=True)).search_box
    assert box == {
        "action": "/search",
        "method": "get",
        "field": "text",
        "value": "",
        "id": "search-text",
        "label_for": "search-text",
    }


def test_the_search_page_without_a_text_asks_for_one(client):
    response = client.get("/search", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert any(
        "Type part of a name" in m for m in Results(response.get_data(as_text=True)).messages
    )


# --- Downloads with the same rows ----------------------------------------------------------


@pytest.mark.parametrize("text", ["napolitano", "Napolitno"])
def test_the_results_download_as_csv_tsv_and_json_with_the_rows_on_the_page(client, text):
    results = searched(client, text)
    on_page = [title for _, title, _ in results.found]
    assert on_page
    csv_answer = client.get(results.links["CSV"])
    assert csv_answer.mimetype == "text/csv"
    assert "attachment" in csv_answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(csv_answer.get_data(as_text=True), newline="")))
    assert [row["resource"] for row in rows] == on_page
    tsv_answer = client.get(results.links["TSV"])
    assert tsv_answer.mimetype == "text/tab-separated-values"
    tsv_lines = tsv_answer.get_data(as_text=True).splitlines()[1:]
    assert [line.split("\t")[0] for line in tsv_lines] == [f"<{i}>" for i in on_page]
    json_answer = client.get(results.links["JSON"])
    assert json_answer.mimetype == "application/sparql-results+json"
    bindings = json_answer.get_json()["results"]["bindings"]
    assert [b["resource"]["value"] for b in bindings] == on_page


# --- Bad input: a clear answer -------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_search_is_a_400_page_asking_for_a_name(client, text):
    results = searched(client, text, status=400)
    assert any("type part of a name" in m for m in results.messages)
    assert results.found == []


def test_a_pasted_paragraph_is_a_400_saying_how_long_a_search_may_be(client):
    results = searched(client, "n" * 1000, status=400)
    assert any(f"at most {search.MAX_TEXT} characters" in m for m in results.messages)


@pytest.mark.parametrize(
    ("query", "mention"),
    [
        ({"text": ""}, "type part of a name"),
        ({"text": "n" * 1000}, "at most"),
        ({}, "type part of a name"),
        ({"text": ["a", "b"]}, "once"),
        ({"text": "a", "limit": "5"}, "limit"),
    ],
    ids=["empty", "too-long", "missing", "repeated", "unknown-parameter"],
)
def test_bad_search_downloads_are_400s_in_json(client, query, mention):
    response = client.get("/search.json", query_string=query)
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert mention in response.get_json()["message"]


def test_an_api_client_asking_the_page_for_json_gets_its_error_in_json(client):
    response = client.get(
        "/search", query_string={"text": ""}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400 and response.mimetype == "application/json"


@pytest.mark.parametrize("suffix", ["xlsx", "xml", "ttl"])
def test_a_format_the_search_does_not_offer_is_a_406_naming_the_ones_it_does(client, suffix):
    response = client.get(f"/search.{suffix}", query_string={"text": "napolitano"})
    assert response.status_code == 406 and response.mimetype == "application/json"
    body = response.get_json()
    assert ".csv" in body["message"] and ".json" in body["message"]
    assert "text/csv" in body["formats"]


def test_a_search_text_is_a_value_never_query_text(client):
    response = client.get("/search.json", query_string={"text": 'x" } UNION { ?s ?p ?o } #'})
    assert response.status_code == 200
    assert response.get_json()["results"]["bindings"] == []
