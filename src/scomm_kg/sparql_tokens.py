"""SPARQL text as the engine reads it: tokens by the grammar's terminals, with their context.

The SPARQL 1.1 grammar (section 19.8) defines its terminals by regular expressions, but one
character is ambiguous between two of them: "<" starts an IRI (``<http://x>``) and is also
less-than. ``FILTER(1<2)SERVICE#>`` holds a valid IRI terminal, ``<2)SERVICE#>``, yet the
engine reads less-than, SERVICE and a comment: its parser decides by where it stands. So does
this tokenizer. Inside an expression, right after a complete operand (a variable, a literal, an
IRI, a closing bracket), "<" can only be an operator; everywhere else it starts an IRI. Which
bracket opens an expression (FILTER(…), BIND(…), a function call, SELECT (…)) and which opens a
graph pattern ({…}), a collection or a blank node is tracked on a stack as the text is read.

Each token also says whether it stands where a graph pattern may begin (the start of a group,
or after a complete triple): that is where the engine reads a keyword such as SERVICE. The
engine matches keywords by their letters alone, without a word boundary (``SERVICE:x {…}`` is
SERVICE and ``:x``; ``SERVICESILENT<…>`` is SERVICE SILENT), so the guard built on this
(querytext.forbidden_reason) looks at the start of every name-like token there.

Reading is linear in the length of the text: one compiled pattern tried per position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The grammar's character classes (section 19.8, productions 164-172), exactly.
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (
    f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)
_VARNAME = f"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_EXPONENT = r"[eE][+-]?[0-9]+"
# ECHAR, plus the \\u and \\U code point escapes the engine reads in strings and IRIs too.
_ECHAR = r"\\(?:[tbnrf\\\"']|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})"

_TOKEN = re.compile(
    rf"""
      (?P<ws>[\x20\t\r\n]+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}))*'''
               |\"\"\"(?:(?:"|"")?(?:[^"\\]|{_ECHAR}))*\"\"\"
               |'(?:[^'\\\n\r]|{_ECHAR})*'
               |"(?:[^"\\\n\r]|{_ECHAR})*")
    | (?P<var>[?$]{_VARNAME})
    | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
    | (?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)
    | (?P<number>[0-9]+\.[0-9]*{_EXPONENT}|\.[0-9]+{_EXPONENT}|[0-9]+{_EXPONENT}
               |[0-9]*\.[0-9]+|[0-9]+)
    | (?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<punct>\^\^|&&|\|\||!=|<=|>=|>>|\{{\||\|\}}|[{{}}()\[\].,;*+\-/|^!=<>~?])
    """,
    re.VERBOSE,
)
_IRIREF = re.compile(r'<(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>')
_LESS_THAN = re.compile(r"<<|<=|<")

# Bare words after which "(" opens a list of terms rather than an expression.
_LIST_WORDS = {"VALUES", "A"}
# Tokens that complete an operand: after them, inside an expression, "<" is less-than.
_OPERAND_ENDS = {"var", "iri", "pname", "string", "number", "langtag", "bnode"}
_OPERAND_END_PUNCT = {")", "]", ">>"}
_BOOLEANS = {"TRUE", "FALSE"}
_MODIFIER_WORDS = {"GROUP", "HAVING", "ORDER"}


@dataclass(frozen=True)
class Token:
    """One terminal of the query: its kind, its text and where it stands.

    ``kind`` is iri, pname, var, bnode, string, number, langtag, word (a bare keyword or
    function name), punct, or error (a character no terminal begins with). ``pattern_start``
    is true where a graph pattern may begin, so where the engine would read a keyword.
    """

    kind: str
    text: str
    start: int
    depth: int
    pattern_start: bool


@dataclass
class _Frame:
    kind: str  # top, group ({…}), expr ((…) of an expression) or list (collection, […], VALUES)
    terms: int = 0  # in a group: terms of the current triple read so far
    node_subject: bool = False  # in a group: the triple's subject is […], (…) or << … >>
    after_semicolon: bool = False  # in a group: right after ";", whose verb is optional
    modifiers: bool = False  # in a group: past a subquery's GROUP BY, HAVING or ORDER BY


def tokenize(sparql: str) -> list[Token]:
    """The tokens of the query, comments and white space left out."""
    stack = [_Frame("top")]
    tokens: list[Token] = []
    previous: Token | None = None
    position, length = 0, len(sparql)
    while position < length:
        frame = stack[-1]
        if sparql[position] == "<":
            kind, end = _angle(sparql, position, frame, previous)
        else:
            match = _TOKEN.match(sparql, position)
            if match is None:
                kind, end = "error", position + 1
            else:
                kind, end = match.lastgroup or "error", match.end()
        text = sparql[position:end]
        position = end
        if kind in ("ws", "comment"):
            continue
        token = Token(kind, text, end - len(text), len(stack) - 1, _at_pattern_start(frame))
        tokens.append(token)
        if kind != "error":  # the engine stops at such a character; so does the reading
            _advance(stack, token, previous, tokens)
            previous = token
    return tokens


def _angle(sparql: str, position: int, frame: _Frame, previous: Token | None):
    """Kind and end of the token at a "<": less-than after an operand in an expression, else
    an IRI if one is there, else the punctuation (``<<`` opens a triple term)."""
    if frame.kind == "expr" and previous is not None and _ends_operand(previous):
        # Less-than or less-or-equal; never "<<", which cannot follow an operand.
        return "punct", position + (2 if sparql.startswith("<=", position) else 1)
    if sparql.startswith("<<", position):
        return "punct", position + 2
    iri = _IRIREF.match(sparql, position)
    if iri:
        return "iri", iri.end()
    return "punct", _LESS_THAN.match(sparql, position).end()


def _ends_operand(token: Token) -> bool:
    if token.kind in _OPERAND_ENDS:
        return True
    if token.kind == "punct":
        return token.text in _OPERAND_END_PUNCT
    return token.kind == "word" and token.text.upper() in _BOOLEANS


def _at_pattern_start(frame: _Frame) -> bool:
    """In a group, where a graph pattern may begin: before a triple's subject, after its
    object, after a trailing ";" (its verb is optional), or after a subject that needs no
    properties ([ … ], ( … ) and << … >> may stand alone)."""
    if frame.kind != "group":
        return False
    return (
        frame.terms == 0
        or frame.terms >= 3
        or frame.after_semicolon
        or (frame.terms == 1 and frame.node_subject)
    )


def _advance(stack: list[_Frame], token: Token, previous: Token | None, tokens) -> None:
    """Update the bracket stack and the triple count for one token."""
    frame = stack[-1]
    text = token.text
    frame.after_semicolon = False
    if token.kind == "punct":
        if text == "{":
            stack.append(_Frame("group"))
        elif text in ("[", "{|", "<<"):
            stack.append(_Frame("list"))
        elif text == "(":
            before = tokens[-3] if len(tokens) >= 3 else None
            stack.append(_Frame(_paren_kind(frame, previous, before)))
        elif text in (")", "]", "}", "|}", ">>"):
            closed = stack.pop() if len(stack) > 1 else frame
            parent = stack[-1]
            if parent.kind == "group":
                # A closed expression (FILTER, BIND) or group ends a pattern; a collection, a
                # blank node or a triple term is one term of a triple.
                if closed.kind in ("expr", "group"):
                    parent.terms = 0
                else:
                    if parent.terms == 0:
                        parent.node_subject = True
                    parent.terms += 1
        elif frame.kind == "group":
            if text == ".":
                frame.terms = 0
                frame.node_subject = False
            elif text == ";":
                frame.terms = 1
                frame.after_semicolon = True
            elif text == ",":
                frame.terms = 2
        return
    if frame.kind != "group":
        return
    if token.kind == "langtag" or (previous is not None and previous.text == "^^"):
        return  # part of the literal before it
    if frame.terms == 0:
        frame.node_subject = False
    if token.kind == "word" and text.upper() not in _BOOLEANS and text != "a":
        frame.terms = 0  # FILTER, OPTIONAL, GRAPH, BIND, VALUES, MINUS, UNION, …
        frame.node_subject = False
        if text.upper() in _MODIFIER_WORDS:
            frame.modifiers = True
        return
    frame.terms += 1


def _paren_kind(frame: _Frame, previous: Token | None, before: Token | None) -> str:
    """What a "(" opens, from where it stands and what precedes it."""
    if frame.kind == "expr":
        return "expr"
    if previous is None:
        return "list"
    if previous.kind == "word":
        return "list" if previous.text.upper() in _LIST_WORDS else "expr"
    if frame.kind == "top" or (frame.kind == "group" and frame.modifiers):
        # SELECT (…), GROUP BY (…), ORDER BY (…), HAVING (…), a function call in ORDER BY.
        return "expr"
    # FILTER <function>(…); otherwise an IRI before "(" is a predicate and "(" a collection.
    after_filter = before is not None and before.kind == "word" and before.text.upper() == "FILTER"
    return "expr" if previous.kind in ("iri", "pname") and after_filter else "list"
