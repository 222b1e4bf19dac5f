"""/sparql: the SPARQL 1.1 Protocol for queries (GET, POST form, POST direct), and updates.

Parse the request → read the query's form → negotiate the format (406 before running) → run
in the query service → send the finished answer. GET without a query returns the service
description, or, to a browser, the SPARQL editor (editor.py). An update (POST, form update= or
application/sparql-update) goes to writes.py, which needs a write token.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from flask import Blueprint, Response, g, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import ClientDisconnected, HTTPException, RequestEntityTooLarge

from .. import dataset_description
from ..description import service_description
from ..namespaces import PREFIXES
from ..results import GRAPH_FORMATS, Format, serialize
from ..service import QueryRequest, formats_for, result_kind
from . import conditional, context, editor, writes
from .errors import BadRequest
from .negotiation import (
    FORMAT_PARAMETERS,
    NotAcceptable,
    choose,
    prefers_html,
    requested_format,
)

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
UPDATE_BY_GET = "a SPARQL Update must be sent with POST (form update=… or " + UPDATE + ")"
_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>"{}|^`\\]+$')
_TEXT_TYPES = ("text/", "application/sparql-results+", "application/n-", "application/trig")


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def endpoint():
    if request.method == "OPTIONS":
        return Response(status=204, content_type=None)
    query, params, update = _read_request()
    if update is not None:
        return writes.run_update(update, params)
    if query is None:
        if _wants_editor(params):
            return editor.page()
        return _describe(params)
    kind = result_kind(query)
    fmt = negotiate(params, formats_for(kind), "graph" if kind == "graph" else "tabular")
    query_request = QueryRequest(
        sparql=query,
        default_graphs=_graph_iris(params.getlist("default-graph-uri"), "default-graph-uri"),
        named_graphs=_graph_iris(params.getlist("named-graph-uri"), "named-graph-uri"),
        base_iri=request.base_url,
    )
    g.query_digest = query_request.digest
    service = context.service()
    etag = conditional.answer_tag(service.answer_key(query_request, fmt, PREFIXES))
    held = conditional.not_modified(etag)
    if held is not None:
        return held
    # An ASK is cheap work: the reserved lane answers it while long queries fill the general one.
    answer = service.answer(
        query_request, fmt, PREFIXES, cheap=kind == "ask", client=context.client()
    )
    g.rows = answer.size
    return conditional.tagged(send(answer.body, answer.media_type), etag)


def negotiate(params: MultiDict, offers: tuple[Format, ...], kind_group: str) -> Format:
    """The format that format=, output= or results= names among the offers, else Accept's."""
    g.offers = offers  # what a 406 lists, should the answer not fit the format after all
    fmt = forced_format(params, offers, kind_group)
    if fmt is not None:
        return fmt
    try:
        return choose(request.headers.get("Accept"), offers, kind_group)
    except NotAcceptable as error:
        set_aside = ", ".join(f"{name}={value}" for name, value in format_values(params))
        if not set_aside:
            raise
        message = f"{error} (nor do the format parameters name one: {set_aside})"
        raise NotAcceptable(message, offers) from None


def forced_format(params: MultiDict, offers: tuple[Format, ...], kind_group: str):
    """The offered format the format parameters name, or None (none given, or none fits)."""
    return requested_format(format_values(params), offers, kind_group)


def format_values(params: MultiDict) -> list[tuple[str, str]]:
    """Every non-empty (parameter, value) of format=, output= and results=, in that order."""
    return [(n, v) for n in FORMAT_PARAMETERS for v in params.getlist(n) if v.strip()]


