"""/source/NAME: the shipped source texts, verbatim, so that every quoted passage can be read
in its context (the IRIs <BASE/source/NAME> of the graph name these files)."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from .. import resources
from .context import settings

bp = Blueprint("sources", __name__)


@bp.route("/source/<name>")
def text(name: str):
    by_name = {path.name: path for path in resources.source_texts()}
    # The curated data's texts (data_dir) and extra folders win over shipped ones of that name.
    folders = settings().source_folders
    by_name.update({path.name: path for path in resources.extra_source_texts(folders)})
    if name not in by_name:
        abort(404, description=f"no source text named {name!r}; known: {', '.join(by_name)}")
    # Source texts are small; reading them whole leaves no file handle to a streamed response.
    response = Response(by_name[name].read_bytes(), mimetype="text/plain")
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.cache_control.max_age = 3600
    return response
