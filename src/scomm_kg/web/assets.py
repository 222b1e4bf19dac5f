"""/assets/yasgui/VERSION/NAME: the vendored YASGUI files (scripts/vendor-yasgui put them in
static/yasgui/, with their licence notice and a record of what was fetched).

The app has no static folder (every route is in /openapi.json), so this is the one route that
serves files that are not answers. The version is in the path, so that a file's URL never
names other bytes: browsers and caches may keep one for a year without asking again, and an
upgrade is new URLs. Each file's ETag is a hash of its bytes, not of the data version.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, abort

bp = Blueprint("assets", __name__)

YASGUI_DIR = Path(__file__).resolve().parent / "static" / "yasgui"
# What is served, with its type: the built editor and the notices that go with it.
MEDIA_TYPES = {
    "yasgui.min.js": "text/javascript; charset=utf-8",
    "yasgui.min.css": "text/css; charset=utf-8",
    "LICENSE": "text/plain; charset=utf-8",
    "SOURCE": "text/plain; charset=utf-8",
    "package.json": "application/json",
}
ONE_YEAR = 365 * 24 * 3600


@cache
def yasgui_version() -> str:
    """The vendored version, from the record the vendoring script wrote."""
    for line in (YASGUI_DIR / "SOURCE").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "version":
            return value.strip()
    raise RuntimeError(f"{YASGUI_DIR / 'SOURCE'} names no version: re-run scripts/vendor-yasgui")


@cache
def _file(name: str) -> tuple[bytes, str]:
    body = (YASGUI_DIR / name).read_bytes()
    return body, hashlib.sha256(body).hexdigest()[:32]


@bp.route("/assets/yasgui/<version>/<name>")
def yasgui(version: str, name: str):
    if version != yasgui_version():
        abort(404, description=f"YASGUI {version!r} is not served here; this is {yasgui_version()}")
    if name not in MEDIA_TYPES:
        abort(404, description=f"no YASGUI file named {name!r}; known: {', '.join(MEDIA_TYPES)}")
    body, etag = _file(name)
    response = Response(body)
    response.headers["Content-Type"] = MEDIA_TYPES[name]
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR
    response.cache_control.immutable = True
    return response
