"""Reading files: a file that holds nothing is refused by name, never taken as an empty graph."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from live_server import free_port
from scomm_kg import loader
from scomm_kg.cli import main
from scomm_kg.web import server

PREFIXES_ONLY = """# Facts to come.
BASE <https://w3id.org/scomm-kg/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

EMPTY_FILES = [
    ("nothing.trig", ""),
    ("blank.ttl", "  \n\t\n"),
    ("nothing.rdf", ""),
    ("blank.jsonld", "\n"),
    ("prefixes-only.trig", PREFIXES_ONLY),
    ("empty-graph.trig", PREFIXES_ONLY + "<graph/to-come> { }\n"),
    ("comment-only.ttl", "# nothing yet\n"),
    ("empty-object.jsonld", "{}\n"),
]
IDS = [name for name, _ in EMPTY_FILES]


@pytest.mark.parametrize(("name", "text"), EMPTY_FILES, ids=IDS)
def test_a_file_with_no_triples_is_refused_by_name(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(loader.LoadError, match=rf"{name}: the file is empty"):
        loader.load([path])


@pytest.mark.parametrize(("name", "text"), [EMPTY_FILES[0], EMPTY_FILES[4]], ids=IDS[0:5:4])
def test_validate_refuses_an_empty_file_with_exit_code_2(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{name}: the file is empty" in result.stderr
    assert "conform" not in result.stdout


def test_serve_refuses_an_empty_file_with_exit_code_2(tmp_path, monkeypatch):
    monkeypatch.setattr(server._Gunicorn, "run", lambda self: pytest.fail("the server started"))
    path = tmp_path / "blank.ttl"
    path.write_text(" \n", encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", "--port", str(free_port()), "--data", str(path)])
    assert result.exit_code == 2, result.output
    assert "blank.ttl: the file is empty" in result.stderr
