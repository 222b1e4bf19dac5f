"""Content negotiation: the format parameters, then the Accept header (with q-values).

A client may name a format in ``format=``, ``output=`` or ``results=`` (Virtuoso, Fuseki and
rasqal each read one; SPARQLWrapper sends all three). A value that names a format this answer
comes in wins over Accept. A value that names none (unknown, or csv for a CONSTRUCT) is set
aside and Accept decides, as Oxigraph, which reads Accept alone, would: a 406 or 400 there
would fail SPARQLWrapper, which names its format in every request, meaningful or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..results import Format, format_by_media_type, format_by_name

# Media types clients commonly send that mean one of our formats for a given result kind. An
# alias counts only when the client names it exactly: a wildcard never reaches a format
# through its alias, and an alias never revives a format the client refused by name (q=0).
ALIASES = {
    "tabular": {
        "application/json": "json",
        "application/xml": "xml",
        "text/xml": "xml",
    },
    "graph": {
        "application/json": "jsonld",
        "text/plain": "ntriples",
        "application/xml": "rdfxml",
        "text/xml": "rdfxml",
        "text/n3": "turtle",
        "application/x-turtle": "turtle",
    },
}
# Names a format parameter may give, per result kind, besides a format's own name, media type
# or alias: Fuseki's and SPARQLWrapper's. "xml" and "json" are the results formats of a SELECT
# or ASK, but RDF/XML and JSON-LD for a graph, as in Fuseki.
SHORTHANDS = {
    "tabular": {"srj": "json", "srx": "xml"},
    "graph": {
        "ttl": "turtle",
        "n3": "turtle",  # Turtle is N3's RDF subset; SPARQLWrapper's N3 accepts text/turtle
        "application/turtle": "turtle",
        "nt": "ntriples",
        "n-triples": "ntriples",
        "nq": "nquads",
        "n-quads": "nquads",
        "xml": "rdfxml",
        "rdf": "rdfxml",
        "rdf+xml": "rdfxml",
        "json": "jsonld",
        "json-ld": "jsonld",
        "application/x-json+ld": "jsonld",
    },
}
FORMAT_PARAMETERS = ("format", "output", "results")


class NotAcceptable(Exception):
    """Nothing we can write is acceptable to the client; ``offers`` is what it could ask for."""

    def __init__(self, message: str, offers: Sequence[Format]):
        super().__init__(message)
        self.offers = tuple(offers)


class ConflictingFormats(ValueError):
    """The format parameters name two different formats, each of which would do."""


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; no usable range at all means anything goes."""
    ranges = []
    for part in (header or "").split(","):
        pieces = [p.strip() for p in part.split(";")]
        main, slash, sub = pieces[0].lower().partition("/")
        if not slash or not main or not sub:
            continue
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(main, sub, q))
    return ranges or [MediaRange("*", "*", 1.0)]


def score(ranges: Sequence[MediaRange], media_type: str, aliases: Sequence[str] = ()) -> tuple:
    """(q, specificity) the client gives a media type: its most specific matching range wins."""
    exact = [r for r in ranges if r.specificity == 2 and r.matches(media_type)]
    if exact:
        return (exact[0].q, 2)
    matching = [r for r in ranges if r.matches(media_type)]
    best = (0.0, 0)
    if matching:
        top = max(matching, key=lambda r: r.specificity)
        best = (top.q, top.specificity)
    for alias in aliases:
        named = [r for r in ranges if r.specificity == 2 and r.matches(alias)]
        if named and (named[0].q, 2) > best:
            best = (named[0].q, 2)
    return best


def _format_score(ranges, fmt: Format, kind_group: str) -> tuple:
    aliases = [*fmt.aliases]
    aliases += [a for a, name in ALIASES.get(kind_group, {}).items() if name == fmt.name]
    return score(ranges, fmt.media_type, aliases)


def choose(accept: str | None, offers: Sequence[Format], kind_group: str) -> Format:
    """The offered format the client likes best: highest q, then the range that names it most
    precisely, then our order of preference."""
    ranges = parse_accept(accept)
    best, best_score = None, (0.0, 0)
    for fmt in offers:
        current = _format_score(ranges, fmt, kind_group)
        if current[0] > 0 and current > best_score:
            best, best_score = fmt, current
    if best is None:
        offered = ", ".join(f.media_type for f in offers)
        raise NotAcceptable(
            f"none of the formats this answer comes in is acceptable: {offered}", offers
        )
    return best


def prefers_html(
    accept: str | None, offers: Sequence[Format], kind_group: str, *, strictly: bool = False
) -> bool:
    """Whether the client names text/html and likes it at least as well as any offer (better
    than every offer, ``strictly``: where a tie must keep going to the data, as it always has)."""
    ranges = parse_accept(accept)
    if not any(r.type == "text" and r.subtype == "html" for r in ranges):
        return False
    html = score(ranges, "text/html")
    offered = [_format_score(ranges, f, kind_group) for f in offers]
    if strictly:
        return html[0] > 0 and all(html > other for other in offered)
    return html[0] > 0 and all(html >= other for other in offered)


def requested_format(
    values: Sequence[tuple[str, str]], offers: Sequence[Format], kind_group: str
) -> Format | None:
    """The offered format that the (parameter, value) pairs name, or None to let Accept decide.

    A value is a name or a media type, or a comma-separated list of them (SPARQLWrapper sends
    its Accept header as a second value), of which the first that fits counts. Values that fit
    nothing here are set aside; values naming one format agree (tsv and
    text/tab-separated-values); two that name different fitting formats are ConflictingFormats,
    since either guess could be the wrong one.
    """
    chosen: dict[Format, tuple[str, str]] = {}
    for name, value in values:
        fmt = fitting_format(value, offers, kind_group)
        if fmt is not None:
            chosen.setdefault(fmt, (name, value))
    if len(chosen) > 1:
        asked = " and ".join(f"{n}={v!r} ({fmt.name})" for fmt, (n, v) in chosen.items())
        raise ConflictingFormats(f"the format parameters ask for different formats: {asked}")
    return next(iter(chosen), None)


def fitting_format(value: str, offers: Sequence[Format], kind_group: str) -> Format | None:
    """The first offered format one format parameter's value names, or None."""
    for item in value.split(","):
        # A '+' typed into a URL unencoded (application/rdf+xml) arrives as a space.
        wanted = item.split(";", 1)[0].strip().lower().replace(" ", "+")
        if not wanted:
            continue
        name = SHORTHANDS[kind_group].get(wanted) or ALIASES[kind_group].get(wanted)
        fmt = format_by_name(name or wanted) or format_by_media_type(wanted)
        if fmt in offers:
            return fmt
    return None
