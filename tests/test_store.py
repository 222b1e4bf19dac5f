"""The store's dataset semantics: union default graph, explicit datasets, caps and errors."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from scomm_kg.store import (
    DiskStore,
    ForbiddenQuery,
    MemoryStore,
    QuerySyntaxError,
    ResultTooLarge,
)

NQUADS = b"""<http://ex.org/a> <http://ex.org/p> "1" <http://ex.org/g1> .
<http://ex.org/b> <http://ex.org/p> "2" <http://ex.org/g2> .
"""


@pytest.fixture
def small():
    store = MemoryStore()
    store.replace_all(NQUADS)
    return store


def subjects(result):
    return sorted(row["s"].value for row in result.rows)


def test_the_default_graph_is_the_union_of_the_named_graphs(small):
    assert subjects(small.query("SELECT ?s { ?s ?p ?o }")) == ["http://ex.org/a", "http://ex.org/b"]


def test_from_in_the_query_selects_that_graph_only(small):
    result = small.query("SELECT ?s FROM <http://ex.org/g1> { ?s ?p ?o }")
    assert subjects(result) == ["http://ex.org/a"]


def test_protocol_graphs_override_the_query_dataset(small):
    result = small.query(
        "SELECT ?s FROM <http://ex.org/g1> { ?s ?p ?o }", default_graphs=["http://ex.org/g2"]
    )
    assert subjects(result) == ["http://ex.org/b"]


def test_named_graphs_limit_what_graph_sees(small):
    result = small.query("SELECT ?g { GRAPH ?g { ?s ?p ?o } }", named_graphs=["http://ex.org/g2"])
    assert [row["g"].value for row in result.rows] == ["http://ex.org/g2"]


def test_a_graph_the_store_does_not_hold_is_empty_and_never_fetched(small):
    assert small.query("SELECT ?s FROM <file:///etc/passwd> { ?s ?p ?o }").rows == ()


def test_the_row_cap_refuses_a_larger_result(small):
    with pytest.raises(ResultTooLarge, match="more than 1 rows"):
        small.query("SELECT ?s { ?s ?p ?o }", row_limit=1)
    assert len(small.query("SELECT ?s { ?s ?p ?o }", row_limit=2).rows) == 2


@pytest.mark.parametrize(
    ("query", "message", "snippet"),
    [
        (
            "SELECT ?s WHERE { ?s a foo:T }",
            "line 1, column 29: undeclared prefix foo: (declare it with PREFIX foo: <…>)",
            ["1 | SELECT ?s WHERE { ?s a foo:T }", "  |                             ^"],
        ),
        (
            "SELECT ?s WHERE { ?s ?p ?o ",
            'line 1, column 28, at the end of the query: expected one of ",", ".", ";", "{", '
            '"{|", "}", "~"',
            ["1 | SELECT ?s WHERE { ?s ?p ?o ", "  |                            ^"],
        ),
        (
            "SELECT ?s\nWHERE {\n  ?s a foo:Thing ;\n     ?p ?o .\n}",
            "line 3, column 17: undeclared prefix foo: (declare it with PREFIX foo: <…>)",
            ["3 |   ?s a foo:Thing ;", "  |                 ^"],
        ),
        (
            # Oxigraph reports this one at the end of the query, expecting function names.
            "SELECT ?s WHERE { ?s ?p ?o FILTER(?o = ex:x) }",
            "line 1, column 44: undeclared prefix ex: (declare it with PREFIX ex: <…>)",
            [
                "1 | SELECT ?s WHERE { ?s ?p ?o FILTER(?o = ex:x) }",
                "  |                                            ^",
            ],
        ),
        (
            "SELECT ?s WHERE { ?s ?p ?o } LIMIT",
            "line 1, column 35, at the end of the query: expected one of GROUP, LATERAL, ORDER, "
            "SERVICE, a digit",
            ["1 | SELECT ?s WHERE { ?s ?p ?o } LIMIT", "  |                                   ^"],
        ),
    ],
    ids=["unknown-prefix", "missing-brace", "on-line-3", "prefix-in-a-filter", "end-of-input"],
)
def test_a_syntax_error_shows_the_line_with_a_caret_and_what_may_come_there(
    small, query, message, snippet
):
    with pytest.raises(QuerySyntaxError) as caught:
        small.query(query)
    error = caught.value
    assert error.message == message  # no Unicode character ranges, no parser internals
    assert error.snippet.splitlines() == snippet
    assert message.startswith(f"line {error.line}, column {error.column}")
    assert str(error) == f"{message}\n{error.snippet}"


def test_prefixes_given_to_the_store_spare_the_query_its_prefix_lines(small):
    result = small.query("SELECT ?s { ?s ex:p ?o }", prefixes={"ex": "http://ex.org/"})
    assert subjects(result) == ["http://ex.org/a", "http://ex.org/b"]
    with pytest.raises(QuerySyntaxError):  # the store itself knows no prefix
        small.query("SELECT ?s { ?s ex:p ?o }")


def test_a_prefix_the_query_declares_itself_wins_over_a_given_one(small):
    query = "PREFIX ex: <http://ex.org/elsewhere/> SELECT ?s { ?s ex:p ?o }"
    assert small.query(query, prefixes={"ex": "http://ex.org/"}).rows == ()


def test_a_syntax_error_on_a_long_line_shows_the_part_around_the_column(small):
    patterns = " . ".join(f"?s {'zz' if i == 20 else 'ex'}:p{i} ?o{i}" for i in range(40))
    with pytest.raises(QuerySyntaxError, match="undeclared prefix zz:") as caught:
        small.query(f"SELECT * WHERE {{ {patterns} }}", prefixes={"ex": "http://ex.org/"})
    line, caret = caught.value.snippet.splitlines()
    assert len(line) < 110 and line.startswith("1 | …") and line.endswith("…")
    assert line[: caret.index("^")].endswith(" zz:p20")


def test_select_star_lists_the_variables_in_the_order_the_query_names_them(small):
    result = small.query("SELECT * WHERE { BIND(1 AS ?zeta) BIND(2 AS ?alpha) }")
    assert result.variables == ("zeta", "alpha")
    # "?b" in a string or an IRI is no variable; ?b is first named after ?c.
    query = 'SELECT * { ?s <http://ex.org/p> ?c FILTER(?c != "?b") BIND(<http://x/?b> AS ?b) }'
    assert small.query(query).variables == ("s", "c", "b")


def test_service_is_refused_before_the_engine_sees_it(small):
    with pytest.raises(ForbiddenQuery, match="SERVICE"):
        small.query("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")


def test_graph_sizes_and_dump(small):
    assert small.graph_sizes() == {"http://ex.org/g1": 1, "http://ex.org/g2": 1}
    assert b"<http://ex.org/g2>" in small.dump("nquads")


def test_replacing_the_data_drops_the_old(small):
    small.replace_all(b'<http://ex.org/c> <http://ex.org/p> "3" <http://ex.org/g3> .\n')
    assert subjects(small.query("SELECT ?s { ?s ?p ?o }")) == ["http://ex.org/c"]


def test_an_on_disk_store_keeps_its_data(tmp_path):
    first = DiskStore(tmp_path / "store")
    first.replace_all(NQUADS)
    del first
    again = DiskStore(tmp_path / "store")
    assert len(again.query("SELECT ?s { ?s ?p ?o }").rows) == 2


# --- The data version: what caches and ETags are keyed on ----------------------------------


def test_the_version_is_the_sha256_of_the_loaded_nquads_and_when_they_were_loaded(small):
    before = datetime.now(UTC).replace(microsecond=0)
    small.replace_all(NQUADS)
    assert small.version.digest == hashlib.sha256(NQUADS).hexdigest()
    # Whole seconds, as HTTP dates (Last-Modified) carry them, in UTC.
    assert small.version.loaded.microsecond == 0 and small.version.loaded.tzinfo == UTC
    assert before <= small.version.loaded <= datetime.now(UTC)


def test_the_version_changes_whenever_the_data_changes(small):
    first = small.version
    small.replace_all(b'<http://ex.org/c> <http://ex.org/p> "3" <http://ex.org/g3> .\n')
    assert small.version.digest != first.digest
    small.replace_all(NQUADS)
    assert small.version.digest == first.digest, "the same data, the same digest"


def test_an_empty_store_has_a_version_too():
    assert MemoryStore().version.digest == hashlib.sha256(b"").hexdigest()


def test_an_on_disk_store_opened_again_has_a_version_of_its_data(tmp_path):
    first = DiskStore(tmp_path / "store")
    first.replace_all(NQUADS)
    del first
    again = DiskStore(tmp_path / "store")
    assert again.version.digest != hashlib.sha256(b"").hexdigest()
