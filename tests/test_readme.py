"""The README tells the truth: its commands, its settings table and its SPARQL examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scomm_kg.namespaces import PREFIXES
from scomm_kg.settings import documented

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, re.DOTALL)


def test_the_readme_opens_with_the_serve_and_test_commands():
    serve, test = shell_blocks()[:2]
    assert "scomm-kg serve" in serve and "pip install ." in serve
    assert "pytest" in test
    assert README.index(serve) < README.index(test) < README.index("---")


def test_ci_runs_exactly_the_readmes_test_command():
    test_command = shell_blocks()[1].strip()
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_default():
    for variable, default, help_text in documented():
        row = f"| `{variable}` | `{default}` | {help_text} |"
        assert row in README, f"README lacks the row: {row}"


def test_every_predeclared_prefix_is_listed_with_its_namespace():
    for name, namespace in PREFIXES.items():
        row = f"| `{name}:` | `{namespace}` |"
        assert row in README, f"README lacks the row: {row}"


@pytest.mark.parametrize("query", re.findall(r"```sparql\n(.*?)```", README, re.DOTALL))
def test_every_sparql_example_answers(store, query):
    result = store.query(query, prefixes=PREFIXES)  # as every query sees them
    assert len(result.rows) > 0


def test_the_statistics_example_reads_a_change_with_its_direction_and_baseline(store):
    (example,) = [
        q for q in re.findall(r"```sparql\n(.*?)```", README, re.DOTALL) if "Statistic" in q
    ]
    result = store.query(example, prefixes=PREFIXES)
    removals = [row for row in result.rows if "removals" in row["label"].value]
    assert len(removals) == 3, "the three changes in removals from fiscal 2008 to fiscal 2010"
    for row in removals:
        # "57,000 fewer" is a fall from fiscal 2008 to fiscal 2010, not a count for 2010.
        assert row["change"].value in ("increase", "decrease"), row["label"].value
        assert row["baseline"].value == "Fiscal year 2008", row["label"].value
        assert row["period"].value == "Fiscal year 2010", row["label"].value
    cumulative = [row for row in result.rows if "removals" not in row["label"].value]
    assert cumulative and all("change" not in row for row in cumulative)
