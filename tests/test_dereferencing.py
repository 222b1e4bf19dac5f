"""A linked-data client and a reader follow the graph's IRIs on this server.

Every IRI under the base answers: a thing's IRI (/id/…) with 303 See Other to its page or its
data, a named graph's IRI and the ontology's with 200. The data comes in every RDF format,
parses back, and holds exactly the store's quads about the resource; TriG and N-Quads say
which named graph each triple comes from. An IRI the graph does not hold is a 404 that
suggests the names nearest it, and no link on any page leads to a 404.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import pyoxigraph as ox
import pytest

from scomm_kg import queries
from scomm_kg.namespaces import DEFAULT_BASE_IRI, ONTOLOGY_IRI
from scomm_kg.results import GRAPH_FORMATS
from scomm_kg.settings import Settings
from scomm_kg.web import create_app

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PARSERS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
}
STATEMENT = "statement/napolitano-2010-09-jurisdictions-can-opt-out"
NAPOLITANO = DEFAULT_BASE_IRI + "id/person/janet-napolitano"


@pytest.fixture(scope="module")
def client(store):
    return create_app(Settings.from_env(), store=store, isolate_queries=False).test_client()


def store_quads(store, sparql: str) -> set[tuple]:
    rows = store.query(sparql).rows
    return {(r["s"], r["p"], r["o"], r["g"]) for r in rows}


def names_under_base(store, folder: str) -> list[str]:
    rows = store.query(
        "SELECT DISTINCT ?iri WHERE { GRAPH ?g { { ?iri ?p ?o } UNION { ?s ?p ?iri } } "
        f'FILTER(isIRI(?iri) && STRSTARTS(STR(?iri), "{DEFAULT_BASE_IRI}{folder}/")) }}'
    ).rows
    return sorted(r["iri"].value for r in rows)


def named(quads: set[tuple]) -> set[tuple]:
    """The quads whose terms are all named: blank nodes get fresh labels in every document."""
    return {q for q in quads if not any(isinstance(t, ox.BlankNode) for t in q)}


def parse(body: bytes, format_name: str) -> set[tuple]:
    parsed = ox.parse(body, format=PARSERS[format_name])
    return {
        (
            q.subject,
            q.predicate,
            q.object,
            None if q.graph_name == ox.DefaultGraph() else q.graph_name,
        )
        for q in parsed
    }


def about(store, iri: str) -> set[tuple]:
    """The store's own quads with the resource as subject or object, asked independently."""
    return store_quads(
        store,
        f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
        f"FILTER(?s = <{iri}> || ?o = <{iri}>) }}",
    )


# --- Things: 303 to the page or the data --------------------------------------------------


def test_a_browser_asking_for_a_person_is_sent_to_her_page(client):
    response = client.get("/id/person/janet-napolitano", headers=BROWSER)
    assert response.status_code == 303
    assert response.headers["Location"] == "/page/person/janet-napolitano"
    assert "Accept" in response.headers["Vary"]
    page = client.get(response.headers["Location"], headers=BROWSER)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "<h1>Janet Napolitano</h1>" in page.text


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.name)
def test_a_data_client_is_sent_to_the_data_in_the_format_it_asks_for(client, fmt):
    response = client.get(f"/id/{STATEMENT}", headers={"Accept": fmt.media_type})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/data/{STATEMENT}.{fmt.extension}"


def test_a_client_that_names_no_format_gets_turtle_and_one_that_accepts_none_gets_406(client):
    assert client.get(f"/id/{STATEMENT}").headers["Location"].endswith(".ttl")
    refused = client.get(f"/id/{STATEMENT}", headers={"Accept": "image/png"})
    assert refused.status_code == 406


def test_every_thing_under_id_answers_303_to_both_its_page_and_its_data(client, store):
    things = names_under_base(store, "id")
    assert len(things) > 100
    for iri in things:
        local = iri[len(DEFAULT_BASE_IRI) :]
        page = client.get("/" + local, headers=BROWSER)
        data = client.get("/" + local, headers={"Accept": "application/n-quads"})
        assert page.status_code == data.status_code == 303, iri
        assert page.headers["Location"].startswith("/page/"), iri
        assert data.headers["Location"].endswith(".nq"), iri


# --- Data: every format, the store's quads ------------------------------------------------


