"""What a SPARQL 1.1 Update would change, computed without changing anything.

An update is run on a scratch copy of the dataset (a pyoxigraph store of its own, thrown away
after), and its effect is read off the copy: the whole new content of each named graph it
changed, or None for a graph it emptied. That is what `curation.Change` carries to the one
write gate; the running store is never written here.

The dataset's default graph is the union of its named graphs, for updates as for queries: a
WHERE clause that names no graph matches across all of them. So before each operation the
scratch default graph is filled with that union. It is not a graph one can write into: an
operation that inserts a triple into the default graph, or deletes from it a triple a named
graph still holds, is refused (DefaultGraphWrite), since there is no graph for the triple to
go to or come from; name one with GRAPH or WITH. Clearing everything (CLEAR ALL, DROP ALL)
empties the union with its graphs, and is fine.

The operations of a request run one at a time, so that each sees the union as the ones before
it left it. They are told apart by the structure of the text (tokens at bracket depth 0, from
sparql_tokens), as are the prologue declarations that carry over to later operations and the
WHERE keyword before which the protocol's dataset (using-graph-uri, using-named-graph-uri)
becomes USING clauses. LOAD (which fetches) and SERVICE are refused before anything runs.

Some graphs are not a writer's: the ontology and other graphs loaded from outside the curated
data, the provenance graph (which describes every graph; the gate keeps it in step) and the
audit trail. CLEAR/DROP ALL and NAMED clear every graph but those ("all the graphs you may
write"), and no operation may change the audit trail, which only the gate writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from .. import loader, querytext, resources
from ..settings import Settings
from ..sparql_tokens import Token, tokenize
from ..store import GraphStore
from . import audit, files

_UNION_INTO_DEFAULT = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


class UpdateRefused(Exception):
    """The update cannot be run here (malformed, forbidden, or writing the default graph)."""


class UpdateSyntaxError(UpdateRefused):
    """The text is not a SPARQL 1.1 Update."""


class DatasetConflict(UpdateRefused):
    """The protocol names a dataset and an operation names its own (USING or WITH)."""


class DefaultGraphWrite(UpdateRefused):
    """An operation writes into the default graph, which is the union of the named graphs."""


@dataclass(frozen=True)
class Operation:
    """One operation of an update request, as the engine will read it alone."""

    text: str  # the prologue declared so far, then the operation
    keyword: str  # INSERT, DELETE, CLEAR, … (upper case)


def operations(update: str) -> list[Operation]:
    """The request's operations in order, each with the prologue declared before it."""
    tokens = tokenize(update)
    bad = next((t for t in tokens if t.kind == "error"), None)
    if bad is not None:
        line, column = querytext.position(update, bad.start)
        raise UpdateSyntaxError(f"unexpected {bad.text!r} at line {line}, column {column}")
    pieces: list[list[Token]] = [[]]
    for token in tokens:
        if token.depth == 0 and token.kind == "punct" and token.text == ";":
            pieces.append([])
        else:
            pieces[-1].append(token)
    found: list[Operation] = []
    prologue = ""
    for piece in pieces:
        body = _after_prologue(piece)
        declared = update[piece[0].start : body[0].start] if piece and body else ""
        if not body:
            # Only declarations (or nothing): valid at the end of a request, and they carry on.
            prologue += _span(update, piece) + "\n" if piece else ""
            continue
        prologue += declared
        keyword = body[0].text.upper() if body[0].kind == "word" else ""
        found.append(Operation(prologue + "\n" + _span(update, body), keyword))
    return found


def _after_prologue(tokens: list[Token]) -> list[Token]:
    """The tokens after the leading PREFIX p: <iri> and BASE <iri> declarations."""
    index = 0
    while index < len(tokens) and tokens[index].kind == "word":
        word = tokens[index].text.upper()
        if word == "PREFIX":
            index += 3
        elif word == "BASE":
            index += 2
        else:
            break
    return tokens[index:]


def _span(text: str, tokens: list[Token]) -> str:
    if not tokens:
        return ""
    last = tokens[-1]
    return text[tokens[0].start : last.start + len(last.text)]


def with_dataset(operation: Operation, default: Sequence[str], named: Sequence[str]) -> str:
    """The operation's text with the protocol's dataset as USING clauses before its WHERE.

    DatasetConflict when the operation names a dataset itself (the protocol says: an error),
    or is a DELETE WHERE, which has no place for one.
    """
    if not default and not named:
        return operation.text
    tokens = tokenize(operation.text)
    words = [t for t in tokens if t.depth == 0 and t.kind == "word"]
    if any(t.text.upper().startswith(("USING", "WITH")) for t in words):
        raise DatasetConflict(
            "the request names a dataset (using-graph-uri or using-named-graph-uri) and an "
            "operation names its own (USING or WITH): give one or the other"
        )
    where = [t for t in words if t.text.upper() == "WHERE"]
    if not where:
        return operation.text  # INSERT DATA, CLEAR, …: no pattern for a dataset to apply to
    body = _after_prologue(tokens)
    if len(body) > 1 and body[1] is where[0]:
        raise DatasetConflict(
            "DELETE WHERE takes no dataset; write DELETE { … } WHERE { … } to use "
            "using-graph-uri or using-named-graph-uri"
        )
    clauses = [f"USING <{iri}>" for iri in default] + [f"USING NAMED <{iri}>" for iri in named]
    at = where[0].start
    return operation.text[:at] + " ".join(clauses) + "\n" + operation.text[at:]


