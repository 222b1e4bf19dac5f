"""Shared fixtures: the shipped graph, loaded once per session, and a store holding it."""

from __future__ import annotations

import os
import shutil

import pytest

from scomm_kg import build, loader, resources
from scomm_kg.settings import Settings

# needs_shared: the marker for tests that need ../shared; pytester: to test that marker;
# browser_tools: a real server, Debian's Chromium and a tab, for the browser tests.
pytest_plugins = ["needs_shared", "pytester", "browser_tools"]


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A copy of the shipped data to curate, named by SCOMM_DATA_DIR."""
    folder = tmp_path / "data"
    shutil.copytree(resources.data_dir(), folder)
    monkeypatch.setenv("SCOMM_DATA_DIR", str(folder))
    monkeypatch.setenv("SCOMM_CACHE_DIR", "")
    return folder


@pytest.fixture(scope="session")
def loaded():
    return loader.load()


# Which backend the `store` fixture holds the shipped graph in: `memory` (the default), `disk`
# (a throw-away directory), or a throw-away SPARQL server loaded through the remote store:
# Test apps over the store take their settings from SCOMM_* (Settings.from_env), so that a run
# on a server can give the lanes the longer deadlines a server needs (.ci/run does).
# `oxigraph` (its server, not in its union mode: its union flag overrides a query's own FROM)
# or `virtuoso` (tests/sparql_servers.py); the remote store names the project's graphs in
# each request.
# .ci/run runs the whole suite on memory and disk, and the endpoint, canned-query and page
# tests on the servers.
STORE_KINDS = ("memory", "disk", "oxigraph", "virtuoso")


@pytest.fixture(scope="session")
def store(tmp_path_factory):
    """The shipped data in the store under test (validity is tested on its own, once)."""
    kind = os.environ.get("SCOMM_TEST_STORE", "memory")
    if kind not in STORE_KINDS:
        raise pytest.UsageError(f"SCOMM_TEST_STORE={kind!r}: use one of {', '.join(STORE_KINDS)}")
    if kind in ("memory", "disk"):
        location = "memory" if kind == "memory" else str(tmp_path_factory.mktemp("store"))
        held = build.build_store(Settings.from_env(store=location), check=False)
        yield held
        held.close()
        return
    import sparql_servers

    start = {"oxigraph": sparql_servers.oxigraph_server, "virtuoso": sparql_servers.virtuoso_server}
    # The server starts with the data loaded by its own tool; loading it again through the
    # remote store replaces every graph and writes the manifest the store reads.
    seed = loader.load().nquads()
    options = {"union_default_graph": False} if kind == "oxigraph" else {}
    with start[kind](seed, tmp_path_factory.mktemp(kind), **options) as server:
        settings = Settings.from_env(store=server.query_url, store_update_url=server.update_url)
        held = build.build_store(settings, check=False)
        yield held
        held.close()
