"""Structural checks an upload passes before pyoxigraph parses it.

Each check reads the bytes as the format's grammar does (expat's events for RDF/XML, Python's
JSON tree for JSON-LD, the Turtle family's tokens for its brackets) and decides from that
structure, never from the bare text, so that a comment or a string that merely mentions
``<!DOCTYPE``, ``@context`` or ``[`` is not refused and an encoded one is not missed.
What pyoxigraph 0.5.13 does without them: it aborts the process on a 983-byte billion-laughs
document, accepts RDF/XML cut off before its end tags, slows down with the square of nesting
in RDF/XML and JSON-LD and exhausts memory on JSON-LD ten thousand levels deep, crashes on
deeply nested triple terms or chained JSON-LD terms, re-reads a JSON-LD context below the top
at each use (seconds for a few hundred kilobytes), and drops JSON-LD triples whose IRI is
invalid or whose key no context defines, without a word."""

from __future__ import annotations

import json
import re
from xml.parsers import expat

# Deep enough for any hand-written or generated RDF we have seen (RDF/XML's striped syntax
# needs two elements per nested node; JSON-LD one object per level), shallow enough that the
# parsers' quadratic cost in depth stays within a few times their flat rate.
MAX_NESTING = 64


class Refusal(ValueError):
    """What a check refused, and where (1-based line and column) when it knows."""

    def __init__(self, reason: str, line: int | None = None, column: int | None = None):
        super().__init__(reason)
        self.reason, self.line, self.column = reason, line, column


# --- RDF/XML ---------------------------------------------------------------------------------


