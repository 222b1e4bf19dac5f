"""Untrusted RDF bytes → pyoxigraph quads, or one `UploadRefused` saying why and where.

Every write that brings RDF from outside (``scomm-kg add FILE``, the Graph Store Protocol) reads
it here. The format is named by the caller (a file's extension, a flag, a media type), never
guessed from the bytes. In order:

* the size cap, before any parser runs;
* every format passes the structural checks of `upload_guards` (bounded nesting in all; for
  RDF/XML no DTD or entity; for JSON-LD no remote context and no triple a reader would
  silently drop);
* pyoxigraph parses the whole input strictly (every IRI and language tag checked) before
  anything is returned, so a truncated upload is a syntax error, never a partial graph;
* the quads land in named graphs only, without RDF 1.2 triple terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from itertools import islice
from pathlib import PurePath

import pyoxigraph as ox

from ..settings import Settings
from .upload_guards import MAX_NESTING, Refusal, check_json_ld, check_turtle_family, check_xml


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
    max_triples: int | None = None,
) -> list[ox.Quad]:
    """Every quad of ``data``, read as ``format``, or `UploadRefused`.

    Relative IRIs resolve against ``base_iri``. Triples outside any named graph (all of a
    Turtle, N-Triples or RDF/XML file) go into the graph ``default_graph``; without one they
    are refused. Blank nodes get fresh labels, so that an upload's ``_:b0`` is never a node
    the store already holds. An upload without a single triple gives an empty list.
    More than ``max_triples`` triples (default: the setting's default) is a 413: callers pass
    ``settings.max_upload_bytes`` and ``settings.max_upload_triples``.
    """
    if max_triples is None:
        max_triples = Settings().max_upload_triples
    if len(data) > max_bytes:
        raise UploadRefused(
            UploadKind.TOO_LARGE,
            f"the upload is {len(data):,} bytes, over the limit of {max_bytes:,} bytes",
        )
    base = _iri(base_iri, "base IRI")
    target = None if default_graph is None else _iri(default_graph, "graph IRI")
    try:
        if format is RdfInputFormat.RDF_XML:
            check_xml(data)
        elif format is RdfInputFormat.JSON_LD:
            check_json_ld(data)
        else:
            line_based = format in (RdfInputFormat.N_TRIPLES, RdfInputFormat.N_QUADS)
            check_turtle_family(data, is_line_based=line_based)
        parser = ox.parse(
            data, format=format.value.engine, base_iri=base.value, rename_blank_nodes=True
        )
        # Dense Turtle (`e:a e:b e:c, e:c, …`) makes a triple of every 4 bytes, and each costs
        # Python some 700 bytes: the triple count is capped apart from the size.
        quads = list(islice(parser, max_triples + 1))
        if len(quads) > max_triples:
            raise UploadRefused(
                UploadKind.TOO_LARGE,
                f"the upload holds more than the limit of {max_triples:,} triples",
            )
    except Refusal as refusal:
        raise UploadRefused(
            UploadKind.BAD_SYNTAX, refusal.reason, refusal.line, refusal.column
        ) from None
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
        if isinstance(quad.object, ox.Triple) or isinstance(quad.subject, ox.Triple):
            # RDF 1.2 triple terms (and the << >> reifications that make them) are outside
            # the project's model, and its validator (rdflib, pyshacl) cannot read them.
            raise UploadRefused(
                UploadKind.BAD_SYNTAX,
                f"RDF 1.2 triple terms are not accepted (in a triple about {quad.subject})",
            )
        placed.append(quad)
    return placed


def _iri(text: str, what: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(text)  # absolute IRIs only: a relative reference is a ValueError
    except ValueError as error:
        raise UploadRefused(UploadKind.BAD_SYNTAX, f"invalid {what} {text!r}: {error}") from None


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
