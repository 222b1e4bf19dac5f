"""The web application: create_app(settings) builds the store once and registers blueprints."""

from __future__ import annotations

import json
import logging
import time

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from ..build import build_store
from ..service import QueryService
from ..settings import Settings
from ..store import GraphStore
from . import (
    assets,
    canned,
    compression,
    conditional,
    dumps,
    errors,
    home,
    hosts,
    openapi,
    resources,
    search,
    sources,
    sparql,
    timeline,
    writes,
)

log = logging.getLogger("scomm_kg.requests")


def create_app(
    settings: Settings | None = None,
    store: GraphStore | None = None,
    *,
    isolate_queries: bool = True,
) -> Flask:
    """The Flask app over ``store`` (default: the shipped graph, validated, in a new store).

    Raises build.InvalidData when the data does not conform: the app never serves bad data.
    ``isolate_queries`` runs each query in a forked worker with the time and memory limits;
    only tests that need no limits turn it off.
    """
    settings = settings or Settings.from_env()
    # No static folder: the vendored editor's files have a route of their own (assets.py), so
    # that every route is one /openapi.json describes.
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    # The Host the app sees is one it may write into answers (after ProxyFix, if any).
    app.wsgi_app = hosts.TrustedHosts(app.wsgi_app, settings)
    if settings.trust_proxy_headers:
        # Behind a reverse proxy, X-Forwarded-Proto/Host make the service description name
        # the public endpoint (https://…) rather than the internal one.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)
    app.json.sort_keys = False
    app.extensions["scomm"] = {
        "settings": settings,
        "service": QueryService(store or build_store(settings), settings, isolate=isolate_queries),
    }
    for module in (
        home,
        sparql,
        canned,
        search,
        sources,
        resources,
        dumps,
        timeline,
        writes,
        assets,
        openapi,
    ):
        app.register_blueprint(module.bp)
    errors.init_app(app)
    _init_request_log(app)
    _init_cors(app)
    # Registered last, run first on the way out: the body is tagged, then compressed.
    compression.init_app(app, app.extensions["scomm"]["service"].cache)
    conditional.init_app(app)
    return app


def _init_request_log(app: Flask) -> None:
    @app.before_request
    def start_clock():
        g.started = time.perf_counter()

    @app.after_request
    def log_request(response):
        entry = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
            "query": g.get("query_digest"),
            "rows": g.get("rows"),
            "bytes": response.calculate_content_length(),
        }
        log.info(json.dumps(entry))
        return response


def _init_cors(app: Flask) -> None:
    """Reads are public: any origin may read, no credentials are involved."""

    @app.after_request
    def allow_any_origin(response):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "Content-Disposition, ETag, Retry-After"
        # Answers depend on Accept (format, or page versus data): caches must key on it.
        response.vary.add("Accept")
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            # Reads carry no credentials: whatever headers the page asks to send are fine.
            asked = request.headers.get("Access-Control-Request-Headers")
            response.headers["Access-Control-Allow-Headers"] = asked or "Accept, Content-Type"
            response.headers["Access-Control-Max-Age"] = "86400"
        return response
