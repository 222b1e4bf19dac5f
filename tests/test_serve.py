"""Starting the server: it refuses bad data, logs one line per request, hides its faults."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from click.testing import CliRunner

from live_server import free_port
from scomm_kg import build
from scomm_kg.cli import main
from scomm_kg.settings import Settings
from scomm_kg.store import DataVersion, EngineError, GraphStore
from scomm_kg.web import create_app, server

BAD_FACT = """BASE <https://w3id.org/scomm-kg/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
<graph/a-bad-fact> {
  <id/event/secure-communities-launch> dcterms:date "2008-13"^^xsd:gYearMonth .
}
"""


@pytest.fixture
def never_serving(monkeypatch):
    """A test of `serve` that must stop before gunicorn runs fails instead of serving forever."""
    monkeypatch.setattr(server._Gunicorn, "run", lambda self: pytest.fail("the server started"))


def test_serve_refuses_to_start_on_invalid_data_and_prints_the_report(
    tmp_path, monkeypatch, never_serving
):
    monkeypatch.setenv("SCOMM_CACHE_DIR", "")
    bad = tmp_path / "bad.trig"
    bad.write_text(BAD_FACT, encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", "--port", str(free_port()), "--data", str(bad)])
    assert result.exit_code == 1
    assert "secure-communities-launch" in result.output
    assert "the server will not start" in result.output
    assert "does not conform (" in result.stderr


def test_serve_refuses_an_unreadable_file(tmp_path, never_serving):
    broken = tmp_path / "broken.trig"
    broken.write_text("<graph/x> { this is not TriG", encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", "--port", str(free_port()), "--data", str(broken)])
    assert result.exit_code == 2
    assert "broken.trig" in result.output


def test_serve_refuses_a_port_in_use_before_loading_anything(monkeypatch, never_serving):
    monkeypatch.setattr(build, "build_store", lambda *a, **k: pytest.fail("loaded the data"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 2, result.output
    assert f"error: cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "serving" not in result.output


def test_serve_says_it_serves_only_once_gunicorn_listens(monkeypatch, caplog):
    port = free_port()
    # Instead of serving, gunicorn's arbiter announces that it listens, as it does when ready.
    monkeypatch.setattr(server._Gunicorn, "run", lambda self: self.cfg.when_ready(None))
    with caplog.at_level(logging.INFO, logger="scomm_kg.web.server"):
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 0, result.output
    assert "validat" in result.stderr, "validation (or the cache) is reported first"
    assert f"serving the graph at http://127.0.0.1:{port}/" in caplog.text


def test_every_request_is_logged_as_one_json_line(store, caplog):
    app = create_app(Settings(), store=store)
    with caplog.at_level(logging.INFO, logger="scomm_kg.requests"):
        app.test_client().get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 3"})
    entries = [json.loads(r.message) for r in caplog.records if r.name == "scomm_kg.requests"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["status"] == 200 and entry["rows"] == 3 and entry["path"] == "/sparql"
    assert len(entry["query"]) == 12 and entry["ms"] >= 0 and entry["bytes"] > 0


class FailingStore(GraphStore):
    """A store whose engine fails on every query, as a corrupt on-disk store might."""

    version = DataVersion.of(b"")

    def _query(self, sparql, bindings, dataset, base_iri, prefixes, row_limit):
        raise EngineError("internal engine state: pointer 0xdeadbeef in table t_secret")

    def replace_all(self, nquads):
        pass

    def held(self):
        return {}

    def load(self, sources, progress=None):
        raise EngineError("cannot write")

    def graph_sizes(self):
        return {}

    def default_graph_size(self):
        return 0

    def dump(self, format_name):
        return b""


def test_an_engine_fault_is_a_short_500_with_the_trace_only_in_the_log(caplog):
    app = create_app(Settings(), store=FailingStore())
    assert not app.debug
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 500
    assert response.json == {
        "error": "engine error",
        "message": "the query engine failed; see the server log",
    }
    assert "0xdeadbeef" not in response.get_data(as_text=True)
    assert any("0xdeadbeef" in (r.exc_text or "") for r in caplog.records)


def test_an_unwritable_cache_only_costs_time(store, tmp_path, monkeypatch):
    from scomm_kg import build

    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x", encoding="utf-8")
    settings = Settings(cache_dir=str(blocked / "cache"))
    assert build.build_store(settings).graph_sizes() == store.graph_sizes()


class Report:
    """A stand-in for the SHACL report, so that a test need not validate for seconds."""

    def __init__(self, conforms: bool):
        self.conforms = conforms

    def text(self) -> str:
        return "a violation" if not self.conforms else "conforms"


def test_build_reports_validation_to_its_caller_and_prints_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(build.validate, "validate_store", lambda store, base_iri, **_: Report(True))
    settings = Settings(cache_dir=str(tmp_path))
    steps = []
    build.build_store(settings, on_validation=steps.append)
    build.build_store(settings, on_validation=steps.append)
    assert [step.stage for step in steps] == ["started", "finished", "cached"]
    assert steps[0].files == len(build.loader.default_files()) and steps[0].files > 1
    assert steps[1].conforms and steps[1].seconds >= 0
    assert capsys.readouterr() == ("", "")


def test_build_reports_a_failed_validation_before_refusing(tmp_path, monkeypatch):
    failing = lambda store, base_iri, **_: Report(False)  # noqa: E731
    monkeypatch.setattr(build.validate, "validate_store", failing)
    steps = []
    with pytest.raises(build.InvalidData):
        build.build_store(Settings(cache_dir=str(tmp_path)), on_validation=steps.append)
    assert [(step.stage, step.conforms) for step in steps] == [
        ("started", True),
        ("finished", False),
    ]
