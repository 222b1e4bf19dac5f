"""Finding resources by name, misspelt names included.

The canned ``search`` query (queries/search.rq) finds the resources one of whose names contains
the text, ignoring case. A misspelt text ("Napolitno") is part of no name; then every name in
the graph (queries/search/names.rq) is compared with it by rapidfuzz's partial ratio, which
scores the best alignment of the text with any stretch of a name, after folding case and
accents on both sides, and the search query is asked again with each name that comes near
enough. The answer is the search query's own columns either way, so that it downloads like any
canned query's.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from . import queries, resources
from .cache import PerVersion
from .namespaces import DEFAULT_BASE_IRI
from .results import SelectResult
from .store import GraphStore

# Longer than any name in the graph, so that a longer text can only be something else (a pasted
# paragraph), and short enough that comparing it with every name stays quick.
MAX_TEXT = 200
# Partial ratio (0-100) from which a name counts as the text misspelt: one wrong, missing or
# extra letter in a ten-letter word scores about 89, a word sharing only a few letters below 70.
NEAR_ENOUGH = 80
MAX_NEAR_NAMES = 5

_names_by_version = PerVersion()


class BadSearch(ValueError):
    """The search text is empty or too long; the message says which."""


@dataclass(frozen=True)
class Found:
    """What a search found: the search query's rows, and the names it was asked again with
    when no name contained the text (empty when some did)."""

    text: str
    result: SelectResult
    near_names: tuple[str, ...]


def fold(text: str) -> str:
    """The text as the tolerant comparison sees it: no accents, no case, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def check_text(raw: str | None) -> str:
    """The search text, trimmed; BadSearch when there is none or too much of it."""
    text = " ".join((raw or "").split())
    if not text:
        raise BadSearch("type part of a name to search for, e.g. napolitano")
    if len(text) > MAX_TEXT:
        raise BadSearch(
            f"a search text is at most {MAX_TEXT} characters (no name is longer), not {len(text)}"
        )
    return text


def search(store: GraphStore, raw: str | None, base_iri: str = DEFAULT_BASE_IRI) -> Found:
    """The resources named like ``raw``: those whose names contain it, else those whose names
    come near it."""
    text = check_text(raw)
    exact = queries.run(store, "search", {"text": text}, base_iri=base_iri)
    if exact.rows:
        return Found(text, exact, ())
    near = near_names(store, text)
    rows: dict[str, dict] = {}
    for name in near:
        for row in queries.run(store, "search", {"text": name}, base_iri=base_iri).rows:
            rows.setdefault(row["resource"].value, row)
    return Found(text, SelectResult(exact.variables, tuple(rows.values())), near)


def near_names(store: GraphStore, text: str) -> tuple[str, ...]:
    """The stretches of the graph's names nearest ``text`` ("Napolitano" in "Janet Napolitano"
    for "Napolitno"), best first, those near enough only."""
    folded = fold(text)
    matches = process.extract(
        folded,
        _names(store),
        scorer=_nearness,
        processor=fold,
        score_cutoff=NEAR_ENOUGH,
        limit=None,
    )
    stretches: dict[str, None] = {}
    for name, _score, _index in matches:
        stretches[_stretch(folded, name)] = None
        if len(stretches) == MAX_NEAR_NAMES:
            break
    return tuple(stretches)


def _nearness(text: str, name: str, **cutoff) -> float:
    # A name shorter than the text is compared whole: aligned inside the text, "unit" would
    # score as if "Secure Comunities" were a misspelling of it.
    scorer = fuzz.partial_ratio if len(name) >= len(text) else fuzz.ratio
    return scorer(text, name, **cutoff)


def _stretch(folded_text: str, name: str) -> str:
    """The part of ``name`` that the text lines up with; the whole name when folding changed
    its length (an accent taken off), where positions in the folded name are not its own."""
    folded = fold(name)
    if len(folded) != len(name) or len(folded) < len(folded_text):
        return name
    aligned = fuzz.partial_ratio_alignment(folded_text, folded)
    return name[aligned.dest_start : aligned.dest_end]


def _names(store: GraphStore) -> tuple[str, ...]:
    def read() -> tuple[str, ...]:
        query = queries.get("names", resources.queries_dir() / "search")
        return tuple(row["name"].value for row in store.query(query.text).rows)

    return _names_by_version.get(store, "names", read)