def test_every_thing_dereferences_to_exactly_the_stores_quads_about_it(client, store):
    for iri in names_under_base(store, "id"):
        name = iri[len(DEFAULT_BASE_IRI + "id/") :]
        answer = client.get(f"/data/{name}.nq")
        assert answer.status_code == 200, iri
        assert named(parse(answer.data, "nquads")) == named(about(store, iri)), iri


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.name)
def test_each_format_parses_back_to_the_same_facts(client, store, fmt):
    for iri in (DEFAULT_BASE_IRI + f"id/{STATEMENT}", NAPOLITANO):
        name = iri[len(DEFAULT_BASE_IRI + "id/") :]
        suffixed = client.get(f"/data/{name}.{fmt.extension}")
        negotiated = client.get(f"/data/{name}", headers={"Accept": fmt.media_type})
        assert suffixed.status_code == negotiated.status_code == 200
        assert suffixed.mimetype == negotiated.mimetype == fmt.media_type
        assert negotiated.headers["Content-Location"] == f"/data/{name}.{fmt.extension}"
        parsed = parse(suffixed.data, fmt.name)
        expected = about(store, iri)
        if fmt.name in ("trig", "nquads"):
            assert named(parsed) == named(expected)
        else:
            assert named(parsed) == {(s, p, o, None) for s, p, o, _ in named(expected)}
        # The blank nodes (a qualified attribution) come with their own triples.
        assert len(parsed) > len(named(parsed)) or iri == NAPOLITANO


def test_the_quads_say_which_graph_each_fact_comes_from(client):
    quads = parse(client.get(f"/data/{STATEMENT}.trig").data, "trig")
    speaker = ox.NamedNode("http://www.w3.org/ns/prov#wasAttributedTo")
    graphs = {g.value for s, p, o, g in quads if p == speaker}
    assert graphs == {DEFAULT_BASE_IRI + "graph/los-angeles-times-napolitano-letter"}


# --- Graphs and the ontology: documents, 200 ----------------------------------------------


def test_a_graph_answers_with_its_triples_and_its_provenance(client, store):
    graph = DEFAULT_BASE_IRI + "graph/boston-globe-boston-opt-out"
    response = client.get(
        "/graph/boston-globe-boston-opt-out", headers={"Accept": "application/n-quads"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Location"] == "/graph/boston-globe-boston-opt-out.nq"
    quads = parse(response.data, "nquads")
    contents = store_quads(
        store, f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g = <{graph}>) }}"
    )
    provenance = store_quads(
        store, f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?s = <{graph}>) }}"
    )
    assert named(quads) == named(contents | provenance)
    cited = ox.NamedNode("https://w3id.org/scomm-kg/ontology#citedSource")
    assert any(s.value == graph and p == cited for s, p, o, g in quads)


def test_every_graph_answers_200_as_a_page_and_in_every_format(client, store):
    graphs = names_under_base(store, "graph")
    assert len(graphs) >= 12
    for iri in graphs:
        local = "/" + iri[len(DEFAULT_BASE_IRI) :]
        assert client.get(local, headers=BROWSER).status_code == 200, iri
        for fmt in GRAPH_FORMATS:
            answer = client.get(f"{local}.{fmt.extension}")
            assert answer.status_code == 200 and parse(answer.data, fmt.name), (iri, fmt.name)


def test_the_ontology_and_its_terms_answer_at_ontology(client, store):
    page = client.get("/ontology", headers=BROWSER)
    assert page.status_code == 200 and 'id="Statement"' in page.text
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle"
    parsed = parse(client.get("/ontology.nt").data, "ntriples")
    expected = store_quads(
        store,
        f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g = <{ONTOLOGY_IRI}>) }}",
    )
    assert named(parsed) == {(s, p, o, None) for s, p, o, _ in named(expected)}
    assert client.get("/ontology.xyz").status_code == 404


# --- Unknown IRIs --------------------------------------------------------------------------


def test_an_unknown_iri_is_a_404_that_suggests_the_nearest_names(client):
    answer = client.get("/id/person/napolitano")
    assert answer.status_code == 404 and answer.mimetype == "application/json"
    assert answer.json["iri"] == DEFAULT_BASE_IRI + "id/person/napolitano"
    first = answer.json["suggestions"][0]
    assert first == {
        "iri": NAPOLITANO,
        "label": "Janet Napolitano",
        "page": "/page/person/janet-napolitano",
    }
    page = client.get("/page/person/napolitano", headers=BROWSER)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert '<a href="/page/person/janet-napolitano"' in page.text


