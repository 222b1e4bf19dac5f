"""A parser's error, told in terms of the query: where, the line with a caret, what may come.

Oxigraph reports ``error at 3:17: expected one of …`` followed by everything its grammar would
have accepted, Unicode character ranges included. A reader needs less: the line and column, the
offending line with a caret under the column, and the few tokens (keywords, punctuation) that
could come there. A reason the parser gives in words ("Prefix not found") replaces the token
list, and an undeclared prefix is named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from .sparql_tokens import tokenize

_POSITION = re.compile(r"^error at (\d+):(\d+):\s*(.*)$", re.DOTALL)
# One alternative of the expected list: a character class, a quoted token or a bare word/phrase.
_ALTERNATIVE = re.compile(
    r"""\s*(
        \[(?:'(?:[^'\\]|\\.)*'|[^\]'])*\]
      | "(?:[^"\\]|\\.)*"
      | [^,]+?
    )\s*(?:,|$)""",
    re.VERBOSE | re.DOTALL,
)
_DIGITS = re.compile(r"\['0'\s*\.\.=\s*'9'\]")
_PREFIXED_NAME_BEFORE = re.compile(r"(?<![\w.\-:])((?:[^\W\d_](?:[\w.\-]*[\w\-])?)?):[\w.\-:%\\]*$")
MAX_TOKENS = 8
MAX_LINE = 100  # longer lines are shown as a window around the column
_WINDOW_BEFORE = 50


class Diagnosis(NamedTuple):
    """What went wrong, where (1-based; None when the parser did not say) and the line shown."""

    message: str
    line: int | None
    column: int | None
    snippet: str


def explain(query: str, engine_message: str, known_prefixes: Iterable[str] = ()) -> Diagnosis:
    """The engine's syntax error message about ``query``, made readable.

    Oxigraph often reports a prefixed name with an undeclared prefix far from where it stands
    (at the end of the query, expecting a list of function names); when the query uses a
    prefix that is neither declared in it nor among ``known_prefixes``, that is said instead,
    at the name.
    """
    match = _POSITION.match(engine_message.strip())
    if not match:
        return Diagnosis(" ".join(engine_message.split()), None, None, "")
    line, column, rest = int(match[1]), int(match[2]), match[3]
    undeclared = first_undeclared_prefix(query, known_prefixes)
    if undeclared is not None:
        prefix, line, column = undeclared
    lines = query.split("\n")
    text = lines[line - 1].rstrip("\r") if line <= len(lines) else ""
    reason = (
        _undeclared_prefix(f"{prefix}:")
        if undeclared is not None
        else _reason(rest, text[: column - 1])
    )
    where = f"line {line}, column {column}"
    if _offset(lines, line, column) >= len(query.rstrip()):
        where += ", at the end of the query"
    snippet = _snippet(text, line, column) if line <= len(lines) else ""
    return Diagnosis(f"{where}: {reason}", line, column, snippet)


def _reason(rest: str, before: str) -> str:
    """The parser's words, or the short list of what may come at the error."""
    if not rest.startswith("expected"):
        return " ".join(rest.split()) or "syntax error"
    listed = rest.removeprefix("expected").strip().removeprefix("one of").strip()
    tokens, reasons = [], []
    for alternative in _ALTERNATIVE.findall(listed):
        alternative = " ".join(alternative.split())
        if alternative == "Prefix not found":
            reasons.append(_undeclared_prefix(before))
        elif alternative.startswith("["):
            if _DIGITS.fullmatch(alternative):
                tokens.append("a digit")
        elif " " in alternative and not alternative.startswith('"'):
            reasons.append(alternative[:1].lower() + alternative[1:])
        elif alternative:
            tokens.append(alternative)
    if reasons:  # the parser's own reason says more than what else would have fitted
        return "; ".join(reasons)
    if not tokens:
        return "syntax error"
    shown = ", ".join(tokens[:MAX_TOKENS]) + (", …" if len(tokens) > MAX_TOKENS else "")
    return f"expected {shown}" if len(tokens) == 1 else f"expected one of {shown}"


def _undeclared_prefix(before: str) -> str:
    """The prefix of the prefixed name that ends where the error is, if one does."""
    match = _PREFIXED_NAME_BEFORE.search(before)
    if match is None:
        return "undeclared prefix"
    name = match[1]
    return f"undeclared prefix {name}: (declare it with PREFIX {name}: <…>)"


def first_undeclared_prefix(
    query: str, known_prefixes: Iterable[str]
) -> tuple[str, int, int] | None:
    """The first prefixed name whose prefix nothing declares: (prefix, line, column)."""
    declared = set(known_prefixes)
    tokens = tokenize(query)
    for index, token in enumerate(tokens):
        if token.kind != "pname":
            continue
        prefix = token.text.split(":", 1)[0]
        after_prefix_keyword = (
            index > 0
            and tokens[index - 1].kind == "word"
            and tokens[index - 1].text.upper() == "PREFIX"
        )
        if after_prefix_keyword:
            declared.add(prefix)
        elif prefix not in declared:
            line = query.count("\n", 0, token.start) + 1
            column = token.start - (query.rfind("\n", 0, token.start) + 1) + 1
            return prefix, line, column + len(token.text)
    return None


def _offset(lines: list[str], line: int, column: int) -> int:
    """The character offset of a 1-based line and column in the text the lines make."""
    return sum(len(text) + 1 for text in lines[: line - 1]) + column - 1


def _snippet(text: str, line: int, column: int) -> str:
    """The line, numbered, with a caret under the column (a window of it when it is long)."""
    start = 0
    shown = text
    if len(text) > MAX_LINE:
        start = max(0, column - 1 - _WINDOW_BEFORE)
        end = start + MAX_LINE - _WINDOW_BEFORE // 2
        shown = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
        start -= 1 if start else 0
    # Tabs stay tabs under the line, so that the caret lines up however tabs are shown.
    pad = "".join("\t" if c == "\t" else " " for c in shown[: column - 1 - start])
    pad += " " * max(0, column - 1 - start - len(shown))
    number = str(line)
    return f"{number} | {shown}\n{' ' * len(number)} | {pad}^"
