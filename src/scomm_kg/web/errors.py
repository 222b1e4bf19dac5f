"""Every failure becomes a short JSON answer with the right status; traces stay in the log."""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from ..executor import QueryTimeout, WorkerCrashed
from ..queries import BadParameter, QueryNotFound
from ..store import EngineError, ForbiddenQuery, QuerySyntaxError, ResultTooLarge
from .negotiation import NotAcceptable, UnknownFormat

log = logging.getLogger(__name__)
_POSITION = re.compile(r"error at (\d+):(\d+)")


class BadRequest(Exception):
    """The request itself is malformed (not the query): wrong parameters, media type, method."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def error_response(status: int, error: str, message: str, **extra) -> Response:
    response = jsonify({"error": error, "message": message, **extra})
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(BadRequest)
    def bad_request(e: BadRequest):
        return error_response(e.status, "bad request", str(e))

    @app.errorhandler(QuerySyntaxError)
    def malformed(e: QuerySyntaxError):
        match = _POSITION.search(str(e))
        extra = {"line": int(match[1]), "column": int(match[2])} if match else {}
        return error_response(400, "malformed query", str(e), **extra)

    @app.errorhandler(ForbiddenQuery)
    def forbidden(e: ForbiddenQuery):
        return error_response(400, "query refused", str(e))

    @app.errorhandler(ResultTooLarge)
    def too_large(e: ResultTooLarge):
        return error_response(400, "result too large", str(e), limit=e.limit)

    @app.errorhandler(BadParameter)
    def bad_parameter(e: BadParameter):
        return error_response(400, "bad parameter", str(e))

    @app.errorhandler(QueryNotFound)
    def no_such_query(e: QueryNotFound):
        return error_response(404, "no such query", str(e.args[0]))

    @app.errorhandler(UnknownFormat)
    def unknown_format(e: UnknownFormat):
        return error_response(400, "unknown format", str(e))

    @app.errorhandler(NotAcceptable)
    def not_acceptable(e: NotAcceptable):
        # The client accepts none of our formats, JSON included: answer in plain text.
        return Response(f"406 Not Acceptable: {e}\n", status=406, mimetype="text/plain")

    @app.errorhandler(QueryTimeout)
    def timeout(e: QueryTimeout):
        response = error_response(
            503,
            "query timeout",
            f"{e}; simplify it, add a LIMIT, or run it on a copy of the data (see /dumps)",
            limit_seconds=e.seconds,
        )
        response.headers["Retry-After"] = "10"
        return response

    @app.errorhandler(WorkerCrashed)
    def crashed(e: WorkerCrashed):
        log.error("query worker crashed: %s", e)
        return error_response(503, "query stopped", str(e))

    @app.errorhandler(EngineError)
    def engine_fault(e: EngineError):
        log.exception("the engine failed on a query")
        return error_response(500, "engine error", "the query engine failed; see the server log")

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        response = error_response(e.code or 500, e.name.lower(), e.description or e.name)
        for name, value in e.get_headers():
            if name.lower() == "allow":
                response.headers["Allow"] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        log.exception("unhandled error")
        return error_response(500, "internal error", "an internal error occurred; see the log")
