"""What a SPARQL query text asks for, read without running it.

A small lexer drops comments, IRIs and string literals, then reads the bare keywords and
variables that are left. That is enough to learn the query form (to negotiate a response format
before running), whether the text is an update rather than a query, how deep it nests, and the
order in which a SELECT * query names its variables. The engine still
parses the query and reports syntax errors with their position.

Refusing SERVICE needs more than a lexer: "<" is both less-than and the start of an IRI, and a
lexer that guesses differently from the engine can be made to hide a keyword (``FILTER(1<2)
SERVICE#>`` reads as one IRI to a lexer and as less-than, SERVICE and a comment to the
engine). So whenever the letters "service" occur anywhere but as a plain keyword, a full SPARQL
parser (rdflib's) decides, and a query it cannot parse is refused rather than trusted.
"""

from __future__ import annotations

import re
import threading

from pyparsing import ParseResults
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue

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
_VARIABLE = re.compile(r"[?$](\w+)")
# What follows the SELECT of a SELECT * query: the star, perhaps after DISTINCT or REDUCED.
_STAR = re.compile(r"\s*(?:(?:DISTINCT|REDUCED)(?![\w:\-])\s*)?\*", re.IGNORECASE)
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


def star_variables(sparql: str) -> list[str] | None:
    """For a SELECT * query, its variables in order of first appearance; None for any other.

    SPARQL gives SELECT * the in-scope variables in the order they appear in the query; an
    engine that lists them otherwise can be set right with this. Variables in comments, IRIs
    and strings do not count.
    """
    stripped = _SKIPPED.sub(" ", sparql)
    for match in _KEYWORD.finditer(stripped):
        if match.group(1).upper() in QUERY_FORMS:
            if match.group(1).upper() != "SELECT" or not _STAR.match(stripped, match.end()):
                return None
            return list(dict.fromkeys(_VARIABLE.findall(stripped, match.end())))
    return None


_PARSER_LOCK = threading.Lock()  # rdflib's SPARQL parser is not thread-safe (rdflib #1282)


# Deeper nesting is no real query; it overflows parsers' stacks (a crash, not an answer).
MAX_NESTING = 64


def nesting_depth(sparql: str) -> int:
    """How deep (, { and [ nest outside comments, IRIs and strings."""
    depth = deepest = 0
    for char in _SKIPPED.sub(" ", sparql):
        if char in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")}]":
            depth = max(depth - 1, 0)
    return deepest


def update_keyword(sparql: str) -> str | None:
    """The SPARQL Update operation the text starts with (INSERT, LOAD, …), if it is one."""
    words = [w for w in keywords(sparql) if w not in ("PREFIX", "BASE")]
    updates = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
    return words[0] if words and words[0] in updates else None


def forbidden_reason(sparql: str) -> str | None:
    """Why the query must not run here, or None if nothing it asks for is refused."""
    if "service" not in sparql.lower():
        return None
    if "SERVICE" in keywords(sparql):
        return FORBIDDEN["SERVICE"]
    # The word is only in variables or names, or hidden in what the lexer skipped. Only the
    # skipped text (IRIs, strings, comments) can hide a keyword from it; look there.
    if not any("service" in m.group(0).lower() for m in _SKIPPED.finditer(sparql)):
        return None
    try:
        with _PARSER_LOCK:
            tree = parseQuery(sparql)
    except Exception as error:
        return (
            f"{FORBIDDEN['SERVICE']}; this query mentions 'service' and a second parser, which "
            f"must clear such queries, rejects it: {' '.join(str(error).split())}"
        )
    return FORBIDDEN["SERVICE"] if _has_service_pattern(tree) else None


def _has_service_pattern(tree) -> bool:
    """Whether rdflib's parse tree holds a SERVICE pattern anywhere."""
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                return True
            todo.extend(node.values())
        elif isinstance(node, list | tuple | ParseResults):
            todo.extend(node)
    return False
