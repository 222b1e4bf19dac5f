"""The query service: one query in, one finished answer out, within the configured limits.

It sits between the web layer and the store. A query runs in a worker of the query pool
(serving/pool.py) that also serializes the answer, so that a query that runs too long, grows
too large or crashes is known as such before anything is sent to the client; the web layer
only maps outcomes to HTTP, and says which work is cheap (the reserved lane). Nothing here
knows about HTTP.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from . import querytext
from .cache import ResultCache, request_key
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
from .serving.budget import ClientBudgets
from .serving.pool import (
    GENERAL,
    RESERVED,
    InlineExecutor,
    Lane,
    QueryPool,
    StaleWorkerData,
)
from .serving.remote_lanes import RemoteLanes
from .settings import Settings
from .store import GraphStore, QueryError, QuerySyntaxError, Term

log = logging.getLogger(__name__)

KINDS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
# While a write's new data reaches the query workers, a query may meet workers holding the
# other version; it is asked again, under the version then current, this many times at most.
STALE_RETRIES = 50
STALE_PAUSE = 0.1


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
        """With ``isolate``, queries run in a query pool started now (see serving/pool.py:
        call this in a process that runs no thread yet); without, in this process, unlimited.

        Raises isolation.IsolationUnavailable and pool.PoolStartFailed.
        """
        self.store = store
        self.settings = settings
        self.prefixes: Mapping[str, str] = PREFIXES
        self.executor: QueryPool | InlineExecutor | RemoteLanes
        if isolate and store.runs_queries_remotely:
            # Queries run on the server: nothing to fork, and a forked worker has no network.
            self.executor = RemoteLanes(lanes(settings))
        elif isolate:
            self.executor = query_pool(store, settings).start()
            if self.executor.isolation == "none":
                log.warning("query_isolation=none: only the SERVICE guard keeps queries offline")
        else:
            self.executor = InlineExecutor()
        self.cache = ResultCache(settings.result_cache_mb * 1024 * 1024)
        self.budgets = ClientBudgets(settings.client_query_seconds)

    def drain(self, grace_seconds: float) -> None:
        """Take no new query and stop the running ones within ``grace_seconds`` (shutdown)."""
        if isinstance(self.executor, QueryPool):
            self.executor.drain(grace_seconds)

    def close(self) -> None:
        """Stop the query pool, if any (in the process that started it)."""
        if isinstance(self.executor, QueryPool):
            self.executor.stop()

    def answer_key(self, request: QueryRequest, fmt: Format, prefixes=None) -> str:
        """What identifies the answer: its cache key, which the web layer makes its ETag."""
        limits = (self.settings.row_limit, self.prefixes)
        return request_key(self.store.version, request, "answer", fmt.name, prefixes, limits)

    def answer(
        self,
        request: QueryRequest,
        fmt: Format,
        prefixes=None,
        *,
        check: Checks = None,
        cheap: bool = False,
        client: str | None = None,
    ) -> Answer:
        """Run the query and serialize its result; raises the store's and the pool's errors.

        ``prefixes`` are those a graph answer is written with (in Turtle, TriG, RDF/XML).
        ``check`` runs before the query is, and only then: not on a cache hit. ``cheap`` work
        (a canned query, an ASK) runs in the reserved lane, under its shorter deadline. A
        ``client`` (a key from serving.budget.client_key) is charged the seconds its query
        took, and refused (budget.OverBudget) while it owes a minute's allowance; a cache hit
        is neither charged nor refused.
        """
        compute = partial(self._answer, request, fmt, prefixes, check, _lane(cheap), client)
        return self._current(
            lambda: self.answer_key(request, fmt, prefixes),
            compute,
            lambda answer: len(answer.body),
        )

    def result(
        self,
        request: QueryRequest,
        *,
        check: Checks = None,
        cheap: bool = False,
        client: str | None = None,
    ) -> QueryResult:
        """Run the query and return its result objects, for pages that render them."""
        limits = (self.settings.row_limit, self.prefixes)
        compute = partial(self._result, request, check, _lane(cheap), client)
        return self._current(
            lambda: request_key(self.store.version, request, "result", limits),
            compute,
            _result_size,
        )

    def _current(self, key_now: Callable[[], str], compute: Callable, size: Callable):
        """The answer under the data version current when it is computed.

        The key names the version the query is sent with; workers holding another one (a
        write is reaching them) refuse it rather than answer from other data under that
        key, and the query is asked again under the version then current.
        """
        for _ in range(STALE_RETRIES):
            try:
                return self.cache.get_or_compute(key_now(), compute, size)
            except StaleWorkerData:
                time.sleep(STALE_PAUSE)
        return self.cache.get_or_compute(key_now(), compute, size)

    def data_changed(self, refresh: Callable[[GraphStore], object] | None = None) -> None:
        """After the store's data changed (a write): the query workers take the new data
        before this returns, and answers of the old version are let go. Readers see the
        old data or the new, never a mix: each answer is keyed on the version it was
        computed from.

        ``refresh`` brings a store up to the written files (curation.refresh): the workers'
        copy runs it, which reads only what changed; should that not give the very version
        this store holds, they are handed the whole dataset instead.
        """
        if isinstance(self.executor, QueryPool):
            version = self.store.version
            held = None
            if refresh is not None:
                held = self.executor.renew(refreshed_version, refresh)
            if held != version.digest:
                if refresh is not None:
                    log.warning("the query workers' data differs from the files: sent whole")
                self.executor.renew(adopt_data, self.store.dump("nquads"), version)
        self.cache.clear()

    def _answer(
        self,
        request: QueryRequest,
        fmt: Format,
        prefixes,
        check: Checks,
        lane: str,
        client: str | None,
    ) -> Answer:
        if check is not None:
            check()
        limit = self.settings.row_limit
        return self._evaluate(
            client, _run_and_serialize, request, limit, self.prefixes, fmt, prefixes, lane=lane
        )

    def _result(
        self, request: QueryRequest, check: Checks, lane: str, client: str | None
    ) -> QueryResult:
        if check is not None:
            check()
        limit = self.settings.row_limit
        return self._evaluate(client, _run, request, limit, self.prefixes, lane=lane)

    def _evaluate(self, client: str | None, fn, *args, lane: str):
        """fn(store, *args) in the executor, within the client's budget, which it is charged."""
        if client is not None:
            self.budgets.admit(client)
        started = time.monotonic()
        try:
            return self.executor.run(fn, self.store, *args, lane=lane)
        finally:
            if client is not None:
                self.budgets.charge(client, time.monotonic() - started)


def refreshed_version(store: GraphStore, refresh: Callable[[GraphStore], object]) -> str:
    """In the query pool's manager: bring its store up to the data files; its version."""
    refresh(store)
    return store.version.digest


def adopt_data(store: GraphStore, nquads: bytes, version) -> None:
    """In the query pool's manager: hold ``nquads`` as data of ``version`` (the writer's)."""
    store.replace_all(nquads, version=version)


def lanes(settings: Settings) -> dict[str, Lane]:
    """The lanes the settings describe: their workers, deadlines and queues."""
    return {
        GENERAL: Lane(settings.workers, settings.query_timeout, settings.queue_length),
        RESERVED: Lane(
            settings.reserved_workers, settings.reserved_timeout, settings.reserved_queue_length
        ),
    }


def query_pool(store: GraphStore, settings: Settings) -> QueryPool:
    """The pool (not started) that the settings describe, its workers holding ``store``."""
    return QueryPool(
        store,
        lanes(settings),
        memory_budget_mb=settings.memory_budget_mb,
        max_answer_bytes=settings.max_answer_bytes,
        isolation_mode=settings.query_isolation,
    )


def _lane(cheap: bool) -> str:
    return RESERVED if cheap else GENERAL


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
