"""A reader opens the ontology's IRI in a browser and reads what each term means.

/ontology answers a browser with pyLODE's documentation of the ontology and an RDF client with
its triples. Every class and property the ontology mints has a section, at the fragment of its
IRI, with its label, comment, domain and range, and an example of its use from the data (a
triple, linked to the pages of its resources). /ontology/Term (a slash for the hash) goes to
the term's place; a name the ontology does not mint is a 404 that suggests the nearest terms.
"""

from __future__ import annotations

import html
import re
import socket

import pytest
from rdflib import Graph, URIRef

from scomm_kg import ontology_docs
from scomm_kg.namespaces import ONTOLOGY_IRI
from scomm_kg.settings import Settings
from scomm_kg.web import create_app

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ONTOLOGY = str(ONTOLOGY_IRI)
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


@pytest.fixture(scope="module")
def client(store):
    return create_app(Settings(), store=store, isolate_queries=False).test_client()


@pytest.fixture(scope="module")
def docs(client) -> str:
    page = client.get("/ontology", headers=BROWSER)
    assert page.status_code == 200 and page.mimetype == "text/html"
    return page.text


def minted_terms(store) -> dict[str, dict[str, set[str]]]:
    """Every class and property the ontology graph defines, with its labels, comments,
    domains and ranges, asked of the store (not listed here)."""
    rows = store.query(
        f"""
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX rdfs: <{RDFS}>
        SELECT ?term ?p ?o WHERE {{
          GRAPH <{ONTOLOGY}> {{
            VALUES ?kind {{ owl:Class owl:ObjectProperty owl:DatatypeProperty
                           owl:AnnotationProperty }}
            ?term a ?kind ; rdfs:isDefinedBy <{ONTOLOGY}> .
            OPTIONAL {{
              VALUES ?p {{ rdfs:label rdfs:comment rdfs:domain rdfs:range }}
              ?term ?p ?o
            }}
          }}
        }}"""
    ).rows
    terms: dict[str, dict[str, set[str]]] = {}
    for row in rows:
        facts = terms.setdefault(row["term"].value, {})
        if "p" in row:
            facts.setdefault(row["p"].value[len(RDFS) :], set()).add(row["o"].value)
    return terms


def terms_used_in_the_data(store) -> set[str]:
    rows = store.query(
        f"""
        SELECT DISTINCT ?term WHERE {{
          GRAPH ?g {{ {{ ?s ?term ?o }} UNION {{ ?s a ?term }} }}
          FILTER(isIRI(?s) && ?g != <{ONTOLOGY}> && STRSTARTS(STR(?term), "{ONTOLOGY}#"))
        }}"""
    ).rows
    return {row["term"].value for row in rows}


def section(docs: str, local: str) -> str:
    found = re.search(
        rf'<div class="property entity" id="{re.escape(local)}">(.*?)</table>', docs, re.DOTALL
    )
    assert found, f"no section for {local}"
    return found[1]


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def row(section_html: str, header_href: str) -> str:
    """The cell of the row whose header links to ``header_href`` (an RDFS property)."""
    found = re.search(
        rf'<th>\s*<a [^>]*href="{re.escape(header_href)}"[^>]*>.*?</th>\s*<td>(.*?)</td>',
        section_html,
        re.DOTALL,
    )
    assert found, f"no {header_href} row"
    return found[1]


def href_of(term: str) -> str:
    """Where the docs link a class or datatype: its fragment if ours, else its IRI."""
    return "#" + term[len(ONTOLOGY) + 1 :] if term.startswith(ONTOLOGY + "#") else term


def test_every_minted_class_and_property_has_a_section_at_its_fragment(store, docs):
    terms = minted_terms(store)
    assert len(terms) > 20  # the ontology mints classes and properties: the query found them
    documented = ontology_docs.documented_terms(docs)
    assert documented == {term[len(ONTOLOGY) + 1 :] for term in terms}


def test_each_section_gives_the_terms_label_comment_domain_and_range(store, docs):
    checked = {"domain": 0, "range": 0}
    for term, facts in minted_terms(store).items():
        local = term[len(ONTOLOGY) + 1 :]
        part = section(docs, local)
        heading = text_of(re.search(r"<h3>(.*?)</h3>", part, re.DOTALL)[1])
        assert heading.startswith(tuple(facts["label"])), (local, heading)
        for comment in facts["comment"]:
            assert " ".join(comment.split()) in text_of(part), (local, comment)
        for kind in ("domain", "range"):
            for target in facts.get(kind, ()):
                cell = row(part, RDFS + kind)
                assert f'href="{html.escape(href_of(target))}"' in cell, (local, kind, target)
                checked[kind] += 1
    assert checked["domain"] > 10 and checked["range"] > 10


