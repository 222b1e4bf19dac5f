"""A token holder writes over HTTP: SPARQL Update at /sparql, the Graph Store Protocol at
/graph-store; everyone else reads. Every write passes the one gate, is audited, and is read
back at once; a refused one changes no data file."""

from __future__ import annotations

import base64
import hashlib
import logging
import shutil
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF

from scomm_kg import resources
from scomm_kg.settings import Settings
from scomm_kg.web import create_app

BASE = "https://w3id.org/scomm-kg/"
TOKEN = "curator-token-0123456789"
OTHER = "another-token-9876543210"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
BEARER = {"Authorization": f"Bearer {TOKEN}"}
NOTE = f"{BASE}graph/curators-note"
NOTE_ENTITY = f"{BASE}id/note/opt-out-reading"
UPDATE = "application/sparql-update"
GOOD = f"""INSERT DATA {{ GRAPH <{NOTE}> {{
  <{NOTE_ENTITY}> a prov:Entity ; rdfs:label "Reading note on the opt-out controversy"@en }} }}"""
# A statement with neither speaker nor stance: the shapes refuse it.
BAD = f"""INSERT DATA {{ GRAPH <{NOTE}> {{
  <{BASE}id/statement/unsaid> a scomm:Statement ; rdfs:label "Unsaid"@en }} }}"""
