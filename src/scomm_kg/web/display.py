"""How RDF terms look on the HTML pages."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from ..namespaces import PREFIXES
from ..results import term_text, term_to_json


def cell(term, base_iri: str) -> Markup:
    """A table cell: IRIs as links with a short name, literals as text."""
    if term is None:
        return Markup("")
    if term_to_json(term)["type"] == "uri":
        return Markup('<a href="{0}">{1}</a>').format(term.value, short_iri(term.value, base_iri))
    return escape(term_text(term))


def short_iri(iri: str, base_iri: str) -> str:
    """prefix:local for known vocabularies, the path for the graph's own IRIs."""
    if iri.startswith(base_iri) and not iri.startswith(PREFIXES["scomm"]):
        return iri[len(base_iri) :]
    for name, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{name}:{iri[len(namespace) :]}"
    return iri


def heading(variable: str) -> str:
    """A column heading from a variable name: earlierSourceLabel → "earlier source label"."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", variable).lower()
    return words[:1].upper() + words[1:]
