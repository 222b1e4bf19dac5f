"""/: what this service is and where to start."""

from __future__ import annotations

from flask import Blueprint, render_template

from .. import queries

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    return render_template("home.html", queries=queries.catalogue().values())
