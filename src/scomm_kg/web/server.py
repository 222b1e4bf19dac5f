"""`scomm-kg serve`: the app under gunicorn, a production WSGI server.

The app, and with it the store and the query pool (serving/pool.py), is built once in the
master process before gunicorn listens and forks its workers: the query workers are forked from
a process that holds the store and runs no thread, and hold no listening socket. gunicorn's
workers send their queries to the pool. When gunicorn stops, so does the pool: on SIGTERM the
pool stops taking queries and stops the running ones before the graceful timeout ends, so that
the server's workers can answer them and exit in time; on SIGINT and SIGQUIT at once; and
when the master is killed outright, the kernel kills the pool and gunicorn's workers with it.
"""

from __future__ import annotations

import logging
import socket
from functools import partial

from gunicorn.app.base import BaseApplication

from .. import curation
from ..service import QueryService
from ..serving.pool import die_with_parent
from ..settings import Settings
from ..store import GraphStore
from . import create_app
from .front import front_worker

log = logging.getLogger(__name__)


class PortUnavailable(Exception):
    """The server could not listen on its address and port (in use, not permitted, no such host)."""


class _Gunicorn(BaseApplication):
    def __init__(self, app, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings:  # settings newer than the installed gunicorn are skipped
                self.cfg.set(key, value)

    def load(self):
        return self.application


def check_port(host: str, port: int) -> None:
    """PortUnavailable unless a server could listen on ``host:port`` now.

    Validation takes seconds: a taken port is better told before, not after. The socket is
    bound as gunicorn binds it (SO_REUSEADDR), then closed again.
    """
    where = f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
    except OSError as error:  # socket.gaierror included
        reason = error.strerror or str(error)
        raise PortUnavailable(f"cannot listen on {where}: {reason}") from error


def serve(settings: Settings, store: GraphStore | None = None) -> None:
    """Serve ``store`` (default: the graph, validated and loaded now) until interrupted."""
    logging.basicConfig(level=settings.log_level.upper(), format="%(message)s")
    run(create_app(settings, store=store), settings)


GRACEFUL_TIMEOUT = 10


def run(app, settings: Settings) -> None:
    """Serve ``app`` under gunicorn with the settings' address, workers and limits."""
    # An app with no query service (benchmarks/bare_front.py) has no pool to start or stop.
    service = app.extensions.get("scomm", {}).get("service") or _NoPool()
    options = {
        "bind": f"{settings.host}:{settings.port}",
        # Few processes with many threads: a request waiting for its query, or a client
        # taking its time, holds a thread, never a query worker (see front.py).
        "workers": settings.http_workers,
        "threads": settings.http_threads,
        "worker_class": front_worker(settings.client_timeout),
        "keepalive": 5,
        # The worker's heartbeat comes from its main loop, which no request blocks; a worker
        # that misses it for this long is stuck, and gunicorn replaces it.
        "timeout": int(max(settings.query_timeout, settings.client_timeout)) + 30,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        # Long SPARQL queries travel in the URL of a GET; allow gunicorn's maximum line.
        "limit_request_line": 8190,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
        "proc_name": "scomm-kg",
        # gunicorn 27's control socket lives at one path in the home directory: two servers
        # would contend for it, and nothing here uses it.
        "control_socket_disable": True,
        # Said once gunicorn listens, never before: a server that cannot bind has served nothing.
        "when_ready": lambda arbiter: _ready(arbiter, settings, service),
        "on_exit": lambda arbiter: service.close(),
        # A master killed outright (SIGKILL) takes its workers along, and with them the port.
        "post_fork": lambda arbiter, worker: _post_fork(arbiter, settings, service),
    }
    try:
        _Gunicorn(app, options).run()
    finally:
        service.close()


def _post_fork(arbiter, settings: Settings, service) -> None:
    """In a new front process: die with the master; and, where HTTP writes are taken, catch up
    with the writes an earlier front process took (the master still holds the data as it was
    loaded), handing the query workers that data too if they lack it."""
    die_with_parent(arbiter.pid)
    writes = settings.takes_writes and isinstance(service, QueryService)
    if writes and curation.refresh(settings, service.store):
        log.warning("this front process read the writes taken since the server started")
        service.data_changed(partial(curation.refresh, settings))


class _NoPool:
    def drain(self, grace_seconds: float) -> None:
        pass

    def close(self) -> None:
        pass


def _ready(arbiter, settings: Settings, service) -> None:
    """Say that the server listens, and stop the query pool with gunicorn's own stop signals."""
    if arbiter is not None:
        _before(arbiter, "handle_term", lambda: service.drain(GRACEFUL_TIMEOUT - 2))
        for name in ("handle_int", "handle_quit"):
            _before(arbiter, name, service.close)
    log.info(
        "serving the graph at http://%s:%s/ (SPARQL endpoint /sparql)",
        settings.host,
        settings.port,
    )


def _before(arbiter, handler: str, first) -> None:
    """Make the arbiter run ``first`` when it handles a signal, then its own handler."""
    own = getattr(arbiter, handler)

    def handle():
        first()
        own()

    setattr(arbiter, handler, handle)