def _read_request() -> tuple[str | None, MultiDict, str | None]:
    """(query text or None, parameters, update text or None) from GET, POST form, POST
    direct or POST update, or BadRequest."""
    url_params = strict_params(request.query_string)
    if request.method in ("GET", "HEAD"):
        if "update" in url_params:
            raise BadRequest(UPDATE_BY_GET)
        queries = url_params.getlist("query")
        return (_single(queries) if queries else None), url_params, None
    media_type = request.mimetype
    if not media_type:
        raise BadRequest(
            f"a POST needs a Content-Type: {FORM} (with query=…) or {DIRECT} (the query itself)"
        )
    if media_type == FORM:
        params = url_params.copy()
        for key, values in strict_params(read_body()).lists():
            params.setlist(key, params.getlist(key) + values)
        queries = params.getlist("query")
        if "update" in params:
            if queries:
                raise BadRequest("a request carries a query or an update, not both")
            return None, params, _single(params.getlist("update"), "update")
        if not queries:
            raise BadRequest("the form has no query parameter")
        return _single(queries), params, None
    if media_type == DIRECT:
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise BadRequest(f"a query must be sent as UTF-8, not {charset}", 415)
        if "query" in url_params:
            raise BadRequest("the query is in the body; the URL must not carry another")
        return _single([_utf8_body()]), url_params, None
    if media_type == UPDATE:
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise BadRequest(f"an update must be sent as UTF-8, not {charset}", 415)
        if "update" in url_params or "query" in url_params:
            raise BadRequest("the update is in the body; the URL must not carry a query or another")
        return None, url_params, _single([_utf8_body()], "update")
    raise BadRequest(
        f"unsupported Content-Type {media_type}: use {FORM} or {DIRECT} (or {UPDATE})", 415
    )


def _utf8_body() -> str:
    try:
        return read_body().decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"the body is not valid UTF-8: {error}") from error


def strict_params(raw: bytes) -> MultiDict:
    """URL-encoded parameters, refusing what is not UTF-8 (rather than mangling it silently)."""
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as error:
        raise BadRequest(f"parameters must be percent-encoded UTF-8: {error}") from error
    return MultiDict(pairs)


def _single(queries: list[str], what: str = "query") -> str:
    if len(queries) > 1:
        raise BadRequest(f"exactly one {what} is allowed per request, not {len(queries)}")
    if not queries[0].strip():
        raise BadRequest(f"the {what} is empty")
    return queries[0]


def _graph_iris(values: list[str], name: str) -> tuple[str, ...] | None:
    """The graphs named by one dataset parameter; the store checks the finer IRI syntax."""
    for value in values:
        if not _IRI.match(value):
            raise BadRequest(f"{name} must be an absolute IRI, not {value!r}")
    return tuple(values) if values else None


def _wants_editor(params: MultiDict) -> bool:
    """A browser (HTML preferred to every description format) that names no format gets the
    editor; SPARQL clients, and anyone naming a format, get the service description, as they
    did before there was an editor: a tie between HTML and RDF still goes to the RDF."""
    if forced_format(params, GRAPH_FORMATS, "graph") is not None:
        return False
    return prefers_html(request.headers.get("Accept"), GRAPH_FORMATS, "graph", strictly=True)


def _describe(params: MultiDict) -> Response:
    fmt = negotiate(params, GRAPH_FORMATS, "graph")
    service = context.service()
    base_iri = context.settings().base_iri
    description = service_description(
        request.base_url,
        service.store.graph_sizes(),
        service.store.default_graph_size(),
        "scomm-kg: Secure Communities provenance graph",
        service.prefixes,
        dataset_description=dataset_description.describe(service.store, base_iri),
        dataset_iri=dataset_description.dataset_iri(base_iri),
        takes_updates=context.settings().takes_writes,
    )
    return send(serialize(description, fmt, PREFIXES), fmt.media_type)


def send(body: bytes, media_type: str) -> Response:
    response = Response(body, status=200)
    text = media_type.startswith(_TEXT_TYPES)
    response.headers["Content-Type"] = media_type + ("; charset=utf-8" if text else "")
    return response


def read_body() -> bytes:
    """The request body, whole, within the size limit; never a truncated one.

    A client that stops sending it before the client timeout gets 408; a body over the limit
    gets 413, chunked ones included: werkzeug stops reading those at the limit and returns
    what it has, so the stream is asked for one byte more.
    """
    try:
        data = request.get_data(cache=False)
        limit = request.max_content_length
        if limit is not None and len(data) >= limit and request.input_stream.read(1):
            raise RequestEntityTooLarge()
        return data
    except ClientDisconnected as error:
        # The front puts a deadline on the socket (front.py); werkzeug reports a read that
        # missed it as a disconnect. A body that stalls is the client's doing: 408.
        if isinstance(error.__context__, TimeoutError):
            raise BadRequest(
                "the request body was not received in time; send it without pausing", 408
            ) from None
        raise
    except HTTPException:
        raise
    except Exception as error:
        # The server's input stream refuses a malformed body (bad chunked framing) with an
        # error of its own kind; it is the client's, not the app's, so not a 500.
        raise BadRequest(f"the request body could not be read: {error}") from error
