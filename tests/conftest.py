"""Shared fixtures: the shipped graph, loaded once per session, and a store holding it."""

from __future__ import annotations

import pytest

from scomm_kg import build, loader
from scomm_kg.settings import Settings

# needs_shared: the marker for tests that need ../shared; pytester: to test that marker;
# browser_tools: a real server, Debian's Chromium and a tab, for the browser tests.
pytest_plugins = ["needs_shared", "pytester", "browser_tools"]


@pytest.fixture(scope="session")
def loaded():
    return loader.load()


@pytest.fixture(scope="session")
def store():
    """The shipped data in the embedded store (validity is tested on its own, once)."""
    return build.build_store(Settings(), check=False)