TURTLE = f"""@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{NOTE_ENTITY}> a prov:Entity ; rdfs:label "Reading note on the opt-out controversy"@en .
""".encode()


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description
 rdf:about="urn:x"><rdf:value>&b;</rdf:value></rdf:Description></rdf:RDF>"""
REMOTE_CONTEXT = b'{"@context": "https://example.org/context.jsonld", "@id": "urn:x"}'
OTHER_GRAPH = f"<{BASE}graph/backgrounder> {{ <urn:a> <urn:b> <urn:c> }}".encode()


@pytest.fixture
def data_dir(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(resources.data_dir(), folder)
    return folder


def make_client(data_dir: Path, tokens: str):
    settings = Settings.from_env({}, data_dir=str(data_dir), write_tokens=tokens, cache_dir="")
    return create_app(settings, isolate_queries=False).test_client()


@pytest.fixture
def client(data_dir):
    return make_client(data_dir, f"curator={TOKEN},other={OTHER}")


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def ask(client, text: str) -> bool:
    response = client.get(
        "/sparql", query_string={"query": text}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["boolean"]


def knows_the_note(client) -> bool:
    return ask(client, f"ASK {{ GRAPH <{NOTE}> {{ <{NOTE_ENTITY}> a prov:Entity }} }}")


# --- Who may write ---------------------------------------------------------------------


def test_without_a_token_configured_every_write_is_refused_and_reads_stay_open(data_dir):
    client = make_client(data_dir, "")
    before = snapshot(data_dir)
    for response in (
        client.post("/sparql", data=GOOD, content_type=UPDATE, headers=BEARER),
        client.put(f"/graph-store?graph={NOTE}", data=TURTLE, content_type="text/turtle"),
        client.delete(f"/graph-store?graph={BASE}graph/backgrounder", headers=BEARER),
    ):
        assert response.status_code == 403
        assert "writes are disabled" in response.get_json()["message"]
    assert client.get(f"/graph-store?graph={BASE}graph/backgrounder").status_code == 200
    assert snapshot(data_dir) == before


def test_the_service_description_advertises_updates_once_a_token_is_configured(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    described = rdflib.Graph().parse(data=response.get_data(as_text=True), format="turtle")
    service = described.value(predicate=RDF.type, object=SD.Service)
    languages = set(described.objects(service, SD.supportedLanguage))
    assert languages == {SD.SPARQL11Query, SD.SPARQL11Update}


def test_a_write_without_credentials_is_401_with_a_bearer_challenge(client, data_dir):
    before = snapshot(data_dir)
    response = client.post("/sparql", data=GOOD, content_type=UPDATE)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.put(f"/graph-store?graph={NOTE}", data=TURTLE).status_code == 401
    assert snapshot(data_dir) == before


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-the-token-at-all-000",
        f"Bearer {TOKEN}x",
        "Basic " + base64.b64encode(f"other:{TOKEN}".encode()).decode(),  # someone else's name
    ],
)
def test_a_write_with_a_wrong_token_is_403_and_changes_nothing(client, data_dir, authorization):
    before = snapshot(data_dir)
    response = client.post(
        "/sparql", data=GOOD, content_type=UPDATE, headers={"Authorization": authorization}
    )
    assert response.status_code == 403
    assert snapshot(data_dir) == before
    assert not knows_the_note(client)


def test_no_token_reaches_the_log_even_a_wrong_one(client, caplog):
    caplog.set_level(logging.DEBUG)
    client.post("/sparql", data=GOOD, content_type=UPDATE, headers=BEARER)
    client.post("/sparql", data=GOOD, content_type=UPDATE, headers={"Authorization": "Bearer x"})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "write by curator" in logged
    assert TOKEN not in logged and "Bearer" not in logged


@pytest.mark.parametrize(
    ("tokens", "problem"),
    [
        ("curator=short", "at least 16"),
        ("Curator=" + TOKEN, "lower-case"),
        (f"curator={TOKEN},curator={OTHER}", "named twice"),
        (TOKEN, "name=token"),
    ],
)
def test_a_malformed_token_list_is_refused_at_start_without_echoing_the_token(tokens, problem):
    with pytest.raises(ValueError, match=problem) as refused:
        Settings.from_env({"SCOMM_WRITE_TOKENS": tokens})
    assert TOKEN not in str(refused.value) and "short" not in str(refused.value)


def test_tokens_stay_out_of_the_settings_repr():
    assert TOKEN not in repr(Settings.from_env({}, write_tokens=f"curator={TOKEN}"))


def test_writes_need_one_front_process_holding_an_embedded_store():
    with pytest.raises(ValueError, match="http_workers=1"):
        Settings.from_env({}, write_tokens=f"curator={TOKEN}", http_workers=2)


# --- SPARQL Update ---------------------------------------------------------------------


def test_an_accepted_update_is_read_back_at_once_and_audited_under_the_token_name(client, data_dir):
    response = client.post("/sparql", data=GOOD, content_type=UPDATE, headers=BEARER)
    assert response.status_code == 200, response.get_data(as_text=True)
    summary = response.get_json()
    assert summary["changed"] and summary["added"][NOTE] == 2
    assert knows_the_note(client)
    assert (data_dir / "graphs" / "curators-note.trig").exists()
    digest = hashlib.sha256(GOOD.encode()).hexdigest()
    assert ask(
        client,
        f"""ASK {{ GRAPH <{BASE}graph/audit> {{
          ?write prov:wasAssociatedWith <{BASE}id/agent/token-holder-curator> ;
                 scomm:writeChannel "sparql-update" ; scomm:inputSha256 "{digest}" ;
                 scomm:graphChange [ scomm:changedGraph ?graph ] .
          FILTER(STR(?graph) = "{NOTE}") }} }}""",
    )


def test_the_form_encoded_update_with_basic_credentials_works_too(client):
    credentials = base64.b64encode(f"curator:{TOKEN}".encode()).decode()
    response = client.post(
        "/sparql", data={"update": GOOD}, headers={"Authorization": f"Basic {credentials}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert knows_the_note(client)


def test_a_violation_is_422_with_the_report_and_leaves_every_file_as_it_was(client, data_dir):
    before = snapshot(data_dir)
    response = client.post("/sparql", data=BAD, content_type=UPDATE, headers=BEARER)
    assert response.status_code == 422
    report = response.get_json()
    assert report["conforms"] is False
    assert any(r["focus"] == f"<{BASE}id/statement/unsaid>" for r in report["results"])
    as_turtle = client.post(
        "/sparql", data=BAD, content_type=UPDATE, headers={**BEARER, "Accept": "text/turtle"}
    )
    assert as_turtle.status_code == 422 and as_turtle.mimetype == "text/turtle"
    assert "sh:ValidationReport" in as_turtle.get_data(as_text=True)
    assert snapshot(data_dir) == before
    assert not ask(client, f"ASK {{ <{BASE}id/statement/unsaid> ?p ?o }}")


def test_a_web_document_is_judged_once_a_graph_names_it_as_its_source(client, data_dir):
    """The W3C update tests type documents of theirs foaf:Document and say nothing more: no
    graph rests on them, so the gate lets them in. Named as the document a graph was read
    from, the same bare document must say what kind it is."""
    article = "http://news.example/2010/10/article"
    bare = f"INSERT DATA {{ GRAPH <{NOTE}> {{ <{article}> a foaf:Document }} }}"
    assert client.post("/sparql", data=bare, content_type=UPDATE, headers=BEARER).status_code == 200
    before = snapshot(data_dir)
    read_from = f"INSERT DATA {{ GRAPH <{NOTE}> {{ <{NOTE}> prov:wasDerivedFrom <{article}> }} }}"
    refused = client.post("/sparql", data=read_from, content_type=UPDATE, headers=BEARER)
    assert refused.status_code == 422
    found = [r for r in refused.get_json()["results"] if r["focus"] == f"<{article}>"]
    assert any(r["shape"] == "scommsh:DocumentShape" for r in found), found
    assert snapshot(data_dir) == before


@pytest.mark.parametrize(
    ("send", "mention"),
    [
        (lambda c: c.post("/sparql", data="CLEAR XYZ", content_type=UPDATE, headers=BEARER), ""),
        (
            lambda c: c.post("/sparql", data={"update": GOOD, "query": "ASK {}"}, headers=BEARER),
            "not both",
        ),
        (
            lambda c: c.post(
                "/sparql",
                data="INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                content_type=UPDATE,
                headers=BEARER,
            ),
            "default graph",
        ),
        (
            lambda c: c.post(
                "/sparql",
                data="LOAD <http://example.org/x.ttl>",
                content_type=UPDATE,
                headers=BEARER,
            ),
            "LOAD",
        ),
        (
            lambda c: c.post(
                "/sparql",
                data=f"INSERT DATA {{ GRAPH <{BASE}graph/audit> {{ <urn:a> <urn:b> <urn:c> }} }}",
                content_type=UPDATE,
                headers=BEARER,
            ),
            "server alone",
        ),
        (
            lambda c: c.post(
                "/sparql",
                data=f"DROP GRAPH <{BASE}ontology>",
                content_type=UPDATE,
                headers=BEARER,
            ),
            "",
        ),
    ],
    ids=["syntax", "query-and-update", "default-graph", "load", "audit", "ontology"],
)
def test_a_malformed_or_forbidden_update_is_400_and_changes_nothing(
    client, data_dir, send, mention
):
    before = snapshot(data_dir)
    response = send(client)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert mention in response.get_json()["message"]
    assert snapshot(data_dir) == before


# --- Graph Store Protocol --------------------------------------------------------------


def test_a_graph_store_body_may_be_rdf_xml_or_json_ld(client):
    url = f"/graph-store?graph={NOTE}"
    rdf_xml = f"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="{NOTE_ENTITY}">
    <rdf:type rdf:resource="http://www.w3.org/ns/prov#Entity"/>
    <rdfs:label xml:lang="en">Reading note on the opt-out controversy</rdfs:label>
  </rdf:Description>
</rdf:RDF>"""
    put = client.put(url, data=rdf_xml, content_type="application/rdf+xml", headers=BEARER)
    assert put.status_code == 201, put.get_data(as_text=True)
    comment = {"@id": NOTE_ENTITY, "http://www.w3.org/2000/01/rdf-schema#comment": "Read twice"}
    post = client.post(url, json=comment, content_type="application/ld+json", headers=BEARER)
    assert post.status_code == 204, post.get_data(as_text=True)
    assert ask(client, f'ASK {{ <{NOTE_ENTITY}> rdfs:comment "Read twice" ; a prov:Entity }}')


