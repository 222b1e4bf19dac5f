"""Tests that need ../shared skip without it, and fail instead when CI says it is there."""

from __future__ import annotations

import pytest

import needs_shared

TESTS = """
import pytest

NEEDS_SUITE = pytest.mark.needs_shared("tools/suite", "a test suite")


@NEEDS_SUITE
def test_with_the_suite():
    pass


@NEEDS_SUITE
def test_with_the_suite_that_skips_for_another_reason():
    pytest.skip("not today")


def test_without_the_suite_that_skips():
    pytest.skip("nothing to do with shared")
"""

REASON = "needs ../shared/tools/suite (a test suite), as CI has it"


@pytest.fixture
def run(pytester, monkeypatch, tmp_path):
    """Runs the tests above with ../shared at a folder of our own, present or not."""

    def run_with(shared_present: bool, required: bool):
        shared = tmp_path / "shared"
        if shared_present:
            (shared / "tools" / "suite").mkdir(parents=True)
        monkeypatch.setattr(needs_shared, "SHARED", shared)
        if required:
            monkeypatch.setenv(needs_shared.REQUIRE, "1")
        else:
            monkeypatch.delenv(needs_shared.REQUIRE, raising=False)
        pytester.makepyfile(TESTS)
        return pytester.runpytest("-p", "needs_shared", "-rsf")

    return run_with


def test_without_shared_the_tests_that_need_it_skip_with_a_one_line_reason(run):
    result = run(shared_present=False, required=False)
    result.assert_outcomes(skipped=3)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([f"SKIPPED * {REASON}"])


def test_with_shared_they_run(run):
    result = run(shared_present=True, required=False)
    result.assert_outcomes(passed=1, skipped=2)


def test_when_shared_is_required_a_skip_of_a_test_that_needs_it_fails(run):
    result = run(shared_present=False, required=True)
    # Errors, as the skips came in setup; the test that does not need ../shared still skips.
    result.assert_outcomes(errors=2, skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [f"SCOMM_REQUIRE_SHARED=1 says ../shared is there, yet this test was skipped: {REASON}"]
    )


def test_when_shared_is_required_and_present_a_skip_for_another_reason_fails_too(run):
    result = run(shared_present=True, required=True)
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*says ../shared is there, yet this test was skipped: not today"])
