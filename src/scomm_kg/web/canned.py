"""/queries: the canned provenance queries, listed and run over HTTP (HTML, JSON, CSV)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from urllib.parse import urlencode

from flask import Blueprint, g, jsonify, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from .. import queries
from ..namespaces import short_iri
from ..results import TABULAR_FORMATS, format_by_name
from ..service import QueryRequest
from . import conditional, context, display
from . import resources as resource_pages
from .errors import BadRequest
from .negotiation import FORMAT_PARAMETERS, NotAcceptable, prefers_html
from .sparql import forced_format, negotiate, send, strict_params

bp = Blueprint("canned", __name__)


@bp.route("/queries")
def catalogue():
    entries = [_describe(q) for q in queries.catalogue().values()]
    if not prefers_html(request.headers.get("Accept"), TABULAR_FORMATS, "tabular"):
        return jsonify({"queries": entries})
    return render_template("queries.html", queries=entries)


@bp.route("/queries.json")
def catalogue_json():
    return jsonify({"queries": [_describe(q) for q in queries.catalogue().values()]})


@bp.route("/queries/<name>")
@bp.route("/queries/<name>.<suffix>")
def run(name: str, suffix: str | None = None):
    query = queries.get(name)
    params = strict_params(request.query_string)
    values = _values(params)
    fmt = _format(suffix, params)
    if fmt is None:
        return _page(query, values)
    query_request, check = _request(query, values)
    service = context.service()
    etag = conditional.answer_tag(service.answer_key(query_request, fmt))
    held = conditional.not_modified(etag)
    if held is not None:
        return held
    answer = service.answer(query_request, fmt, check=check, cheap=True, client=context.client())
    g.rows = answer.size
    response = conditional.tagged(send(answer.body, answer.media_type), etag)
    if fmt.name in ("csv", "tsv"):
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt.name}"'
    return response


def _values(params: MultiDict) -> dict[str, str]:
    """The query's parameters from the query string, each given once (format ones aside)."""
    repeated = sorted(k for k, v in params.lists() if len(v) > 1 and k not in FORMAT_PARAMETERS)
    if repeated:
        raise BadRequest(f"give each parameter once: {', '.join(repeated)} came more than once")
    return {k: v for k, v in params.items() if k not in FORMAT_PARAMETERS}


def _request(
    query: queries.CannedQuery, values: dict[str, str]
) -> tuple[QueryRequest, Callable[[], None]]:
    """The query with its parameters bound, and the check that each IRI names something in
    the graph, which the service runs only when it must run the query (not on a cache hit)."""
    base_iri = context.settings().base_iri
    bindings = queries.bind(query, values, base_iri)
    store = context.service().store
    text, sent = queries.for_store(store, query, bindings)
    query_request = QueryRequest(text, bindings=sent)
    g.query_digest = query_request.digest
    return query_request, partial(queries.require_known, store, query, values, bindings, base_iri)


def _format(suffix: str | None, params: MultiDict):
    """The result format asked for, or None for the HTML page."""
    if suffix is not None:
        fmt = format_by_name(suffix)
        if fmt is None or fmt not in TABULAR_FORMATS:
            message = f"no .{suffix} form of a query: use .json, .csv, .tsv or .xml"
            raise NotAcceptable(message, TABULAR_FORMATS)
        g.offers = TABULAR_FORMATS
        return fmt
    forced = forced_format(params, TABULAR_FORMATS, "tabular")
    if forced is None and prefers_html(request.headers.get("Accept"), TABULAR_FORMATS, "tabular"):
        return None
    return negotiate(params, TABULAR_FORMATS, "tabular")


def _page(query: queries.CannedQuery, values: dict[str, str]):
    """The query's page: its form, its SPARQL and, once the parameters suffice, its rows."""
    missing = [p.name for p in query.params if p.required and not values.get(p.name)]
    result, error, suggestions, search = None, None, [], None
    if not missing:
        try:
            query_request, check = _request(query, values)
            result = context.service().result(
                query_request, check=check, cheap=True, client=context.client()
            )
            g.rows = len(result.rows)
        except queries.UnknownResource as exc:
            # The suggestions become links that ask the question again; without any, the
            # search page is where to look for the right name.
            suggestions = _suggestions(query, values, exc)
            error = exc.problem if suggestions else str(exc)
            search = None if suggestions else url_for("search.page")
        except queries.BadParameter as exc:
            error = str(exc)
    return render_template(
        "query.html",
        query=_describe(query),
        text=query.text,
        values=values,
        missing=missing,
        error=error,
        suggestions=suggestions,
        search=search,
        result=result,
        **_readable(result),
        downloads={f.name: _download_url(query.name, f.name, values) for f in TABULAR_FORMATS},
    )


def _readable(result) -> dict:
    """What the page shows of the answer: its columns, labels linked, and each row's cells;
    statements set earlier beside later as pairs of cards where the answer pairs them."""
    if result is None:
        return {"columns": [], "cells": [], "pairs": []}
    base_iri = context.settings().base_iri
    labels = resource_pages.all_labels()
    if display.pairs_statements(result.variables):
        pairs = [
            {
                "topic": display.cell(
                    row, display.Column("propositionLabel", "proposition"), base_iri, labels
                ),
                "certain": row.get("orderCertain") is not None
                and row["orderCertain"].value == "true",
                "sides": display.sides(row, result.variables, base_iri, labels),
            }
            for row in result.rows
        ]
        return {"columns": [], "cells": [], "pairs": pairs}
    columns = display.columns(result.variables)
    cells = [[display.cell(row, c, base_iri, labels) for c in columns] for row in result.rows]
    return {"columns": columns, "cells": cells, "pairs": []}


def _suggestions(query, values: dict[str, str], unknown: queries.UnknownResource) -> list[dict]:
    """Each suggestion with the URL of this question asked again with it."""
    url = url_for("canned.run", name=query.name)
    found = []
    for iri, label in unknown.suggestions:
        short = short_iri(iri, context.settings().base_iri)
        again = urlencode({**values, unknown.parameter: short})
        found.append({"label": label, "short": short, "url": f"{url}?{again}"})
    return found


def _download_url(name: str, suffix: str, values: dict[str, str]) -> str:
    # Parameter names are the user's: they go into the query string, never into url_for's
    # keyword arguments, where "name" or "_external" would mean something else.
    url = url_for("canned.run", name=name, suffix=suffix)
    return f"{url}?{urlencode(values)}" if values else url


def _describe(query: queries.CannedQuery) -> dict:
    return {
        "name": query.name,
        "title": query.title,
        "summary": query.summary,
        "parameters": [
            {"name": p.name, "kind": p.kind, "required": p.required, "help": p.help}
            for p in query.params
        ],
        "url": url_for("canned.run", name=query.name, _external=True),
        "json": url_for("canned.run", name=query.name, suffix="json", _external=True),
        "csv": url_for("canned.run", name=query.name, suffix="csv", _external=True),
    }
