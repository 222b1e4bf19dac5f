"""What a SPARQL query text asks for, read without running it.

A small lexer drops comments, IRIs and string literals, then reads the bare keywords that are
left. That is enough to learn the query form (to negotiate a response format before running),
whether the query names its own dataset (FROM / FROM NAMED), and whether it asks for something
this service never does (SERVICE: calling other endpoints). The engine still parses the query
and reports syntax errors with their position; this only reads keywords.
"""

from __future__ import annotations

import re

_SKIPPED = re.compile(
    r"""
      \#[^\n\r]*                                  # comment
    | <[^<>"{}|^`\\\x00-\x20]*>                   # IRI reference
    | '''(?:[^'\\]|\\.|'(?!''))*'''               # long strings
    | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
    | '(?:[^'\\\n\r]|\\.)*'                       # short strings
    | "(?:[^"\\\n\r]|\\.)*"
    """,
    re.VERBOSE | re.DOTALL,
)
# A keyword is a bare word: not part of a variable (?x $x), prefixed name (ex:x x:), language
# tag (@en), blank node label (_:x) or longer name.
_KEYWORD = re.compile(r"(?<![\w?$:@.\-])([A-Za-z]+)(?![\w:\-])")
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
FORBIDDEN = {
    "SERVICE": "SERVICE is not allowed: this endpoint never calls other SPARQL services",
}


def keywords(sparql: str) -> list[str]:
    """The bare words of the query, upper-cased, in order, outside comments, IRIs and strings."""
    stripped = _SKIPPED.sub(" ", sparql)
    return [match.group(1).upper() for match in _KEYWORD.finditer(stripped)]


def query_form(sparql: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first query form keyword, or None."""
    for word in keywords(sparql):
        if word in QUERY_FORMS:
            return word
    return None


def has_dataset_clause(sparql: str) -> bool:
    """Whether the query names its own dataset with FROM or FROM NAMED."""
    return "FROM" in keywords(sparql)


def forbidden_reason(sparql: str) -> str | None:
    """Why the query must not run here, or None if nothing it asks for is refused."""
    for word in keywords(sparql):
        if word in FORBIDDEN:
            return FORBIDDEN[word]
    return None
