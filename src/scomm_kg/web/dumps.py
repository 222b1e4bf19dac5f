"""/dumps: the whole dataset as files to download, and /.well-known/void: its description.

Each dump is written once per process and data version, on first request (export.py writes
them canonically, so the bytes, hence the ETag, are the same on every run for the same data),
and served with Content-Disposition so that a browser saves it under its name. The dataset's
VoID and DCAT description is at /.well-known/void, as RDF by content negotiation, or as the
dumps page for a browser.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for

from .. import dataset_description, export
from ..cache import PerVersion
from ..namespaces import PREFIXES, short_iri
from ..results import GRAPH_FORMATS, GraphResult, serialize
from . import context
from .negotiation import prefers_html
from .resources import local_href
from .sparql import negotiate, send, strict_params

bp = Blueprint("dumps", __name__)

_built = PerVersion(versions=1)


@bp.route("/dumps/")
def index():
    entries = [_entry(dump) for dump in dataset_description.DUMPS]
    if not prefers_html(request.headers.get("Accept"), (), "tabular"):
        return jsonify({"dumps": entries, "description": url_for(".void", _external=False)})
    return render_template("dumps.html", dumps=entries, graphs=_graph_rows())


@bp.route("/dumps/<name>")
def download(name: str):
    dump = dataset_description.DUMPS_BY_NAME.get(name)
    if dump is None:
        known = ", ".join(dataset_description.DUMPS_BY_NAME)
        abort(404, description=f"no dump named {name!r}; the dumps are {known}")
    response = Response(_dump_bytes(dump), mimetype=dump.media_type)
    if dump.media_type.startswith("text/"):
        response.headers["Content-Type"] = f"{dump.media_type}; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{dump.file_name}"'
    return response


@bp.route("/.well-known/void")
def void():
    params = strict_params(request.query_string)
    if not params and prefers_html(request.headers.get("Accept"), GRAPH_FORMATS, "graph"):
        return index()
    fmt = negotiate(params, GRAPH_FORMATS, "graph")
    description = GraphResult(tuple(_description()))
    return send(serialize(description, fmt, PREFIXES), fmt.media_type)


def _description():
    service = context.service()
    return dataset_description.describe(service.store, context.settings().base_iri)


def _dump_bytes(dump: dataset_description.Dump) -> bytes:
    store = context.service().store
    base_iri = context.settings().base_iri
    # One writer at a time: a second request for a dump being written waits for it rather
    # than writing it again beside it.
    return _built.get(
        store,
        (base_iri, dump.file_name),
        lambda: export.dataset(store, dump.export_format, base_iri),
    )


def _entry(dump: dataset_description.Dump) -> dict:
    return {
        "file": dump.file_name,
        "url": url_for(".download", name=dump.file_name),
        "media_type": dump.media_type,
        "format": dump.format_iri,
        "description": dump.description,
    }


def _graph_rows() -> list[dict]:
    """Per named graph: its IRI, title and counts, as the description gives them."""
    void = PREFIXES["void"]
    wanted = {
        void + "triples": "triples",
        void + "entities": "entities",
        PREFIXES["dcterms"] + "title": "title",
    }
    subsets = set()
    rows: dict[str, dict] = {}
    for triple in _description():
        if triple.predicate.value == void + "subset":
            subsets.add(triple.object.value)
        if triple.predicate.value in wanted:
            entry = rows.setdefault(triple.subject.value, {"iri": triple.subject.value})
            entry[wanted[triple.predicate.value]] = triple.object.value
    base_iri = context.settings().base_iri
    return [
        {**rows[iri], "href": local_href(iri), "name": short_iri(iri, base_iri)}
        for iri in sorted(subsets)
        if iri in rows
    ]
