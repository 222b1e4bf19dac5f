"""The app's query service and settings, for the blueprints."""

from __future__ import annotations

from flask import current_app, request

from ..service import QueryService
from ..serving.budget import client_key
from ..settings import Settings


def service() -> QueryService:
    return current_app.extensions["scomm"]["service"]


def settings() -> Settings:
    return current_app.extensions["scomm"]["settings"]


def client() -> str:
    """Whom this request's query time is charged to: the peer address (IPv6: its /64).

    Behind a trusted proxy (trust_proxy_headers) ProxyFix has already put the address the proxy
    reports in remote_addr; otherwise a client's own X-Forwarded-For is never believed.
    """
    return client_key(request.remote_addr)
