"""A reporter looks at the program's timeline, and a newsroom takes it into an article.

Every statement and opt-out attempt of the graph is on the page, in the SVG and in the
TimelineJS JSON, each as the interval its date admits, linked to its page and its source; the
SVG draws a month inside its year; TimelineJS gets dates only as precise as the source's.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from scomm_kg.namespaces import DEFAULT_BASE_IRI, PREFIXES
from scomm_kg.settings import Settings
from scomm_kg.web import create_app

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
SVG = "{http://www.w3.org/2000/svg}"
STATEMENT = DEFAULT_BASE_IRI + "id/statement/"
SEPT = STATEMENT + "napolitano-2010-09-jurisdictions-can-opt-out"
OCT = STATEMENT + "napolitano-2010-10-program-not-voluntary"
BROCHURE = STATEMENT + "ice-brochure-2010-program-role-in-deportations"
MEMO = STATEMENT + "ice-memo-2010-08-notify-in-writing"


@pytest.fixture(scope="module")
def client(store):
    return create_app(Settings.from_env(), store=store, isolate_queries=False).test_client()


@pytest.fixture(scope="module")
def dated(store) -> dict[str, str]:
    """Every dated statement and opt-out attempt in the graph, with its date's datatype."""
    rows = store.query(
        "SELECT DISTINCT ?item ?date WHERE { GRAPH ?g { "
        "VALUES ?class { scomm:Statement scomm:OptOutAttempt } ?item a ?class ; dcterms:date ?date"
        " } }",
        prefixes=PREFIXES,
    ).rows
    return {row["item"].value: row["date"].datatype.value for row in rows}


def page_path(iri: str) -> str:
    return "/page/" + iri[len(DEFAULT_BASE_IRI + "id/") :]


def test_the_page_lists_every_statement_and_opt_out_attempt_with_its_source(client, dated):
    page = client.get("/timeline", headers=BROWSER)
    assert page.status_code == 200
    assert len(dated) == 12  # the backgrounder's 5 dated statements and 7 opt-out attempts
    for iri in dated:
        assert page.text.count(f'href="{page_path(iri)}"') >= 2, iri  # the picture and the list
    assert "as reported in" in page.text
    assert '<time datetime="2010-09">September 2010</time>' in page.text
    assert 'href="/timeline.svg"' in page.text and 'href="/timeline.json"' in page.text


def test_the_svg_is_an_image_with_every_item_linked_and_its_source_in_the_tooltip(client, dated):
    response = client.get("/timeline.svg")
    assert response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag == SVG + "svg"
    links = {a.get("href"): a for a in root.iter(SVG + "a")}
    for iri in dated:
        link = links["http://localhost" + page_path(iri)]
        assert "source:" in link.find(SVG + "title").text


def bar(root, iri: str) -> tuple[float, float]:
    link = next(a for a in root.iter(SVG + "a") if a.get("href").endswith(page_path(iri)))
    rect = link.find(SVG + "rect")
    return float(rect.get("x")), float(rect.get("x")) + float(rect.get("width"))


def test_a_month_is_drawn_inside_its_year_and_overlapping_months_overlap(client):
    root = ET.fromstring(client.get("/timeline.svg").data)
    year_left, year_right = bar(root, BROCHURE)  # 2010
    month_left, month_right = bar(root, MEMO)  # August 2010
    assert year_left < month_left < month_right < year_right
    _, sept_right = bar(root, SEPT)
    oct_left, _ = bar(root, OCT)
    assert sept_right == pytest.approx(oct_left, abs=0.2)  # September ends where October begins
    arlington = DEFAULT_BASE_IRI + "id/event/opt-out-attempt/arlington-county-va-2010-09"
    assert bar(root, arlington) == bar(root, SEPT)  # the same month: the same interval


def test_timelinejs_gets_every_item_with_dates_only_as_precise_as_the_source(client, dated):
    data = client.get("/timeline.json").get_json()
    assert data["title"]["text"]["headline"]
    events = {e["text"]["text"]: e for e in data["events"]}
    assert len(data["events"]) == len(dated)
    precision = {
        PREFIXES["xsd"] + "gYear": {"year"},
        PREFIXES["xsd"] + "gYearMonth": {"year", "month"},
        PREFIXES["xsd"] + "date": {"year", "month", "day"},
    }
    for iri, datatype in dated.items():
        event = next(e for text, e in events.items() if page_path(iri) + '"' in text)
        assert set(event["start_date"]) == precision[datatype], iri
        assert "end_date" not in event
        assert event["display_date"] and event["group"]
        assert event["media"]["credit"] and event["media"]["url"].startswith("http://localhost/")
    ids = [e["unique_id"] for e in data["events"]]
    assert ids.index(SEPT.rsplit("/", 1)[1]) < ids.index(OCT.rsplit("/", 1)[1])


def test_the_september_letter_is_credited_to_the_report_that_relays_it(client):
    data = client.get("/timeline.json").get_json()
    sept = next(e for e in data["events"] if e["unique_id"] == SEPT.rsplit("/", 1)[1])
    assert sept["group"] == "Janet Napolitano"
    assert sept["start_date"] == {"year": "2010", "month": "9"}
    assert sept["media"]["credit"].startswith("Los Angeles Times")
    assert "as reported in Backgrounder" in sept["media"]["credit"]
    assert "Paraphrase" in sept["text"]["text"]


def test_a_timeline_format_that_does_not_exist_is_a_404_that_names_the_ones_that_do(client):
    response = client.get("/timeline.png", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert "/timeline.svg" in response.get_json()["message"]
    page = client.get("/timeline.pdf", headers=BROWSER)
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_the_timeline_is_linked_from_every_page(client):
    for path in ("/", "/queries", "/dumps/", page_path(SEPT)):
        assert 'href="/timeline"' in client.get(path, headers=BROWSER).text, path
