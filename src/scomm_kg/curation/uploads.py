"""Untrusted RDF bytes → pyoxigraph quads, or one `UploadRefused` saying why and where.

Every write that brings RDF from outside (``scomm-kg add FILE``, the Graph Store Protocol) reads
it here. The format is named by the caller (a file's extension, a flag, a media type), never
guessed from the bytes. Guards are decided from a parser's structure, never from the text:

* the size cap is checked before any parser runs;
* RDF/XML must be well-formed UTF-8 XML to expat, without a document type declaration (so no
  entity can be declared, expanded or fetched) and at most `MAX_NESTING` elements deep, before
  pyoxigraph sees it (its RDF/XML parser aborts the process on a small nested-entity document,
  accepts a document cut off before its end tags, and slows down with the square of nesting);
* JSON-LD is parsed as JSON first and walked: every ``@context`` must be inline (an object or
  null), no ``@import`` anywhere, no key twice in one object, at most `MAX_NESTING` levels
  (pyoxigraph's JSON-LD reader slows down with the square of nesting and exhausts memory on a
  few thousand levels);
* everything is then parsed by pyoxigraph, whose parsers check every IRI and language tag.

The whole input is parsed before anything is returned, so a truncated upload is a syntax error
and never a partial graph.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import PurePath
from xml.parsers import expat

import pyoxigraph as ox

# Deep enough for any hand-written or generated RDF we have seen (RDF/XML's striped syntax
# needs two elements per nested node; JSON-LD one object per level), shallow enough that the
# parsers' quadratic cost in depth stays within a few times their flat rate.
MAX_NESTING = 64


class UploadKind(int, Enum):
    """Why an upload was refused, as the HTTP status a server would answer."""

    BAD_SYNTAX = 400  # not the format it claims, cut short, or a refused construct
    TOO_LARGE = 413
    UNKNOWN_FORMAT = 415


class UploadRefused(Exception):
    """An upload that is not read, and why: a kind (400, 413, 415) and a message for a user,
    which begins with the line and column when the parser gave them."""

    def __init__(
        self, kind: UploadKind, reason: str, line: int | None = None, column: int | None = None
    ):
        self.kind = kind
        self.reason = reason
        self.line = line
        self.column = column
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.line is None:
            return self.reason
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class _Format:
    label: str
    engine: ox.RdfFormat
    extensions: tuple[str, ...]
    media_types: tuple[str, ...]


class RdfInputFormat(Enum):
    """The formats an upload may be in."""

    TURTLE = _Format("Turtle", ox.RdfFormat.TURTLE, (".ttl",), ("text/turtle",))
    N_TRIPLES = _Format("N-Triples", ox.RdfFormat.N_TRIPLES, (".nt",), ("application/n-triples",))
    TRIG = _Format("TriG", ox.RdfFormat.TRIG, (".trig",), ("application/trig",))
    N_QUADS = _Format("N-Quads", ox.RdfFormat.N_QUADS, (".nq",), ("application/n-quads",))
    JSON_LD = _Format("JSON-LD", ox.RdfFormat.JSON_LD, (".jsonld",), ("application/ld+json",))
    RDF_XML = _Format("RDF/XML", ox.RdfFormat.RDF_XML, (".rdf", ".owl"), ("application/rdf+xml",))

    @property
    def label(self) -> str:
        return self.value.label

    @property
    def extensions(self) -> tuple[str, ...]:
        return self.value.extensions

    @property
    def media_types(self) -> tuple[str, ...]:
        return self.value.media_types


def accepted_extensions() -> list[str]:
    return [ext for fmt in RdfInputFormat for ext in fmt.extensions]


def accepted_media_types() -> list[str]:
    return [media for fmt in RdfInputFormat for media in fmt.media_types]


def format_for_name(filename: str | PurePath) -> RdfInputFormat:
    """The format a file's extension names (``.ttl`` → Turtle), or a 415 listing the known."""
    suffix = PurePath(filename).suffix.lower()
    for fmt in RdfInputFormat:
        if suffix in fmt.extensions:
            return fmt
    told = f"extension {suffix!r}" if suffix else "no extension"
    raise UploadRefused(
        UploadKind.UNKNOWN_FORMAT,
        f"{PurePath(filename).name!r} has {told}, which names no RDF format read here; "
        f"accepted: {', '.join(accepted_extensions())}",
    )


