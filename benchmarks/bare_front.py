"""A bare pyoxigraph query behind scomm-kg's own HTTP front: the floor the server is measured on.

One Flask route, /sparql?query=…, that asks an in-memory pyoxigraph store loaded from an
N-Quads file (the union of its graphs as the default graph, like scomm-kg) and answers SPARQL
JSON: no parsing of its own, no guard, no worker process, no cache. It is served by
scomm_kg.web.server.run with default settings, so whatever front scomm-kg has (gunicorn's
workers, their kind and count), this has too. benchmarks/load.py starts it:

    python benchmarks/bare_front.py PORT DUMP.nq
"""

from __future__ import annotations

import sys

import pyoxigraph as ox
from flask import Flask, Response, request

from scomm_kg.settings import Settings
from scomm_kg.web.server import run


def create_app(dump: str) -> Flask:
    store = ox.Store()
    store.bulk_load(path=dump, format=ox.RdfFormat.N_QUADS)
    app = Flask(__name__)

    @app.route("/sparql")
    def sparql():
        results = store.query(request.args["query"], use_default_graph_as_union=True)
        body = results.serialize(format=ox.QueryResultsFormat.JSON)
        return Response(body, mimetype="application/sparql-results+json")

    return app


def main() -> None:
    port, dump = int(sys.argv[1]), sys.argv[2]
    run(create_app(dump), Settings(port=port, log_level="WARNING"))


if __name__ == "__main__":
    main()
