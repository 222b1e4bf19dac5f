"""A reader opens /sparql in a browser and gets the SPARQL editor (YASGUI), served from here.

The editor's files are vendored (scripts/vendor-yasgui) and served by the app
(test_yasgui_assets.py); nothing on the page comes from another site. The canned
queries are its example tabs and the project's prefixes are declared in a new tab's query;
each of those queries runs on the endpoint as the editor sends it. SPARQL clients asking
/sparql for the service description still get it, whatever their Accept header.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from scomm_kg import queries
from scomm_kg.namespaces import PREFIXES
from scomm_kg.settings import Settings
from scomm_kg.web import create_app
from scomm_kg.web.assets import YASGUI_DIR, yasgui_version

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# What the editor itself sends with a SELECT (its requestConfig's acceptHeaderSelect).
EDITOR_SELECT = "application/sparql-results+json,*/*;q=0.9"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def client(store):
    # One test client sends every example tab: the per-client query budget (tested in
    # test_budget.py) is not this file's subject, and on a slower store it ran out.
    settings = Settings(client_query_seconds=0)
    return create_app(settings, store=store, isolate_queries=False).test_client()


class _Page(HTMLParser):
    """Every URL the page makes the browser load or offer, and its inline scripts."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []  # (tag, url)
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("href", "src", "action", "poster", "data"):
            if attributes.get(name):
                self.urls.append((tag, attributes[name]))
        if tag == "script":
            self._script = attributes

    def handle_data(self, data):
        if self._script is not None:
            self.scripts.append((self._script, data))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


@pytest.fixture(scope="module")
def editor(client) -> _Page:
    response = client.get("/sparql", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = _Page()
    page.feed(response.text)
    return page


@pytest.fixture(scope="module")
def settings(editor) -> dict:
    [(_, text)] = [(a, t) for a, t in editor.scripts if a.get("id") == "yasgui-settings"]
    return json.loads(text)


# --- The page -------------------------------------------------------------------------------


def test_a_browser_at_sparql_gets_the_editor_with_its_script_and_styles_from_this_server(
    client, editor
):
    loaded = {tag: url for tag, url in editor.urls if tag in ("script", "link")}
    version = yasgui_version()
    assert loaded == {
        "script": f"/assets/yasgui/{version}/yasgui.min.js",
        "link": f"/assets/yasgui/{version}/yasgui.min.css",
    }
    script = client.get(loaded["script"])
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert script.data == (YASGUI_DIR / "yasgui.min.js").read_bytes()
    styles = client.get(loaded["link"])
    assert styles.status_code == 200 and styles.mimetype == "text/css"


def test_every_url_on_the_page_is_this_servers_and_resolves(client, editor):
    page = client.get("/sparql", headers={"Accept": BROWSER}).text
    for tag, url in editor.urls:
        if url.startswith("#"):  # a place on this page (the skip link): it must be there
            assert f'id="{url[1:]}"' in page, url
            continue
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"<{tag}> names {url} off-site"
        assert client.get(url, headers={"Accept": BROWSER}).status_code == 200, url


def test_the_editors_own_files_load_nothing_from_another_site():
    """Its styles draw icons from data: URLs; its script names no CDN or web-font host."""
    styles = (YASGUI_DIR / "yasgui.min.css").read_text(encoding="utf-8")
    for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", styles):
        assert url.startswith("data:"), url
    assert "@import" not in styles
    script = (YASGUI_DIR / "yasgui.min.js").read_text(encoding="utf-8")
    for host in ("cdn", "unpkg.com", "jsdelivr", "googleapis", "fonts.g", "cloudflare"):
        assert host not in script, host


def test_the_vocabulary_lookups_it_would_make_off_site_are_turned_off(editor):
    """The class and property completers ask Linked Open Vocabularies (lov.linkeddata.es)."""
    script = (YASGUI_DIR / "yasgui.min.js").read_text(encoding="utf-8")
    assert "lov.linkeddata.es" in script, "if YASGUI stopped asking LOV, drop the filter below"
    [init] = [text for attributes, text in editor.scripts if not attributes]
    assert re.search(r'name !== "class" && name !== "property"', init)


def test_the_editor_queries_this_endpoint_and_offers_no_other(settings):
    assert settings["endpoint"] == "http://localhost/sparql"


def test_a_new_tab_declares_every_project_prefix_and_its_query_runs(client, settings):
    text = settings["newTabQuery"]
    for name, namespace in PREFIXES.items():
        assert f"PREFIX {name}: <{namespace}>\n" in text
    assert settings["prefixes"] == PREFIXES  # the results table shortens IRIs with them
    answer = client.post(
        "/sparql", data={"query": text}, headers={"Accept": EDITOR_SELECT, "Content-Type": FORM}
    )
    assert answer.status_code == 200, answer.text
    rows = answer.get_json()["results"]["bindings"]
    assert len(rows) == 10 and all(row["graph"]["value"] for row in rows)


def test_every_canned_query_is_an_example_tab_with_its_text(settings):
    catalogue = queries.catalogue()
    examples = {example["name"]: example for example in settings["examples"]}
    assert list(examples) == list(catalogue)
    for name, query in catalogue.items():
        assert examples[name]["query"] == query.text
        assert examples[name]["title"] == query.title
    assert len({example["id"] for example in settings["examples"]}) == len(catalogue)


@pytest.mark.parametrize("name", sorted(queries.catalogue()))
def test_each_example_tab_runs_as_the_editor_sends_it(client, settings, name):
    """Its parameters left free (the editor binds none): every proposition, every speaker."""
    [example] = [e for e in settings["examples"] if e["name"] == name]
    answer = client.post(
        "/sparql",
        data={"query": example["query"]},
        headers={"Accept": EDITOR_SELECT, "Content-Type": FORM},
    )
    assert answer.status_code == 200, answer.text
    assert answer.mimetype == "application/sparql-results+json"
    assert "results" in answer.get_json()


def test_the_page_names_the_editor_and_links_its_licence(client, editor):
    licence = f"/assets/yasgui/{yasgui_version()}/LICENSE"
    assert ("a", licence) in editor.urls
    notice = client.get(licence).text
    assert "@zazuko/yasgui" in notice and "MIT License" in notice


# --- SPARQL clients are answered as before --------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json, text/html;q=0.5", "application/ld+json"),
        ("text/turtle, text/html", "text/turtle"),  # a tie goes to the data
        ("application/xml", "application/rdf+xml"),
    ],
)
def test_a_sparql_client_without_a_query_still_gets_the_service_description(
    client, accept, media_type
):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media_type


def test_a_browser_naming_a_format_gets_the_description_in_it(client):
    response = client.get("/sparql?format=turtle", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/turtle"


def test_a_browser_sending_a_query_gets_results_not_the_editor(client):
    query = "ASK { ?s ?p ?o }"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+xml"


def test_the_editor_page_is_conditional_like_every_page(client):
    first = client.get("/sparql", headers={"Accept": BROWSER})
    again = client.get(
        "/sparql", headers={"Accept": BROWSER, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert "Accept" in first.headers["Vary"]
