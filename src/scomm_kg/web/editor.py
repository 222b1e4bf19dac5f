"""The SPARQL editor (YASGUI) that a browser gets at /sparql: this endpoint preselected, the
project's prefixes declared in a new tab's query, and each canned query as an example tab.

Everything it loads is served here (assets.py); its lookups of vocabulary terms in Linked
Open Vocabularies, the one thing it would fetch from another site, are turned off.
"""

from __future__ import annotations

from flask import render_template, request

from .. import queries, resources
from ..namespaces import PREFIXES, sparql_prefixes
from .assets import yasgui_version


def page() -> str:
    settings = {
        "endpoint": request.base_url,
        "prefixes": PREFIXES,
        # Every prefix the graph uses (the editor folds them away), then a first query.
        "newTabQuery": sparql_prefixes() + "\n" + _new_tab_query().text,
        "examples": [
            {"id": f"scomm-{q.name}", "name": q.name, "title": q.title, "query": q.text}
            for q in queries.catalogue().values()
        ],
    }
    return render_template("sparql.html", yasgui_version=yasgui_version(), settings=settings)


def _new_tab_query() -> queries.CannedQuery:
    return queries.get("new-tab", resources.queries_dir() / "editor")
