"""The HTTP front: gunicorn's threaded worker, with a clock on every client and errors in JSON.

gunicorn's `gthread` worker keeps idle and keep-alive connections in a poller, so they hold
no thread, and hands a connection to a thread once it has data. A client that then sends half
a request, or a body a byte at a time, or takes its answer as slowly, would hold that thread
for as long as it likes: here every read and write on the socket has a deadline
(``client_timeout``), and a client that misses it while sending its request is answered 408.

gunicorn answers requests it cannot parse (a bad request line, a line or headers over its
limits, broken chunked encoding) itself, with an HTML page. Here they get the app's JSON error
body instead, with the same status codes, since the clients of a SPARQL endpoint are programs.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

from gunicorn.http import errors as http_errors
from gunicorn.workers.gthread import ThreadWorker

log = logging.getLogger(__name__)

# The front's own refusals that are the client's doing, by the status they get; any other
# client error the parser raises is a plain 400.
_STATUS_OF = (
    (http_errors.LimitRequestLine, HTTPStatus.REQUEST_URI_TOO_LONG),
    (http_errors.LimitRequestHeaders, HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE),
    (http_errors.UnsupportedTransferCoding, HTTPStatus.NOT_IMPLEMENTED),
    (http_errors.ExpectationFailed, HTTPStatus.EXPECTATION_FAILED),
    (http_errors.ForbiddenProxyRequest, HTTPStatus.FORBIDDEN),
)
# Everything gunicorn's parser raises is the client's doing, except these: a response header
# the app wrote badly and a server misconfiguration are the server's (500, logged by gunicorn).
_SERVER_FAULTS = (
    http_errors.InvalidResponseHeader,
    http_errors.InvalidResponseHeaderName,
    http_errors.ConfigurationProblem,
)


class ClientTooSlow(Exception):
    """The client did not send its request within the client timeout."""

    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds

    def __str__(self) -> str:
        """The limit, in words."""
        return (
            f"the request was not received in time: the server waits at most {self.seconds:g} s "
            "for each part of a request"
        )


class _ClockedParser:
    """gunicorn's request parser, with a socket timeout turned into ClientTooSlow."""

    def __init__(self, parser, seconds: float):
        self._parser = parser
        self._seconds = seconds

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self._parser)
        except TimeoutError:
            raise ClientTooSlow(self._seconds) from None

    def __getattr__(self, name):
        return getattr(self._parser, name)


class FrontWorker(ThreadWorker):
    """gthread, with a deadline on each client's reads and writes and JSON for its errors.

    ``client_timeout`` comes from the settings, by the subclass front_worker() makes.
    """

    client_timeout: float = 10.0

    def handle(self, conn):
        if not getattr(conn, "_clocked", False):
            conn._clocked = True
            conn.init = _clocked_init(conn, conn.init, self.client_timeout)
        return super().handle(conn)

    def handle_error(self, req, client, addr, exc):
        status = _status_of(exc)
        if status is None:  # not the client's doing: gunicorn logs it and answers 500
            return super().handle_error(req, client, addr, exc)
        ip = addr[0] if addr else ""
        log.info("refused a request from %s: %s %s", ip, int(status), exc)
        try:
            client.sendall(_error_bytes(status, str(exc) or status.description))
        except OSError:
            log.debug("the client left before its %d answer was sent", int(status))


def front_worker(client_timeout: float) -> type[FrontWorker]:
    """The worker class gunicorn is given, with this server's client timeout."""
    return type("FrontWorker", (FrontWorker,), {"client_timeout": client_timeout})


def _clocked_init(conn, init, seconds: float):
    """conn.init, then a deadline on the socket: gunicorn sets it blocking just before."""

    def clocked():
        already = conn.initialized
        init()
        conn.sock.settimeout(seconds)
        if not already:
            conn.parser = _ClockedParser(conn.parser, seconds)

    return clocked


def _status_of(exc: BaseException) -> HTTPStatus | None:
    """The status of a refusal that is the client's doing, or None."""
    if isinstance(exc, ClientTooSlow):
        return HTTPStatus.REQUEST_TIMEOUT
    if not isinstance(exc, http_errors.ParseException) or isinstance(exc, _SERVER_FAULTS):
        return None
    for cls, status in _STATUS_OF:
        if isinstance(exc, cls):
            return status
    return HTTPStatus.BAD_REQUEST


def _error_bytes(status: HTTPStatus, message: str) -> bytes:
    """A whole HTTP/1.1 response with the app's JSON error body, closing the connection."""
    body = json.dumps({"error": status.phrase.lower(), "message": message}).encode() + b"\n"
    head = (
        f"HTTP/1.1 {int(status)} {status.phrase}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + body
