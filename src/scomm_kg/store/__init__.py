"""The store interface the query layer talks to; one module per backend.

Three backends, chosen by one setting (`open_store`): ``memory`` (embedded pyoxigraph, the
default), a directory (pyoxigraph's on-disk store, which keeps what was loaded and is ready at
once when started again), or the ``http(s)://`` URL of any SPARQL 1.1 server's query endpoint.

Every backend gives the same answers to the same query: the default graph a query sees is the
union of all named graphs, unless the query names its own dataset (FROM / FROM NAMED) or the
caller passes graphs (the SPARQL Protocol's default-graph-uri / named-graph-uri), which then
win. Graph IRIs that the store does not hold select empty graphs: nothing is ever fetched.

Data reaches a store as sources (`Source`): one input file's quads and the graphs they fill.
Loading a source again replaces its graphs, never adds to them, so loads are idempotent.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from .. import querytext
from ..results import QueryResult, SelectResult


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
        return cls(hashlib.sha256(nquads).hexdigest(), _now())

    @classmethod
    def of_sources(cls, held: Mapping[str, str], loaded: datetime | None = None) -> DataVersion:
        """The version of a store filled from these sources (name → SHA-256 of its bytes)."""
        digest = hashlib.sha256()
        for name, sha256 in sorted(held.items()):
            digest.update(f"{name}\0{sha256}\n".encode())
        return cls(digest.hexdigest(), loaded or _now())


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Source:
    """One input's quads as a store loads them.

    ``name`` identifies the input (a file's path as the user named it); ``sha256`` is the
    digest of its bytes, by which a store tells whether it already holds it unchanged;
    ``graphs`` are the named graphs its quads fill (an empty tuple: the default graph).
    """

    name: str
    sha256: str
    nquads: bytes
    graphs: tuple[str, ...]
    triples: int

    @classmethod
    def withdrawn(cls, name: str) -> Source:
        """A source taken away (its file deleted): loading it empties the graphs it filled."""
        return cls(name, "", b"", (), 0)

    @property
    def is_withdrawn(self) -> bool:
        return not self.sha256


@dataclass(frozen=True)
class LoadSummary:
    """What one load did, for the summary line a user reads."""

    sources: int
    graphs: int
    triples: int
    seconds: float

    @classmethod
    def of(cls, sources: Sequence[Source], seconds: float) -> LoadSummary:
        graphs = {graph for source in sources for graph in source.graphs}
        return cls(len(sources), len(graphs), sum(s.triples for s in sources), seconds)

    @property
    def rate(self) -> float:
        return self.triples / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True)
class HeldSource:
    """What a store remembers of a source it loaded: enough to tell it apart and replace it."""

    sha256: str
    graphs: tuple[str, ...]
    triples: int

    @classmethod
    def of(cls, source: Source) -> HeldSource:
        return cls(source.sha256, source.graphs, source.triples)


def held_to_json(held: Mapping[str, HeldSource]) -> dict:
    """The sources a store holds, as its manifest keeps them (JSON, sorted by name)."""
    return {
        name: {"sha256": h.sha256, "graphs": list(h.graphs), "triples": h.triples}
        for name, h in sorted(held.items())
    }


def held_from_json(entries: Mapping[str, dict]) -> dict[str, HeldSource]:
    """The inverse of `held_to_json`."""
    return {
        name: HeldSource(entry["sha256"], tuple(entry["graphs"]), entry["triples"])
        for name, entry in entries.items()
    }


def graph_name(iri: str) -> ox.NamedNode:
    """A graph IRI named by a caller, checked: InvalidGraphName when it is not an IRI."""
    try:
        return ox.NamedNode(iri)
    except ValueError as error:
        raise InvalidGraphName(f"not a valid graph IRI: {iri!r} ({error})") from None


def graphs_replaced(sources: Sequence[Source], held: Mapping[str, HeldSource]) -> set[str]:
    """The graphs a load of ``sources`` empties first: theirs, and theirs when loaded before.

    A graph is one source's: ValueError when another source (held, or in this load) fills it.
    """
    owners: dict[str, str] = {}
    loading = {source.name for source in sources}
    for name, held_source in held.items():
        if name not in loading:
            owners.update(dict.fromkeys(held_source.graphs, name))
    for source in sources:
        for graph in source.graphs:
            owner = owners.setdefault(graph, source.name)
            if owner != source.name:
                raise ValueError(
                    f"{source.name} fills the graph <{graph}>, which {owner} fills already: "
                    f"a named graph holds one source"
                )
    replaced = {graph for source in sources for graph in source.graphs}
    for source in sources:
        if source.name in held:
            replaced.update(held[source.name].graphs)
    return replaced


def held_after(held: Mapping[str, HeldSource], sources: Sequence[Source]) -> dict[str, HeldSource]:
    """What a store holds once ``sources`` are loaded: withdrawn ones are gone."""
    after = {**held, **{source.name: HeldSource.of(source) for source in sources}}
    return {name: kept for name, kept in after.items() if kept.sha256}


def check_named(sources: Sequence[Source], store_kind: str) -> None:
    """ValueError for a source with triples outside any named graph (a store of named graphs)."""
    for source in sources:
        if not source.graphs and not source.is_withdrawn:
            raise ValueError(
                f"{source.name}: triples outside any named graph have no source; {store_kind} "
                f"keeps named graphs only"
            )


class StoreUnavailable(Exception):
    """The store cannot be opened or reached: the message says which and why."""


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
    def held(self) -> dict[str, HeldSource]:
        """The sources the store holds, by name: their digests and the graphs they fill."""

    def held_sources(self) -> dict[str, str]:
        """The sources the store holds: name → SHA-256 of the bytes they were loaded from."""
        return {name: source.sha256 for name, source in self.held().items()}

    @abstractmethod
    def load(
        self, sources: Sequence[Source], progress: Callable[[int], None] | None = None
    ) -> LoadSummary:
        """Load ``sources``, each replacing the graphs it fills and those it filled before.

        ``progress`` hears the number of triples written since it was last called.
        """

    def close(self) -> None:  # noqa: B027 (most stores hold nothing to release)
        """Release what the store holds open (files, connections); it is not used after."""

    @property
    def substitutes_bindings(self) -> bool:
        """Whether the engine takes bindings itself; if not, they are written into the text."""
        return True

    @property
    def runs_queries_remotely(self) -> bool:
        """Whether queries are evaluated by another server (not in a forked worker here)."""
        return False

    def graph_quads(self, graph: str) -> list[ox.Quad]:
        """The quads of one named graph (none when the store holds nothing in it)."""
        name = graph_name(graph)
        result = self.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", bindings={"g": name}
        )
        return [ox.Quad(t.subject, t.predicate, t.object, name) for t in result.triples]

    def engine(self) -> ox.Store:
        """The dataset in a pyoxigraph Store, for reading only (validation): the engine itself
        where the store is embedded, a copy of the named graphs elsewhere."""
        copy = ox.Store()
        copy.bulk_load(self.dump("nquads"), format=ox.RdfFormat.N_QUADS)
        return copy

    @abstractmethod
    def graph_sizes(self) -> dict[str, int]:
        """Triples per named graph, by graph IRI."""

    @abstractmethod
    def default_graph_size(self) -> int:
        """Distinct triples of the default graph (the union of the named graphs)."""

    @abstractmethod
    def dump(self, format_name: str) -> bytes:
        """The whole dataset (its named graphs) as ``nquads`` or ``trig``."""


def open_store(
    location: str,
    *,
    union: str = "auto",
    update_url: str = "",
    graph_store_url: str = "",
    timeout: float = 60.0,
    remote_union: str = "dataset",
) -> GraphStore:
    """The store ``location`` names: ``memory``, an ``http(s)://`` query URL, or a directory.

    ``union`` says how an embedded store holds the union default graph (see
    store/embedded.py); the URLs, timeout and ``remote_union`` are a remote store's (see
    store/remote.py).
    """
    if location == "memory":
        return MemoryStore(union=union)
    if location.startswith(("http://", "https://")):
        from .remote import RemoteStore

        return RemoteStore(
            location,
            update_url=update_url,
            graph_store_url=graph_store_url,
            timeout=timeout,
            union=remote_union,
        )
    if "://" in location:
        raise StoreUnavailable(
            f"cannot open {location!r}: a store is 'memory', a directory, or the http(s):// URL "
            f"of a SPARQL query endpoint"
        )
    return DiskStore(Path(location), union=union)


def _in_query_order(result: SelectResult, order: list[str] | None) -> SelectResult:
    """A SELECT * result with its variables as the query names them (engines may sort them).

    Variables the query text did not show (the lexer can miss one) keep the engine's order, last.
    """
    if order is None:
        return result
    first = [name for name in order if name in result.variables]
    rest = [name for name in result.variables if name not in first]
    return SelectResult((*first, *rest), result.rows)


# The embedded backends, importable from here; the remote one is imported when opened.
from .disk import DiskStore as DiskStore  # noqa: E402
from .memory import MemoryStore as MemoryStore  # noqa: E402
