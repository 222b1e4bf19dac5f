"""The store interface the query layer talks to, and its Oxigraph backend.

Every backend gives the same answers to the same query: the default graph a query sees is the
union of all named graphs, unless the query names its own dataset (FROM / FROM NAMED) or the
caller passes graphs (the SPARQL Protocol's default-graph-uri / named-graph-uri), which then
win. Graph IRIs that the store does not hold select empty graphs: nothing is ever fetched.

The union is an RDF merge, a set: a triple two sources both state is one triple of the default
graph. Oxigraph's own union mode repeats such triples, so the Oxigraph backend keeps the union
materialized in its default graph instead.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from . import parse_errors, querytext
from .results import AskResult, GraphResult, QueryResult, SelectResult


class QueryError(Exception):
    """Base of the errors a query can end in; each maps to one HTTP status upstream."""


class QuerySyntaxError(QueryError):
    """The query does not parse: why and where, and the offending line with a caret.

    ``line`` and ``column`` count from 1 and are None when the parser gave no position; str()
    is the message followed by the snippet, for a terminal.
    """

    def __init__(
        self, message: str, line: int | None = None, column: int | None = None, snippet: str = ""
    ):
        # args holds every field, so that the error survives pickling across the fork.
        super().__init__(message, line, column, snippet)
        self.message = message
        self.line = line
        self.column = column
        self.snippet = snippet

    def __str__(self) -> str:
        return f"{self.message}\n{self.snippet}" if self.snippet else self.message


class ForbiddenQuery(QueryError):
    """The query asks for something this service never does (e.g. SERVICE)."""


class ResultTooLarge(QueryError):
    """The result has more rows or triples than the configured cap."""

    def __init__(self, limit: int):
        # args holds the limit alone, so that the error survives pickling across the fork.
        super().__init__(limit)
        self.limit = limit

    def __str__(self) -> str:
        return (
            f"the result has more than {self.limit} rows or triples; narrow the query or page "
            f"through it with LIMIT and OFFSET"
        )


class QueryTooComplex(QueryError):
    """The query nests deeper than any engine should be asked to parse."""


class InvalidGraphName(QueryError):
    """A graph named by the caller is not a valid IRI."""


class EngineError(QueryError):
    """The engine failed on a query it had accepted."""


Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True)
class DataVersion:
    """Which data a store holds: what result caches and HTTP validators are keyed on.

    ``digest`` is the SHA-256 of the N-Quads the store was filled with: it changes whenever
    the data does (and may change on a reload of the same files, whose blank nodes get fresh
    labels). ``loaded`` is when they were loaded, in UTC and whole seconds, as HTTP dates
    (Last-Modified) carry it.
    """

    digest: str
    loaded: datetime

    @classmethod
    def of(cls, nquads: bytes) -> DataVersion:
        """The version of these N-Quads, loaded now."""
        now = datetime.now(UTC).replace(microsecond=0)
        return cls(hashlib.sha256(nquads).hexdigest(), now)


class GraphStore(ABC):
    """What the query layer needs from a store."""

    @property
    @abstractmethod
    def version(self) -> DataVersion:
        """The version of the data held now; a new one whenever the data changes."""

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
        row_limit: int | None = None,
    ) -> QueryResult:
        """Run a read-only query; ``bindings`` replace variables before evaluation.

        ``base_iri`` resolves relative IRIs in the query (the SPARQL Protocol lets a service
        use its endpoint URL); ``prefixes`` (name → namespace IRI) are predeclared, a PREFIX
        of the query's own winning over one of the same name; ``row_limit`` caps the rows or
        triples of the result. A SELECT * result lists its variables in the order the query
        first names them, as SPARQL defines it, whatever order the engine gives.
        """
        depth = querytext.nesting_depth(sparql)
        if depth > querytext.MAX_NESTING:
            raise QueryTooComplex(
                f"the query nests brackets {depth} deep; at most {querytext.MAX_NESTING} are "
                f"accepted"
            )
        reason = querytext.forbidden_reason(sparql)
        if reason:
            raise ForbiddenQuery(reason)
        dataset = (default_graphs, named_graphs)
        result = self._query(sparql, bindings or {}, dataset, base_iri, prefixes or {}, row_limit)
        if isinstance(result, SelectResult):
            result = _in_query_order(result, querytext.star_variables(sparql))
        return result

    @abstractmethod
    def _query(self, sparql, bindings, dataset, base_iri, prefixes, row_limit) -> QueryResult:
        """Backend part of :meth:`query`, after the guard."""

    @abstractmethod
    def replace_all(self, nquads: bytes) -> None:
        """Replace the whole dataset with the given N-Quads, readers never seeing a mix."""

    @abstractmethod
    def graph_sizes(self) -> dict[str, int]:
        """Triples per named graph, by graph IRI."""

    @abstractmethod
    def default_graph_size(self) -> int:
        """Distinct triples of the default graph (the union of the named graphs)."""

    @abstractmethod
    def dump(self, format_name: str) -> bytes:
        """The whole dataset as ``nquads`` or ``trig``."""


class OxigraphStore(GraphStore):
    """pyoxigraph's store: in memory by default, on disk when given a directory."""

    def __init__(self, path: Path | None = None):
        self._path = path
        self._store = ox.Store(str(path)) if path is not None else ox.Store()
        # An on-disk store may hold data already: its version is that of its dump.
        self._version = DataVersion.of(self.dump("nquads") if path is not None else b"")

    @property
    def version(self) -> DataVersion:
        return self._version

    def _query(self, sparql, bindings, dataset, base_iri, prefixes, row_limit) -> QueryResult:
        default_graphs, named_graphs = dataset
        # Oxigraph lets a PREFIX declared in the query override one of these.
        options: dict = {"base_iri": base_iri, "prefixes": dict(prefixes)}
        if default_graphs is not None or named_graphs is not None:
            options["default_graph"] = [_graph_name(g) for g in default_graphs or ()]
            options["named_graphs"] = [_graph_name(g) for g in named_graphs or ()]
        if bindings:
            options["substitutions"] = {ox.Variable(k): v for k, v in bindings.items()}
        try:
            answer = self._store.query(sparql, **options)
            return _collect(answer, row_limit)
        except SyntaxError as error:
            diagnosis = parse_errors.explain(sparql, str(error), prefixes)
            raise QuerySyntaxError(*diagnosis) from error
        except (OSError, RuntimeError, ValueError, TypeError) as error:
            raise EngineError(str(error)) from error

    def replace_all(self, nquads: bytes) -> None:
        if self._path is not None:
            self._store.clear()
            self._store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
            self._store.update(_MATERIALIZE_UNION)
            self._store.optimize()
            self._version = DataVersion.of(nquads)
            return
        fresh = ox.Store()
        fresh.load(nquads, format=ox.RdfFormat.N_QUADS)
        fresh.update(_MATERIALIZE_UNION)
        # In memory the swap is one assignment; readers holding the old store finish on it.
        self._store = fresh
        self._version = DataVersion.of(nquads)

    def graph_sizes(self) -> dict[str, int]:
        answer = self._store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        return {row["g"].value: int(row["n"].value) for row in answer}

    def default_graph_size(self) -> int:
        answer = self._store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(next(iter(answer))["n"].value)

    def dump(self, format_name: str) -> bytes:
        formats = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
        if format_name not in formats:
            raise ValueError(f"cannot dump a dataset as {format_name!r}: use nquads or trig")
        # The named graphs only: the default graph is their union, derived on loading.
        named = (q for q in self._store if not isinstance(q.graph_name, ox.DefaultGraph))
        return ox.serialize(named, format=formats[format_name])


