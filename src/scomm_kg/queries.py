"""Canned queries: `.rq` files with a `#+` header, loaded by name, run with bound parameters.

Header lines::

    #+ title: Statements on a proposition, oldest first
    #+ summary: What the query answers.
    #+ param: proposition (iri, optional) — what the parameter means

Parameter values are turned into RDF terms here and handed to the engine as bindings
(pyoxigraph substitutions), so a value can never change the query's text. A bound parameter
must therefore be projected by the query's SELECT clause; an optional parameter left out
leaves its variable free, which usually means "all". In a FILTER, test an optional parameter
with ``COALESCE(test, true)``: the engine folds ``BOUND(?param)`` to false before substituting.

An engine that takes no bindings (a remote SPARQL server) gets the query from ``with_values``:
each binding written in as a one-row VALUES block wherever the substitution would reach.

An IRI parameter must name something in the graph: ``prepare`` binds the values, then asks the
store whether each IRI occurs in any graph, and raises UnknownResource, with the nearest names
the ``search`` query finds, if one does not. A mistyped speaker must not read as "said nothing".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from . import resources
from .namespaces import DEFAULT_BASE_IRI, PREFIXES, short_iri
from .results import QueryResult, term_syntax
from .sparql_tokens import Token, tokenize
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
    return CannedQuery(path.stem, fields["title"], fields["summary"], tuple(params), text)


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
    return store.query(query.text, bindings=bindings, prefixes=PREFIXES, row_limit=row_limit)


# --- Bindings written into the query, for engines that take none ----------------------------

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Words before "(" that open a list of terms, not an expression (``?s a (…)``, ``VALUES (…)``).
_LIST_OPENERS = {"A", "VALUES"}


@dataclass
class _Scope:
    """A query or sub-select, by token index: its form (or SELECT), the "{" and "}" of its
    WHERE group, and the end of its modifiers (GROUP BY …); the variables it projects by name
    (None: every one, as ASK and SELECT * do) and the tokens that name them."""

    form: int
    opening: int
    closing: int
    modifiers_end: int
    projects: frozenset[str] | None
    projected_tokens: dict[str, int]
    parent: _Scope | None = None
    bound: frozenset[str] = frozenset()

    def holds(self, index: int) -> bool:
        return self.opening < index < self.closing


def with_values(
    sparql: str,
    bindings: Mapping[str, ox.NamedNode | ox.Literal],
    unbound: Iterable[str] = (),
) -> str:
    """The query with each binding written in as a one-row VALUES block, for an engine that
    takes no bindings; the same answers as Oxigraph's substitutions.

    Those bind a variable of the query's projection (every variable of ASK, CONSTRUCT,
    DESCRIBE or SELECT *) from the start of its evaluation, and inside each sub-select that
    projects it too, through sub-selects that all do; a sub-select that does not project it
    has a variable of that name of its own. So the block goes at the start of the WHERE group
    of the query and of each such sub-select, where what follows in the group is joined with
    it and its FILTERs see it bound. (A FILTER in a group nested deeper, not a sub-select,
    still reads its own scope: no canned query tests a parameter there.)

    ``unbound`` names parameters left out on purpose (an optional parameter not given). A
    sub-select that projects one but never binds it (it only reads it in expressions) answers
    it unbound, which in SPARQL joins with any value; Virtuoso joins it as SQL joins NULL, with
    nothing, and loses rows. Such a variable is taken out of that sub-select's projection and
    GROUP BY, which changes nothing in SPARQL.

    The terms are written as N-Triples terms from the parsed values, never from raw text.
    """
    unbound = frozenset(unbound) - set(bindings)
    if not bindings and not unbound:
        return sparql
    for name in (*bindings, *unbound):
        if not _VARIABLE_NAME.fullmatch(name):
            raise ValueError(f"not a variable name: {name!r}")
    for name, term in bindings.items():
        if not isinstance(term, ox.NamedNode | ox.Literal):
            raise ValueError(f"?{name}: only an IRI or a literal can be written into a query")
    tokens = tokenize(sparql)
    scopes = _scopes(tokens)
    if not scopes:
        raise ValueError("the query has no WHERE group to bind its variables in")
    top = scopes[0]
    unprojected = sorted(set(bindings) - top.projects) if top.projects is not None else []
    if unprojected:
        names = ", ".join("?" + name for name in unprojected)
        raise ValueError(f"the query does not project {names}, so it cannot be bound")
    top.bound = frozenset(bindings)
    for scope in scopes[1:]:
        inherited = scope.parent.bound if scope.parent else frozenset()
        scope.bound = inherited if scope.projects is None else inherited & scope.projects
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the text
    for scope in scopes:
        if scope.bound:
            block = "".join(
                f" VALUES ?{name} {{ {term_syntax(bindings[name])} }}"
                for name in sorted(scope.bound)
            )
            at = tokens[scope.opening].start + len(tokens[scope.opening].text)
            edits.append((at, at, block))
    edits += _unprojected(tokens, scopes, unbound)
    text = sparql
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _unprojected(tokens: list[Token], scopes: list[_Scope], unbound: frozenset[str]):
    """Edits that take each unbound variable out of the sub-selects that only read it,
    innermost first (a sub-select that keeps it binds it, for the one around it)."""
    edits = []
    dropped: dict[int, set[str]] = {}  # scope's form index → the variables taken out of it
    for scope in reversed(scopes[1:]):
        inner = [s for s in scopes if scope.holds(s.form)]
        for name in sorted(unbound & set(scope.projected_tokens)):
            if _binds(tokens, scope, inner, dropped, name):
                continue
            group_by = _group_by_tokens(tokens, scope, name)
            if len(scope.projected_tokens) == 1 or group_by is None:
                continue  # nothing would be left to project, or to group by
            dropped.setdefault(scope.form, set()).add(name)
            for index in (scope.projected_tokens[name], *group_by):
                token = tokens[index]
                edits.append((token.start, token.start + len(token.text), ""))
    return edits


def _binds(tokens, scope: _Scope, inner: list[_Scope], dropped, name: str) -> bool:
    """Whether ``?name`` may be bound in the scope's WHERE group: anywhere but in an
    expression (FILTER, BIND's expression, a function's arguments), or by a sub-select that
    still projects it. Unsure counts as bound."""
    openers: list[bool] = []  # for each open "(" here: whether it opens an expression
    for index in range(scope.opening + 1, scope.closing):
        token = tokens[index]
        if any(s.form <= index < s.modifiers_end for s in inner):
            continue  # a sub-select's own scope: it counts by its projection, below
        if token.text == "(":
            before = tokens[index - 1]
            expression = (openers and openers[-1]) or (
                before.kind == "word" and before.text.upper() not in _LIST_OPENERS
            )
            openers.append(bool(expression))
        elif token.text == ")" and openers:
            openers.pop()
        elif token.kind == "var" and token.text[1:] == name:
            after_as = tokens[index - 1].kind == "word" and tokens[index - 1].text.upper() == "AS"
            if not openers or not openers[-1] or after_as:
                return True
    return any(
        s.projects is None or (name in s.projects and name not in dropped.get(s.form, ()))
        for s in inner
        if not any(o.holds(s.form) for o in inner if o is not s)
    )


def _group_by_tokens(tokens: list[Token], scope: _Scope, name: str) -> list[int] | None:
    """The tokens naming ``?name`` in the scope's GROUP BY; None if it would be left empty."""
    depth = tokens[scope.form].depth
    modifiers = range(scope.closing + 1, scope.modifiers_end)
    words = [i for i in modifiers if tokens[i].kind == "word" and tokens[i].depth == depth]
    starts = [i for i in words if tokens[i].text.upper() == "GROUP"]
    if not starts:
        return []
    ends = [i for i in words if i > starts[0] + 1 and tokens[i].text.upper() in ("HAVING", "ORDER")]
    keys = range(starts[0] + 2, ends[0] if ends else scope.modifiers_end)
    named = [i for i in keys if tokens[i].kind == "var" and tokens[i].text[1:] == name]
    return named if len(named) < len(keys) else None


