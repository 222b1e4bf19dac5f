"""What the browser tests need: Debian's Chromium driven by Playwright, axe-core, the Nu checker.

No browser is downloaded: Playwright drives the system's `chromium` through `executable_path`.
A machine without Chromium (or without Java, for the HTML checker) skips these tests with the
reason; CI installs both (.ci/run) and sets SCOMM_REQUIRE_BROWSER=1, and there such a skip is a
failure instead, so that a browser suite that quietly stopped running cannot look green.

axe-core is vendored (tests/vendor/axe-core, its version, licence and third-party notices
beside it): one 650 kB file, so that the check needs no network and no npm at test time, and
the version under test is the one in the commit.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import requests
from playwright.sync_api import sync_playwright

from live_server import LiveServer

REQUIRE = "SCOMM_REQUIRE_BROWSER"
VENDOR = Path(__file__).resolve().parent / "vendor"
AXE = VENDOR / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"
# Where Debian's package puts it, then the names other systems use.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
NOT_MERGED = "feature not merged yet"

NAPOLITANO_SAID = (
    "/queries/statements-by-speaker?speaker=https://w3id.org/scomm-kg/id/person/janet-napolitano"
)
# Every kind of HTML page the site serves, by what it is; each is validated and checked with
# axe-core. (name, path, whether another branch adds it and it may be absent).
PAGE_TYPES = [
    ("home", "/", False),
    ("canned queries", "/queries", False),
    ("a canned query answered", NAPOLITANO_SAID, False),
    ("a wide canned query", "/queries/contradictions", False),
    ("a canned query awaiting its parameter", "/queries/search", False),
    (
        "a canned query given a bad parameter",
        "/queries/contradictions?proposition=not+an+iri",
        False,
    ),
    ("a person", "/page/person/janet-napolitano", False),
    ("a statement", "/page/statement/napolitano-2010-09-jurisdictions-can-opt-out", False),
    ("a proposition", "/page/proposition/local-jurisdictions-can-opt-out", False),
    ("a named graph", "/graph/backgrounder", False),
    ("the provenance graph", "/graph/provenance", False),
    ("the ontology", "/ontology", False),
    ("an unknown IRI", "/id/person/napolitano", False),
    ("an error", "/queries/nope", False),
    ("search results", "/search?text=Napolitano", True),
    ("the timeline", "/timeline", True),
    ("the SPARQL editor", "/sparql", True),
]


@pytest.fixture(scope="module")
def browser_server():
    """A real server for one test module's browser."""
    with LiveServer() as live:
        yield live


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, launched once for the session."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A fresh tab, in a fresh profile, of a desktop's width."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def missing(what: str) -> None:
    """Skip the test for want of WHAT, or fail it where CI says the tools are there."""
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{REQUIRE}=1 says the browser tools are installed, yet {what}")
    pytest.skip(f"{what}; .ci/run installs it (apt-get)")


def chromium_path() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    missing("no chromium on PATH")
    raise AssertionError("unreachable")  # missing() raises


def java_path() -> str:
    found = shutil.which("java")
    if not found:
        missing("no java on PATH for the Nu HTML checker")
    return found


def route_absent(base_url: str, path: str, accept: str = "text/html") -> bool:
    """Does the server lack this page (a feature another branch adds)? Asked of the server,
    not assumed. 404 (no route) or 406 (the route offers no HTML, as /sparql before its
    editor) says it is absent; any other answer, a 500 included, is the feature's to explain."""
    answer = requests.get(base_url + path, headers={"Accept": accept}, timeout=10)
    return answer.status_code in (404, 406)


def screenshot(page, test_name: str, step: str) -> Path:
    """Save what the browser shows now as test-artifacts/browser/TEST-STEP.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{test_name}-{re.sub(r'[^a-z0-9]+', '-', step.lower()).strip('-')}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page, impacts: frozenset[str] = frozenset({"serious", "critical"})) -> list:
    """axe-core's violations of the given impacts on the page as it is now, one line each."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document)).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['targets'])}"
        for v in found
        if v["impact"] in impacts
    ]
