"""The timeline of statements and opt-out attempts: its items, an SVG picture, TimelineJS JSON.

Each item is drawn as the interval its date admits (a month as the whole month, a year as the
whole year, from the data's earliestDate/latestDate bounds), so that items whose order the
sources leave open visibly overlap, in one lane per speaker or jurisdiction. Within a lane,
overlapping items get rows of their own, so that none hides another.

This module knows nothing of HTTP: the web layer gives it the query's rows and a function that
turns an IRI into the link to show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

from . import dates
from .namespaces import PREFIXES

Href = Callable[[str], str]

_VERBATIM = PREFIXES["scomm"] + "Verbatim"


@dataclass(frozen=True)
class Item:
    """One statement or opt-out attempt, with its date as given and the days it admits."""

    iri: str
    kind: str
    label: str
    lane: str
    lane_label: str
    date: str
    precision: str  # "year", "month" or "day"
    earliest: date
    latest: date
    graph: str
    read: str | None
    read_label: str | None
    cited: str | None
    cited_label: str | None
    words: str | None
    verbatim: bool

    @property
    def source(self) -> str | None:
        """The document the fact is attributed to: the one cited, else the one read."""
        return self.cited or self.read

    @property
    def source_label(self) -> str | None:
        return self.cited_label if self.cited else self.read_label

    @property
    def when(self) -> str:
        """The date as precisely as the source gives it: 2010, September 2010, 7 September 2010."""
        return dates.spoken_at(self.date, self.precision)

    @property
    def credit(self) -> str:
        """Whose fact it is, as a newsroom credits it."""
        if self.cited and self.read and self.cited != self.read:
            return f"{self.cited_label}, as reported in {self.read_label}"
        return self.source_label or ""


def items(rows: Iterable[Mapping]) -> list[Item]:
    """The timeline's items from the rows of queries/timeline/items.rq, in date order."""
    found = {}
    for row in rows:
        iri = row["item"].value
        if iri in found:  # a second label or source row of the same item: the first wins
            continue
        found[iri] = Item(
            iri=iri,
            kind=row["kind"].value,
            label=row["label"].value,
            lane=row["lane"].value,
            lane_label=row["laneLabel"].value,
            date=row["date"].value,
            precision=_precision(row["date"].datatype.value),
            earliest=date.fromisoformat(row["earliest"].value),
            latest=date.fromisoformat(row["latest"].value),
            graph=row["graph"].value,
            read=_value(row, "read"),
            read_label=_value(row, "readLabel"),
            cited=_value(row, "cited"),
            cited_label=_value(row, "citedLabel"),
            words=_value(row, "words"),
            verbatim=_value(row, "textKind") == _VERBATIM,
        )
    return sorted(found.values(), key=lambda i: (i.earliest, i.latest, i.lane_label, i.label))


def _value(row: Mapping, name: str) -> str | None:
    term = row.get(name)
    return term.value if term is not None else None


def _precision(datatype: str) -> str:
    if datatype not in dates.PRECISIONS:
        raise ValueError(
            f"a timeline item's date must be xsd:gYear, gYearMonth or date: {datatype}"
        )
    return dates.PRECISIONS[datatype]


# --- TimelineJS ------------------------------------------------------------------------------


def timelinejs(found: list[Item], href: Href, title: str) -> dict:
    """The items in Knight Lab's TimelineJS JSON format: one slide each, its start date with
    only the parts its precision gives, the lane as its group, the source as its credit."""
    return {
        "title": {"text": {"headline": title, "text": _TIMELINEJS_INTRO}},
        "events": [_slide(item, href) for item in found],
    }


_TIMELINEJS_INTRO = (
    "Statements and opt-out attempts, each dated as precisely as its source dates it, with "
    "the source credited."
)


def _slide(item: Item, href: Href) -> dict:
    parts = item.date.split("-")
    start = {"year": parts[0]}
    if item.precision in ("month", "day"):
        start["month"] = str(int(parts[1]))
    if item.precision == "day":
        start["day"] = str(int(parts[2]))
    words = ""
    if item.words:
        marked = "Verbatim" if item.verbatim else "Paraphrase"
        words = f"<p>{marked}: “{escape(item.words)}”</p>"
    text = f'{words}<p><a href="{escape(href(item.iri))}">{escape(item.label)}</a></p>'
    slide = {
        "unique_id": item.iri.rstrip("/").rsplit("/", 1)[-1],
        "start_date": start,
        "display_date": item.when,
        "text": {"headline": escape(item.label), "text": text},
        "group": item.lane_label,
    }
    if item.source:
        slide["media"] = {
            "url": href(item.source),
            "link": href(item.source),
            "caption": escape(item.source_label or ""),
            "credit": escape(item.credit),
        }
    return slide


# --- SVG -------------------------------------------------------------------------------------

_LANE_LABEL_WIDTH = 240
_CHAR_WIDTH = 7.0  # an estimate of one character's width at font-size 12, for layout
_PLOT_WIDTH = 760
_ROW_HEIGHT = 26
_AXIS_HEIGHT = 34
_MARGIN = 10
_COLOURS = {"statement": "#1f5fa8", "opt-out attempt": "#b34700"}


@dataclass(frozen=True)
class _Placed:
    item: Item
    x: float
    width: float
    y: float


