"""Writes over HTTP: SPARQL 1.1 Update at POST /sparql, and the Graph Store HTTP Protocol.

Every write needs a token (write_access.py) and goes through the one gate, `curation.apply`:
this module only reads the request, works out the whole new content of the graphs it touches
(a `curation.Change`), and maps the outcome to a status. On success the query workers take the
new data before the answer is sent (QueryService.data_changed), so the writer, and everyone
after, reads it at once. Writes in this process are one at a time: each works out its change
from the data the one before it left.

The Graph Store Protocol lives at /graph-store: ``?graph=IRI`` names a graph, ``?default`` the
default graph. GET and HEAD read (open to all); PUT replaces a graph, POST adds to it, DELETE
drops it. The default graph is the union of the named graphs: it can be read, never written
(405): there is no graph of its own for triples to go to.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from functools import partial

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, request
from werkzeug.datastructures import MultiDict

from .. import curation
from ..curation import audit, sparql_update, uploads
from ..describe import graph_contents, serialize_quads
from ..namespaces import PREFIXES
from ..results import GRAPH_FORMATS
from ..store import InvalidGraphName, graph_name
from . import context, sparql
from .errors import BadRequest, error_response
from .negotiation import choose, parse_accept, score
from .write_access import REALM, WriteRefused, writer

log = logging.getLogger(__name__)

bp = Blueprint("writes", __name__)

_lock = threading.Lock()

# How often a request looks whether another process (scomm-kg add) committed to the data
# folder: one small file read, at most once a second per front process.
CATCH_UP_SECONDS = 1.0
_looked_at = [float("-inf")]


class WriteRejected(Exception):
    """The gate refused the change: the validation report says what and where."""

    def __init__(self, report):
        super().__init__("the change does not conform to the shapes")
        self.report = report


class DefaultGraphReadOnly(Exception):
    """A write to the Graph Store's default graph, the union of the named graphs."""


@bp.before_app_request
def catch_up_with_other_writers() -> None:
    """Serve what a curator committed from the command line (scomm-kg add) at once, not at
    the next restart: the front's store and the query workers read the files it changed.
    Only an embedded in-memory store served by one front process: a disk or remote store is
    written by the command itself, and several fronts would each swap on their own."""
    settings = context.settings()
    if settings.store != "memory" or settings.http_workers != 1:
        return
    if context.service().store.runs_queries_remotely:  # an app handed a server's store
        return
    now = time.monotonic()
    if now - _looked_at[0] < CATCH_UP_SECONDS:
        return
    _looked_at[0] = now
    with _lock:
        _current_store(settings)


# --- SPARQL Update ----------------------------------------------------------------------


def run_update(text: str, params: MultiDict) -> Response:
    """One update request (already read by sparql.py): 200 with what changed, or an error."""
    settings = context.settings()
    agent = writer(settings)
    using = _iris(params.getlist("using-graph-uri"), "using-graph-uri")
    using_named = _iris(params.getlist("using-named-graph-uri"), "using-named-graph-uri")
    with _lock:
        store = _current_store(settings)
        graphs = sparql_update.effect(
            store.dump("nquads"),
            text,
            using_graphs=using,
            using_named_graphs=using_named,
            base_iri=request.base_url,
            prefixes=PREFIXES,
            kept=sparql_update.kept_graphs(settings, store),
            read_only=frozenset({audit.audit_graph(settings.base_iri)}),
        )
        outcome = _commit(graphs, "sparql-update", agent, text.encode("utf-8"))
    return jsonify(_summary(outcome))


# --- Graph Store HTTP Protocol ----------------------------------------------------------


@bp.route("/graph-store", methods=["GET", "PUT", "POST", "DELETE"])
def graph_store():
    target = _target()
    if request.method in ("GET", "HEAD"):
        return _read(target)
    if target is None:
        raise DefaultGraphReadOnly()
    settings = context.settings()
    agent = writer(settings)
    if target == audit.audit_graph(settings.base_iri):
        raise BadRequest(f"<{target}> is written by the server alone", 403)
    raw = sparql.read_body() if request.method in ("PUT", "POST") else b""
    body = _body_quads(raw, target) if raw or request.method == "PUT" else []
    with _lock:
        current = graph_contents(_current_store(settings), target)
        if request.method == "DELETE" and not current:
            return _no_graph(target)
        if request.method == "DELETE":
            new: list[ox.Quad] = []
        elif request.method == "PUT":
            new = body
        else:
            new = list(dict.fromkeys([*current, *body]))
        if set(new) != set(current):
            _commit({target: new or None}, "graph-store", agent, raw)
    created = not current and bool(new)
    return Response(status=201 if created else 204, content_type=None)


def _target() -> str | None:
    """The graph the request names: its IRI, or None for the default graph."""
    graphs = request.args.getlist("graph")
    default = "default" in request.args
    if len(graphs) + default != 1:
        raise BadRequest("name one graph: ?graph=IRI, or ?default for the default graph")
    if default:
        return None
    return graph_name(graphs[0]).value


