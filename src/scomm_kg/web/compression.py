"""Compression: Brotli or gzip when the client asks for it (Accept-Encoding), by flask-compress.

Every answer says ``Vary: Accept-Encoding``. Bodies under MIN_BYTES are sent as they are
(compression would cost more than it saves). A compressed body is kept in the result cache
under its ETag and coding, so that an answer many readers ask for is compressed once too; the
coding joins the ETag ("…:gzip"), a strong validator of each representation.
"""

from __future__ import annotations

from flask import Flask, g
from flask_compress import Compress

from ..cache import ResultCache
from ..results import GRAPH_FORMATS, TABULAR_FORMATS

ALGORITHMS = ["br", "gzip"]  # preferred first, when the client likes both as well
MIN_BYTES = 500
MEDIA_TYPES = sorted(
    {"text/html", "text/plain", "application/json", "text/javascript", "text/css"}
    | {f.media_type for f in (*TABULAR_FORMATS, *GRAPH_FORMATS)}
)
_UNTAGGED = "-"


class _CodedBodies:
    """flask-compress's cache backend: compressed bodies in the result cache, by ETag."""

    def __init__(self, cache: ResultCache):
        self.cache = cache

    def get(self, key: str) -> bytes | None:
        return None if key.endswith(_UNTAGGED) else self.cache.get("coded;" + key)

    def set(self, key: str, value: bytes) -> None:
        if not key.endswith(_UNTAGGED):
            self.cache.put("coded;" + key, value, len(value))


def _key(request) -> str:
    # conditional.py tags every successful answer before it is compressed (see its init_app).
    return g.get("etag") or _UNTAGGED


def init_app(app: Flask, cache: ResultCache) -> None:
    """Compress answers; register it before conditional.init_app, so that it runs after it."""
    app.config.update(
        COMPRESS_ALGORITHM=ALGORITHMS,
        COMPRESS_MIMETYPES=MEDIA_TYPES,
        COMPRESS_MIN_SIZE=MIN_BYTES,
        COMPRESS_STREAMS=False,
        COMPRESS_CACHE_KEY=_key,
        COMPRESS_CACHE_BACKEND=lambda: _CodedBodies(cache),
    )
    Compress(app)
