"""`scomm-kg load` and `--store`: a curator loads the graph once into a store that keeps it,
and every command then reads that store, without loading or validating again."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from scomm_kg import resources
from scomm_kg.cli import main

EXTRA = resources.project_root() / "tests" / "fixtures"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def loaded(runner, tmp_path):
    """A directory store holding the shipped graph, loaded by the command."""
    store = tmp_path / "store"
    result = runner.invoke(main, ["load", "--store", str(store)])
    assert result.exit_code == 0, result.output
    return store


def test_load_says_what_it_loaded_and_how_fast(runner, tmp_path):
    result = runner.invoke(main, ["load", "--store", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    files = len(resources.ontology_files() + resources.data_files())
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith(f"loaded {files} file(s) into the store in ")
    assert "14 graphs, 1379 triples in " in summary and "triples/s" in summary
    assert "loading" in result.stderr, "a progress bar on standard error"


def test_loading_again_loads_nothing_and_changes_nothing(runner, loaded):
    manifest = (loaded / "scomm-kg.json").read_text()
    result = runner.invoke(main, ["load", "--store", str(loaded)])
    assert result.exit_code == 0, result.output
    assert "holds all 14 files unchanged: nothing to load" in result.stdout
    assert (loaded / "scomm-kg.json").read_text() == manifest


def test_a_changed_file_replaces_what_it_loaded_before(tmp_path):
    from scomm_kg import build
    from scomm_kg.settings import Settings

    extra = tmp_path / "extra.nq"
    graph = "<https://w3id.org/scomm-kg/graph/extra>"
    extra.write_text(f'<https://w3id.org/scomm-kg/id/a> <http://schema.org/name> "A" {graph} .\n')
    settings = Settings(store=str(tmp_path / "store"), data=(extra,), cache_dir="")
    build.build_store(settings, check=False).close()
    extra.write_text(f'<https://w3id.org/scomm-kg/id/b> <http://schema.org/name> "B" {graph} .\n')
    for _ in range(2):
        store = build.build_store(settings, check=False)
        names = store.query(f"SELECT ?n {{ GRAPH {graph} {{ ?s ?p ?n }} }}").rows
        assert [row["n"].value for row in names] == ["B"]
        store.close()


def test_two_files_may_not_fill_one_graph(runner, loaded, tmp_path):
    twin = tmp_path / "twin.trig"
    shutil.copy(resources.data_files()[0], twin)
    result = runner.invoke(main, ["load", "--store", str(loaded), str(twin)])
    assert result.exit_code != 0
    assert "a named graph holds one source" in result.output


def test_every_reading_command_reads_the_store(runner, loaded):
    query = runner.invoke(main, ["query", "opt-out-attempts", "--store", str(loaded)])
    assert query.exit_code == 0 and "(7 rows)" in query.stdout
    assert "validat" not in query.stderr, "a store holding the files unchanged is not validated"
    export = runner.invoke(main, ["export", "--format", "nquads", "--store", str(loaded)])
    assert export.exit_code == 0 and "<https://w3id.org/scomm-kg/graph/backgrounder>" in (
        export.stdout
    )
    validate = runner.invoke(main, ["validate", "--store", str(loaded)])
    assert validate.exit_code == 0, validate.output
    assert "conforms" in validate.stdout


def test_load_refuses_data_that_does_not_conform_and_loads_nothing(runner, tmp_path):
    bad = tmp_path / "loose.ttl"
    bad.write_text('<https://w3id.org/scomm-kg/id/x> <http://schema.org/name> "x" .\n')
    store = tmp_path / "store"
    result = runner.invoke(main, ["load", "--store", str(store), str(bad)])
    assert result.exit_code == 1
    assert "nothing was loaded" in result.stderr
    assert not (store / "scomm-kg.json").exists()


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["load", "--store", "memory"], "holds nothing after the command ends", 2),
        (["load"], "Missing option '--store'", 2),
        (["query", "opt-out-attempts", "--store", "ftp://x/sparql"], "a store is 'memory'", 2),
    ],
)
def test_a_store_that_cannot_be_is_a_clear_error(runner, args, message, code):
    result = runner.invoke(main, args)
    assert result.exit_code == code
    assert message in result.output


def test_an_unreachable_remote_store_is_a_clear_error(runner):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = runner.invoke(
        main, ["query", "opt-out-attempts", "--store", f"http://127.0.0.1:{port}/q"]
    )
    assert result.exit_code == 2
    assert "cannot reach the SPARQL server" in result.stderr