def test_a_graph_is_created_read_merged_replaced_and_dropped(client, data_dir):
    url = f"/graph-store?graph={NOTE}"
    assert client.get(url).status_code == 404
    created = client.put(url, data=TURTLE, content_type="text/turtle", headers=BEARER)
    assert created.status_code == 201, created.get_data(as_text=True)
    read = client.get(url, headers={"Accept": "application/n-triples"})
    assert read.status_code == 200 and "opt-out controversy" in read.get_data(as_text=True)
    assert client.head(url).status_code == 200
    more = f'<{NOTE_ENTITY}> <http://www.w3.org/2000/01/rdf-schema#comment> "Read twice" .\n'
    more = more.encode()
    merged = client.post(url, data=more, content_type="application/n-triples", headers=BEARER)
    assert merged.status_code == 204, merged.get_data(as_text=True)
    assert ask(client, f'ASK {{ <{NOTE_ENTITY}> rdfs:comment "Read twice" ; a prov:Entity }}')
    replaced = client.put(url, data=TURTLE, content_type="text/turtle", headers=BEARER)
    assert replaced.status_code == 204
    assert not ask(client, f'ASK {{ <{NOTE_ENTITY}> rdfs:comment "Read twice" }}')
    assert client.delete(url, headers=BEARER).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url, headers=BEARER).status_code == 404
    assert not (data_dir / "graphs" / "curators-note.trig").exists()


