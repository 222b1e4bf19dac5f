"""The query service: one query in, one finished answer out, within the configured limits.

It sits between the web layer and the store. A query runs in a forked worker that also
serializes the answer, so that a query that runs too long, grows too large or crashes is
known as such before anything is sent to the client; the web layer only maps outcomes to
HTTP. Nothing here knows about HTTP.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from . import querytext
from .cache import ResultCache, request_key
from .executor import ForkExecutor, InlineExecutor, network_isolation_available
from .namespaces import PREFIXES
from .results import (
    GRAPH_FORMATS,
    TABULAR_FORMATS,
    AskResult,
    Format,
    GraphResult,
    QueryResult,
    SelectResult,
    serialize,
)
from .settings import Settings
from .store import GraphStore, QueryError, QuerySyntaxError, Term

log = logging.getLogger(__name__)

KINDS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


@dataclass(frozen=True)
class QueryRequest:
    """A query and the dataset the caller asks it to run on."""

    sparql: str
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    base_iri: str | None = None
    bindings: Mapping[str, Term] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """A short hash of the query text, for logs."""
        return hashlib.sha256(self.sparql.encode("utf-8", "replace")).hexdigest()[:12]


@dataclass(frozen=True)
class Answer:
    """A finished, serialized answer."""

    body: bytes
    media_type: str
    kind: str
    size: int  # rows for SELECT, triples for CONSTRUCT/DESCRIBE, 1 for ASK


class UpdateRefused(QueryError):
    """The text is a SPARQL Update, which a read-only service refuses."""


class Unrepresentable(QueryError):
    """The answer holds something the chosen format cannot carry (e.g. U+0000 in XML)."""


# Checks of a request that need the store (such as: does this IRI name anything?), run only
# when the query must be evaluated: a cached answer passed them on the same data.
Checks = Callable[[], None] | None


def result_kind(sparql: str) -> str:
    """select, ask or graph: what the query will return, read before running it."""
    update = querytext.update_keyword(sparql)
    if update is not None:
        raise UpdateRefused(
            f"{update} is SPARQL Update, not a query; this service is read-only and runs queries"
        )
    form = querytext.query_form(sparql)
    if form is None:
        raise QuerySyntaxError(
            "the text is not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE found"
        )
    return KINDS[form]


def formats_for(kind: str) -> tuple[Format, ...]:
    """The formats an answer of this kind can be written in, the default first."""
    return GRAPH_FORMATS if kind == "graph" else TABULAR_FORMATS


class QueryService:
    """Runs queries against one store under the settings' time, row and memory limits.

    Every query sees the project's prefixes predeclared (as on Wikidata's query service or
    Fuseki), so that ``scomm:Statement`` needs no PREFIX line; a query's own PREFIX wins.
    Finished answers are kept in a result cache (see cache.py) keyed on the data version and
    everything that tells answers apart: a hit runs nothing.
    """

    def __init__(self, store: GraphStore, settings: Settings, *, isolate: bool = True):
        self.store = store
        self.settings = settings
        self.prefixes: Mapping[str, str] = PREFIXES
        if isolate:
            memory = settings.query_memory_mb * 1024 * 1024 or None
            network = network_isolation_available()
            if not network:
                log.warning("query workers cannot leave the network here; relying on the guard")
            self.executor = ForkExecutor(settings.query_timeout, memory, isolate_network=network)
        else:
            self.executor = InlineExecutor()
        self.cache = ResultCache(settings.result_cache_mb * 1024 * 1024)

    def answer_key(self, request: QueryRequest, fmt: Format, prefixes=None) -> str:
        """What identifies the answer: its cache key, which the web layer makes its ETag."""
        limits = (self.settings.row_limit, self.prefixes)
        return request_key(self.store.version, request, "answer", fmt.name, prefixes, limits)

    def answer(
        self, request: QueryRequest, fmt: Format, prefixes=None, *, check: Checks = None
    ) -> Answer:
        """Run the query and serialize its result; raises the store's and executor's errors.

        ``prefixes`` are those a graph answer is written with (in Turtle, TriG, RDF/XML).
        ``check`` runs before the query is, and only then: not on a cache hit.
        """
        key = self.answer_key(request, fmt, prefixes)
        compute = partial(self._answer, request, fmt, prefixes, check)
        return self.cache.get_or_compute(key, compute, lambda answer: len(answer.body))

    def result(self, request: QueryRequest, *, check: Checks = None) -> QueryResult:
        """Run the query and return its result objects, for pages that render them."""
        limits = (self.settings.row_limit, self.prefixes)
        key = request_key(self.store.version, request, "result", limits)
        compute = partial(self._result, request, check)
        return self.cache.get_or_compute(key, compute, _result_size)

    def _answer(self, request: QueryRequest, fmt: Format, prefixes, check: Checks) -> Answer:
        if check is not None:
            check()
        limit = self.settings.row_limit
        return self.executor.run(
            _run_and_serialize, self.store, request, limit, self.prefixes, fmt, prefixes
        )

    def _result(self, request: QueryRequest, check: Checks) -> QueryResult:
        if check is not None:
            check()
        limit = self.settings.row_limit
        return self.executor.run(_run, self.store, request, limit, self.prefixes)


def _result_size(result: QueryResult) -> int:
    """About the bytes a result object holds: its pickled size."""
    return len(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


def _run(store, request: QueryRequest, row_limit: int, declared: Mapping[str, str]) -> QueryResult:
    """In the worker: the query under the row cap, with the service's prefixes declared."""
    return store.query(
        request.sparql,
        bindings=request.bindings,
        default_graphs=request.default_graphs,
        named_graphs=request.named_graphs,
        base_iri=request.base_iri,
        prefixes=declared,
        row_limit=row_limit,
    )


def _run_and_serialize(store, request, row_limit, declared, fmt: Format, prefixes):
    """In the worker: the query, then the bytes of its answer (graphs written with prefixes)."""
    result = _run(store, request, row_limit, declared)
    if isinstance(result, SelectResult):
        kind, size = "select", len(result.rows)
    elif isinstance(result, AskResult):
        kind, size = "ask", 1
    else:
        assert isinstance(result, GraphResult)
        kind, size = "graph", len(result.triples)
    try:
        body = serialize(result, fmt, prefixes if kind == "graph" else None)
    except ValueError as error:
        raise Unrepresentable(str(error)) from error
    return Answer(body, fmt.media_type, kind, size)