def check_xml(data: bytes) -> None:
    """Refuse XML that declares a document type, is not UTF-8, is not well-formed, or nests
    deeper than `MAX_NESTING`, from expat's events."""
    # Forcing UTF-8 makes expat read the bytes as pyoxigraph does, whatever the document
    # declares; a document in another encoding then fails here instead of being read two ways.
    parser = expat.ParserCreate(encoding="UTF-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0

    def refuse(reason: str):
        raise Refusal(reason, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)

    def on_doctype(name, *_):
        refuse(
            f"a document type declaration (<!DOCTYPE {name}>) is refused: RDF uploads may "
            "not declare entities or a DTD"
        )

    def on_xml_declaration(_version, encoding, _standalone):
        if encoding is not None and encoding.lower() not in ("utf-8", "utf8"):
            refuse(f"RDF/XML uploads must be UTF-8, not {encoding!r}")

    def on_start(_name, _attributes):
        nonlocal depth
        depth += 1
        if depth > MAX_NESTING:
            refuse(f"elements nest deeper than {MAX_NESTING} levels")

    def on_end(_name):
        nonlocal depth
        depth -= 1

    def on_entity(*_):  # only reachable through a DTD, refused first; kept to fail closed
        refuse("entity declarations are refused")

    parser.StartDoctypeDeclHandler = on_doctype
    parser.EntityDeclHandler = on_entity
    parser.ExternalEntityRefHandler = on_entity
    parser.XmlDeclHandler = on_xml_declaration
    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        reason = f"not well-formed XML: {expat.ErrorString(error.code)}"
        raise Refusal(reason, error.lineno, error.offset + 1) from None


# --- Turtle, TriG, N-Triples, N-Quads --------------------------------------------------------

# The tokens inside which a bracket is no bracket, as the Turtle grammar reads them (N-Triples,
# N-Quads and TriG share them): long and short strings, IRI references, comments, and a
# backslash escape in a prefixed name (ex:a\(b). Removed whole, they leave the structure.
_TURTLE_OPAQUE = re.compile(
    # Each token written as "unrolled loops" (a run of ordinary bytes, then any number of
    # one special item followed by another run): linear on any input, an unterminated string
    # included, and without possessive loops (*+, ++), which Debian 12's Python 3.11.2 got wrong.
    rb'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    rb"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    rb'|"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"'
    rb"|'[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'"
    rb'|<[^<>"{}|^`\\\x00-\x20]*(?:\\[uU][^<>"{}|^`\\\x00-\x20]*)*>'
    rb"|#[^\r\n]*"
    rb"|\\.",
    re.DOTALL,
)
_TURTLE_BRACKET = re.compile(rb"<<|>>|[\[\](){}]")
_OPENING = frozenset((b"<<", b"[", b"(", b"{"))


def check_turtle_family(data: bytes, *, is_line_based: bool) -> None:
    """Refuse Turtle, TriG, N-Triples or N-Quads whose brackets (blank nodes, collections,
    graphs, triple terms) nest deeper than `MAX_NESTING`, from the grammar's tokens."""
    # pyoxigraph 0.5.13 crashed (SIGSEGV) on triple terms nested 30,000 deep (360 KB), and
    # asked for 2.4 GB at once for blank nodes nested 3 million deep (15 MB).
    if is_line_based and b"<<" not in data:
        return  # N-Triples and N-Quads nest nothing but triple terms, which open with <<(
    depth = 0
    for bracket in _TURTLE_BRACKET.finditer(_TURTLE_OPAQUE.sub(b" ", data)):
        depth += 1 if bracket[0] in _OPENING else -1
        if depth > MAX_NESTING:
            raise Refusal(
                f"brackets ([ ], ( ), {{ }}, << >>) nest deeper than {MAX_NESTING} levels"
            )


# --- JSON-LD ---------------------------------------------------------------------------------

# No IRI, relative or absolute, may hold these (RFC 3987); expansion only prefixes or resolves,
# so a string in an IRI's place that holds one never becomes an IRI.
_NEVER_IN_AN_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`]')
_IRI_VALUED = ("@id", "@type", "@vocab", "@base")


def check_json_ld(data: bytes) -> None:
    """Refuse JSON-LD that could make a processor fetch anything, that is ambiguous or too
    deep, or that a processor would read with triples silently lost."""
    document = _parsed_json(data)
    if not isinstance(document, dict | list):
        raise Refusal("a JSON-LD document is a JSON object or array, not a lone value")
    defined_terms: set[str] = set()
    has_vocab = has_maps = False
    contexts: list[dict] = []
    node_keys: list[str] = []
    # (value, depth, whether it sits inside a @context, whether it is a top-level object); a
    # stack, not recursion, since the depth is what is being checked.
    pending = [(document, 1, False, True)]
    while pending:
        value, depth, in_context, top = pending.pop()
        if depth > MAX_NESTING:
            raise Refusal(f"the JSON nests deeper than {MAX_NESTING} levels")
        if isinstance(value, list):
            pending.extend((item, depth + 1, in_context, top and depth == 1) for item in value)
            continue
        if not isinstance(value, dict):
            continue
        if "@import" in value:
            raise Refusal(f"@import {value['@import']!r} is refused: a context is never fetched")
        _check_iri_positions(value)
        if "@context" in value:
            _check_context(value["@context"])
            _check_context_place(in_context, top)
            context = value["@context"]
            contexts += [c for c in (context if isinstance(context, list) else [context]) if c]
        for key, item in value.items():
            if in_context:
                has_vocab = has_vocab or key == "@vocab"
                has_maps = has_maps or (key == "@container" and _is_map(item))
                if not key.startswith("@"):
                    defined_terms.add(key)
            elif not key.startswith("@") and ":" not in key:
                node_keys.append(key)
            pending.append((item, depth + 1, in_context or key == "@context", False))
    _check_term_chains(contexts)
    if not (has_vocab or has_maps):
        # Without @vocab, a key that is neither a keyword, an IRI nor a term some context
        # defines expands to nothing, and its values are dropped. (The keys of a map
        # container are languages, indexes or IRIs, not terms: then this check is not made.)
        for key in node_keys:
            if key not in defined_terms:
                raise Refusal(
                    f"the key {key!r} is no term a @context here defines (nor an IRI): a "
                    "JSON-LD reader would drop its values"
                )


def _check_context_place(in_context: bool, top: bool) -> None:
    # A context below the top is processed anew, copying the whole active context, each time
    # the processor meets it: pyoxigraph took 14 s over a 300 KB document whose one scoped
    # context of 10,000 terms applied to 1,000 nodes, 25 s when type-scoped, 1.7 s for 1,000
    # small contexts embedded under a large one; at the top each context is read once.
    if in_context:
        raise Refusal(
            "a scoped @context (inside a term's definition) is refused: write every term in "
            "the document's top-level @context"
        )
    if not top:
        raise Refusal(
            "a @context is accepted only in the document's top-level object (or each object "
            "of a top-level array), not in a nested one"
        )


def _check_term_chains(contexts: list[dict]) -> None:
    """Refuse terms defined through more than `MAX_NESTING` others, or through each other.

    A processor defines a term after those its IRI is written with (``"name": "schema:name"``
    needs ``schema``), recursively: pyoxigraph 0.5.13 crashed (a stack overflow, SIGSEGV) on a
    170 KB context of 10,000 terms each written with the next.
    """
    references: dict[str, list[str]] = {}
    for context in contexts:
        for key, definition in context.items():
            if key.startswith("@") and key != "@vocab":
                continue
            written = [key] if ":" in key else []
            if isinstance(definition, str):
                written.append(definition)
            elif isinstance(definition, dict):
                written += [
                    definition[field]
                    for field in ("@id", "@reverse", "@type")
                    if isinstance(definition.get(field), str)
                ]
            references.setdefault(key, []).extend(written)
    needs = {
        term: {
            other
            for text in written
            for other in (text, text.split(":", 1)[0])
            if other in references and other != term
        }
        for term, written in references.items()
    }
    chain: dict[str, int] = {}
    for start in needs:
        if start in chain:
            continue
        # Depth-first, with an explicit stack: the chain's length is what is being checked.
        stack, on_path = [(start, iter(needs[start]))], {start}
        while stack:
            term, others = stack[-1]
            other = next(others, None)
            if other is None:
                stack.pop()
                on_path.discard(term)
                chain[term] = 1 + max((chain[o] for o in needs[term]), default=0)
                if chain[term] > MAX_NESTING:
                    raise Refusal(
                        f"the term {term!r} is defined through a chain of more than "
                        f"{MAX_NESTING} other terms"
                    )
            elif other in on_path:
                raise Refusal(f"the terms {term!r} and {other!r} are defined through each other")
            elif other not in chain:
                stack.append((other, iter(needs[other])))
                on_path.add(other)


def _is_map(container) -> bool:
    kinds = container if isinstance(container, list) else [container]
    return any(kind in ("@index", "@language", "@id", "@type", "@graph") for kind in kinds)


def _parsed_json(data: bytes):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refusal(f"JSON-LD uploads must be UTF-8 (byte {error.start})") from None
    try:
        return json.loads(text.removeprefix("\ufeff"), object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        raise Refusal(f"not JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise Refusal(f"the JSON nests deeper than {MAX_NESTING} levels") from None


def _check_context(context) -> None:
    for each in context if isinstance(context, list) else [context]:
        if each is not None and not isinstance(each, dict):
            raise Refusal(
                f"the @context {each!r} is refused: contexts must be written inline, since "
                "none is ever fetched"
            )


def _check_iri_positions(node: dict) -> None:
    for key, value in node.items():
        if key in _IRI_VALUED:
            values = value if isinstance(value, list) else [value]
            candidates = [text for text in values if isinstance(text, str)]
        elif not key.startswith("@") and ":" in key:  # a property named by an IRI
            candidates = [key]
        else:
            continue
        for text in candidates:
            bad = _NEVER_IN_AN_IRI.search(text)
            if bad:
                raise Refusal(f"{text!r} (for {key}) cannot be an IRI: it holds {bad[0]!r}")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    # Readers disagree on which of two equal keys wins; a JSON-LD processor that read the
    # other one could see a context this check did not.
    result = {}
    for key, value in pairs:
        if key in result:
            raise Refusal(f"the key {key!r} appears twice in one JSON object")
        result[key] = value
    return result
