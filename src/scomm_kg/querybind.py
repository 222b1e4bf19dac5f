"""Bindings written into a query's text, for engines that take none (remote SPARQL servers).

pyoxigraph substitutes bound variables before it evaluates a query (SEP-0007); a SPARQL 1.1
server has no such thing. `with_values` writes each binding in as a one-row VALUES block where
the substitution would reach, found from the query's tokens (sparql_tokens), so that a remote
store answers a parameterized query with the rows the embedded one gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from .results import term_syntax
from .sparql_tokens import Token, tokenize

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
                f" VALUES ?{name} {{ {_query_term(bindings[name])} }}"
                for name in sorted(scope.bound)
            )
            at = tokens[scope.opening].start + len(tokens[scope.opening].text)
            edits.append((at, at, block))
    edits += _unprojected(tokens, scopes, unbound)
    text = sparql
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _query_term(term: ox.NamedNode | ox.Literal) -> str:
    """The term as a query writes it: as N-Triples does, with every other control character
    as a \\u escape, which SPARQL reads as the character itself (Virtuoso ends a query's text
    at a raw NUL)."""
    return term_syntax(term).translate(_CONTROL_ESCAPES)


_CONTROL_ESCAPES = {
    code: f"\\u{code:04X}" for code in (*range(0x20), 0x7F) if code not in (9, 10, 13)
}


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