def kept_graphs(settings: Settings, store: GraphStore) -> frozenset[str]:
    """The graphs CLEAR ALL leaves: those loaded from outside the curated data, the
    provenance graph and the audit trail."""
    folder = resources.data_dir(settings.data_dir)
    base = settings.base_iri
    kept = {audit.provenance_graph(base), audit.audit_graph(base)}
    for source, held in store.held().items():
        for graph in held.graphs:
            if source != loader.source_name(files.graph_file(folder, graph, base)):
                kept.add(graph)
    return frozenset(kept)


def effect(
    nquads: bytes,
    update: str,
    *,
    using_graphs: Sequence[str] = (),
    using_named_graphs: Sequence[str] = (),
    base_iri: str | None = None,
    prefixes: Mapping[str, str] | None = None,
    kept: frozenset[str] = frozenset(),
    read_only: frozenset[str] = frozenset(),
) -> dict[str, list[ox.Quad] | None]:
    """Graph IRI → its whole new content (None: emptied), for each graph the update changes.

    ``nquads`` is the dataset as it is now (its named graphs). CLEAR/DROP ALL and NAMED leave
    the ``kept`` graphs as they are; a change to a ``read_only`` graph is refused. Raises
    UpdateSyntaxError, DatasetConflict, DefaultGraphWrite, or UpdateRefused for LOAD, SERVICE
    and a read-only graph.
    """
    reason = querytext.forbidden_reason(update)
    if reason:
        raise UpdateRefused(reason)
    ops = operations(update)
    if any(op.keyword.startswith("LOAD") for op in ops):
        raise UpdateRefused("LOAD is not allowed: this endpoint never fetches data from the web")
    for iri in (*using_graphs, *using_named_graphs):
        try:
            ox.NamedNode(iri)
        except ValueError as error:
            raise UpdateRefused(f"not a valid graph IRI: {iri!r} ({error})") from None
    _check_syntax(update, base_iri, prefixes)
    scratch = ox.Store()
    scratch.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
    before = _by_graph(scratch)
    for op in ops:
        if _clears_every_graph(op):
            for graph in {q.graph_name for q in scratch} - {ox.DefaultGraph()}:
                if graph.value not in kept:
                    scratch.remove_graph(graph)
            continue
        text = with_dataset(op, using_graphs, using_named_graphs)
        _run(scratch, text, base_iri, prefixes)
    after = _by_graph(scratch)
    changed: dict[str, list[ox.Quad] | None] = {}
    for graph in sorted(set(before) | set(after)):
        old, new = before.get(graph, set()), after.get(graph, set())
        if old != new:
            if graph in read_only:
                raise UpdateRefused(f"<{graph}> is written by the server alone, never by an update")
            changed[graph] = sorted(new, key=str) if new else None
    return changed


def _clears_every_graph(op: Operation) -> bool:
    """CLEAR or DROP, SILENT or not, of ALL or NAMED (read from the operation's tokens)."""
    words = [t.text.upper() for t in _after_prologue(tokenize(op.text))]
    if not words or words[0] not in ("CLEAR", "DROP"):
        return False
    target = words[2:] if words[1:2] == ["SILENT"] else words[1:]
    return target in (["ALL"], ["NAMED"])


def _check_syntax(update: str, base_iri, prefixes) -> None:
    """UpdateSyntaxError unless the whole request parses (run on an empty store, so it costs
    nothing and touches nothing; LOAD is refused before)."""
    try:
        ox.Store().update(update, base_iri=base_iri, prefixes=dict(prefixes or {}))
    except SyntaxError as error:
        raise UpdateSyntaxError(str(error)) from None
    except (OSError, ValueError, RuntimeError) as error:
        raise UpdateRefused(str(error)) from None


def _run(scratch: ox.Store, text: str, base_iri, prefixes) -> None:
    """One operation on the scratch store, its default graph holding the union meanwhile."""
    default = ox.DefaultGraph()
    scratch.update(_UNION_INTO_DEFAULT)
    union = _triples(scratch.quads_for_pattern(None, None, None, default))
    try:
        scratch.update(text, base_iri=base_iri, prefixes=dict(prefixes or {}))
    except SyntaxError as error:
        raise UpdateSyntaxError(str(error)) from None
    except (OSError, ValueError, RuntimeError) as error:
        raise UpdateRefused(str(error)) from None
    now = _triples(scratch.quads_for_pattern(None, None, None, default))
    named = _triples(q for q in scratch if not isinstance(q.graph_name, ox.DefaultGraph))
    added = now - union - named
    taken = (union - now) & named
    scratch.remove_graph(default)
    if added:
        raise DefaultGraphWrite(
            f"the operation inserts {len(added)} triple(s) into the default graph, which is "
            f"the union of the named graphs and holds nothing of its own; insert into a named "
            f"graph (GRAPH <…> {{ … }} or WITH <…>). For instance: {_example(added)}"
        )
    if taken:
        raise DefaultGraphWrite(
            f"the operation deletes {len(taken)} triple(s) from the default graph that named "
            f"graphs still hold; delete them from those graphs (GRAPH <…> {{ … }} or WITH "
            f"<…>). For instance: {_example(taken)}"
        )


def _triples(quads: Iterable[ox.Quad]) -> set[ox.Triple]:
    return {ox.Triple(q.subject, q.predicate, q.object) for q in quads}


def _by_graph(store: ox.Store) -> dict[str, set[ox.Quad]]:
    graphs: dict[str, set[ox.Quad]] = {}
    for quad in store:
        if isinstance(quad.graph_name, ox.NamedNode):
            graphs.setdefault(quad.graph_name.value, set()).add(quad)
    return graphs


def _example(triples: set[ox.Triple]) -> str:
    first = min(triples, key=str)
    return f"{first.subject} {first.predicate} {first.object} ."