def test_every_term_the_data_uses_has_an_example_linked_to_its_pages(store, docs):
    used = terms_used_in_the_data(store)
    assert len(used) > 20
    for term in minted_terms(store):
        local = term[len(ONTOLOGY) + 1 :]
        part = section(docs, local)
        example = re.search(r'<tr class="example">(.*?)</tr>', part, re.DOTALL)
        if term not in used:
            assert example is None, f"{local} is not used in the data, yet has an example"
            continue
        assert example, f"{local} is used in the data but shows no example"
        links = re.findall(r'href="([^"]*)"', example[1])
        # the subject's page (or graph), the predicate's section, and the graph holding it
        assert links[0].startswith(("/page/", "/graph/")), (local, links)
        assert any(link.startswith("/ontology#") for link in links[1:]), (local, links)
        assert links[-1].startswith("/graph/"), (local, links)


def test_an_example_is_a_triple_the_store_holds(store):
    examples = ontology_docs.term_examples(store)
    assert examples
    for example in examples.values():
        triple = f"{example.subject} <{example.predicate}> {example.object}"
        holds = store.query(f"ASK {{ GRAPH <{example.graph}> {{ {triple} }} }}")
        assert holds.value, example


def test_the_concept_schemes_are_documented_with_their_concepts(store, docs):
    schemes = ontology_docs.concept_schemes(store)
    assert schemes and all(scheme.concepts for scheme in schemes)
    for scheme in schemes:
        for _iri, local, label, _comment in scheme.concepts:
            assert f'id="{local}"' in docs and html.escape(label) in docs


def test_the_docs_link_only_locally_to_what_the_server_serves(docs):
    hrefs = re.findall(r'href="([^"]*)"', docs)
    assert not [h for h in hrefs if h.startswith("https://w3id.org/scomm-kg/")]
    assert "/ontology.ttl" in hrefs and "/" in hrefs


def test_a_browser_gets_the_docs_and_an_rdf_client_the_ontology_from_one_iri(client):
    page = client.get("/ontology", headers=BROWSER)
    assert page.mimetype == "text/html" and 'id="Statement"' in page.text
    assert "Accept" in page.headers["Vary"]
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle"
    assert (URIRef(ONTOLOGY + "#Statement"), None, None) in Graph().parse(data=turtle.data)
    # The version IRI is the same document
    assert 'id="Statement"' in client.get("/ontology/0.1.0", headers=BROWSER).text


def test_a_term_iri_lands_on_its_section_or_its_triples(client):
    # A term IRI is /ontology#affirms: the fragment stays with the client.
    page = client.get("/ontology", headers=BROWSER)
    assert 'id="affirms"' in page.text
    # Typed with a slash, it goes there by 303, whoever asks.
    for accept in (BROWSER["Accept"], "text/turtle"):
        moved = client.get("/ontology/affirms", headers={"Accept": accept})
        assert moved.status_code == 303 and moved.headers["Location"] == "/ontology#affirms"
    followed = client.get(
        "/ontology/affirms", headers={"Accept": "text/turtle"}, follow_redirects=True
    )
    assert followed.mimetype == "text/turtle"
    assert (URIRef(ONTOLOGY + "#affirms"), None, None) in Graph().parse(data=followed.data)


def test_an_unknown_term_is_a_404_that_suggests_the_nearest_terms(client):
    answer = client.get("/ontology/Statment")
    assert answer.status_code == 404 and answer.is_json
    suggested = [s["iri"] for s in answer.json["suggestions"]]
    assert suggested[0] == ONTOLOGY + "#Statement"
    assert answer.json["suggestions"][0]["page"] == "/ontology#Statement"
    page = client.get("/ontology/Statment", headers=BROWSER)
    assert page.status_code == 404 and 'href="/ontology#Statement"' in page.text
    assert client.get("/ontology/zzzzqqqq").status_code == 404


def test_the_docs_are_made_without_the_network(store, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"the docs tool tried to connect: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    page = ontology_docs.generate(ontology_docs.ontology_turtle(store))
    assert "Secure Communities provenance ontology" in page


def test_a_page_the_tool_wrote_differently_is_refused_not_served_half_finished():
    with pytest.raises(ontology_docs.OntologyDocsError):
        ontology_docs.finish(
            '<html><body><div class="property entity" id="x"><table></table></body></html>',
            href=str,
            example_rows={},
        )
    with pytest.raises(ontology_docs.OntologyDocsError):
        ontology_docs.finish("<p>no body</p>", href=str, example_rows={})
