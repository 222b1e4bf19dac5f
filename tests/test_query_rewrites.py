"""A newsroom runs the canned queries on a graph of national size: they were rewritten so that
the engine answers them at a million triples, and each must still give the rows of its earlier
form, on the shipped graph together with a synthetic one (which has many statements, stances,
denials and opt-out attempts to pair, unlike the shipped few).

The earlier forms are kept in tests/fixtures/canned-before-rewrite, as they stood before the
rewrite. They are slow: the slowest took minutes at 10,000 synthetic triples (where every case
here passed too), so the graph here has 3,000.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from scomm_kg import build, loader, queries, synth
from scomm_kg.settings import Settings

from helpers import CANNED_CASES, OPT_OUT, case_id

BEFORE = Path(__file__).parent / "fixtures" / "canned-before-rewrite"
# Each rewritten query with the cases the servers' test runs it with: each parameter given and
# each optional one left out.
CASES = [(name, params) for name, params in CANNED_CASES if (BEFORE / f"{name}.rq").exists()]
CASE_IDS = [case_id(name, params) for name, params in CASES]


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """The shipped graph and 3,000 synthetic triples in the memory store."""
    out = tmp_path_factory.mktemp("synthetic")
    synth.write(3_000, 1, out)
    files = [*loader.default_files(), out / synth.NQUADS_NAME]
    return build.build_store(Settings.from_env(), check=False, files=files)


def row_counts(result) -> Counter:
    """The rows as a multiset: an engine may order rows that the ORDER BY leaves tied."""
    return Counter(tuple(sorted((k, str(v)) for k, v in row.items())) for row in result.rows)


def test_every_rewritten_query_has_its_earlier_form_and_a_case():
    rewritten = {path.stem for path in BEFORE.glob("*.rq")}
    assert rewritten <= set(queries.catalogue())
    assert rewritten == {name for name, _ in CASES}


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_the_rewritten_query_gives_the_rows_of_its_earlier_form(national, name, params):
    now = queries.run(national, name, params)
    before = queries.run(national, name, params, directory=BEFORE)
    assert now.variables == before.variables
    assert row_counts(now) == row_counts(before)


def test_the_comparison_sees_a_changed_row(national):
    # A rewrite that lost rows would be caught: the earlier form's rows differ from another
    # query's with the same variables (the same query with a narrower parameter).
    every = queries.run(national, "statements-on-topic", {}, directory=BEFORE)
    one = queries.run(national, "statements-on-topic", {"proposition": OPT_OUT})
    assert one.rows and len(one.rows) < len(every.rows)
    assert row_counts(one) != row_counts(every)
