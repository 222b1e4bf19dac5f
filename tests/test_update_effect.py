"""A curator's SPARQL Update is turned into the change it would make, before anything is written.

The effect is the whole new content of each graph the update touches; the default graph is the
union of the named graphs, which an update reads but never writes into.
"""

import pyoxigraph as ox
import pytest

from scomm_kg.curation.sparql_update import (
    DatasetConflict,
    DefaultGraphWrite,
    UpdateRefused,
    UpdateSyntaxError,
    effect,
    operations,
)

EX = "http://example.org/"
DATASET = (
    f'<{EX}letter> <{EX}says> "opt out" <{EX}g/letter> .\n'
    f'<{EX}memo> <{EX}says> "no opt out" <{EX}g/memo> .\n'
).encode()


def triples(quads):
    return {(q.subject.value, q.predicate.value, q.object.value) for q in quads}


def test_an_insert_fed_by_the_union_fills_a_new_graph_and_names_only_it():
    changed = effect(
        DATASET,
        "PREFIX ex: <http://example.org/>\n"
        "INSERT { GRAPH <http://example.org/g/quotes> { ?doc ex:quoted ?words } }\n"
        "WHERE { ?doc ex:says ?words }",
    )
    assert list(changed) == [f"{EX}g/quotes"]
    assert triples(changed[f"{EX}g/quotes"]) == {
        (f"{EX}letter", f"{EX}quoted", "opt out"),
        (f"{EX}memo", f"{EX}quoted", "no opt out"),
    }
    assert all(q.graph_name == ox.NamedNode(f"{EX}g/quotes") for q in changed[f"{EX}g/quotes"])


def test_later_operations_see_what_earlier_ones_did_and_keep_their_prefixes():
    changed = effect(
        DATASET,
        "PREFIX ex: <http://example.org/>\n"
        "DELETE DATA { GRAPH <http://example.org/g/memo> { ex:memo ex:says 'no opt out' } } ;\n"
        "INSERT { GRAPH <http://example.org/g/copy> { ?s ex:says ?o } } WHERE { ?s ex:says ?o }",
    )
    assert changed[f"{EX}g/memo"] is None  # emptied: the graph is dropped
    assert triples(changed[f"{EX}g/copy"]) == {(f"{EX}letter", f"{EX}says", "opt out")}


def test_an_update_that_changes_nothing_has_no_effect():
    assert effect(DATASET, f"DELETE DATA {{ GRAPH <{EX}g/memo> {{ <{EX}x> <{EX}y> 1 }} }}") == {}


def test_clearing_everything_drops_every_graph():
    assert effect(DATASET, "CLEAR ALL") == {f"{EX}g/letter": None, f"{EX}g/memo": None}


def test_the_protocol_dataset_becomes_the_where_clause_dataset():
    update = f"INSERT {{ GRAPH <{EX}g/out> {{ ?s <{EX}seen> ?o }} }} WHERE {{ ?s <{EX}says> ?o }}"
    changed = effect(DATASET, update, using_graphs=[f"{EX}g/memo"])
    assert triples(changed[f"{EX}g/out"]) == {(f"{EX}memo", f"{EX}seen", "no opt out")}
    named = "INSERT { GRAPH <http://example.org/g/out> { ?g <http://example.org/has> ?s } } "
    named += "WHERE { GRAPH ?g { ?s ?p ?o } }"
    changed = effect(DATASET, named, using_named_graphs=[f"{EX}g/letter"])
    assert triples(changed[f"{EX}g/out"]) == {(f"{EX}g/letter", f"{EX}has", f"{EX}letter")}


def test_relative_iris_resolve_against_the_base_given():
    changed = effect(
        DATASET, f"INSERT DATA {{ GRAPH <{EX}g/b> {{ <s> <p> <o> }} }}", base_iri=f"{EX}sparql"
    )
    assert triples(changed[f"{EX}g/b"]) == {(f"{EX}s", f"{EX}p", f"{EX}o")}


@pytest.mark.parametrize(
    "update",
    [
        f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}",
        "CLEAR DEFAULT",
        "DROP SILENT DEFAULT",
        f"DELETE DATA {{ <{EX}letter> <{EX}says> 'opt out' }}",
        "DELETE WHERE { ?s ?p ?o }",
        f"INSERT {{ ?s <{EX}seen> true }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"COPY <{EX}g/memo> TO DEFAULT",
        f"DELETE {{ ?s ?p ?o }} INSERT {{ GRAPH <{EX}g/moved> {{ ?s ?p ?o }} }}"
        " WHERE { ?s ?p ?o }",
    ],
)
def test_writing_into_the_union_default_graph_is_refused_with_the_way_out(update):
    way_out = r"insert into a named graph|delete from the graphs that hold"
    with pytest.raises(DefaultGraphWrite, match=way_out):
        effect(DATASET, update)


def test_a_dataset_in_both_the_protocol_and_the_text_is_a_conflict():
    update = f"INSERT {{ GRAPH <{EX}o> {{ ?s ?p ?o }} }} USING <{EX}g/memo> WHERE {{ ?s ?p ?o }}"
    with pytest.raises(DatasetConflict):
        effect(DATASET, update, using_named_graphs=[f"{EX}g/letter"])
    with pytest.raises(DatasetConflict, match="DELETE WHERE"):
        effect(DATASET, "DELETE WHERE { ?s ?p ?o }", using_graphs=[f"{EX}g/letter"])


@pytest.mark.parametrize(
    ("update", "error", "message"),
    [
        ("CLEAR XYZ", UpdateSyntaxError, "ALL"),
        ("INSERT DATA { GRAPH <g> { <a> <b> <c> } ", UpdateSyntaxError, "error"),
        ("LOAD <http://example.org/data.ttl>", UpdateRefused, "LOAD"),
        (
            f"INSERT {{ GRAPH <{EX}o> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{EX}s> {{ ?s ?p ?o }} }}",
            UpdateRefused,
            "SERVICE",
        ),
    ],
)
def test_malformed_and_forbidden_updates_are_refused_before_running(update, error, message):
    with pytest.raises(error, match=message):
        effect(DATASET, update)


def test_a_graph_block_or_with_sends_deletions_to_a_named_graph_and_is_fine():
    changed = effect(
        DATASET,
        f"WITH <{EX}g/memo> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }} ;"
        f"DELETE DATA {{ GRAPH <{EX}g/letter> {{ <{EX}letter> <{EX}says> 'opt out' }} . }}",
    )
    assert changed == {f"{EX}g/letter": None, f"{EX}g/memo": None}


def test_a_where_clause_ranges_over_every_graph_as_named_graphs_too():
    changed = effect(
        DATASET,
        f"INSERT {{ GRAPH <{EX}g/index> {{ ?s <{EX}in> ?g }} }}"
        " WHERE { GRAPH ?g { ?s ?p ?o } }",
    )
    assert triples(changed[f"{EX}g/index"]) == {
        (f"{EX}letter", f"{EX}in", f"{EX}g/letter"),
        (f"{EX}memo", f"{EX}in", f"{EX}g/memo"),
    }


def test_a_semicolon_inside_a_pattern_or_string_does_not_split_operations():
    ops = operations(
        "PREFIX ex: <http://example.org/> INSERT DATA { GRAPH ex:g { ex:a ex:b 'x;y' ; ex:c 1 } } ;"
        " CLEAR GRAPH ex:g ;"
    )
    assert [op.keyword for op in ops] == ["INSERT", "CLEAR"]
    assert all(op.text.startswith("PREFIX ex:") for op in ops)
