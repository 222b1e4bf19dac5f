"""/timeline: the statements and opt-out attempts in time, as a page, an SVG and TimelineJS JSON.

The items come from queries/timeline/items.rq through the query service (its pool, limits and
result cache); timeline.py draws and converts them. The page links to the local pages; the SVG
and the JSON, which leave this server (in an article, in TimelineJS), link with full URLs.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request
from markupsafe import Markup

from .. import queries, resources, timeline
from ..service import QueryRequest
from . import context
from .resources import local_href

bp = Blueprint("timeline", __name__)
bp.add_app_template_filter(local_href, "local_href")

TITLE = "Secure Communities: who said what, and who tried to opt out, when"
_SUFFIXES = ("svg", "json")


@bp.route("/timeline")
def page():
    found = _items()
    picture = Markup(timeline.svg(found, local_href, TITLE))
    return render_template("timeline.html", title=TITLE, items=found, picture=picture)


@bp.route("/timeline.<suffix>")
def alternate(suffix: str):
    if suffix not in _SUFFIXES:
        abort(
            404,
            description=f"no timeline as .{suffix}; it comes as /timeline.svg and "
            "/timeline.json (TimelineJS), or the page /timeline",
        )
    found = _items()
    if suffix == "svg":
        response = Response(timeline.svg(found, _absolute, TITLE), mimetype="image/svg+xml")
        response.headers["Content-Type"] = "image/svg+xml; charset=utf-8"
        return response
    return jsonify(timeline.timelinejs(found, _absolute, TITLE))


def _items() -> list[timeline.Item]:
    query = queries.get("items", resources.queries_dir() / "timeline")
    result = context.service().result(QueryRequest(query.text), cheap=True, client=context.client())
    return timeline.items(result.rows)


def _absolute(iri: str) -> str:
    """A link that works outside this server: its page here, in full, or the IRI itself."""
    href = local_href(iri)
    return request.host_url.rstrip("/") + href if href.startswith("/") else href
