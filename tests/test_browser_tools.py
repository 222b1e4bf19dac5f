"""The browser tests' guard: a machine without the browser tools skips them, CI fails them."""

from __future__ import annotations

import pytest

from browser_tools import REQUIRE, missing


def test_without_chromium_a_developer_is_told_why_the_browser_tests_skip(monkeypatch):
    monkeypatch.delenv(REQUIRE, raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"no chromium on PATH; \.ci/run installs it"):
        missing("no chromium on PATH")


def test_in_ci_a_missing_browser_fails_instead_of_skipping(monkeypatch):
    monkeypatch.setenv(REQUIRE, "1")
    with pytest.raises(pytest.fail.Exception, match=f"{REQUIRE}=1 says .* no chromium on PATH"):
        missing("no chromium on PATH")


def test_the_guard_is_not_fooled_by_another_value(monkeypatch):
    monkeypatch.setenv(REQUIRE, "0")
    with pytest.raises(pytest.skip.Exception):
        missing("no java on PATH for the Nu HTML checker")
