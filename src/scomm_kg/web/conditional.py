"""Validators and conditional requests: every answer carries an ETag and a Last-Modified from
the data version, and a client that holds the answer already gets 304 Not Modified.

Query answers (/sparql, the canned queries) are tagged before they run, with the key the
result cache keeps them by (data version, query text, dataset, bindings, format): a client
that holds one gets its 304 without the query running. Every other answer (pages, the service
description, the catalogue, source texts, the OpenAPI description) is tagged with a hash of
the data version and its body. Both are strong validators of one representation; compression
adds its coding to the tag ("…:gzip"). Last-Modified is when the data was loaded.

GET and HEAD are answered 304 on a matching If-None-Match, or, without one, on an
If-Modified-Since no earlier than the data; a POST is always answered in full. Answers say
``Cache-Control: no-cache`` (unless they set their own): a cache may keep them, but asks again,
with the ETag, before reusing one, since new data may come at any time.
"""

from __future__ import annotations

import hashlib

from flask import Flask, Response, g, request

from ..store import DataVersion
from . import context

_TAG_LENGTH = 32  # hex digits: 128 bits


def answer_tag(key: str) -> str:
    """The ETag (unquoted) of a query answer, from its cache key."""
    return key[:_TAG_LENGTH]


def not_modified(etag: str) -> Response | None:
    """A 304 for a GET or HEAD whose client holds the answer tagged ``etag``, else None."""
    if request.method not in ("GET", "HEAD"):
        return None
    held = _held(etag, context.service().store.version)
    if held is None:
        return None
    response = Response(status=304)
    response.set_etag(held)
    _stamp(response, context.service().store.version)
    return response


def tagged(response: Response, etag: str) -> Response:
    """The response with its ETag set (Last-Modified is added on the way out)."""
    response.set_etag(etag)
    return response


def init_app(app: Flask) -> None:
    """Tag every successful answer on its way out, and answer 304 where the client has it.

    Register it after the compression, so that it runs before it (Flask runs after-request
    functions last registered first): the body is tagged as it is, then compressed.
    """

    @app.after_request
    def validators(response: Response) -> Response:
        if request.method not in ("GET", "HEAD", "POST") or not 200 <= response.status_code < 300:
            return response
        if response.status_code == 204 or response.is_streamed:
            return response
        version = context.service().store.version
        if response.get_etag()[0] is None:
            response.set_etag(_body_tag(version, response.get_data()))
        g.etag = response.get_etag()[0]
        _stamp(response, version)
        if request.method in ("GET", "HEAD"):
            response.make_conditional(request)
        return response


def _stamp(response: Response, version: DataVersion) -> None:
    response.last_modified = version.loaded
    if "Cache-Control" not in response.headers:
        response.cache_control.no_cache = True


def _body_tag(version: DataVersion, body: bytes) -> str:
    digest = hashlib.sha256(version.digest.encode("ascii"))
    digest.update(body)
    return digest.hexdigest()[:_TAG_LENGTH]


def _held(etag: str, version: DataVersion) -> str | None:
    """The tag the client holds of this answer, or None: by If-None-Match, which decides when
    given (in any content coding: "…:gzip" too), else by If-Modified-Since."""
    tags = request.if_none_match
    if tags:
        if tags.star_tag:
            return etag
        for tag in tags.as_set(include_weak=True):
            if tag == etag or tag.startswith(etag + ":"):
                return tag
        return None
    since = request.if_modified_since
    if since is not None and version.loaded <= since:
        return etag
    return None
