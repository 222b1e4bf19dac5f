"""/search: the search box's answers, a page of links, and the same rows as .csv, .tsv, .json."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, g, render_template, request, url_for

from .. import search
from ..results import TABULAR_FORMATS, format_by_name, serialize
from . import context, display
from . import resources as resource_pages
from .errors import BadRequest, error_response
from .negotiation import NotAcceptable, prefers_html
from .sparql import send, strict_params

bp = Blueprint("search", __name__)

# The downloads of a search: the formats a spreadsheet or a script reads.
DOWNLOADS = tuple(f for f in TABULAR_FORMATS if f.name in ("csv", "tsv", "json"))


@bp.app_context_processor
def search_box() -> dict:
    """What the search box on every page needs: the longest text it takes."""
    return {"search_max": search.MAX_TEXT}


@bp.route("/search")
def page():
    params = strict_params(request.query_string)
    raw = _text(params)
    if raw is None:
        return render_template("search.html", found=None, problem=None, downloads={})
    try:
        found = search.search(context.service().store, raw, context.settings().base_iri)
    except search.BadSearch as problem:
        if not prefers_html(request.headers.get("Accept"), DOWNLOADS, "tabular"):
            return error_response(400, str(problem))
        body = render_template(
            "search.html", found=None, problem=str(problem), searched=raw, downloads={}
        )
        return Response(body, status=400, mimetype="text/html")
    g.rows = len(found.result.rows)
    base_iri = context.settings().base_iri
    labels = resource_pages.all_labels()
    links = [
        {
            "link": display.link(row["resource"].value, row["label"].value, base_iri, labels),
            "row": row,
        }
        for row in found.result.rows
    ]
    return render_template(
        "search.html",
        found=found,
        links=links,
        problem=None,
        searched=found.text,
        downloads={f.name: _download_url(f.name, found.text) for f in DOWNLOADS},
    )


@bp.route("/search.<suffix>")
def download(suffix: str):
    fmt = format_by_name(suffix)
    if fmt is None or fmt not in DOWNLOADS:
        g.offers = DOWNLOADS
        names = ", ".join("." + f.name for f in DOWNLOADS)
        raise NotAcceptable(f"no .{suffix} form of a search: use {names}", DOWNLOADS)
    raw = _text(strict_params(request.query_string))
    try:
        found = search.search(context.service().store, raw, context.settings().base_iri)
    except search.BadSearch as problem:
        return error_response(400, str(problem))
    g.rows = len(found.result.rows)
    response = send(serialize(found.result, fmt), fmt.media_type)
    if fmt.name in ("csv", "tsv"):
        response.headers["Content-Disposition"] = f'attachment; filename="search.{fmt.name}"'
    return response


def _text(params) -> str | None:
    """The text= parameter, given once at most; other parameters are refused by name."""
    unknown = sorted(set(params) - {"text"})
    if unknown:
        raise BadRequest(f"a search takes only text=, not {', '.join(unknown)}")
    given = params.getlist("text")
    if len(given) > 1:
        raise BadRequest("give the search text once")
    return given[0] if given else None


def _download_url(suffix: str, text: str) -> str:
    return url_for("search.download", suffix=suffix) + "?" + urlencode({"text": text})