def test_a_misspelt_iri_leads_through_the_search_to_the_right_page(client):
    """No name begins like "napolitno", so no suggestion; the search finds her all the same."""
    page = client.get("/page/person/janet-napolitno", headers=BROWSER)
    assert page.status_code == 404
    link = re.search(r'<a href="([^"]*)">Search the graph', page.text).group(1)
    assert link == "/search?text=janet+napolitno"
    found = client.get(link.replace("&amp;", "&"), headers=BROWSER)
    assert 'href="/page/person/janet-napolitano"' in found.text


@pytest.mark.parametrize(
    "path",
    [
        "/id/nothing/here",
        "/data/person/janet-napolitano.png",
        "/graph/nowhere",
        "/graph/nowhere.ttl",
    ],
)
def test_names_the_graph_does_not_hold_are_404(client, path):
    assert client.get(path).status_code == 404


# --- Pages: facts with their sources, schema.org JSON-LD ----------------------------------


def test_a_statement_page_shows_each_fact_with_its_graph_documents_and_evidence(client):
    page = client.get(f"/page/{STATEMENT}", headers=BROWSER).text
    assert 'href="/graph/los-angeles-times-napolitano-letter"' in page
    assert "Read: <a" in page and "Cited: <a" in page
    assert "<q>In Sept. 2010, DHS Secretary Janet Napolitano said that local jurisdictions" in page
    assert 'href="/source/secure-communities-backgrounder.txt"' in page
    # The sentence in its context: a text fragment that a browser highlights.
    fragment = re.search(
        r'href="/source/secure-communities-backgrounder.txt#:~:text=([^"]+)"', page
    )
    assert unquote(fragment.group(1)).startswith("In Sept. 2010, DHS Secretary Janet Napolitano")
    # The speaker is a local link, labelled, with the IRI on hover.
    assert (
        f'<a href="/page/person/janet-napolitano" title="{NAPOLITANO}">Janet Napolitano</a>' in page
    )


def test_a_statement_page_embeds_a_schema_org_claim_with_its_appearances(client):
    page = client.get(f"/page/{STATEMENT}", headers=BROWSER).text
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    claim = json.loads(script.group(1))
    assert claim["@type"] == "Claim" and claim["@context"] == "https://schema.org"
    assert claim["author"][0]["@id"] == NAPOLITANO
    appearances = {a["@id"] for a in claim["appearance"]}
    assert (
        DEFAULT_BASE_IRI + "id/document/los-angeles-times-report-on-napolitano-letter"
        in appearances
    )


def test_a_persons_page_lists_the_links_to_her(client):
    page = client.get("/page/person/janet-napolitano", headers=BROWSER).text
    assert "Links to this" in page
    assert f'href="/page/{STATEMENT}"' in page


# --- Crawl ---------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def test_a_crawl_of_every_page_finds_no_broken_link_and_no_link_off_site_to_our_own_iris(client):
    """From the home page, every local link, the canned queries' result pages included."""
    seen, todo, broken, off_site = set(), ["/", "/ontology"], [], []
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path, headers=BROWSER)
        if response.status_code in (301, 302, 303):
            todo.append(response.headers["Location"])
            continue
        if response.status_code != 200:
            broken.append((path, response.status_code))
            continue
        if response.mimetype != "text/html":
            continue
        links = _Links()
        links.feed(response.text)
        for href in links.links:
            target = urldefrag(urljoin("http://localhost" + path, href)).url
            parts = urlsplit(target)
            if parts.netloc != "localhost":
                if target.startswith(DEFAULT_BASE_IRI):
                    off_site.append((path, target))
                continue
            todo.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert not broken and not off_site
    assert sum(p.startswith("/page/") for p in seen) > 100
    assert sum(p.startswith("/queries/") for p in seen) >= len(queries.catalogue())


def test_the_ontologys_version_iri_answers_with_the_ontology_and_no_other_version_does(client):
    assert client.get("/ontology/0.1.0", headers=BROWSER).status_code == 200
    assert (
        client.get("/ontology/0.1.0", headers={"Accept": "text/turtle"}).headers["Content-Location"]
        == "/ontology.ttl"
    )
    assert client.get("/ontology/9.9.9").status_code == 404


# --- A base on another host ----------------------------------------------------------------


