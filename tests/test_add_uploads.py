"""`scomm-kg add` reads a curator's file as an untrusted upload: a JSON-LD or RDF/XML note goes
in like a TriG one, and an entity bomb, a remote context, a file cut short or nested too deep is
refused with its reason, leaving every data file and the on-disk store exactly as they were."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scomm_kg import build
from scomm_kg.cli import main
from scomm_kg.settings import Settings

from helpers import snapshot

BASE = "https://w3id.org/scomm-kg/"
READING_LIST = f"{BASE}graph/curators-reading-list"
NOTE = f"{BASE}id/note/opt-out-reading"
LABEL = "Reading note on the opt-out controversy"

NOTE_JSON_LD = {
    "@context": {
        "prov": "http://www.w3.org/ns/prov#",
        "label": {"@id": "http://www.w3.org/2000/01/rdf-schema#label", "@language": "en"},
    },
    "@id": "graph/curators-reading-list",
    "@graph": [{"@id": "id/note/opt-out-reading", "@type": "prov:Entity", "label": LABEL}],
}
NOTE_RDF_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="id/note/opt-out-reading">
    <rdf:type rdf:resource="http://www.w3.org/ns/prov#Entity"/>
    <rdfs:label xml:lang="en">{LABEL}</rdfs:label>
  </rdf:Description>
</rdf:RDF>
"""
NOTE_TURTLE = f"""@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<id/note/opt-out-reading> a prov:Entity ;
    rdfs:label "{LABEL}"@en .
"""

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="id/note/bomb"><rdfs:label>&e;</rdfs:label></rdf:Description>
</rdf:RDF>
"""
REMOTE_CONTEXT = {**NOTE_JSON_LD, "@context": ["http://127.0.0.1:9/context.jsonld"]}

# name, content, the graph flag, what the refusal says
REFUSED = [
    ("bomb.rdf", BOMB, True, "document type declaration"),
    ("remote.jsonld", json.dumps(REMOTE_CONTEXT).encode(), False, "is ever fetched"),
    ("cut.ttl", NOTE_TURTLE.encode()[:-20], True, "line 4"),
    ("cut.jsonld", json.dumps(NOTE_JSON_LD).encode()[:-3], False, "not JSON"),
    ("cut.rdf", NOTE_RDF_XML.encode()[:-12], True, "not well-formed XML"),
    (
        "deep.ttl",
        f"<id/note/opt-out-reading> <{BASE}ontology#about> ".encode()
        + b"[ <http://example.org/p> " * 100
        + b"<x>"
        + b" ]" * 100
        + b" .",
        True,
        "nest deeper than",
    ),
    ("note.n3", NOTE_TURTLE.encode(), True, ".jsonld"),
]


def add(*args):
    return CliRunner().invoke(main, ["add", *map(str, args)])


def labels_in_reading_list(store_dir: Path | None = None) -> list[str]:
    query = f"SELECT ?label WHERE {{ GRAPH <{READING_LIST}> {{ <{NOTE}> rdfs:label ?label }} }}"
    store = ["--store", str(store_dir)] if store_dir else []
    result = CliRunner().invoke(main, ["sparql", query, "--format", "csv", *store])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[1:]


@pytest.mark.parametrize(
    ("name", "content", "flags"),
    [
        ("note.jsonld", json.dumps(NOTE_JSON_LD), []),
        ("note.rdf", NOTE_RDF_XML, ["--graph", READING_LIST]),
        ("note.ttl", NOTE_TURTLE, ["--graph", READING_LIST]),
    ],
)
def test_a_curator_adds_a_note_in_json_ld_rdf_xml_or_turtle(
    data_dir, tmp_path, name, content, flags
):
    note = tmp_path / name
    note.write_text(content)
    result = add(note, *flags)
    assert result.exit_code == 0, result.output
    assert f"changed <{READING_LIST}>: +2 -0 triples" in result.stdout
    assert labels_in_reading_list() == [LABEL]


def test_a_triples_file_without_a_graph_is_refused_with_the_reason(data_dir, tmp_path):
    note = tmp_path / "note.rdf"
    note.write_text(NOTE_RDF_XML)
    before = snapshot(data_dir)
    result = add(note)
    assert result.exit_code == 2 and "outside any named graph" in result.stderr
    assert snapshot(data_dir) == before


@pytest.fixture
def disk_store(data_dir, tmp_path):
    """An on-disk store holding the graph of the data being curated."""
    folder = tmp_path / "store"
    result = CliRunner().invoke(main, ["load", "--store", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def store_content(folder: Path) -> tuple[str, list[str]]:
    store = build.build_store(Settings.from_env(store=str(folder)))
    try:
        quads = sorted(str(quad) for quad in store.engine())
        return str(store.version), quads
    finally:
        store.close()


@pytest.mark.parametrize(("name", "content", "graph", "said"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_refused_upload_leaves_the_files_and_the_store_as_they_were(
    data_dir, disk_store, tmp_path, name, content, graph, said
):
    upload = tmp_path / name
    upload.write_bytes(content)
    files_before, store_before = snapshot(data_dir), store_content(disk_store)
    result = add(upload, "--store", disk_store, *(["--graph", READING_LIST] if graph else []))
    assert result.exit_code == 2, result.output
    assert said in result.stderr and name in result.stderr
    assert snapshot(data_dir) == files_before
    assert store_content(disk_store) == store_before


def test_the_size_caps_are_the_settings(data_dir, tmp_path, monkeypatch):
    note = tmp_path / "note.jsonld"
    note.write_text(json.dumps(NOTE_JSON_LD))
    before = snapshot(data_dir)
    monkeypatch.setenv("SCOMM_MAX_UPLOAD_BYTES", "100")
    result = add(note)
    assert result.exit_code == 2 and "over the limit of 100 bytes" in result.stderr
    monkeypatch.setenv("SCOMM_MAX_UPLOAD_BYTES", "1000000")
    monkeypatch.setenv("SCOMM_MAX_UPLOAD_TRIPLES", "1")
    result = add(note)
    assert result.exit_code == 2 and "limit of 1 triples" in result.stderr
    assert snapshot(data_dir) == before


def test_a_format_flag_names_the_format_the_extension_does_not(data_dir, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text(NOTE_TURTLE)
    before = snapshot(data_dir)
    refused = add(note, "--graph", READING_LIST)
    assert refused.exit_code == 2 and ".ttl" in refused.stderr
    unknown = add(note, "--graph", READING_LIST, "--format", "n3")
    assert unknown.exit_code == 2 and "unknown RDF format 'n3'" in unknown.stderr
    assert snapshot(data_dir) == before
    result = add(note, "--graph", READING_LIST, "--format", "turtle")
    assert result.exit_code == 0, result.output
    assert labels_in_reading_list() == [LABEL]
