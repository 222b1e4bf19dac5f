"""How RDF terms look on the HTML pages."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from ..namespaces import short_iri
from ..results import term_text, term_to_json
from .resources import local_href


def cell(term, base_iri: str) -> Markup:
    """A table cell: IRIs as links with a short name (to this server's page when it serves the
    IRI, the IRI on hover), literals as text."""
    if term is None:
        return Markup("")
    if term_to_json(term)["type"] == "uri":
        return Markup('<a href="{0}" title="{1}">{2}</a>').format(
            local_href(term.value), term.value, short_iri(term.value, base_iri)
        )
    return escape(term_text(term))


def heading(variable: str) -> str:
    """A column heading from a variable name: earlierSourceLabel → "earlier source label"."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", variable).lower()
    return words[:1].upper() + words[1:]
