"""Canned queries: `.rq` files with a `#+` header, loaded by name, run with bound parameters.

Header lines::

    #+ title: Statements on a proposition, oldest first
    #+ summary: What the query answers.
    #+ param: proposition (iri, optional) — what the parameter means
    #+ bind: values

Parameter values are turned into RDF terms here and handed to the engine as bindings
(pyoxigraph substitutions), so a value can never change the query's text. A bound parameter
must therefore be projected by the query's SELECT clause; an optional parameter left out
leaves its variable free, which usually means "all". In a FILTER, test an optional parameter
with ``COALESCE(test, true)``: the engine folds ``BOUND(?param)`` to false before substituting.

An engine that takes no bindings (a remote SPARQL server) gets the query from ``with_values``:
each binding written in as a one-row VALUES block wherever the substitution would reach.
So does the embedded engine for a query whose header says ``#+ bind: values``: Oxigraph plans a
query before it substitutes, as if the parameter were free, while a VALUES block is planned
from. Which suits a query is measured, not guessed (benchmarks/binding.py): at 1M triples
`statistics` took 62 ms substituted against 4 ms written in, `document-supports` 0.2 ms
against 231.

An IRI parameter must name something in the graph: ``prepare`` binds the values, then asks the
store whether each IRI occurs in any graph, and raises UnknownResource, with the nearest names
the ``search`` query finds, if one does not. A mistyped speaker must not read as "said nothing".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from . import resources
from .namespaces import DEFAULT_BASE_IRI, PREFIXES, short_iri
from .querybind import with_values
from .results import QueryResult
from .store import GraphStore

PARAM_KINDS = ("iri", "string", "date", "integer")
_HEADER = re.compile(r"^#\+\s*(\w+)\s*:\s*(.*?)\s*$")
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)\s*\((?P<kind>\w+)(?:\s*,\s*(?P<need>optional|required))?\)"
    r"\s*(?:[\u2014\u2013-]+\s*(?P<help>.*))?$"  # help after an em dash, en dash or hyphens
)
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class QueryNotFound(KeyError):
    """No canned query has that name."""


class BadParameter(ValueError):
    """A parameter is unknown, missing or not of its declared kind; the message says which."""


class UnknownResource(BadParameter):
    """An IRI parameter names nothing in the graph; an empty answer would read as "none".

    ``suggestions`` are (IRI, label) pairs of resources whose names come nearest the value.
    """

    def __init__(
        self,
        parameter: str,
        iri: str,
        suggestions: tuple[tuple[str, str], ...] = (),
        base_iri: str = DEFAULT_BASE_IRI,
    ):
        self.parameter = parameter
        self.iri = iri
        self.suggestions = tuple(suggestions)
        self.base_iri = base_iri
        self.problem = f"{parameter}: nothing in the graph is <{iri}>"
        if self.suggestions:
            named = ", ".join(f"{short_iri(i, base_iri)} ({label})" for i, label in suggestions)
            hint = f"did you mean: {named}?"
        else:
            hint = "no name in the graph comes near it; look for one with the search query"
        super().__init__(f"{self.problem}; {hint}")

    def __reduce__(self):
        # Rebuilt from its fields, so that it crosses a process boundary (pickle) intact.
        return (type(self), (self.parameter, self.iri, self.suggestions, self.base_iri))


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    required: bool
    help: str


@dataclass(frozen=True)
class CannedQuery:
    name: str
    title: str
    summary: str
    params: tuple[Param, ...]
    text: str
    # The parameters are written into the text as VALUES blocks for every engine.
    binds_as_values: bool = False

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def text_with_values(self, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
        """The text for an engine that takes no bindings: the bindings written in
        (with_values), the parameters not given left unbound."""
        given = set(bindings)
        return with_values(
            self.text, bindings, [p.name for p in self.params if p.name not in given]
        )


def parse_query_file(path: Path) -> CannedQuery:
    """Read one `.rq` file and its header."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params = []
    for line in text.splitlines():
        match = _HEADER.match(line)
        if not match:
            continue
        key, value = match.group(1).lower(), match.group(2)
        if key == "param":
            params.append(_parse_param(path, value))
        else:
            fields[key] = value
    for required in ("title", "summary"):
        if required not in fields:
            raise ValueError(f"{path}: the header lacks '#+ {required}:'")
    binding = fields.get("bind", "engine")
    if binding not in ("engine", "values"):
        raise ValueError(f"{path}: '#+ bind: {binding}': write 'engine' (the default) or 'values'")
    return CannedQuery(
        path.stem,
        fields["title"],
        fields["summary"],
        tuple(params),
        text,
        binds_as_values=binding == "values",
    )