_MATERIALIZE_UNION = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def _graph_name(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as error:
        raise InvalidGraphName(f"not a valid graph IRI: {iri!r} ({error})") from None


def _in_query_order(result: SelectResult, order: list[str] | None) -> SelectResult:
    """A SELECT * result with its variables as the query names them (engines may sort them).

    Variables the query text did not show (the lexer can miss one) keep the engine's order, last.
    """
    if order is None:
        return result
    first = [name for name in order if name in result.variables]
    rest = [name for name in result.variables if name not in first]
    return SelectResult((*first, *rest), result.rows)


def _collect(answer, row_limit: int | None) -> QueryResult:
    """Turn pyoxigraph's lazy answer into a result object, enforcing the row cap."""
    if isinstance(answer, ox.QueryBoolean):
        return AskResult(bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        variables = tuple(v.value for v in answer.variables)
        rows = []
        for solution in answer:
            if row_limit is not None and len(rows) >= row_limit:
                raise ResultTooLarge(row_limit)
            rows.append({name: solution[name] for name in variables if solution[name] is not None})
        return SelectResult(variables, tuple(rows))
    triples = []
    for triple in answer:
        if row_limit is not None and len(triples) >= row_limit:
            raise ResultTooLarge(row_limit)
        triples.append(triple)
    return GraphResult(tuple(triples))
