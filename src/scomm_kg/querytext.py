"""What a SPARQL query text asks for, read without running it.

Everything here reads the tokens of sparql_tokens, which follow the grammar's terminals and
decide the one ambiguous character, "<", as the engine's parser does. That gives the query
form (to negotiate a response format before running), whether the text is an update rather
than a query, how deep it nests, the order in which a SELECT * query names its variables, and
whether it asks for SERVICE, which this endpoint never runs.

SERVICE is decided from that structure, not from the letters: the engine reads a keyword by
its letters alone wherever a graph pattern may begin, so a name-like token that starts with
"service" there is refused (``SERVICE``, ``service silent``, ``SERVICE:x``, ``SERVICESILENT``),
while the word in a string, a comment, an IRI, a variable or a prefixed name elsewhere
(``sd:Service``, ``?service``) is not. A character that no terminal begins with makes the
engine reject the query; if such a query mentions "service" at all it is refused here rather
than trusted, since a reading that went wrong before that character could have hidden the
keyword. The worker that runs a query has no network besides (serving/isolation.py), so a
reading that went wrong anywhere else still reaches nothing.
"""

from __future__ import annotations

import re

from .sparql_tokens import Token, tokenize

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_OPERATIONS = (
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "DROP",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
)
FORBIDDEN = {
    "SERVICE": "SERVICE is not allowed: this endpoint never calls other SPARQL services",
}
# An IRI's scheme and colon (RFC 3986, 3.1): an IRI with one is absolute.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# Deeper nesting is no real query; it overflows parsers' stacks (a crash, not an answer).
MAX_NESTING = 64


def keywords(sparql: str) -> list[str]:
    """The bare words of the query, upper-cased, in order (names, strings, IRIs left out)."""
    return [token.text.upper() for token in tokenize(sparql) if token.kind == "word"]


def _first_word(tokens: list[Token]) -> Token | None:
    """The first bare word after the prologue (PREFIX and BASE declarations)."""
    for token in tokens:
        if token.kind == "word" and token.text.upper() not in ("PREFIX", "BASE"):
            return token
    return None


def query_form(sparql: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the query form, or None.

    Like the engine, a form is read by its letters (``SELECTDISTINCT`` is SELECT DISTINCT).
    """
    first = _first_word(tokenize(sparql))
    if first is None:
        return None
    return next((form for form in QUERY_FORMS if first.text.upper().startswith(form)), None)


def update_keyword(sparql: str) -> str | None:
    """The SPARQL Update operation the text starts with (INSERT, LOAD, …), if it is one."""
    first = _first_word(tokenize(sparql))
    if first is None:
        return None
    word = first.text.upper()
    return next((op for op in UPDATE_OPERATIONS if word.startswith(op)), None)


def star_variables(sparql: str) -> list[str] | None:
    """For a SELECT * query, its variables in order of first appearance; None for any other.

    SPARQL gives SELECT * the in-scope variables in the order they appear in the query; an
    engine that lists them otherwise can be set right with this. Variables in comments, IRIs
    and strings do not count.
    """
    tokens = tokenize(sparql)
    first = _first_word(tokens)
    if first is None or first.text.upper() != "SELECT":
        return None
    rest = tokens[tokens.index(first) + 1 :]
    if rest and rest[0].kind == "word" and rest[0].text.upper() in ("DISTINCT", "REDUCED"):
        rest = rest[1:]
    if not rest or rest[0].text != "*":
        return None
    return list(dict.fromkeys(t.text[1:] for t in rest if t.kind == "var"))


def nesting_depth(sparql: str) -> int:
    """How deep brackets nest, outside comments, IRIs and strings."""
    return max((token.depth + 1 for token in tokenize(sparql) if token.text in "({["), default=0)


def forbidden_reason(sparql: str) -> str | None:
    """Why the query must not run here, or None if nothing it asks for is refused."""
    if "service" not in sparql.lower():
        return None
    tokens = tokenize(sparql)
    if any(_may_be_read_as_service(token) for token in tokens):
        return FORBIDDEN["SERVICE"]
    unreadable = next((token for token in tokens if token.kind == "error"), None)
    if unreadable is not None:
        line, column = position(sparql, unreadable.start)
        return (
            f"{FORBIDDEN['SERVICE']}; this query mentions 'service' and cannot be read as "
            f"SPARQL from line {line}, column {column} ({unreadable.text!r}), so it is refused "
            f"rather than trusted"
        )
    return None


def _may_be_read_as_service(token: Token) -> bool:
    """Whether the engine may read SERVICE at this token.

    Where a graph pattern may begin, a name that starts with the keyword's letters. Inside a
    group anywhere, a bare word or a prefix that holds them after a keyword the engine can
    end a triple with (``trueSERVICE <…> {…}`` reads as the object true, then SERVICE): no
    keyword or function name holds those letters, so nothing a query needs is lost.
    """
    if token.kind not in ("word", "pname"):
        return False
    head = token.text.split(":", 1)[0].upper() if token.kind == "pname" else token.text.upper()
    if token.pattern_start and token.text[:7].upper() == "SERVICE":
        return True
    glued = any(head.startswith(word + "SERVICE") for word in ("TRUE", "FALSE"))
    return token.depth > 0 and (glued or (token.kind == "word" and "SERVICE" in head))


def position(text: str, offset: int) -> tuple[int, int]:
    """Line and column (both from 1) of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def names_dataset(sparql: str) -> bool:
    """Whether the query has a dataset clause of its own (FROM or FROM NAMED).

    Only a query's prologue-level clause can say FROM, and the engine reads the keyword by its
    letters, so any bare word that starts with FROM counts.
    """
    return any(word.startswith("FROM") for word in keywords(sparql))


def leading_bases(sparql: str) -> int:
    """Where the query's leading BASE declarations end (0 when it starts otherwise): the text
    before is only BASE declarations, comments and space."""
    end = 0
    tokens = tokenize(sparql)
    for word, iri in zip(tokens[::2], tokens[1::2], strict=False):
        if word.kind != "word" or word.text.upper() != "BASE" or iri.kind != "iri":
            break
        end = iri.start + len(iri.text)
    return end


def first_base_is_absolute(sparql: str) -> bool:
    """Whether the query starts with a BASE declaration whose IRI has a scheme (RFC 3986), so
    that no base from outside the query changes what it means."""
    tokens = tokenize(sparql)
    if len(tokens) < 2 or tokens[0].kind != "word" or tokens[0].text.upper() != "BASE":
        return False
    return tokens[1].kind == "iri" and _SCHEME.match(tokens[1].text[1:]) is not None


def without_dataset_clauses(sparql: str) -> str:
    """The query without its own FROM and FROM NAMED clauses, which a dataset given in the
    protocol replaces (SPARQL 1.1 Protocol, 2.1.4).

    A clause is the word FROM, NAMED perhaps, and an IRI or prefixed name, outside any group;
    a query that spells one otherwise (the engine reads FROMNAMED too) is left as it is, for
    the server to refuse or read.
    """
    tokens = tokenize(sparql)
    cuts: list[tuple[int, int]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "word" and token.depth == 0 and token.text.upper() == "FROM":
            after = index + 1
            if after < len(tokens) and tokens[after].kind == "word":
                if tokens[after].text.upper() != "NAMED":
                    return sparql
                after += 1
            if after >= len(tokens) or tokens[after].kind not in ("iri", "pname"):
                return sparql
            end = tokens[after]
            cuts.append((token.start, end.start + len(end.text)))
            index = after + 1
            continue
        index += 1
    for start, end in reversed(cuts):
        sparql = sparql[:start] + sparql[end:]
    return sparql
