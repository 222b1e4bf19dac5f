"""Content negotiation: the client's Accept header (with q-values) against what we can write."""

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
# Short names accepted in format= (and output=, as Fuseki calls it), per result kind.
SHORTHANDS = {
    "tabular": {"srj": "json", "srx": "xml"},
    "graph": {"ttl": "turtle", "nt": "ntriples", "nq": "nquads", "rdf": "rdfxml", "json": "jsonld"},
}


class NotAcceptable(Exception):
    """Nothing we can write is acceptable to the client; ``offers`` is what it could ask for."""

    def __init__(self, message: str, offers: Sequence[Format]):
        super().__init__(message)
        self.offers = tuple(offers)


class UnknownFormat(ValueError):
    """A format= value that names no format we write."""


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


def prefers_html(accept: str | None, offers: Sequence[Format], kind_group: str) -> bool:
    """Whether the client names text/html and likes it at least as well as any offer."""
    ranges = parse_accept(accept)
    if not any(r.type == "text" and r.subtype == "html" for r in ranges):
        return False
    html = score(ranges, "text/html")
    return html[0] > 0 and all(html >= _format_score(ranges, f, kind_group) for f in offers)


def _named(wanted: str, groups: list[str]) -> Format | None:
    """The format a shorthand or alias of one of these kinds names."""
    for group in groups:
        name = SHORTHANDS[group].get(wanted) or ALIASES[group].get(wanted)
        if name:
            return format_by_name(name)
    return None


def requested_format(value: str, offers: Sequence[Format], kind_group: str) -> Format:
    """The format a ``format=`` parameter names (short name or media type), among the offers."""
    wanted = value.strip().lower()
    # This kind's shorthands and aliases first; another kind's still name a format we know
    # (ttl for a SELECT), which is then "not acceptable" rather than "unknown".
    others = [g for g in SHORTHANDS if g != kind_group]
    fmt = (
        _named(wanted, [kind_group])
        or format_by_name(wanted)
        or format_by_media_type(wanted)
        or _named(wanted, others)
    )
    offered = ", ".join(f.name for f in offers)
    if fmt is None:
        raise UnknownFormat(f"unknown format {value!r}; this answer comes as: {offered}")
    if fmt not in offers:
        raise NotAcceptable(
            f"this answer cannot be written as {fmt.name}; it comes as: {offered}", offers
        )
    return fmt
