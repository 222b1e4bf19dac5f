"""A curator adds RDF to the graph: through the one SHACL gate, committed atomically, recorded
in the audit trail; anything refused leaves the data files and the store as they were."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from scomm_kg import build, curation
from scomm_kg.cli import main
from scomm_kg.curation import additions
from scomm_kg.settings import Settings

from helpers import snapshot

FIXTURES = Path(__file__).parent / "fixtures" / "curation"
BASE = "https://w3id.org/scomm-kg/"
READING_LIST = f"{BASE}graph/curators-reading-list"


def add(*args):
    return CliRunner().invoke(main, ["add", *map(str, args)])


def ask(query: str) -> str:
    result = CliRunner().invoke(main, ["sparql", query, "--format", "csv"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_curator_adds_a_graph_and_queries_it_at_once(data_dir):
    result = add(FIXTURES / "opt-out-note.trig")
    assert result.exit_code == 0, result.output
    assert f"changed <{READING_LIST}>: +2 -0 triples" in result.stdout
    assert (data_dir / "graphs" / "curators-reading-list.trig").exists()
    answer = ask(
        "SELECT ?g ?label WHERE { GRAPH ?g { "
        "<https://w3id.org/scomm-kg/id/note/opt-out-reading> rdfs:label ?label } }"
    )
    assert READING_LIST in answer and "Reading note on the opt-out controversy" in answer


def test_the_new_graph_is_described_and_the_write_audited(data_dir):
    assert add(FIXTURES / "opt-out-note.trig").exit_code == 0
    described = ask(
        f"SELECT ?who ?licence WHERE {{ GRAPH <{BASE}graph/provenance> {{ "
        f"<{READING_LIST}> prov:wasAttributedTo ?who ; dcterms:license ?licence }} }}"
    )
    assert f"{BASE}id/agent/scomm-kg-curators" in described
    audited = ask(
        f"SELECT ?channel ?added ?digest WHERE {{ GRAPH <{BASE}graph/audit> {{ "
        f"?write a scomm:Write ; scomm:writeChannel ?channel ; scomm:inputSha256 ?digest ; "
        f"scomm:graphChange [ scomm:changedGraph ?g ; scomm:triplesAdded ?added ] . "
        f'FILTER(STR(?g) = "{READING_LIST}") }} }}'
    )
    digest = hashlib.sha256((FIXTURES / "opt-out-note.trig").read_bytes()).hexdigest()
    assert audited.splitlines()[1:] == [f"rdf-file,2,{digest}"]


def test_what_a_commit_writes_is_canonical_and_passes_full_validation(data_dir):
    assert add(FIXTURES / "opt-out-note.trig").exit_code == 0
    fmt = CliRunner().invoke(main, ["fmt", "--check", *map(str, sorted(data_dir.rglob("*.trig")))])
    assert fmt.exit_code == 0 and not fmt.stdout, fmt.output
    full = CliRunner().invoke(main, ["validate"])
    assert full.exit_code == 0, full.output


def test_adding_the_same_file_twice_changes_nothing_the_second_time(data_dir):
    assert add(FIXTURES / "opt-out-note.trig").exit_code == 0
    before = snapshot(data_dir)
    again = add(FIXTURES / "opt-out-note.trig")
    assert again.exit_code == 0 and "nothing to change" in again.stdout
    assert snapshot(data_dir) == before


def test_a_dry_run_says_what_would_change_and_writes_nothing(data_dir):
    before = snapshot(data_dir)
    result = add(FIXTURES / "opt-out-note.trig", "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"would change <{READING_LIST}>: +2 -0 triples" in result.stdout
    assert snapshot(data_dir) == before


@pytest.mark.parametrize(
    ("fixture", "extra", "code", "said"),
    [
        ("unlabelled.trig", [], 1, "nothing was changed"),
        ("truncated.trig", [], 2, "truncated.trig"),
        ("default-graph.ttl", [], 2, "outside any named graph"),
        ("opt-out-note.trig", [], None, None),  # a control: the same folder accepts a good one
    ],
)
def test_a_refused_file_leaves_every_data_file_as_it_was(data_dir, fixture, extra, code, said):
    before = snapshot(data_dir)
    result = add(FIXTURES / fixture, *extra)
    if code is None:
        assert result.exit_code == 0, result.output
        assert snapshot(data_dir) != before
        return
    assert result.exit_code == code, result.output
    assert said in result.stderr
    assert snapshot(data_dir) == before


def test_a_shacl_violation_names_the_focus_node_and_the_rule(data_dir):
    result = add(FIXTURES / "unlabelled.trig")
    assert result.exit_code == 1
    assert f"<{BASE}id/note/unlabelled>" in result.stderr
    assert "label" in result.stderr


def test_an_unknown_extension_is_refused_with_the_accepted_ones(data_dir, tmp_path):
    odd = tmp_path / "note.rdfx"
    odd.write_bytes((FIXTURES / "opt-out-note.trig").read_bytes())
    result = add(odd)
    assert result.exit_code == 2 and ".ttl" in result.stderr and ".trig" in result.stderr


def test_a_turtle_file_goes_into_the_graph_it_is_given(data_dir):
    result = add(FIXTURES / "default-graph.ttl", "--graph", READING_LIST)
    # a label but no type: the gate refuses it, naming the node
    assert result.exit_code == 1 and "id/note/loose" in result.stderr


def test_a_graph_from_outside_the_curated_data_cannot_be_written(data_dir):
    settings = Settings.from_env()
    store = build.build_store(settings)
    ontology = "https://w3id.org/scomm-kg/ontology"
    change = curation.Change({ontology: []}, via="rdf-file")
    with pytest.raises(curation.WriteRefused, match="not from the curated data"):
        curation.apply(settings, store, change)


def test_writes_in_a_row_are_each_gated_against_the_one_before(data_dir):
    settings = Settings.from_env()
    store = build.build_store(settings)
    note = (FIXTURES / "opt-out-note.trig").read_bytes()
    quads = curation.input.read_rdf_file(Path("note.trig"), note, BASE, None)
    first = additions.change_adding(
        store, quads, replace=False, via="rdf-file", agent="cli", data=note
    )
    assert curation.apply(settings, store, first).changed
    # the graph now exists; dropping it removes its file and its provenance description
    dropped = curation.apply(
        settings, store, curation.Change({READING_LIST: None}, via="graph-store")
    )
    assert dropped.removed[READING_LIST] == 2
    assert not (data_dir / "graphs" / "curators-reading-list.trig").exists()
    assert READING_LIST not in (data_dir / "graphs" / "provenance.trig").read_text()
    assert READING_LIST not in store.graph_sizes()
    # …and the store and a fresh build agree with the files
    fresh = build.build_store(Settings.from_env())
    assert fresh.graph_sizes() == store.graph_sizes()


def test_a_write_from_another_process_is_neither_lost_nor_unseen(data_dir, tmp_path):
    settings = Settings.from_env()
    running = build.build_store(settings)  # as a server holds it
    assert add(FIXTURES / "opt-out-note.trig").exit_code == 0  # another process commits
    assert curation.refresh(settings, running), "the running store catches up"
    assert READING_LIST in running.graph_sizes()
    assert not curation.refresh(settings, running), "…once"
    # a write through the running store keeps the other process's graph and audit record
    text = (FIXTURES / "opt-out-note.trig").read_text()
    second = tmp_path / "second.trig"
    second.write_text(text.replace("curators-reading-list", "second-list"))
    stale = build.build_store(settings)
    assert add(second).exit_code == 0
    note = curation.Change(
        {
            f"{BASE}graph/third-list": [
                q
                for q in curation.input.read_rdf_file(
                    Path("t.trig"),
                    text.replace("curators-reading-list", "third-list").encode(),
                    BASE,
                    None,
                )
            ]
        },
        via="rdf-file",
    )
    curation.apply(settings, stale, note)  # its store had not seen second-list
    names = {path.stem for path in (data_dir / "graphs").glob("*.trig")}
    assert {"curators-reading-list", "second-list", "third-list"} <= names
    audit = (data_dir / "graphs" / "audit.trig").read_text()
    assert audit.count("a scomm:Write") == 3
    assert CliRunner().invoke(main, ["validate"]).exit_code == 0


def test_no_write_may_touch_the_audit_trail(data_dir, tmp_path):
    forged = tmp_path / "forged.trig"
    text = (FIXTURES / "opt-out-note.trig").read_text()
    forged.write_text(text.replace("graph/curators-reading-list", "graph/audit"))
    before = snapshot(data_dir)
    result = add(forged)
    assert result.exit_code == 2 and "audit trail" in result.stderr
    assert snapshot(data_dir) == before
