"""Which Host the server believes, so that no URL it writes comes from an untrusted header.

The server writes URLs into its answers: the service description's ``sd:endpoint``, the links
of ``/queries.json``, the base that relative IRIs of a query resolve against, the OpenAPI
description's server. A request's Host (or, behind a trusted proxy, X-Forwarded-Host) is
trusted when it names the public URL (SCOMM_PUBLIC_URL), which is then written, or an allowed
host (SCOMM_ALLOWED_HOSTS, like Django's ALLOWED_HOSTS), which is written as it came. Any other
Host is replaced before the app sees the request by the configured address: the public URL,
or else the address the server listens on. The request is still answered (Django refuses it
with 400): a client that reached the server by another name gets its answer, with the
configured URLs in it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..settings import Settings

_ANY_ADDRESS = ("", "0.0.0.0", "::")
_NAME = re.compile(r"[a-z0-9._-]+|[0-9a-f:.]+")  # a DNS name or IPv4 address; an IPv6 address


class TrustedHosts:
    """WSGI middleware: the request's host, scheme and root as the server may write them."""

    def __init__(self, app, settings: Settings):
        self.app = app
        self.patterns = [_bare(p) for p in settings.allowed_hosts.split(",") if p.strip()]
        if settings.public_url:
            public = urlsplit(settings.public_url)
            self.public_name: str | None = public.hostname
            self.configured = (public.scheme, public.netloc, public.path.rstrip("/"))
        else:
            self.public_name = None
            host = "localhost" if settings.host in _ANY_ADDRESS else settings.host
            host = f"[{host}]" if ":" in host else host
            self.configured = ("http", f"{host}:{settings.port}", None)

    def __call__(self, environ, start_response):
        name = _host_name(environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""))
        # The public URL's host is written as configured (its scheme and root too); an allowed
        # host as it came; any other not at all.
        if name is None or name == self.public_name or not self.allows(name):
            scheme, netloc, root = self.configured
            environ["HTTP_HOST"] = netloc
            environ["wsgi.url_scheme"] = scheme
            if root is not None:
                environ["SCRIPT_NAME"] = root
        return self.app(environ, start_response)

    def allows(self, name: str) -> bool:
        """Whether a host name matches an allowed host: exactly, '.domain' or '*'."""
        for pattern in self.patterns:
            if pattern == "*" or name == pattern:
                return True
            if pattern.startswith(".") and (name == pattern[1:] or name.endswith(pattern)):
                return True
        return False


def _bare(pattern: str) -> str:
    """An allowed-host pattern as host names are compared: lower case, IPv6 without brackets."""
    return pattern.strip().lower().removeprefix("[").removesuffix("]")


def _host_name(host: str) -> str | None:
    """The host name of a Host header (lower case, IPv6 without brackets), or None if the
    header is not a host with an optional port."""
    if not host or any(c in host for c in "/?#@\\ \t"):
        return None
    try:
        parts = urlsplit(f"//{host}")
        parts.port  # noqa: B018 (raises ValueError on a port that is not one)
    except ValueError:
        return None
    name = parts.hostname or ""
    return name if _NAME.fullmatch(name) else None