def test_a_base_on_another_host_still_dereferences_here_by_its_path():
    """The base's path maps to this server's root: /id/X here is BASE/id/X, wherever served."""
    from scomm_kg import build

    settings = Settings(base_iri="https://data.example.org/scomm/")
    client = create_app(
        settings, store=build.build_store(settings, check=False), isolate_queries=False
    ).test_client()
    moved = "https://data.example.org/scomm/id/person/janet-napolitano"
    assert client.get("/id/person/janet-napolitano").status_code == 303
    quads = parse(client.get("/data/person/janet-napolitano.nq").data, "nquads")
    assert quads and all(q[0].value == moved or q[2].value == moved for q in named(quads))
    page = client.get("/page/person/janet-napolitano", headers=BROWSER).text
    link = f'<a href="/page/{STATEMENT}" title="https://data.example.org/scomm/id/{STATEMENT}">'
    assert link in page
    assert "https://w3id.org/scomm-kg/id/" not in page
    # The ontology keeps its IRI, and is served at /ontology whatever the base.
    assert client.get("/ontology", headers=BROWSER).status_code == 200


# --- A statement's page, a speaker's page --------------------------------------------------


def test_a_statement_page_shows_who_said_it_as_what_when_to_whom_and_who_said_the_opposite(
    client,
):
    page = client.get(f"/page/{STATEMENT}", headers=BROWSER).text
    statement = page[page.index("<h2>The statement</h2>") : page.index("<h2>Facts</h2>")]
    assert "Janet Napolitano</a>, <a" in statement and "Secretary of Homeland Security" in statement
    assert "<dd>September 2010</dd>" in statement  # a month, as the source gives it
    assert "Zoe Lofgren" in statement
    assert "<dt>Words (paraphrase)</dt><dd>local jurisdictions could opt out</dd>" in statement
    opposite = statement[statement.index("Opposite stances") :]
    assert 'href="/page/statement/napolitano-2010-10-program-not-voluntary"' in opposite
    assert "October 2010 (later)" in opposite and "denies" in opposite


def test_a_statement_page_traces_the_report_chain_from_the_letter_to_what_was_read(client):
    page = client.get(f"/page/{STATEMENT}", headers=BROWSER).text
    chain = re.search(r'<ol class="chain">(.*?)</ol>', page, re.S).group(1)
    steps = re.findall(r'<li>([^<]*)<a href="([^"]*)"', chain)
    assert steps == [
        ("made in ", "/page/document/napolitano-letter-to-lofgren-2010-09"),
        ("reported by ", "/page/document/los-angeles-times-report-on-napolitano-letter"),
        ("read by the curators in ", "/page/document/secure-communities-backgrounder"),
    ]


def test_a_page_that_is_not_a_statements_has_no_statement_box(client):
    page = client.get("/page/person/janet-napolitano", headers=BROWSER).text
    assert "<h2>The statement</h2>" not in page


def test_a_speakers_page_lists_what_she_said_oldest_first(client):
    page = client.get("/page/person/janet-napolitano", headers=BROWSER).text
    said = page[page.index("What they said, oldest first") :]
    september = said.index("napolitano-2010-09-jurisdictions-can-opt-out")
    october = said.index("napolitano-2010-10-program-not-voluntary")
    assert september < october
    organisation = client.get("/page/organization/dhs", headers=BROWSER)
    assert organisation.status_code == 200
    assert "What they said" not in client.get("/page/person/zoe-lofgren", headers=BROWSER).text


@pytest.mark.parametrize(
    ("value", "datatype", "shown"),
    [
        ("2010", "gYear", "2010"),
        ("2010-09", "gYearMonth", "September 2010"),
        ("2010-09-07", "date", "7 September 2010"),
        ("2010-13", "gYearMonth", "2010-13"),  # not a month: shown as written, never guessed
    ],
)
def test_dates_are_shown_at_the_precision_the_source_gives(value, datatype, shown):
    from scomm_kg.web.resources import date_at_precision

    literal = ox.Literal(
        value, datatype=ox.NamedNode(f"http://www.w3.org/2001/XMLSchema#{datatype}")
    )
    assert date_at_precision(literal) == shown


@pytest.mark.parametrize(
    "path",
    ["/id/a%0Db", "/id/%C2%99o", "/page/with space", "/data/x%3Cy%3E.ttl", "/graph/%00"],
)
def test_a_name_that_is_no_iri_at_all_is_a_404_not_a_crash(client, path):
    for headers in ({}, BROWSER):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 404, path
