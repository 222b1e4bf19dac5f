"""How query answers look on the HTML pages: a reporter reads names, dates and sources.

A query that gives both ?x (an IRI) and ?xLabel shows them as one column: the label, linked to
x's page here, x's IRI on hover. The downloads keep both columns; only the page pairs them.
Dates read at the precision their datatype states (xsd:gYearMonth "2010-09" is "September
2010"), with the value as given in a <time> element for machines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..namespaces import PREFIXES, short_iri
from ..results import term_text, term_to_json
from .resources import date_at_precision, local_href

_DATE_TYPES = {PREFIXES["xsd"] + kind for kind in ("gYear", "gYearMonth", "date")}
_LABEL = "Label"


@dataclass(frozen=True)
class Column:
    """A column of the page: the variable whose value it shows and, for a label, the IRI
    variable it links to."""

    variable: str
    link: str | None = None

    @property
    def heading(self) -> str:
        return heading(self.link or self.variable)


def columns(variables: Sequence[str]) -> list[Column]:
    """The page's columns: each ?x given with its ?xLabel shown once, as the linked label,
    where ?x stands in the answer."""
    given = set(variables)
    paired = {v for v in variables if v + _LABEL in given}
    shown = []
    for variable in variables:
        if variable in paired:
            shown.append(Column(variable + _LABEL, variable))
        elif not (variable.endswith(_LABEL) and variable.removesuffix(_LABEL) in paired):
            shown.append(Column(variable))
    return shown


def cell(row: Mapping, column: Column, base_iri: str, labels: Mapping[str, str]) -> Markup:
    """A column's cell in a row: the linked label of a pair (the IRI's own label, else its
    short name, when the query gave none), else the value."""
    target = row.get(column.link) if column.link else None
    if target is not None and _is_iri(target):
        shown = row.get(column.variable)
        return link(target.value, term_text(shown) if shown is not None else None, base_iri, labels)
    return value(row.get(column.variable), base_iri, labels)


def value(term, base_iri: str, labels: Mapping[str, str]) -> Markup:
    """One term: an IRI as a link named by its label, a date at its precision, else text."""
    if term is None:
        return Markup("")
    if _is_iri(term):
        return link(term.value, None, base_iri, labels)
    datatype = getattr(term, "datatype", None)
    if datatype is not None and datatype.value in _DATE_TYPES:
        return Markup('<time datetime="{0}">{1}</time>').format(term.value, date_at_precision(term))
    return escape(term_text(term))


def link(iri: str, text: str | None, base_iri: str, labels: Mapping[str, str]) -> Markup:
    """A link to the IRI's page here (or the IRI, off-site), the IRI on hover."""
    shown = text or labels.get(iri) or short_iri(iri, base_iri)
    return Markup('<a href="{0}" title="{1}">{2}</a>').format(local_href(iri), iri, shown)


def sides(row: Mapping, variables: Sequence[str], base_iri: str, labels) -> list[dict]:
    """The earlier and the later statement of a row that pairs them (?earlier…, ?later…), each
    as its cells by the rest of their variables' names ("earlierSpeakerLabel" → "speaker")."""
    found = []
    for side in ("earlier", "later"):
        own = [v[len(side) :] or "Statement" for v in variables if v.startswith(side)]
        cells = {}
        for column in columns(own):
            renamed = Column(
                side + column.variable if column.variable != "Statement" else side,
                side + column.link if column.link else None,
            )
            key = (column.link or column.variable).removesuffix(_LABEL).lower()
            cells[key] = cell(row, renamed, base_iri, labels)
        found.append({"side": side, **cells})
    return found


def pairs_statements(variables: Sequence[str]) -> bool:
    """Whether each row of the answer sets an earlier statement beside a later one."""
    return {"earlier", "later"} <= set(variables)


def heading(variable: str) -> str:
    """A column heading from a variable name: earlierSourceLabel → "earlier source label"."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", variable).lower()
    return words[:1].upper() + words[1:]


def _is_iri(term) -> bool:
    return term_to_json(term)["type"] == "uri"
