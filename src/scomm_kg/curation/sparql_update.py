"""What a SPARQL 1.1 Update would change, computed without changing anything.

An update is run on a scratch copy of the dataset (a pyoxigraph store of its own, thrown away
after), and its effect is read off the copy: the whole new content of each named graph it
changed, or None for a graph it emptied. That is what `curation.Change` carries to the one
write gate; the running store is never written here.

The dataset's default graph is the union of its named graphs, for updates as for queries: a
WHERE clause that names no graph matches across all of them. An operation with a WHERE clause
and no dataset of its own runs with every named graph as USING and USING NAMED, which is that
union (and leaves GRAPH ?g ranging over every graph). The default graph is not one a writer
can write into: there is no graph for a triple to go to or come from, so an operation that
inserts into it (found after it ran: the scratch default graph is no longer empty) or deletes
from it (found in its text: a DELETE template with a triple outside GRAPH, and no WITH) is
refused (DefaultGraphWrite); name a graph with GRAPH or WITH.

The operations of a request run one at a time, so that each sees the graphs as the ones before
it left them. They are told apart by the structure of the text (tokens at bracket depth 0, from
sparql_tokens), as are the prologue declarations that carry over to later operations and the
WHERE keyword before which the protocol's dataset (using-graph-uri, using-named-graph-uri), or
the union, becomes USING clauses. LOAD (which fetches) and SERVICE are refused before anything
runs. The work done in Python is proportional to the operations and to the graphs they change;
what is proportional to the whole dataset (loading the copy, comparing each graph's dump before
and after) is the engine's.

Some graphs are not a writer's: the ontology and other graphs loaded from outside the curated
data, the provenance graph (which describes every graph; the gate keeps it in step) and the
audit trail. CLEAR/DROP ALL and NAMED clear every graph but those ("all the graphs you may
write"), and no operation may change the audit trail, which only the gate writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    if _names_dataset(tokens):
        raise DatasetConflict(
            "the request names a dataset (using-graph-uri or using-named-graph-uri) and an "
            "operation names its own (USING or WITH): give one or the other"
        )
    where = _where(tokens)
    if where is None:
        return operation.text  # INSERT DATA, CLEAR, …: no pattern for a dataset to apply to
    if _is_delete_where(tokens, where):
        raise DatasetConflict(
            "DELETE WHERE takes no dataset; write DELETE { … } WHERE { … } to use "
            "using-graph-uri or using-named-graph-uri"
        )
    return _using(operation.text, where, default, named)


def over_the_union(operation: Operation, graphs: Sequence[str]) -> str:
    """The operation's text reading every graph in ``graphs`` (the union as its default
    graph, each as a named graph), unless it names its own dataset or has no WHERE."""
    tokens = tokenize(operation.text)
    where = _where(tokens)
    if where is None or _names_dataset(tokens) or _is_delete_where(tokens, where):
        return operation.text
    return _using(operation.text, where, graphs, graphs)


def deletes_from_default(operation: Operation) -> bool:
    """Whether a DELETE's template (or DELETE DATA's, DELETE WHERE's) holds a triple outside
    GRAPH with no WITH to send it to a graph, or the operation clears or drops DEFAULT: a
    deletion from the default graph."""
    body = _after_prologue(tokenize(operation.text))
    words = [t.text.upper() for t in body if t.kind == "word" and t.depth == 0]
    if words[:1] in (["CLEAR"], ["DROP"]):
        return words[-1:] == ["DEFAULT"]
    if not words or words[0] != "DELETE":
        return False
    opening = next((i for i, t in enumerate(body) if t.depth == 0 and t.text == "{"), None)
    if opening is None:
        return False
    inside = body[opening].depth + 1
    expect_term = False
    for token in body[opening + 1 :]:
        if token.depth != inside:
            continue
        if token.kind == "punct" and token.text == "}":
            return False  # the template's end: every triple in it was in a GRAPH block
        if expect_term:
            expect_term = False
        elif token.kind == "word" and token.text.upper() == "GRAPH":
            expect_term = True
        elif not (token.kind == "punct" and token.text in ("{", ".")):
            return True
    return False


def _names_dataset(tokens: list[Token]) -> bool:
    words = (t for t in tokens if t.depth == 0 and t.kind == "word")
    return any(t.text.upper().startswith(("USING", "WITH")) for t in words)


def _where(tokens: list[Token]) -> Token | None:
    words = (t for t in tokens if t.depth == 0 and t.kind == "word")
    return next((t for t in words if t.text.upper() == "WHERE"), None)


def _is_delete_where(tokens: list[Token], where: Token) -> bool:
    body = _after_prologue(tokens)
    return len(body) > 1 and body[1] is where


def _using(text: str, where: Token, default: Sequence[str], named: Sequence[str]) -> str:
    clauses = [f"USING <{iri}>" for iri in default] + [f"USING NAMED <{iri}>" for iri in named]
    return text[: where.start] + "\n".join(clauses) + "\n" + text[where.start :]


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
    before = _dumps(scratch)
    for op in ops:
        if _clears_every_graph(op):
            for graph in list(scratch.named_graphs()):
                if graph.value not in kept:
                    scratch.remove_graph(graph)
            continue
        if using_graphs or using_named_graphs:
            text = with_dataset(op, using_graphs, using_named_graphs)
        else:
            text = over_the_union(op, sorted(g.value for g in _graphs(scratch)))
        if deletes_from_default(op) and not _names_dataset(tokenize(op.text)):
            raise DefaultGraphWrite(
                "the operation deletes from the default graph, which is the union of the "
                "named graphs and holds nothing of its own; delete from the graphs that hold "
                "the triples (GRAPH <…> { … } or WITH <…>)"
            )
        _run(scratch, text, base_iri, prefixes)
    after = _dumps(scratch)
    changed: dict[str, list[ox.Quad] | None] = {}
    for graph in sorted(set(before) | set(after)):
        old, new = before.get(graph, b""), after.get(graph, b"")
        if old == new or set(old.splitlines()) == set(new.splitlines()):
            continue
        if graph in read_only:
            raise UpdateRefused(f"<{graph}> is written by the server alone, never by an update")
        node = ox.NamedNode(graph)
        quads = list(scratch.quads_for_pattern(None, None, None, node))
        changed[graph] = sorted(quads, key=str) if quads else None
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
    """One operation on the scratch store; DefaultGraphWrite if it wrote the default graph."""
    try:
        scratch.update(text, base_iri=base_iri, prefixes=dict(prefixes or {}))
    except SyntaxError as error:
        raise UpdateSyntaxError(str(error)) from None
    except (OSError, ValueError, RuntimeError) as error:
        raise UpdateRefused(str(error)) from None
    written = next(iter(scratch.quads_for_pattern(None, None, None, ox.DefaultGraph())), None)
    if written is not None:
        example = f"{written.subject} {written.predicate} {written.object} ."
        raise DefaultGraphWrite(
            f"the operation inserts into the default graph, which is the union of the named "
            f"graphs and holds nothing of its own; insert into a named graph (GRAPH <…> {{ … }} "
            f"or WITH <…>). For instance: {example}"
        )


def _graphs(store: ox.Store) -> list[ox.NamedNode]:
    """The named graphs that hold a triple (an emptied graph may still be listed by the
    engine)."""
    found = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return [row["g"] for row in found]


def _dumps(store: ox.Store) -> dict[str, bytes]:
    """Each named graph that holds a triple, as the engine writes it (N-Triples)."""
    return {
        graph.value: store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
        for graph in _graphs(store)
    }
