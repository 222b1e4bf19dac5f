"""The three backends behind one interface: how each holds the union, loads and reloads.

A curator loads sources into a store that keeps them (a directory, a SPARQL server), starts
again without reloading, reloads a changed source without doubling it, and gets the same
answers from every backend.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

import sparql_servers
from scomm_kg.store import (
    DiskStore,
    MemoryStore,
    Source,
    StoreUnavailable,
    open_store,
)

G1, G2 = "http://ex.org/g1", "http://ex.org/g2"
SHARED = b'<http://ex.org/a> <http://ex.org/p> "1" <http://ex.org/g1> .\n'
FIRST = SHARED + b'<http://ex.org/b> <http://ex.org/p> "2" <http://ex.org/g1> .\n'
SECOND = b'<http://ex.org/a> <http://ex.org/p> "1" <http://ex.org/g2> .\n'
CHANGED = b'<http://ex.org/c> <http://ex.org/p> "3" <http://ex.org/g1> .\n'


def source(name: str, nquads: bytes, graphs: tuple[str, ...]) -> Source:
    import hashlib

    return Source(name, hashlib.sha256(nquads).hexdigest(), nquads, graphs, nquads.count(b"\n"))


def subjects(store, query="SELECT ?s { ?s ?p ?o }") -> list[str]:
    return sorted(row["s"].value for row in store.query(query).rows)


# --- the union default graph -----------------------------------------------------------------


@pytest.mark.parametrize("union", ["auto", "merged"])
def test_a_triple_two_graphs_hold_is_one_triple_of_the_union_unless_the_view_is_forced(union):
    store = MemoryStore(union=union)
    store.load([source("one", FIRST, (G1,)), source("two", SECOND, (G2,))])
    assert store.union_mode == "merged"
    assert subjects(store) == ["http://ex.org/a", "http://ex.org/b"]
    assert store.default_graph_size() == 2


def test_the_view_repeats_a_shared_triple_and_distinct_gives_it_once():
    store = MemoryStore(union="view")
    store.load([source("one", FIRST, (G1,)), source("two", SECOND, (G2,))])
    assert store.union_mode == "view"
    assert subjects(store) == ["http://ex.org/a", "http://ex.org/a", "http://ex.org/b"]
    distinct = "SELECT DISTINCT ?s ?p ?o { ?s ?p ?o }"
    assert subjects(store, distinct) == ["http://ex.org/a", "http://ex.org/b"]
    assert store.default_graph_size() == 2


def test_without_shared_triples_auto_keeps_no_copy_and_is_exact():
    store = MemoryStore()
    store.load([source("one", FIRST, (G1,))])
    assert store.union_mode == "view"
    assert subjects(store) == ["http://ex.org/a", "http://ex.org/b"]


def test_in_the_view_a_from_of_the_query_still_selects_its_graph():
    store = MemoryStore(union="view")
    store.load([source("one", FIRST, (G1,)), source("two", CHANGED.replace(b"g1", b"g2"), (G2,))])
    assert subjects(store, f"SELECT ?s FROM <{G2}> {{ ?s ?p ?o }}") == ["http://ex.org/c"]
    assert subjects(store, f"SELECT ?s FROM NAMED <{G2}> {{ ?s ?p ?o }}") == []


def test_an_unknown_union_mode_is_refused():
    with pytest.raises(ValueError, match="union must be one of auto, merged, view"):
        MemoryStore(union="sometimes")


# --- loading is idempotent ---------------------------------------------------------------------


@pytest.fixture(params=["memory", "memory-view", "disk"])
def embedded(request, tmp_path):
    """An embedded store; in view mode a small load is written in place, in one update."""
    if request.param == "disk":
        return DiskStore(tmp_path / "store")
    return MemoryStore(union="view" if request.param == "memory-view" else "auto")


def test_a_withdrawn_source_leaves_its_graphs_empty_and_is_no_longer_held(embedded):
    embedded.load([source("one", FIRST, (G1,)), source("two", SECOND, (G2,))])
    embedded.load([Source.withdrawn("one")])
    assert embedded.graph_sizes() == {G2: 1}
    assert set(embedded.held_sources()) == {"two"}


def test_loading_a_source_again_replaces_its_graphs(embedded):
    embedded.load([source("one", FIRST, (G1,))])
    embedded.load([source("one", FIRST, (G1,))])
    assert embedded.graph_sizes() == {G1: 2}
    embedded.load([source("one", CHANGED, (G1,))])
    assert subjects(embedded) == ["http://ex.org/c"]
    assert embedded.held_sources() == {"one": source("one", CHANGED, (G1,)).sha256}


def test_a_source_that_moved_to_another_graph_leaves_nothing_in_the_old_one(embedded):
    embedded.load([source("one", FIRST, (G1,))])
    embedded.load([source("one", SECOND, (G2,))])
    assert embedded.graph_sizes() == {G2: 1}


def test_loading_one_source_keeps_the_others(embedded):
    embedded.load([source("one", FIRST, (G1,)), source("two", SECOND, (G2,))])
    embedded.load([source("one", CHANGED, (G1,))])
    assert embedded.graph_sizes() == {G1: 1, G2: 1}


def test_progress_hears_every_triple_written(embedded):
    heard = []
    summary = embedded.load([source("one", FIRST, (G1,))], heard.append)
    assert sum(heard) == 2
    assert (summary.sources, summary.graphs, summary.triples) == (1, 1, 2)


def test_the_version_changes_with_the_data_and_not_otherwise(embedded):
    embedded.load([source("one", FIRST, (G1,))])
    first = embedded.version.digest
    embedded.load([source("one", FIRST, (G1,))])
    assert embedded.version.digest == first
    embedded.load([source("one", CHANGED, (G1,))])
    assert embedded.version.digest != first


# --- the on-disk store -------------------------------------------------------------------------


def test_a_disk_store_opened_again_holds_its_sources_and_version(tmp_path):
    first = DiskStore(tmp_path / "store")
    first.load([source("one", FIRST, (G1,)), source("two", SECOND, (G2,))])
    version = first.version
    first.close()
    again = DiskStore(tmp_path / "store")
    assert again.held_sources() == first.held_sources()
    assert again.version == version
    assert again.union_mode == "merged"
    assert subjects(again) == ["http://ex.org/a", "http://ex.org/b"]


def test_a_disk_store_a_killed_load_left_half_written_is_refused(tmp_path):
    store = DiskStore(tmp_path / "store")
    store.load([source("one", FIRST, (G1,))])
    manifest = json.loads((tmp_path / "store" / "scomm-kg.json").read_text())
    manifest.update(state="loading", loading=["two"])
    (tmp_path / "store" / "scomm-kg.json").write_text(json.dumps(manifest))
    store.close()
    with pytest.raises(StoreUnavailable, match="half-written by a load that did not finish"):
        DiskStore(tmp_path / "store")


def test_a_directory_with_a_foreign_manifest_is_refused(tmp_path):
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "scomm-kg.json").write_text("[1, 2]")
    with pytest.raises(StoreUnavailable, match="not a scomm-kg manifest"):
        DiskStore(tmp_path / "store")


def test_a_disk_store_refuses_triples_outside_a_named_graph(tmp_path):
    store = DiskStore(tmp_path / "store")
    with pytest.raises(ValueError, match="outside any named graph"):
        store.load([source("loose", b'<http://ex.org/a> <http://ex.org/p> "1" .\n', ())])
    assert store.graph_sizes() == {}


def test_a_forked_process_reads_a_disk_store_through_a_handle_of_its_own(tmp_path):
    import os

    store = DiskStore(tmp_path / "store")
    store.load([source("one", FIRST, (G1,))])
    assert subjects(store) == ["http://ex.org/a", "http://ex.org/b"]
    parent_handle = store._engine
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        fresh = store._engine is not parent_handle
        os._exit(0 if fresh and len(subjects(store)) == 2 else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert store._engine is parent_handle, "the parent keeps its own"


@pytest.mark.parametrize(
    ("location", "message"),
    [("ftp://example.org/sparql", "a store is 'memory', a directory, or the http")],
)
def test_a_store_setting_of_no_known_kind_is_refused(location, message):
    with pytest.raises(StoreUnavailable, match=message):
        open_store(location)


# --- a remote store: a live Oxigraph server ----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def oxigraph_server(tmp_path):
    """A throw-away Oxigraph server holding a graph of its own: its query and update URLs."""
    seed = b'<urn:test:s> <urn:test:p> "not ours" <urn:test:seed> .\n'
    with sparql_servers.oxigraph_server(seed, tmp_path, union_default_graph=False) as server:
        yield server.query_url, server.update_url


def test_a_remote_store_loads_reloads_and_answers_as_an_embedded_one(oxigraph_server):
    query_url, update_url = oxigraph_server
    remote = open_store(query_url, update_url=update_url)
    assert remote.held_sources() == {}
    remote.load([source("one", FIRST, (G1,)), source("two", SECOND, (G2,))])
    remote.load([source("one", FIRST, (G1,))])
    assert remote.graph_sizes() == {G1: 2, G2: 1}
    # The dataset is the project's graphs: the manifest graph never shows.
    assert subjects(remote, "SELECT DISTINCT ?s { ?s ?p ?o }") == [
        "http://ex.org/a",
        "http://ex.org/b",
    ]
    assert remote.default_graph_size() == 2
    # Another client opening the same server sees what was loaded, by the manifest.
    again = open_store(query_url, update_url=update_url)
    assert again.held_sources() == remote.held_sources()
    assert again.version.digest == remote.version.digest


def test_a_remote_store_takes_bindings_datasets_and_dumps(oxigraph_server):
    import pyoxigraph as ox

    query_url, update_url = oxigraph_server
    remote = open_store(query_url, update_url=update_url)
    remote.load([source("one", FIRST, (G1,)), source("two", CHANGED.replace(b"g1", b"g2"), (G2,))])
    bound = remote.query("SELECT ?s ?o { ?s ?p ?o }", bindings={"o": ox.Literal("3")}).rows
    assert [row["s"].value for row in bound] == ["http://ex.org/c"]
    only = remote.query("SELECT ?s WHERE { ?s ?p ?o }", default_graphs=[G2]).rows
    assert [row["s"].value for row in only] == ["http://ex.org/c"]
    assert subjects(remote, f"SELECT ?s FROM <{G2}> {{ ?s ?p ?o }}") == ["http://ex.org/c"]
    dumped = set(ox.parse(remote.dump("nquads"), format=ox.RdfFormat.N_QUADS))
    assert len(dumped) == 3 and {q.graph_name.value for q in dumped} == {G1, G2}


def test_a_dataset_given_to_a_remote_store_replaces_the_querys_and_in_part_is_empty_elsewhere(
    oxigraph_server,
):
    query_url, update_url = oxigraph_server
    remote = open_store(query_url, update_url=update_url)
    remote.load([source("one", FIRST, (G1,)), source("two", CHANGED.replace(b"g1", b"g2"), (G2,))])
    from_g1 = f"SELECT ?s FROM <{G1}> WHERE {{ ?s ?p ?o }}"
    assert [r["s"].value for r in remote.query(from_g1, default_graphs=[G2]).rows] == [
        "http://ex.org/c"
    ]
    named_only = remote.query("SELECT ?s WHERE { ?s ?p ?o }", named_graphs=[G1]).rows
    assert named_only == ()
    default_only = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert remote.query(default_only, default_graphs=[G1]).rows == ()


def test_virtuosos_answers_read_as_any_servers():
    """Virtuoso 7.2 answers an ASK as one row of __ASK_RETVAL, and labels blank nodes in a
    way N-Triples does not allow; the remote store reads both as what they mean."""
    from scomm_kg.results import AskResult
    from scomm_kg.store import EngineError, remote

    def table(*values):
        rows = [{"__ASK_RETVAL": value} for value in values]
        head = {"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": rows}}
        return remote._results(json.dumps(head).encode(), None)

    integer = "http://www.w3.org/2001/XMLSchema#integer"
    yes = {"type": "typed-literal", "datatype": integer, "value": "1"}
    no = {"type": "typed-literal", "datatype": integer, "value": "0"}
    assert remote._ask_from_solutions(table(yes)) == AskResult(True)
    assert remote._ask_from_solutions(table(no)) == AskResult(False)
    assert remote._ask_from_solutions(table()) == AskResult(False)
    with pytest.raises(EngineError, match="not a boolean"):
        remote._ask_from_solutions(table(yes, no))
    node = {"type": "bnode", "value": "nodeID://b10007"}
    other = {"type": "bnode", "value": "nodeID://b10008"}
    document = {
        "head": {"vars": ["a", "b"]},
        "results": {"bindings": [{"a": node, "b": other}, {"a": node, "b": node}]},
    }
    first, second = remote._results(json.dumps(document).encode(), None).rows
    assert first["a"] == second["a"] == second["b"] != first["b"]


def test_a_remote_store_that_is_not_there_is_a_clear_error():
    with pytest.raises(StoreUnavailable, match="cannot reach the SPARQL server"):
        open_store(f"http://127.0.0.1:{_free_port()}/query", timeout=2)


def test_the_server_serves_a_remote_store_within_its_lanes_deadline(oxigraph_server, tmp_path):
    """scomm-kg serve over an Oxigraph server: pages and queries, and a runaway query stopped
    at the lane's deadline while the server keeps answering others."""
    import os

    query_url, update_url = oxigraph_server
    environment = {
        **os.environ,
        "SCOMM_STORE": query_url,
        "SCOMM_STORE_UPDATE_URL": update_url,
        "SCOMM_QUERY_TIMEOUT": "2",
        "SCOMM_CACHE_DIR": str(tmp_path / "cache"),
    }
    command = Path(sys.executable).with_name("scomm-kg")
    loaded = subprocess.run(
        [str(command), "load", "--store", query_url, "--update-url", update_url],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr
    port = _free_port()
    server = subprocess.Popen(
        [str(command), "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=5).ok:
                    break
            assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
            time.sleep(0.2)
        attempts = requests.get(f"{base}/queries/opt-out-attempts", timeout=30)
        assert attempts.status_code == 200 and len(attempts.json()["results"]["bindings"]) == 7
        page = requests.get(f"{base}/page/person/janet-napolitano", timeout=30)
        assert page.status_code == 200 and "Janet Napolitano" in page.text
        runaway = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        started = time.monotonic()
        stopped = requests.get(f"{base}/sparql", params={"query": runaway}, timeout=60)
        assert stopped.status_code in (503, 504), stopped.text
        assert time.monotonic() - started < 10
        assert requests.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=5).ok
    finally:
        server.terminate()
        server.wait(30)


def test_a_large_store_keeps_no_copy_for_a_few_shared_triples(monkeypatch):
    """auto copies the union for exactness only where the copy is cheap."""
    from scomm_kg.store import embedded

    monkeypatch.setattr(embedded, "AUTO_MERGE_LIMIT", 2)
    store = MemoryStore()
    store.load([source("one", FIRST, (G1,)), source("two", SECOND, (G2,))])
    assert store.union_mode == "view"
    assert subjects(store, "SELECT DISTINCT ?s ?p ?o { ?s ?p ?o }") == [
        "http://ex.org/a",
        "http://ex.org/b",
    ]


def test_a_source_read_under_another_base_holds_the_iris_the_loader_gives():
    """The store's reader and the validator's loader move IRIs to the base alike."""
    from scomm_kg import loader

    base = "https://kg.example.org/"
    files = loader.default_files()
    store = MemoryStore()
    store.load([loader.read_source(path, base) for path in files])
    iris = {row["s"].value for row in store.query("SELECT DISTINCT ?s { ?s ?p ?o }").rows}
    expected = {str(s) for s in loader.load(files, base).merged().subjects() if "://" in str(s)}
    assert {i for i in iris if "://" in i} == expected
    assert any(i.startswith(base + "id/") for i in iris)
    assert "https://w3id.org/scomm-kg/ontology" in iris, "the ontology's IRI never moves"


def test_a_blank_node_two_load_slices_mention_stays_one_node(embedded, monkeypatch):
    """A national graph loads in batches; a passage's selector must stay its selector."""
    from scomm_kg.store import embedded as engine_module

    nquads = (
        b'_:selector <http://ex.org/exact> "the words" <http://ex.org/g1> .\n'
        + b"".join(
            f'<http://ex.org/filler{i}> <http://ex.org/p> "{i}" <http://ex.org/g1> .\n'.encode()
            for i in range(50)
        )
        + b"<http://ex.org/passage> <http://ex.org/selector> _:selector <http://ex.org/g1> .\n"
    )
    monkeypatch.setattr(engine_module, "LOAD_BATCH_QUADS", 5)
    embedded.load([source("one", nquads, (G1,))])
    answer = embedded.query(
        "ASK { GRAPH ?g { <http://ex.org/passage> <http://ex.org/selector> ?s . "
        '?s <http://ex.org/exact> "the words" } }'
    )
    assert answer.value is True
