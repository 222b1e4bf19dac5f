"""The remote backend: any SPARQL 1.1 server, over the SPARQL Protocol.

The store setting is the ``http(s)://`` URL of the server's query endpoint; writes go to its
update endpoint (the ``store_update_url`` setting; by default the query URL, as most servers
take both at one URL). Requests go through ``requests`` with a timeout and retries of
connection failures (never of a query the server answered with an error).

The project's graphs on a server are listed in a graph of their own, the manifest
(``MANIFEST_GRAPH``), with each source's SHA-256 as an embedded store keeps them. With the
``union`` setting ``dataset`` (the default, right on any server), a query that names no dataset
of its own is sent with that list as its dataset (``default-graph-uri`` and ``named-graph-uri``
for each graph): the union of the project's graphs, whatever the server keeps beside them
(Virtuoso holds system graphs of its own). With ``server``, nothing is added: for a server whose
default graph already is the union of its named graphs (``oxigraph serve
--union-default-graph``, Fuseki's ``unionDefaultGraph``), which answers faster than one handed
a dataset of many graphs (Oxigraph's server: 0.5 s against 3.4 s for the contradictions on the
shipped data). Like Oxigraph's union, a server's merge of several graphs may repeat a triple
two of them hold; the canned queries ask for DISTINCT where it matters.

Bindings are sent as a VALUES block at the start of the query's WHERE group (SPARQL 1.1 has no
substitution); terms are written by pyoxigraph, never pasted from text.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from datetime import datetime

import pyoxigraph as ox
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .. import parse_errors, querybind, querytext
from ..results import AskResult, QueryResult, SelectResult
from . import (
    DataVersion,
    EngineError,
    GraphStore,
    HeldSource,
    LoadSummary,
    QuerySyntaxError,
    Source,
    StoreUnavailable,
    check_named,
    graph_name,
    graphs_replaced,
    held_after,
    held_from_json,
    held_to_json,
)
from .embedded import _collect

# How a query that names no dataset sees the union of the project's graphs: "dataset" names
# them in each request; "server" leaves it to a server whose default graph is that union.
REMOTE_UNIONS = ("dataset", "server")
MANIFEST_GRAPH = "urn:scomm-kg:manifest"
MANIFEST_PROPERTY = "urn:scomm-kg:manifest-json"
MANIFEST_FORMAT = 1
# A graph the project never writes, so empty: the part of a dataset given in part that the
# protocol leaves empty (see _query).
EMPTY_GRAPH = "urn:scomm-kg:no-graph"
RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
# Quads per INSERT request; a graph's blank nodes never span two requests (see _insert).
INSERT_BATCH = 20_000


# The time left to the query being run, set by its executor (serving/remote_lanes.py).
_TIME_LEFT: ContextVar[float | None] = ContextVar("remote_time_left", default=None)


@contextlib.contextmanager
def request_timeout(seconds: float) -> Iterator[None]:
    """Requests made within wait at most ``seconds`` (or the store's timeout, if shorter)."""
    token = _TIME_LEFT.set(seconds)
    try:
        yield
    finally:
        _TIME_LEFT.reset(token)


class RemoteTimeout(EngineError):
    """The server did not answer within the time the query had."""


class RemoteStore(GraphStore):
    def __init__(
        self,
        query_url: str,
        *,
        update_url: str = "",
        graph_store_url: str = "",
        timeout: float = 60.0,
        retries: int = 3,
        union: str = "dataset",
    ):
        if union not in REMOTE_UNIONS:
            raise ValueError(f"union must be one of {', '.join(REMOTE_UNIONS)}, not {union!r}")
        self.union = union
        self.query_url = query_url
        self.update_url = update_url or query_url
        self.graph_store_url = graph_store_url
        self.timeout = timeout
        self._retries = retries
        self._sessions: tuple[int, requests.Session] | None = None
        self._held, loaded = self._read_manifest()
        self._version = DataVersion.of_sources(self.held_sources(), loaded)

    @property
    def version(self) -> DataVersion:
        return self._version

    @property
    def runs_queries_remotely(self) -> bool:
        return True

    @property
    def substitutes_bindings(self) -> bool:
        return False

    def _session(self) -> requests.Session:
        """This process's session: a forked process never uses its parent's connections."""
        if self._sessions is None or self._sessions[0] != os.getpid():
            self._sessions = (os.getpid(), _session(self._retries))
        return self._sessions[1]

    def close(self) -> None:
        if self._sessions is not None and self._sessions[0] == os.getpid():
            self._sessions[1].close()

    def held(self) -> dict[str, HeldSource]:
        return dict(self._held)

    def graphs(self) -> list[str]:
        """The project's graphs on the server, as the manifest lists them."""
        return sorted({graph for held in self._held.values() for graph in held.graphs})

    # --- reading ----------------------------------------------------------------------------

    def _query(self, sparql, bindings, dataset, base_iri, prefixes, row_limit) -> QueryResult:
        default_graphs, named_graphs = dataset
        for graph in (*(default_graphs or ()), *(named_graphs or ())):
            graph_name(graph)
        given = default_graphs is not None or named_graphs is not None
        if given and querytext.names_dataset(sparql):
            sparql = querytext.without_dataset_clauses(sparql)
        text = _with_prologue(sparql, prefixes, base_iri)
        if bindings:
            text = querybind.with_values(text, bindings)
        form = querytext.query_form(sparql)
        fields: list[tuple[str, str]] = [("query", text)]
        if given:
            # A dataset given in part is empty in the other part (SPARQL 1.1 Protocol); a
            # server that reads a missing list as "every graph" (Virtuoso) is given a graph
            # that holds nothing instead.
            fields += [("default-graph-uri", g) for g in default_graphs or (EMPTY_GRAPH,)]
            fields += [("named-graph-uri", g) for g in named_graphs or (EMPTY_GRAPH,)]
        elif self.union == "dataset" and not querytext.names_dataset(sparql):
            ours = self.graphs()
            fields += [("default-graph-uri", g) for g in ours]
            fields += [("named-graph-uri", g) for g in ours]
        accept = NTRIPLES if form in ("CONSTRUCT", "DESCRIBE") else RESULTS_JSON
        response = self._post(self.query_url, fields, accept)
        if response.status_code == 400:
            raise _syntax_error(sparql, prefixes, _reason(response))
        if response.status_code != 200:
            raise EngineError(
                f"the SPARQL server answered {response.status_code}: {_reason(response)}"
            )
        try:
            if accept == NTRIPLES:
                quads = ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
                result = _collect((quad.triple for quad in quads), row_limit)
            else:
                result = _results(response.content, row_limit)
        except (SyntaxError, ValueError) as error:
            raise EngineError(f"the SPARQL server's answer does not parse: {error}") from error
        if form == "ASK" and isinstance(result, SelectResult):
            return _ask_from_solutions(result)
        return _canonical_booleans(result)

    def graph_sizes(self) -> dict[str, int]:
        rows = self.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        ).rows
        return {row["g"].value: int(row["n"].value) for row in rows}

    def default_graph_size(self) -> int:
        query = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"
        return int(self.query(query).rows[0]["n"].value)

    def dump(self, format_name: str) -> bytes:
        formats = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
        if format_name not in formats:
            raise ValueError(f"cannot dump a dataset as {format_name!r}: use nquads or trig")
        rows = self.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows
        quads = (ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows)
        return ox.serialize(quads, format=formats[format_name])

    # --- writing ----------------------------------------------------------------------------

    def replace_all(self, nquads: bytes) -> None:
        graphs = sorted({q.graph_name.value for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS)})
        source = Source("(all)", DataVersion.of(nquads).digest, nquads, tuple(graphs), 0)
        self._update(" ;\n".join(f"DROP SILENT GRAPH {_iri(g)}" for g in self.graphs()))
        self._held = {}
        self.load([source])

    def load(
        self, sources: Sequence[Source], progress: Callable[[int], None] | None = None
    ) -> LoadSummary:
        started = time.perf_counter()
        check_named(sources, "a remote store")
        replaced = graphs_replaced(sources, self._held)
        self._update(" ;\n".join(f"DROP SILENT GRAPH {_iri(g)}" for g in sorted(replaced)))
        for source in sources:
            self._insert(source.nquads, progress)
        self._held = held_after(self._held, sources)
        self._version = DataVersion.of_sources(self.held_sources())
        self._write_manifest()
        return LoadSummary.of(sources, time.perf_counter() - started)

    def _insert(self, nquads: bytes, progress) -> None:
        """Insert in batches of whole graphs, so that no blank node spans two requests.

        A request's blank nodes are fresh for that request; a graph's quads stay together.
        """
        by_graph: dict[str, list[ox.Triple]] = {}
        for quad in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
            by_graph.setdefault(quad.graph_name.value, []).append(quad.triple)
        batch: list[tuple[str, list[ox.Triple]]] = []
        size = 0
        for graph, triples in by_graph.items():
            if batch and size + len(triples) > INSERT_BATCH:
                self._insert_batch(batch, size, progress)
                batch, size = [], 0
            batch.append((graph, triples))
            size += len(triples)
        if batch:
            self._insert_batch(batch, size, progress)

    def _insert_batch(self, batch: list[tuple[str, list[ox.Triple]]], size: int, progress):
        blocks = [
            f"GRAPH {_iri(graph)} {{\n"
            f"{ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode('utf-8')}}}"
            for graph, triples in batch
        ]
        # INSERT … WHERE {} rather than INSERT DATA: Virtuoso refuses blank nodes in DATA;
        # in a template they are one fresh node each, for the one solution, as in a file.
        self._update("INSERT {\n" + "\n".join(blocks) + "\n} WHERE {}")
        if progress is not None:
            progress(size)

    def _update(self, update: str) -> None:
        if not update:
            return
        response = self._post(self.update_url, [("update", update)], "*/*")
        if response.status_code not in (200, 204):
            raise StoreUnavailable(
                f"the SPARQL server at {self.update_url} refused an update "
                f"({response.status_code}): {_reason(response)}"
            )

    def _post(self, url: str, fields: list[tuple[str, str]], accept: str) -> requests.Response:
        left = _TIME_LEFT.get()
        timeout = self.timeout if left is None else min(left, self.timeout)
        try:
            return self._session().post(
                url, data=fields, headers={"Accept": accept}, timeout=timeout
            )
        except requests.Timeout as error:
            raise RemoteTimeout(
                f"the SPARQL server at {url} did not answer within {timeout:g} s"
            ) from error
        except requests.RequestException as error:
            raise StoreUnavailable(f"cannot reach the SPARQL server at {url}: {error}") from error

    # --- the manifest -----------------------------------------------------------------------

    def _read_manifest(self) -> tuple[dict[str, HeldSource], datetime | None]:
        graph, property_ = _iri(MANIFEST_GRAPH), _iri(MANIFEST_PROPERTY)
        query = f"SELECT ?json WHERE {{ GRAPH {graph} {{ ?m {property_} ?json }} }}"
        response = self._post(self.query_url, [("query", query)], RESULTS_JSON)
        if response.status_code != 200:
            raise StoreUnavailable(
                f"the SPARQL server at {self.query_url} answered {response.status_code} to a "
                f"query: {_reason(response)}"
            )
        try:
            rows = list(ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON))
        except (SyntaxError, ValueError) as error:
            raise StoreUnavailable(
                f"{self.query_url} does not answer as a SPARQL endpoint: {error}"
            ) from error
        if not rows:
            return {}, None
        manifest = json.loads(rows[0]["json"].value)
        if manifest.get("format") != MANIFEST_FORMAT:
            raise StoreUnavailable(f"the manifest at {self.query_url} is of an unknown format")
        return held_from_json(manifest["sources"]), datetime.fromisoformat(manifest["loaded"])

    def _write_manifest(self) -> None:
        body = {
            "format": MANIFEST_FORMAT,
            "loaded": self._version.loaded.isoformat(),
            "sources": held_to_json(self._held),
        }
        literal = ox.Literal(json.dumps(body, sort_keys=True))
        graph = _iri(MANIFEST_GRAPH)
        self._update(
            f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{ {graph} "
            f"{_iri(MANIFEST_PROPERTY)} {literal} }} }}"
        )


_XSD_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_BOOLEAN_FORMS = {"1": "true", "0": "false"}


def _canonical_booleans(result: QueryResult) -> QueryResult:
    """Booleans in their canonical form: Virtuoso writes true as "1", which is the same value."""
    if not isinstance(result, SelectResult):
        return result
    rows = tuple({name: _canonical(term) for name, term in row.items()} for row in result.rows)
    return SelectResult(result.variables, rows)


def _canonical(term):
    if isinstance(term, ox.Literal) and term.datatype == _XSD_BOOLEAN:
        form = _BOOLEAN_FORMS.get(term.value)
        if form is not None:
            return ox.Literal(form, datatype=_XSD_BOOLEAN)
    return term


def _results(content: bytes, row_limit: int | None) -> QueryResult:
    """A JSON results document read; one whose blank node labels are no N-Triples labels
    (Virtuoso writes ``nodeID://b10007``) is read with each label replaced by one that is, the
    same label by the same one, which is all a label means within one answer."""
    try:
        answer = ox.parse_query_results(content, format=ox.QueryResultsFormat.JSON)
        return _collect(answer, row_limit)
    except SyntaxError:
        relabelled = _relabel_blank_nodes(content)
        if relabelled is None:
            raise
    answer = ox.parse_query_results(relabelled, format=ox.QueryResultsFormat.JSON)
    return _collect(answer, row_limit)


def _relabel_blank_nodes(content: bytes) -> bytes | None:
    """The document with its blank nodes labelled b0, b1, …; None if it has none to relabel."""
    try:
        document = json.loads(content)
        rows = document["results"]["bindings"]
    except (ValueError, KeyError, TypeError):
        return None
    labels: dict[str, str] = {}
    for row in rows:
        for term in row.values():
            if isinstance(term, dict) and term.get("type") == "bnode":
                term["value"] = labels.setdefault(str(term.get("value")), f"b{len(labels)}")
    if not labels:
        return None
    return json.dumps(document).encode("utf-8")


def _ask_from_solutions(result: SelectResult) -> AskResult:
    """An ASK answered as solutions, as Virtuoso 7.2 answers it in JSON and XML: one variable,
    and one row whose value is true (1) or false (0), or no row for false."""
    if len(result.variables) != 1 or len(result.rows) > 1:
        raise EngineError("the SPARQL server answered an ASK with a table, not a boolean")
    values = [_canonical(term) for row in result.rows for term in row.values()]
    if not values:
        return AskResult(False)
    value = values[0]
    if isinstance(value, ox.Literal) and value.datatype == _XSD_INTEGER:
        return AskResult(int(value.value) != 0)
    if isinstance(value, ox.Literal) and value.datatype == _XSD_BOOLEAN:
        return AskResult(value.value == "true")
    raise EngineError(f"the SPARQL server answered an ASK with {value}, not a boolean")


def _syntax_error(sparql: str, prefixes: Mapping[str, str], reason: str) -> QuerySyntaxError:
    """Why the server refused the query: the embedded parser's diagnosis (line, column and a
    caret) when it refuses the query too, else the server's own words (a server may refuse
    what Oxigraph reads, or the other way round)."""
    try:
        ox.Store().query(sparql, prefixes=dict(prefixes))
    except SyntaxError as error:
        return QuerySyntaxError(*parse_errors.explain(sparql, str(error), prefixes))
    except (OSError, RuntimeError, ValueError, TypeError):
        pass
    return QuerySyntaxError(f"the SPARQL server refused the query: {reason}")


def _session(retries: int) -> requests.Session:
    session = requests.Session()
    # Connection failures only: a POST the server answered is never sent twice.
    retry = Retry(total=retries, connect=retries, read=0, status=0, backoff_factor=0.2)
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def _iri(iri: str) -> str:
    """An IRI as SPARQL writes it, by pyoxigraph, which refuses one that is not an IRI."""
    return str(graph_name(iri))


def _with_prologue(sparql: str, prefixes: Mapping[str, str], base_iri: str | None) -> str:
    """The query with the service's prefixes (and base) declared before its own prologue.

    A PREFIX of the query's own, declared after, wins, as it does in the embedded engine. The
    query's own leading BASE declarations go before the service's prefixes, whose IRIs are
    absolute, so that nothing changes but the order: Virtuoso 7.2 refuses a BASE after a
    PREFIX, and a second BASE, which SPARQL allows. So the service's base is left out when the
    query's own first base is absolute, which makes the service's irrelevant.
    """
    bases_end = querytext.leading_bases(sparql)
    own_base_absolute = bases_end and querytext.first_base_is_absolute(sparql)
    lines = [f"BASE {_iri(base_iri)}"] if base_iri and not own_base_absolute else []
    if bases_end:
        lines.append(sparql[:bases_end])
    lines += [f"PREFIX {name}: {_iri(iri)}" for name, iri in prefixes.items()]
    return "\n".join([*lines, sparql[bases_end:]])


def _reason(response: requests.Response) -> str:
    return " ".join(response.text.split())[:500] or response.reason