def format_for_flag(value: str) -> RdfInputFormat:
    """The format an explicit choice names: an extension with or without its dot (``ttl``,
    ``.nq``) or a format's name (``turtle``, ``n-quads``, ``json-ld``, ``rdf/xml``)."""
    wanted = value.strip().lower()
    for fmt in RdfInputFormat:
        names = {fmt.name.lower(), fmt.label.lower(), _squeezed(fmt.label)}
        names.update(ext.lstrip(".") for ext in fmt.extensions)
        if wanted.lstrip(".") in names or _squeezed(wanted) in names:
            return fmt
    choices = ", ".join(f"{fmt.label} ({'/'.join(fmt.extensions)})" for fmt in RdfInputFormat)
    raise UploadRefused(
        UploadKind.UNKNOWN_FORMAT, f"unknown RDF format {value!r}; accepted: {choices}"
    )


def format_for_media_type(content_type: str) -> RdfInputFormat:
    """The format a Content-Type names (parameters allowed; a charset only if UTF-8)."""
    media, *parameters = (part.strip() for part in content_type.split(";"))
    media = media.lower()
    for parameter in parameters:
        name, _, raw = parameter.partition("=")
        charset = raw.strip().strip('"').lower()
        if name.strip().lower() == "charset" and charset not in ("utf-8", "utf8"):
            raise UploadRefused(
                UploadKind.UNKNOWN_FORMAT,
                f"RDF uploads are read as UTF-8, not {raw.strip()!r}",
            )
    for fmt in RdfInputFormat:
        if media in fmt.media_types:
            return fmt
    raise UploadRefused(
        UploadKind.UNKNOWN_FORMAT,
        f"media type {media or '(none)'!r} names no RDF format read here; "
        f"accepted: {', '.join(accepted_media_types())}",
    )


def read_rdf(
    data: bytes,
    format: RdfInputFormat,
    *,
    base_iri: str,
    default_graph: str | None,
    max_bytes: int,
) -> list[ox.Quad]:
    """Every quad of ``data``, read as ``format``, or `UploadRefused`.

    Relative IRIs resolve against ``base_iri``. Triples outside any named graph (all of a
    Turtle, N-Triples or RDF/XML file) go into the graph ``default_graph``; without one they
    are refused. Blank nodes get fresh labels, so that an upload's ``_:b0`` is never a node
    the store already holds. An upload without a single triple gives an empty list.
    """
    if len(data) > max_bytes:
        raise UploadRefused(
            UploadKind.TOO_LARGE,
            f"the upload is {len(data):,} bytes, over the limit of {max_bytes:,} bytes",
        )
    base = _iri(base_iri, "base IRI")
    target = None if default_graph is None else _iri(default_graph, "graph IRI")
    try:
        if format is RdfInputFormat.RDF_XML:
            _check_xml(data)
        elif format is RdfInputFormat.JSON_LD:
            _check_json_ld(data)
        quads = list(
            ox.parse(data, format=format.value.engine, base_iri=base.value, rename_blank_nodes=True)
        )
    except SyntaxError as error:
        raise _refusal_from_engine(error) from None
    except RecursionError:
        # A check of ours or a library recursed on deep nesting that the checks above should
        # have refused first; still the input's fault, never a crash.
        raise UploadRefused(
            UploadKind.BAD_SYNTAX, f"the upload nests deeper than {MAX_NESTING} levels"
        ) from None
    return _placed(quads, target)


def _placed(quads: list[ox.Quad], target: ox.NamedNode | None) -> list[ox.Quad]:
    placed = []
    for quad in quads:
        graph = quad.graph_name
        if isinstance(graph, ox.DefaultGraph):
            if target is None:
                raise UploadRefused(
                    UploadKind.BAD_SYNTAX,
                    "the upload has triples outside any named graph and no graph was named "
                    "for them",
                )
            quad = ox.Quad(quad.subject, quad.predicate, quad.object, target)
        elif not isinstance(graph, ox.NamedNode):
            raise UploadRefused(
                UploadKind.BAD_SYNTAX,
                "a named graph must be named by an IRI, not by a blank node",
            )
        placed.append(quad)
    return placed


