"""Who may write over HTTP: a request's credentials checked against the write_tokens setting.

Reads are open; a write needs a token (settings.write_tokens). With none configured, writes are
disabled and refused with 403 whatever the request carries. A request without credentials is
answered 401 with ``WWW-Authenticate: Bearer``; one whose credentials match no token, 403.

A token travels as ``Authorization: Bearer <token>``, or as HTTP Basic with the token's name as
the user and the token as the password (``http://name:token@host/sparql``), for clients that
can only put credentials in a URL. Every token is compared in constant time, each one whether
or not an earlier one matched, so that the time taken tells nothing of which came close. No
token, good or bad, is ever written into an answer or a log line.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from flask import request

from ..settings import Settings, write_tokens

REALM = "scomm-kg writes"


class WriteRefused(Exception):
    """The request may not write: 401 (no credentials) or 403 (wrong ones, writes disabled)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def writer(settings: Settings) -> str:
    """The name of the token this request writes with; WriteRefused when it has none."""
    tokens = write_tokens(settings.write_tokens)
    if not tokens:
        raise WriteRefused(
            403,
            "writes are disabled on this server: no write token is configured "
            "(SCOMM_WRITE_TOKENS); reads stay open",
        )
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if not header.strip():
        raise WriteRefused(401, "a write needs a token: send Authorization: Bearer <token>")
    if scheme.lower() == "bearer" and credentials:
        name = _match(tokens, None, credentials)
    elif scheme.lower() == "basic" and credentials:
        user, password = _basic(credentials)
        name = _match(tokens, user, password)
    else:
        raise WriteRefused(401, "the Authorization header must be Bearer <token> (or Basic)")
    if name is None:
        raise WriteRefused(403, "the token is not one this server accepts for writes")
    return name


def _basic(credentials: str) -> tuple[str, str]:
    try:
        user, sep, password = base64.b64decode(credentials, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise WriteRefused(401, "the Basic credentials are not base64 of name:token") from None
    if not sep:
        raise WriteRefused(401, "the Basic credentials are not base64 of name:token")
    return user, password


def _match(tokens: dict[str, str], user: str | None, offered: str) -> str | None:
    """The name whose token is ``offered`` (and, for Basic, whose name is ``user``), or None."""
    found = None
    offered_bytes = offered.encode()
    for name, token in tokens.items():
        same_token = hmac.compare_digest(token.encode(), offered_bytes)
        same_name = user is None or hmac.compare_digest(name.encode(), user.encode())
        if same_token and same_name:
            found = name
    return found