def _parse_param(path: Path, spec: str) -> Param:
    match = _PARAM.match(spec)
    if not match or match.group("kind") not in PARAM_KINDS:
        raise ValueError(
            f"{path}: cannot read '#+ param: {spec}'; write 'name (kind[, optional]) — help' "
            f"with kind one of {', '.join(PARAM_KINDS)}"
        )
    required = match.group("need") != "optional"
    return Param(match.group("name"), match.group("kind"), required, match.group("help") or "")


@cache
def _catalogue(directory: Path) -> dict[str, CannedQuery]:
    return {p.stem: parse_query_file(p) for p in sorted(directory.glob("*.rq"))}


def catalogue(directory: Path | None = None) -> dict[str, CannedQuery]:
    """Every canned query by name."""
    return _catalogue(directory or resources.queries_dir())


def get(name: str, directory: Path | None = None) -> CannedQuery:
    queries = catalogue(directory)
    if name not in queries:
        known = ", ".join(sorted(queries))
        raise QueryNotFound(f"no canned query named {name!r}; known: {known}")
    return queries[name]


def bind(
    query: CannedQuery, values: Mapping[str, str], base_iri: str = DEFAULT_BASE_IRI
) -> dict[str, ox.NamedNode | ox.Literal]:
    """Check the raw parameter values against the query's declared parameters; make terms."""
    unknown = sorted(set(values) - {p.name for p in query.params})
    if unknown:
        accepted = ", ".join(p.name for p in query.params) or "none"
        raise BadParameter(
            f"{query.name} has no parameter {', '.join(unknown)} (accepted: {accepted})"
        )
    bindings = {}
    for param in query.params:
        raw = values.get(param.name)
        if raw is None or raw == "":
            if param.required:
                raise BadParameter(f"{query.name} needs the parameter {param.name}: {param.help}")
            continue
        bindings[param.name] = to_term(param, raw, base_iri)
    return bindings


def to_term(param: Param, raw: str, base_iri: str = DEFAULT_BASE_IRI) -> ox.NamedNode | ox.Literal:
    """One raw value as the RDF term of the parameter's kind."""
    if param.kind == "iri":
        iri = expand_iri(raw, base_iri, param.name)
        try:
            return ox.NamedNode(iri)
        except ValueError as error:  # a code point no IRI may hold, e.g. a control character
            raise BadParameter(f"{param.name} is not a usable IRI: {raw!r} ({error})") from None
    if param.kind == "date":
        return ox.Literal(_first_day(param, raw), datatype=ox.NamedNode(PREFIXES["xsd"] + "date"))
    if param.kind == "integer":
        if not re.fullmatch(r"[+-]?[0-9]+", raw):
            raise BadParameter(f"{param.name} must be an integer, not {raw!r}")
        return ox.Literal(str(int(raw)), datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))
    return ox.Literal(raw)


def _first_day(param: Param, raw: str) -> str:
    """YYYY-MM-DD as given; YYYY-MM and YYYY stand for the first day of that month or year."""
    text = raw.strip()
    padded = {4: f"{text}-01-01", 7: f"{text}-01"}.get(len(text), text)
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", padded):
        try:
            date.fromisoformat(padded)
            return padded
        except ValueError:
            pass
    raise BadParameter(f"{param.name} must be a date YYYY-MM-DD (or YYYY-MM, YYYY), not {raw!r}")


def expand_iri(raw: str, base_iri: str = DEFAULT_BASE_IRI, name: str = "value") -> str:
    """Accept <iri>, an absolute IRI, prefix:local with a known prefix, or id/… under the base."""
    text = raw.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, _, local = text.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        text = PREFIXES[prefix] + local
    elif not _ABSOLUTE_IRI.match(text):
        text = base_iri + text.lstrip("/")
    if not text or _IRI_FORBIDDEN.search(text):
        raise BadParameter(f"{name} is not a usable IRI: {raw!r}")
    return text