def _iri(text: str, what: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(text)  # absolute IRIs only: a relative reference is a ValueError
    except ValueError as error:
        raise UploadRefused(UploadKind.BAD_SYNTAX, f"invalid {what} {text!r}: {error}") from None


# --- RDF/XML ---------------------------------------------------------------------------------


def _check_xml(data: bytes) -> None:
    """Refuse XML that declares a document type, is not UTF-8, is not well-formed, or nests
    deeper than `MAX_NESTING`, from expat's events."""
    # Forcing UTF-8 makes expat read the bytes as pyoxigraph does, whatever the document
    # declares; a document in another encoding then fails here instead of being read twice
    # two ways.
    parser = expat.ParserCreate(encoding="UTF-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0

    def refuse(reason: str):
        raise UploadRefused(
            UploadKind.BAD_SYNTAX,
            reason,
            parser.CurrentLineNumber,
            parser.CurrentColumnNumber + 1,
        )

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

    def on_entity(*_):  # only reachable through a DTD, refused above; kept to fail closed
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
        raise UploadRefused(
            UploadKind.BAD_SYNTAX,
            f"not well-formed XML: {expat.ErrorString(error.code)}",
            error.lineno,
            error.offset + 1,
        ) from None


# --- JSON-LD ---------------------------------------------------------------------------------


def _check_json_ld(data: bytes) -> None:
    """Refuse JSON-LD that could make a processor fetch anything, or that is ambiguous or
    too deep, from the parsed JSON's structure."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UploadRefused(
            UploadKind.BAD_SYNTAX, f"JSON-LD uploads must be UTF-8 (byte {error.start})"
        ) from None
    try:
        document = json.loads(text.removeprefix("\ufeff"), object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        raise UploadRefused(
            UploadKind.BAD_SYNTAX, f"not JSON: {error.msg}", error.lineno, error.colno
        ) from None
    except RecursionError:
        raise UploadRefused(
            UploadKind.BAD_SYNTAX, f"the JSON nests deeper than {MAX_NESTING} levels"
        ) from None
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_NESTING:
            raise UploadRefused(
                UploadKind.BAD_SYNTAX, f"the JSON nests deeper than {MAX_NESTING} levels"
            )
        if isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, dict):
            if "@import" in value:
                raise UploadRefused(
                    UploadKind.BAD_SYNTAX,
                    f"@import {value['@import']!r} is refused: a context is never fetched",
                )
            if "@context" in value:
                _check_context(value["@context"])
            _check_iri_positions(value)
            pending.extend((item, depth + 1) for item in value.values())


def _check_context(context) -> None:
    for each in context if isinstance(context, list) else [context]:
        if each is not None and not isinstance(each, dict):
            raise UploadRefused(
                UploadKind.BAD_SYNTAX,
                f"the @context {each!r} is refused: contexts must be written inline, since "
                "none is ever fetched",
            )


# No IRI, relative or absolute, may hold these (RFC 3987); expansion only prefixes or resolves,
# so a string in an IRI's place that holds one never becomes an IRI, and a JSON-LD processor
# drops its triple without a word.
_NEVER_IN_AN_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`]')
_IRI_VALUED = ("@id", "@type", "@vocab", "@base")


def _check_iri_positions(node: dict) -> None:
    for key, value in node.items():
        strings = value if key in ("@type",) and isinstance(value, list) else [value]
        if key in _IRI_VALUED:
            candidates = [text for text in strings if isinstance(text, str)]
        elif not key.startswith("@") and ":" in key:  # a property named by an IRI
            candidates = [key]
        else:
            continue
        for text in candidates:
            bad = _NEVER_IN_AN_IRI.search(text)
            if bad:
                raise UploadRefused(
                    UploadKind.BAD_SYNTAX,
                    f"{text!r} (for {key}) cannot be an IRI: it holds {bad[0]!r}",
                )


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    # Readers disagree on which of two equal keys wins; a JSON-LD processor that read the
    # other one could see a context this check did not.
    result = {}
    for key, value in pairs:
        if key in result:
            raise UploadRefused(
                UploadKind.BAD_SYNTAX, f"the key {key!r} appears twice in one JSON object"
            )
        result[key] = value
    return result


# --- Messages --------------------------------------------------------------------------------

_ENGINE_MESSAGE = re.compile(r"^Parser error at [^:]*:\s*(.*?)(?:\s*\(line \d+\))?$", re.DOTALL)


def _refusal_from_engine(error: SyntaxError) -> UploadRefused:
    text = " ".join(str(error.msg if error.msg else error).split())
    match = _ENGINE_MESSAGE.match(text)
    reason = match[1] if match else text
    reason = reason if reason[1:2].isupper() else reason[:1].lower() + reason[1:]
    return UploadRefused(UploadKind.BAD_SYNTAX, reason, error.lineno, error.offset)


def _squeezed(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())