def _scopes(tokens: list[Token]) -> list[_Scope]:
    """The query's own scope, then each sub-select's, in the order they begin."""
    words = [(i, t) for i, t in enumerate(tokens) if t.kind == "word"]
    form = next((i for i, t in words if t.text.upper() not in ("PREFIX", "BASE")), None)
    if form is None:
        return []
    starts = [form] + [i for i, t in words if i > form and t.text.upper() == "SELECT"]
    scopes: list[_Scope] = []
    for index in starts:
        scope = _scope_at(tokens, index)
        if scope is None:
            continue
        enclosing = [s for s in scopes if s.holds(index)]
        scope.parent = enclosing[-1] if enclosing else None
        scopes.append(scope)
    return scopes


def _scope_at(tokens: list[Token], index: int) -> _Scope | None:
    """The scope of the query form or SELECT at ``index``, or None if it has no WHERE group."""
    form, depth = tokens[index].text.upper(), tokens[index].depth
    groups = (i for i in range(index + 1, len(tokens)) if _opens_group(tokens[i], depth))
    if form == "CONSTRUCT":
        # CONSTRUCT WHERE { … } has one group; CONSTRUCT { template } … WHERE { … } two.
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        if after is None or after.kind != "word" or after.text.upper() != "WHERE":
            next(groups, None)
    opening = next(groups, None)
    if opening is None:
        return None
    closing = next(
        (i for i in range(opening + 1, len(tokens)) if _closes_group(tokens[i], depth)),
        len(tokens),
    )
    # A sub-select's modifiers end where the group around it closes; the query's, at the end.
    modifiers_end = next(
        (i for i in range(closing + 1, len(tokens)) if _closes_group(tokens[i], depth - 1)),
        len(tokens),
    )
    projects, projected_tokens = None, {}
    if form == "SELECT":
        projection = range(index + 1, opening)
        if not any(tokens[i].text == "*" and tokens[i].depth == depth for i in projection):
            plain = {
                tokens[i].text[1:]: i
                for i in projection
                if tokens[i].kind == "var" and tokens[i].depth == depth
            }
            named = {
                tokens[i].text[1:]
                for i in projection
                if tokens[i].kind == "var" and tokens[i - 1].text.upper() == "AS"
            }
            projects, projected_tokens = frozenset(plain) | named, plain
    return _Scope(index, opening, closing, modifiers_end, projects, projected_tokens)


def _opens_group(token: Token, depth: int) -> bool:
    return token.depth == depth and token.kind == "punct" and token.text == "{"


def _closes_group(token: Token, depth: int) -> bool:
    return token.depth == depth + 1 and token.kind == "punct" and token.text == "}"