# Whether an IRI occurs anywhere in any graph, as subject, predicate or object.
_NAMES_SOMETHING = (
    "ASK { GRAPH ?graph { { ?iri ?p ?o } UNION { ?s ?iri ?o } UNION { ?s ?p ?iri } } }"
)
MAX_SUGGESTIONS = 3
_MIN_SEARCH = 3  # shorter texts are part of too many names to suggest anything


def require_known(
    store: GraphStore,
    query: CannedQuery,
    values: Mapping[str, str],
    bindings: Mapping[str, ox.NamedNode | ox.Literal],
    base_iri: str = DEFAULT_BASE_IRI,
) -> None:
    """UnknownResource, with suggestions, for an IRI parameter that names nothing in the store.

    Without this, a mistyped speaker would answer "no rows", which reads as "said nothing".
    """
    for param in query.params:
        term = bindings.get(param.name)
        if param.kind != "iri" or term is None:
            continue
        found = store.query(_NAMES_SOMETHING, bindings={"iri": term})
        if not found.value:
            nearest = suggest(store, values[param.name], term.value)
            raise UnknownResource(param.name, term.value, nearest, base_iri)


def suggest(store: GraphStore, raw: str, iri: str) -> tuple[tuple[str, str], ...]:
    """(IRI, label) of the resources whose names come nearest ``raw``, best first.

    The search query is asked for the text as given; failing that, for the words of its last
    path segment (``id/person/napolitano`` → "napolitano"), then for each word, then for the
    start of each word (a typo is usually near the end). Resources beside ``iri``
    (``id/person/…``) come first, then those whose labels are most like the words.
    """
    segment = re.split(r"[/#:]", raw.strip().strip("<>").rstrip("/#"))[-1]
    words = [w for w in re.split(r"[\W_]+", segment) if w]
    attempts = [
        [raw.strip()],
        [" ".join(words)],
        words,
        [w[: max(_MIN_SEARCH, len(w) * 2 // 3)] for w in words],
    ]
    labels: dict[str, str] = {}
    names: dict[str, set[str]] = {}  # every name of a resource that the search matched
    for texts in attempts:
        for text in dict.fromkeys(t for t in texts if len(t) >= _MIN_SEARCH):
            for row in run(store, "search", {"text": text}).rows:
                resource, label = row["resource"].value, row["label"].value
                labels.setdefault(resource, label)
                names.setdefault(resource, {label}).update(row["matches"].value.split(" | "))
        if labels:
            break
    wanted = " ".join(words).lower() or raw.lower()
    beside = re.sub(r"[^/#]*$", "", iri)

    def nearness(resource: str) -> tuple:
        similar = max(
            difflib.SequenceMatcher(None, wanted, name.lower()).ratio() for name in names[resource]
        )
        return (not resource.startswith(beside), -similar, labels[resource], resource)

    nearest = sorted(labels, key=nearness)[:MAX_SUGGESTIONS]
    return tuple((resource, labels[resource]) for resource in nearest)


def prepare(
    store: GraphStore,
    query: CannedQuery,
    values: Mapping[str, str],
    base_iri: str = DEFAULT_BASE_IRI,
) -> dict[str, ox.NamedNode | ox.Literal]:
    """bind() the raw values, then require_known(): the bindings to run the query with."""
    bindings = bind(query, values, base_iri)
    require_known(store, query, values, bindings, base_iri)
    return bindings


def for_store(
    store: GraphStore, query: CannedQuery, bindings: Mapping[str, ox.NamedNode | ox.Literal]
) -> tuple[str, dict]:
    """The text and bindings to send ``store``: as they are to an engine that substitutes
    bindings, written into the text (text_with_values) for one that does not, or for a query
    planned better so."""
    if store.substitutes_bindings and not query.binds_as_values:
        return query.text, dict(bindings)
    return query.text_with_values(bindings), {}


def run(
    store: GraphStore,
    name: str,
    values: Mapping[str, str] | None = None,
    *,
    base_iri: str = DEFAULT_BASE_IRI,
    row_limit: int | None = None,
    directory: Path | None = None,
) -> QueryResult:
    """Run the canned query ``name`` with raw parameter ``values``, the prefixes predeclared."""
    query = get(name, directory)
    bindings = prepare(store, query, values or {}, base_iri)
    text, bindings = for_store(store, query, bindings)
    return store.query(text, bindings=bindings, prefixes=PREFIXES, row_limit=row_limit)
