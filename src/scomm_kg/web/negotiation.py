"""Content negotiation: the client's Accept header (with q-values) against what we can write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..results import Format, format_by_media_type, format_by_name

# Media types clients commonly send that mean one of our formats for a given result kind.
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
    },
}
FORMAT_SHORTHANDS = {"ttl": "turtle", "nt": "ntriples", "nq": "nquads", "rdf": "rdfxml"}


class NotAcceptable(Exception):
    """Nothing we can write is acceptable to the client."""


class UnknownFormat(ValueError):
    """A format= value that names no format we write."""


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    order: int

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; a missing or empty header accepts anything."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges = []
    for order, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        kind = pieces[0].lower()
        if "/" not in kind:
            continue
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        main, _, sub = kind.partition("/")
        ranges.append(MediaRange(main, sub, q, order))
    return ranges


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The q-value the most specific matching range gives ``media_type`` (0 if none)."""
    matching = [r for r in ranges if r.matches(media_type)]
    if not matching:
        return 0.0
    best = max(matching, key=lambda r: (r.specificity, -r.order))
    return best.q


def choose(accept: str | None, offers: Sequence[Format], kind_group: str) -> Format:
    """The offered format the client likes best; ties go to the earlier offer.

    A format is also reachable through a common alias (``application/json`` for SPARQL JSON
    results), in which case the answer still carries the format's proper media type.
    """
    ranges = parse_accept(accept)
    aliases = ALIASES.get(kind_group, {})
    best, best_q = None, 0.0
    for fmt in offers:
        candidates = [fmt.media_type, *fmt.aliases]
        candidates += [alias for alias, name in aliases.items() if name == fmt.name]
        q = max(quality(ranges, media_type) for media_type in candidates)
        if q > best_q:
            best, best_q = fmt, q
    if best is None:
        offered = ", ".join(f.media_type for f in offers)
        raise NotAcceptable(f"none of the formats this answer comes in is acceptable: {offered}")
    return best


def requested_format(value: str, offers: Sequence[Format]) -> Format:
    """The format a ``format=`` parameter names (short name or media type), among the offers."""
    wanted = value.strip().lower()
    fmt = format_by_name(FORMAT_SHORTHANDS.get(wanted, wanted)) or format_by_media_type(wanted)
    if fmt is None:
        names = ", ".join(f.name for f in offers)
        raise UnknownFormat(f"unknown format {value!r}; this answer comes as: {names}")
    if fmt not in offers:
        names = ", ".join(f.name for f in offers)
        raise NotAcceptable(f"this answer cannot be written as {fmt.name}; it comes as: {names}")
    return fmt


def prefers_html(accept: str | None, offers: Sequence[Format]) -> bool:
    """Whether the client names text/html and likes it at least as well as any offer."""
    ranges = parse_accept(accept)
    if not any(r.type == "text" and r.subtype == "html" for r in ranges):
        return False
    html = quality(ranges, "text/html")
    return html > 0 and html >= max(quality(ranges, f.media_type) for f in offers)
