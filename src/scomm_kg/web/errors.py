"""Every failure becomes a short answer with the right status; traces stay in the log.

Machines get JSON ({"error", "message", …}), even when they asked for none of our formats (406,
which adds "formats": the media types on offer); a browser that asks for HTML gets a page.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, Response, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from ..queries import BadParameter, QueryNotFound, UnknownResource
from ..service import Unrepresentable, UpdateRefused
from ..serving.budget import OverBudget
from ..serving.pool import AnswerTooLarge, PoolBusy, QueryTimeout, WorkerCrashed
from ..store import (
    EngineError,
    ForbiddenQuery,
    InvalidGraphName,
    QuerySyntaxError,
    QueryTooComplex,
    ResultTooLarge,
)
from .negotiation import ConflictingFormats, NotAcceptable, prefers_html

log = logging.getLogger(__name__)


class BadRequest(Exception):
    """The request itself is malformed (not the query): wrong parameters, media type, method."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def error_response(status: int, message: str, error: str | None = None, **extra) -> Response:
    """The error as JSON, or as a page for a browser; ``error`` defaults to the status phrase.

    ``extra`` fields join the JSON body; the page shows a ``snippet`` of the query under the
    message.
    """
    error = error or HTTPStatus(status).phrase.lower()
    if prefers_html(request.headers.get("Accept"), (), "tabular"):
        page = render_template(
            "error.html", status=status, error=error, message=message, extra=extra
        )
        return Response(page, status=status, mimetype="text/html")
    response = jsonify({"error": error, "message": message, **extra})
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(BadRequest)
    def bad_request(e: BadRequest):
        return error_response(e.status, str(e))

    @app.errorhandler(QuerySyntaxError)
    def malformed(e: QuerySyntaxError):
        extra = {}
        if e.line is not None:
            extra = {"line": e.line, "column": e.column, "snippet": e.snippet}
        return error_response(400, e.message, "malformed query", **extra)

    @app.errorhandler(ForbiddenQuery)
    def forbidden(e: ForbiddenQuery):
        return error_response(400, str(e), "query refused")

    @app.errorhandler(QueryTooComplex)
    def too_complex(e: QueryTooComplex):
        return error_response(400, str(e), "query too complex")

    @app.errorhandler(UpdateRefused)
    def update_refused(e: UpdateRefused):
        # An update where a query belongs is a malformed request (updates sent as updates,
        # with update= or application/sparql-update, are refused with 403).
        return error_response(400, str(e), "not a query")

    @app.errorhandler(InvalidGraphName)
    def invalid_graph(e: InvalidGraphName):
        message = f"default-graph-uri or named-graph-uri: {e}"
        return error_response(400, message, "invalid graph name")

    @app.errorhandler(ResultTooLarge)
    def too_large(e: ResultTooLarge):
        return error_response(400, str(e), "result too large", limit=e.limit)

    @app.errorhandler(BadParameter)
    def bad_parameter(e: BadParameter):
        return error_response(400, str(e), "bad parameter")

    @app.errorhandler(UnknownResource)
    def unknown_resource(e: UnknownResource):
        suggestions = [{"iri": iri, "label": label} for iri, label in e.suggestions]
        return error_response(
            400,
            str(e),
            "unknown resource",
            parameter=e.parameter,
            iri=e.iri,
            suggestions=suggestions,
        )

    @app.errorhandler(QueryNotFound)
    def no_such_query(e: QueryNotFound):
        return error_response(404, str(e.args[0]), "no such query")

    @app.errorhandler(ConflictingFormats)
    def conflicting_formats(e: ConflictingFormats):
        return error_response(400, f"{e}; ask for one", "conflicting formats")

    # A 406 is JSON (or the page) like every error, though the client may not have asked for
    # JSON: an answer it can read, listing what it could ask for, beats a second refusal.
    @app.errorhandler(NotAcceptable)
    def not_acceptable(e: NotAcceptable):
        return error_response(406, str(e), formats=[f.media_type for f in e.offers])

    @app.errorhandler(Unrepresentable)
    def unrepresentable(e: Unrepresentable):
        offers = g.get("offers", ())
        return error_response(406, str(e), formats=[f.media_type for f in offers])

    @app.errorhandler(QueryTimeout)
    def timeout(e: QueryTimeout):
        message = f"{e}; simplify it or add a LIMIT"
        response = error_response(503, message, "query timeout", limit_seconds=e.seconds)
        response.headers["Retry-After"] = "10"
        return response

    @app.errorhandler(PoolBusy)
    def busy(e: PoolBusy):
        response = error_response(503, str(e), "server busy", retry_after=e.retry_after)
        response.headers["Retry-After"] = str(e.retry_after)
        return response

    @app.errorhandler(OverBudget)
    def over_budget(e: OverBudget):
        response = error_response(
            429,
            str(e),
            "query time budget used",
            retry_after=e.retry_after,
            seconds_per_minute=e.seconds_per_minute,
        )
        response.headers["Retry-After"] = str(e.retry_after)
        return response

    @app.errorhandler(AnswerTooLarge)
    def answer_too_large(e: AnswerTooLarge):
        return error_response(400, str(e), "answer too large", limit_bytes=e.limit)

    @app.errorhandler(WorkerCrashed)
    def crashed(e: WorkerCrashed):
        log.error("query worker crashed: %s", e)
        return error_response(503, str(e), "query stopped")

    @app.errorhandler(EngineError)
    def engine_fault(e: EngineError):
        log.exception("the engine failed on a query")
        return error_response(500, "the query engine failed; see the server log", "engine error")

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        status, message, extra = e.code or 500, e.description or e.name, {}
        if isinstance(e, MethodNotAllowed):
            allowed = sorted(e.valid_methods or ())
            message = f"{request.method} is not allowed here; use {', '.join(allowed)}"
            extra["allowed"] = allowed
        elif isinstance(e, RequestEntityTooLarge):
            limit = app.config["MAX_CONTENT_LENGTH"]
            message = f"the request body is larger than the {limit} bytes accepted"
            extra["limit"] = limit
        response = error_response(status, message, e.name.lower(), **extra)
        for name, value in e.get_headers():
            if name.lower() == "allow":
                response.headers["Allow"] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        log.exception("unhandled error")
        return error_response(500, "an internal error occurred; see the log", "internal error")
