"""Shared fixtures: the shipped graph, loaded once per session, and a store holding it."""

from __future__ import annotations

import os

import pytest

from scomm_kg import build, loader
from scomm_kg.settings import Settings

# needs_shared: the marker for tests that need ../shared; pytester: to test that marker;
# browser_tools: a real server, Debian's Chromium and a tab, for the browser tests.
pytest_plugins = ["needs_shared", "pytester", "browser_tools"]


@pytest.fixture(scope="session")
def loaded():
    return loader.load()


# Which backend the `store` fixture holds the shipped graph in: `memory` (the default) or `disk`
# (a throw-away directory); .ci/run runs the whole suite on each.
STORE_KINDS = ("memory", "disk")


@pytest.fixture(scope="session")
def store(tmp_path_factory):
    """The shipped data in the store under test (validity is tested on its own, once)."""
    kind = os.environ.get("SCOMM_TEST_STORE", "memory")
    if kind not in STORE_KINDS:
        raise pytest.UsageError(f"SCOMM_TEST_STORE={kind!r}: use one of {', '.join(STORE_KINDS)}")
    location = "memory" if kind == "memory" else str(tmp_path_factory.mktemp("store"))
    held = build.build_store(Settings.from_env(store=location), check=False)
    yield held
    held.close()