def test_the_default_graph_is_read_as_the_union_and_never_written(client, data_dir):
    read = client.get("/graph-store?default", headers={"Accept": "application/n-triples"})
    assert read.status_code == 200 and "Secure Communities" in read.get_data(as_text=True)
    before = snapshot(data_dir)
    refused = client.put("/graph-store?default", data=TURTLE, content_type="text/turtle")
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD"
    assert "named graph" in refused.get_json()["message"]
    assert snapshot(data_dir) == before


@pytest.mark.parametrize(
    ("query_string", "body", "content_type", "status"),
    [
        (f"graph={NOTE}", TURTLE, "text/plain", 415),
        (f"graph={NOTE}", BOMB, "application/rdf+xml", 400),
        (f"graph={NOTE}", REMOTE_CONTEXT, "application/ld+json", 400),
        (f"graph={NOTE}", OTHER_GRAPH, "application/trig", 400),
        (f"graph={NOTE}", b"<a> <b> .", "text/turtle", 400),
        ("graph=not an iri", TURTLE, "text/turtle", 400),
        (f"graph={NOTE}&default", TURTLE, "text/turtle", 400),
        ("", TURTLE, "text/turtle", 400),
        (f"graph={BASE}graph/audit", TURTLE, "text/turtle", 403),
    ],
    ids=[
        "unread-format",
        "entity-bomb",
        "remote-context",
        "other-graph",
        "malformed",
        "bad-iri",
        "two-targets",
        "no-target",
        "audit",
    ],
)
def test_a_bad_graph_store_write_is_refused_and_changes_nothing(
    client, data_dir, query_string, body, content_type, status
):
    before = snapshot(data_dir)
    response = client.put(
        f"/graph-store?{query_string}", data=body, content_type=content_type, headers=BEARER
    )
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["message"]
    assert snapshot(data_dir) == before


def test_the_graph_page_lists_the_writes_that_changed_it(client):
    url = f"/graph-store?graph={NOTE}"
    assert client.put(url, data=TURTLE, content_type="text/turtle", headers=BEARER).status_code
    more = f'<{NOTE_ENTITY}> <http://www.w3.org/2000/01/rdf-schema#comment> "Read twice" .\n'
    client.post(url, data=more.encode(), content_type="application/n-triples", headers=BEARER)
    page = client.get("/graph/curators-note", headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Writes that changed this graph" in html
    section = html[html.index("Writes that changed this graph") :]
    rows = section[: section.index("</table>")].split("<tr>")[2:]
    assert len(rows) == 2
    assert all("graph-store" in row and "token-holder-curator" in row for row in rows)
    added = sorted(row.split("</td><td>")[3] for row in rows)
    assert added == ["1", "2"]  # the PUT's two triples, then the POST's one
    shipped = client.get("/graph/backgrounder", headers={"Accept": "text/html"})
    assert "Writes that changed this graph" not in shipped.get_data(as_text=True)


def test_an_update_that_changes_nothing_is_200_unchanged_and_not_audited(client, data_dir):
    before = snapshot(data_dir)
    nothing = f"DELETE DATA {{ GRAPH <{NOTE}> {{ <{NOTE_ENTITY}> a prov:Entity }} }}"
    response = client.post("/sparql", data=nothing, content_type=UPDATE, headers=BEARER)
    assert response.status_code == 200
    assert response.get_json() == {"changed": False, "added": {}, "removed": {}}
    assert snapshot(data_dir) == before


def test_bad_using_graph_iris_are_400(client):
    response = client.post(
        "/sparql?using-graph-uri=not%20an%20iri", data=GOOD, content_type=UPDATE, headers=BEARER
    )
    assert response.status_code == 400 and "using-graph-uri" in response.get_json()["message"]
