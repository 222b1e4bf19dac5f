"""/sparql: the SPARQL 1.1 Protocol for queries (GET, POST form, POST direct), read-only.

Parse the request → read the query's form → negotiate the format (406 before running) → run
in the query service → send the finished answer. GET without a query returns the service
description.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, g, request

from ..description import service_description
from ..namespaces import PREFIXES
from ..results import GRAPH_FORMATS, serialize
from ..service import QueryRequest, formats_for, result_kind
from . import context
from .errors import BadRequest
from .negotiation import choose, requested_format

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>"{}|^`\\]*$')
_TEXT_TYPES = ("text/", "application/sparql-results+", "application/n-", "application/trig")


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def endpoint():
    if request.method == "OPTIONS":
        return Response(status=204)
    query, params = _read_request()
    if query is None:
        return _describe()
    kind = result_kind(query)
    offers = formats_for(kind)
    if params.get("format"):
        fmt = requested_format(params["format"], offers)
    else:
        fmt = choose(
            request.headers.get("Accept"), offers, "graph" if kind == "graph" else "tabular"
        )
    query_request = QueryRequest(
        sparql=query,
        default_graphs=_graph_iris(params.getlist("default-graph-uri"), "default-graph-uri"),
        named_graphs=_graph_iris(params.getlist("named-graph-uri"), "named-graph-uri"),
        base_iri=request.base_url,
    )
    g.query_digest = query_request.digest
    answer = context.service().answer(query_request, fmt, PREFIXES)
    g.rows = answer.size
    return send(answer.body, answer.media_type)


def _read_request():
    """(query text or None, parameters) from GET, POST form or POST direct, or BadRequest."""
    if request.method == "GET":
        params = request.args
        if "update" in params:
            raise BadRequest("this endpoint is read-only: SPARQL Update is not accepted", 403)
        queries = params.getlist("query")
        if not queries:
            return None, params
        return _single(queries), params
    media_type = request.mimetype
    if not media_type:
        raise BadRequest(
            f"a POST needs a Content-Type: {FORM} (with query=…) or {DIRECT} (the query itself)"
        )
    if media_type == FORM:
        merged = request.args.copy()
        for key, values in request.form.lists():
            merged.setlist(key, merged.getlist(key) + values)
        if "update" in merged:
            raise BadRequest("this endpoint is read-only: SPARQL Update is not accepted", 403)
        queries = merged.getlist("query")
        if not queries:
            raise BadRequest("the form has no query parameter")
        return _single(queries), merged
    if media_type == DIRECT:
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise BadRequest(f"a query must be sent as UTF-8, not {charset}", 415)
        if "query" in request.args:
            raise BadRequest("the query is in the body; the URL must not carry another")
        try:
            text = request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError as error:
            raise BadRequest(f"the body is not valid UTF-8: {error}") from error
        return text, request.args
    if media_type == UPDATE:
        raise BadRequest("this endpoint is read-only: SPARQL Update is not accepted", 403)
    raise BadRequest(f"unsupported Content-Type {media_type}: use {FORM} or {DIRECT}", 415)


def _single(queries: list[str]) -> str:
    if len(queries) > 1:
        raise BadRequest(f"exactly one query is allowed per request, not {len(queries)}")
    if not queries[0].strip():
        raise BadRequest("the query is empty")
    return queries[0]


def _graph_iris(values: list[str], name: str) -> tuple[str, ...] | None:
    for value in values:
        if not _IRI.match(value):
            raise BadRequest(f"{name} must be an absolute IRI, not {value!r}")
    return tuple(values) if values else None


def _describe() -> Response:
    offers = GRAPH_FORMATS
    params = request.args
    if params.get("format"):
        fmt = requested_format(params["format"], offers)
    else:
        fmt = choose(request.headers.get("Accept"), offers, "graph")
    store = context.service().store
    description = service_description(
        request.base_url, store.graph_sizes(), "scomm-kg: Secure Communities provenance graph"
    )
    return send(serialize(description, fmt, PREFIXES), fmt.media_type)


def send(body: bytes, media_type: str) -> Response:
    response = Response(body, status=200)
    text = media_type.startswith(_TEXT_TYPES)
    response.headers["Content-Type"] = media_type + ("; charset=utf-8" if text else "")
    response.headers["Vary"] = "Accept"
    return response
