"""The app's query service and settings, for the blueprints."""

from __future__ import annotations

from flask import current_app

from ..service import QueryService
from ..settings import Settings


def service() -> QueryService:
    return current_app.extensions["scomm"]["service"]


def settings() -> Settings:
    return current_app.extensions["scomm"]["settings"]
