"""Dates at the precision the sources give them: a year, a month or a day.

The data types a date is written in (xsd:gYear, xsd:gYearMonth, xsd:date) are its precision;
a reader is shown "2010", "September 2010" or "14 September 2010", never more than the source
says. Month names are English whatever the process's locale, as the pages are.
"""

from __future__ import annotations

from .namespaces import PREFIXES

_XSD = PREFIXES["xsd"]
#: The precision of a date, by the data type it is written in.
PRECISIONS = {_XSD + "gYear": "year", _XSD + "gYearMonth": "month", _XSD + "date": "day"}

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def spoken(lexical: str, datatype: str) -> str:
    """The date as a reader says it, at its data type's precision; the lexical form as it is
    when the data type is not a date's or the value does not read as one."""
    return spoken_at(lexical, PRECISIONS.get(datatype))


def spoken_at(lexical: str, precision: str | None) -> str:
    """The date as a reader says it at ``precision`` ("year", "month" or "day")."""
    parts = lexical.split("-")
    try:
        if precision == "year":
            return parts[0]
        if precision == "month":
            return f"{_MONTHS[int(parts[1]) - 1]} {parts[0]}"
        if precision == "day":
            return f"{int(parts[2])} {_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        pass
    return lexical