def _read(target: str | None) -> Response:
    store = context.service().store
    if target is None:
        quads = list(ox.parse(store.dump("nquads"), format=ox.RdfFormat.N_QUADS))
    else:
        quads = graph_contents(store, target)
        if not quads:
            return _no_graph(target)
    fmt = choose(request.headers.get("Accept"), GRAPH_FORMATS, "graph")
    if fmt.name in ("nquads", "trig"):
        # A graph's content is triples; a dataset format would name the graph in each line.
        fmt = next(f for f in GRAPH_FORMATS if f.name == "turtle")
    response = Response(serialize_quads(quads, fmt), mimetype=fmt.media_type)
    response.vary.add("Accept")
    return response


def _no_graph(target: str) -> Response:
    return error_response(404, f"the graph store holds no graph <{target}>", "no such graph")


def _body_quads(data: bytes, target: str) -> list[ox.Quad]:
    """The request body's triples, as quads of ``target``, read by the upload readers (their
    guards and caps); refused with their status (400, 413, 415) and a body naming another
    graph with 400."""
    settings = context.settings()
    try:
        quads = uploads.read_rdf(
            data,
            uploads.format_for_media_type(request.content_type or ""),
            base_iri=target,
            default_graph=target,
            max_bytes=settings.max_upload_bytes,
            max_triples=settings.max_upload_triples,
        )
    except uploads.UploadRefused as refused:
        raise BadRequest(refused.message, int(refused.kind)) from None
    others = sorted({q.graph_name.value for q in quads} - {target})
    if others:
        raise BadRequest(
            f"a Graph Store body is the content of <{target}>; it names another graph: "
            f"<{others[0]}>"
        )
    return quads


# --- The gate ---------------------------------------------------------------------------


def _current_store(settings):
    """The store, first brought up to writes another process (scomm-kg add) committed: a
    change is worked out from the data it will replace."""
    service = context.service()
    if curation.refresh(settings, service.store):
        service.data_changed(partial(curation.refresh, settings))
    return service.store


def _commit(graphs: dict[str, list[ox.Quad] | None], via: str, agent: str, data: bytes):
    """The change through the one gate, then the query workers given the new data; None
    when there is nothing to change (no write, no audit record)."""
    if not graphs:
        return None
    change = curation.Change(
        graphs=graphs,
        source_texts={},
        via=via,
        agent=agent,
        input_sha256=hashlib.sha256(data).hexdigest(),
    )
    service = context.service()
    try:
        outcome = curation.apply(context.settings(), service.store, change)
    except curation.Rejected as rejected:
        raise WriteRejected(rejected.report) from None
    if outcome.changed:
        service.data_changed(partial(curation.refresh, context.settings()))
        log.info("write by %s via %s: graphs %s", agent, via, ", ".join(sorted(graphs)))
    return outcome


def _summary(outcome) -> dict:
    if outcome is None or not outcome.changed:
        return {"changed": False, "added": {}, "removed": {}}
    version = getattr(outcome, "version", None)
    return {
        "changed": True,
        "added": dict(outcome.added),
        "removed": dict(outcome.removed),
        "version": getattr(version, "digest", version),
    }


def _iris(values: list[str], name: str) -> tuple[str, ...]:
    try:
        return tuple(graph_name(value).value for value in values)
    except InvalidGraphName:
        raise BadRequest(f"{name} must be absolute IRIs, not {values!r}") from None


# --- Errors -----------------------------------------------------------------------------


@bp.app_errorhandler(WriteRefused)
def refused(e: WriteRefused):
    response = error_response(e.status, str(e), "write refused")
    if e.status == 401:
        response.headers["WWW-Authenticate"] = f'Bearer realm="{REALM}"'
    return response


@bp.app_errorhandler(curation.WriteRefused)
def not_kept(e):
    return error_response(400, str(e), "write refused")


@bp.app_errorhandler(sparql_update.UpdateSyntaxError)
def malformed_update(e):
    return error_response(400, str(e), "malformed update")


@bp.app_errorhandler(sparql_update.UpdateRefused)
def update_refused(e):
    return error_response(400, str(e), "update refused")


@bp.app_errorhandler(DefaultGraphReadOnly)
def default_read_only(e):
    response = error_response(
        405,
        "the default graph is the union of the named graphs and holds nothing of its own: "
        "write to a named graph (?graph=IRI)",
        "default graph is read-only",
        allowed=["GET", "HEAD"],
    )
    response.headers["Allow"] = "GET, HEAD"
    return response


@bp.app_errorhandler(WriteRejected)
def rejected(e: WriteRejected):
    """422 with the validation report: Turtle to a client that prefers it, else JSON."""
    ranges = parse_accept(request.headers.get("Accept"))
    if score(ranges, "text/turtle") > score(ranges, "application/json"):
        return Response(e.report.turtle(), status=422, mimetype="text/turtle")
    return Response(e.report.json(), status=422, mimetype="application/json")
