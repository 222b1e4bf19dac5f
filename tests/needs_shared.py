"""A pytest plugin for tests that need the `shared/` folder beside the checkout.

`@pytest.mark.needs_shared("tools/sparql-protocol", "the W3C protocol suite")` skips the test,
with a one-line reason, when `../shared/tools/sparql-protocol` is absent: a fresh clone passes
its tests on its own. CI has `../shared`, so `.ci/run` sets SCOMM_REQUIRE_SHARED=1 there, and
then such a test that is skipped, for any reason, fails instead: a suite that quietly stopped
running would otherwise look green.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
REQUIRE = "SCOMM_REQUIRE_SHARED"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "needs_shared(path, what): needs ../shared/PATH; skipped without it, "
        f"failed instead when {REQUIRE}=1",
    )


def _needs(item) -> tuple[Path, str] | None:
    """The path under ../shared the test needs and what it is, or None."""
    marker = item.get_closest_marker("needs_shared")
    if marker is None:
        return None
    path, what = marker.args
    return Path(path), what


def pytest_collection_modifyitems(items):
    for item in items:
        needs = _needs(item)
        if needs and not (SHARED / needs[0]).exists():
            reason = f"needs ../shared/{needs[0].as_posix()} ({needs[1]}), as CI has it"
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    expected_failure = hasattr(report, "wasxfail")
    if report.skipped and not expected_failure and os.environ.get(REQUIRE) == "1" and _needs(item):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"  # an error when the skip came in setup, as a missing path does
        report.longrepr = f"{REQUIRE}=1 says ../shared is there, yet this test was skipped: " + str(
            reason
        ).removeprefix("Skipped: ")
    return report