def svg(found: list[Item], href: Href, title: str) -> str:
    """A standalone SVG picture of the items: lanes down, time across, each item a bar over
    the days its date admits, linked to its page, with its source in its tooltip."""
    if not found:
        raise ValueError("a timeline needs at least one item")
    start = date(min(i.earliest for i in found).year, 1, 1)
    end = date(max(i.latest for i in found).year, 12, 31) + timedelta(days=1)
    span = (end - start).days

    def x(day: date) -> float:
        return _LANE_LABEL_WIDTH + _PLOT_WIDTH * (day - start).days / span

    placed, lanes, bottom = _layout(found, x)
    height = bottom + _ROW_HEIGHT + _MARGIN
    width = _LANE_LABEL_WIDTH + _PLOT_WIDTH + _MARGIN + 90  # room for the last bar's label
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="timeline-title" font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="timeline-title">{escape(title)}</title>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    out.extend(_axis(start, end, x, bottom))
    for lane_label, top, rows in lanes:
        out.append(
            f'<text x="{_MARGIN}" y="{top + _ROW_HEIGHT * 0.65:.1f}" fill="#1d1d1f" '
            f'font-weight="600">{escape(_shorten(lane_label, 30))}</text>'
        )
        out.append(
            f'<line x1="{_MARGIN}" x2="{width - _MARGIN}" y1="{top + rows * _ROW_HEIGHT:.1f}" '
            f'y2="{top + rows * _ROW_HEIGHT:.1f}" stroke="#dddddd"/>'
        )
    for place in placed:
        out.append(_bar(place, href))
    out.append(_legend(height))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _layout(found: list[Item], x) -> tuple[list[_Placed], list[tuple[str, float, int]], int]:
    """Bars in lanes (one per speaker or jurisdiction, in order of first appearance); within a
    lane, an item goes to the first row where neither its bar nor its label would touch what
    is already there. Returns the bars, the lanes (label, top, rows) and the plot's bottom."""
    by_lane: dict[str, list[Item]] = {}
    for item in found:
        by_lane.setdefault(item.lane, []).append(item)
    placed, lanes = [], []
    top = _AXIS_HEIGHT
    for members in by_lane.values():
        row_ends: list[float] = []  # where each row's last bar and label end, in pixels
        for item in members:
            left = x(item.earliest)
            width = max(x(item.latest + timedelta(days=1)) - left, 3.0)
            end = left + width + 4 + _CHAR_WIDTH * len(item.when) + 6
            row = next((r for r, taken in enumerate(row_ends) if taken <= left), None)
            if row is None:
                row = len(row_ends)
                row_ends.append(end)
            else:
                row_ends[row] = end
            placed.append(_Placed(item, left, width, top + row * _ROW_HEIGHT))
        lanes.append((members[0].lane_label, top, len(row_ends)))
        top += len(row_ends) * _ROW_HEIGHT
    return placed, lanes, int(top)


def _axis(start: date, end: date, x, bottom: int) -> list[str]:
    out = []
    for year in range(start.year, end.year + 1):
        for month in range(1, 13):
            day = date(year, month, 1)
            if not start <= day < end:
                continue
            px = x(day)
            if month == 1:
                out.append(
                    f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{_AXIS_HEIGHT - 14}" y2="{bottom}" '
                    f'stroke="#767676"/>'
                )
                out.append(
                    f'<text x="{px + 3:.1f}" y="{_AXIS_HEIGHT - 18}" fill="#1d1d1f" '
                    f'font-weight="600">{year}</text>'
                )
            else:
                out.append(
                    f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{_AXIS_HEIGHT - 6}" y2="{bottom}" '
                    f'stroke="#eeeeee"/>'
                )
    return out


def _bar(place: _Placed, href: Href) -> str:
    item = place.item
    tooltip = f"{item.label} — {item.when}"
    if item.source_label:
        tooltip += f" — source: {item.credit}"
    label_x = place.x + place.width + 4
    return (
        f"<a href={quoteattr(href(item.iri))} xlink:href={quoteattr(href(item.iri))}>"
        f"<title>{escape(tooltip)}</title>"
        f'<rect x="{place.x:.1f}" y="{place.y + 5:.1f}" width="{place.width:.1f}" '
        f'height="{_ROW_HEIGHT - 10}" rx="2" fill="{_COLOURS.get(item.kind, "#444444")}" '
        f'fill-opacity="0.75"/>'
        f'<text x="{label_x:.1f}" y="{place.y + _ROW_HEIGHT * 0.65:.1f}" fill="#1d1d1f">'
        f"{escape(_shorten(item.when, 20))}</text></a>"
    )


def _legend(height: int) -> str:
    y = height - _MARGIN - 4
    parts = []
    left = _LANE_LABEL_WIDTH
    for kind, colour in _COLOURS.items():
        parts.append(
            f'<rect x="{left}" y="{y - 10}" width="12" height="12" fill="{colour}" '
            f'fill-opacity="0.75"/><text x="{left + 16}" y="{y}" fill="#1d1d1f">{kind}</text>'
        )
        left += 140
    parts.append(
        f'<text x="{left}" y="{y}" fill="#555555">a bar spans every day its date admits</text>'
    )
    return "".join(parts)


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
