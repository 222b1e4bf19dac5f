"""Query results of the store layer and the bytes they are sent as.

A SELECT gives a `SelectResult`, an ASK an `AskResult`, a CONSTRUCT or DESCRIBE a `GraphResult`.
`serialize` writes the tabular ones in the four W3C SPARQL results formats (JSON, XML, CSV, TSV)
by hand, so that every escaping rule is visible here, and hands graphs to pyoxigraph's RDF
serializers. The format tables are plain data that content negotiation and the CLI both read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Triple

Term = NamedNode | BlankNode | Literal | Triple

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RESULTS_NAMESPACE = "http://www.w3.org/2005/sparql-results#"
ITS_NAMESPACE = "http://www.w3.org/2005/11/its"


@dataclass(frozen=True)
class SelectResult:
    """The solutions of a SELECT; a variable missing from a row is unbound in it."""

    variables: tuple[str, ...]
    rows: tuple[dict[str, Term], ...]


@dataclass(frozen=True)
class AskResult:
    """The answer of an ASK."""

    value: bool


@dataclass(frozen=True)
class GraphResult:
    """The triples of a CONSTRUCT or DESCRIBE."""

    triples: tuple[Triple, ...]


QueryResult = SelectResult | AskResult | GraphResult


@dataclass(frozen=True)
class Format:
    """A serialization: its short name, media types and file suffix."""

    name: str
    media_type: str
    extension: str
    aliases: tuple[str, ...] = ()


TABULAR_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", "json"),
    Format("xml", "application/sparql-results+xml", "xml"),
    Format("csv", "text/csv", "csv"),
    Format("tsv", "text/tab-separated-values", "tsv"),
)

GRAPH_FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", "ttl", ("application/x-turtle",)),
    Format("ntriples", "application/n-triples", "nt"),
    Format("jsonld", "application/ld+json", "jsonld"),
    Format("rdfxml", "application/rdf+xml", "rdf"),
    Format("trig", "application/trig", "trig"),
    Format("nquads", "application/n-quads", "nq"),
)

_RDF_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
    "trig": RdfFormat.TRIG,
    "nquads": RdfFormat.N_QUADS,
}
_FORMATS_WITH_PREFIXES = {"turtle", "trig", "rdfxml"}
_DATASET_FORMATS = {"trig", "nquads"}

# Turtle's PN_PREFIX and XML's NCName, both simplified: a letter first, no trailing dot.
# pyoxigraph writes whatever name it is given, so a bad one would yield an unparsable document.
_PREFIX_NAME = re.compile(r"([^\W\d_][\w.-]*)?(?<!\.)")
# RDF/XML can only write a predicate whose IRI ends in an XML name; pyoxigraph otherwise writes
# an element named "oxprefix:", which no conforming XML parser accepts.
_XML_LOCAL_NAME = re.compile(r"[^\W\d][\w.-]*$")
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;"})
_TERM_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def format_by_name(name: str) -> Format | None:
    """The format with this short name (any case), or None."""
    wanted = name.strip().lower()
    return next((f for f in TABULAR_FORMATS + GRAPH_FORMATS if f.name == wanted), None)


def format_by_media_type(media_type: str) -> Format | None:
    """The format a media type names (any case, parameters ignored), or None."""
    wanted = media_type.split(";", 1)[0].strip().lower()
    for fmt in TABULAR_FORMATS + GRAPH_FORMATS:
        if wanted == fmt.media_type or wanted in fmt.aliases:
            return fmt
    return None


def serialize(result: QueryResult, fmt: Format, prefixes: Mapping[str, str] | None = None) -> bytes:
    """The bytes of `result` in `fmt`; ValueError when the format cannot carry that result."""
    if isinstance(result, GraphResult):
        if fmt not in GRAPH_FORMATS:
            raise ValueError(_wrong_kind(fmt, "a CONSTRUCT or DESCRIBE result", GRAPH_FORMATS))
        return _serialize_graph(result.triples, fmt, prefixes)
    if fmt not in TABULAR_FORMATS:
        kind = "an ASK result" if isinstance(result, AskResult) else "a SELECT result"
        raise ValueError(_wrong_kind(fmt, kind, TABULAR_FORMATS))
    writer = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}[fmt.name]
    return writer(result).encode("utf-8")


def _wrong_kind(fmt: Format, kind: str, fitting: tuple[Format, ...]) -> str:
    """The message for a format that cannot carry this kind of result."""
    names = ", ".join(f.name for f in fitting)
    return f"{fmt.name} ({fmt.media_type}) cannot carry {kind}; use one of: {names}"


def term_to_json(term: Term) -> dict:
    """The SPARQL 1.1 JSON results object of one term (RDF-star triples included)."""
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        obj = {"type": "literal", "value": term.value}
        if term.language:
            obj["xml:lang"] = term.language
            if term.direction is not None:
                obj["its:dir"] = term.direction.value
        elif term.datatype.value != XSD_STRING:
            obj["datatype"] = term.datatype.value
        return obj
    if isinstance(term, Triple):
        parts = {"subject": term.subject, "predicate": term.predicate, "object": term.object}
        return {"type": "triple", "value": {k: term_to_json(v) for k, v in parts.items()}}
    raise TypeError(f"not an RDF term: {term!r}")


def to_json_rows(result: SelectResult) -> list[dict[str, dict]]:
    """The bindings of a SELECT as SPARQL JSON objects, unbound variables left out."""
    return [
        {var: term_to_json(row[var]) for var in result.variables if var in row}
        for row in result.rows
    ]


def term_text(term: Term) -> str:
    """The plain text a human table shows: IRI, lexical form, or _:label."""
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Literal):
        return term.value
    return term_syntax(term)


def term_syntax(term: Term) -> str:
    """The term as written in N-Triples and Turtle: <iri>, "lex"@lang, "lex"^^<dt>, _:b."""
    if isinstance(term, NamedNode):
        return f"<{term.value}>"
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Literal):
        quoted = '"' + term.value.translate(_TERM_ESCAPES) + '"'
        if term.language:
            direction = f"--{term.direction.value}" if term.direction is not None else ""
            return f"{quoted}@{term.language}{direction}"
        if term.datatype.value == XSD_STRING:
            return quoted
        return f"{quoted}^^<{term.datatype.value}>"
    if isinstance(term, Triple):
        parts = (term.subject, term.predicate, term.object)
        return "<<( " + " ".join(term_syntax(t) for t in parts) + " )>>"
    raise TypeError(f"not an RDF term: {term!r}")


def _json(result: SelectResult | AskResult) -> str:
    """SPARQL 1.1 Query Results JSON Format."""
    if isinstance(result, AskResult):
        doc: dict = {"head": {}, "boolean": result.value}
    else:
        bindings = to_json_rows(result)
        doc = {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}
    # A final line end, as the XML, CSV and TSV writers end theirs.
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def _xml(result: SelectResult | AskResult) -> str:
    """SPARQL Query Results XML Format."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sparql xmlns="{RESULTS_NAMESPACE}">']
    if isinstance(result, AskResult):
        lines += ["<head/>", f"<boolean>{'true' if result.value else 'false'}</boolean>"]
    else:
        lines.append("<head>")
        lines += [f'<variable name="{_xml_escape(var)}"/>' for var in result.variables]
        lines += ["</head>", "<results>"]
        for row in result.rows:
            bound = [var for var in result.variables if var in row]
            lines.append("<result>")
            lines += [_xml_binding(var, row[var]) for var in bound]
            lines.append("</result>")
        lines.append("</results>")
    lines.append("</sparql>\n")
    return "\n".join(lines)


def _xml_binding(var: str, term: Term) -> str:
    """One <binding> element; ValueError naming the value when XML cannot carry it."""
    try:
        return f'<binding name="{_xml_escape(var)}">{_xml_term(term)}</binding>'
    except ValueError as err:
        shown = term_text(term)
        shown = shown if len(shown) <= 60 else shown[:60] + "…"
        raise ValueError(
            f"?{var} = {shown!r} cannot be written as SPARQL XML results: {err}; "
            "ask for JSON (application/sparql-results+json) instead"
        ) from None


def _xml_term(term: Term) -> str:
    """The XML element of one term."""
    if isinstance(term, NamedNode):
        return f"<uri>{_xml_escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{_xml_escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            attrs = f' xml:lang="{_xml_escape(term.language)}"'
            if term.direction is not None:
                attrs += f' xmlns:its="{ITS_NAMESPACE}" its:version="2.0"'
                attrs += f' its:dir="{term.direction.value}"'
        elif term.datatype.value != XSD_STRING:
            attrs = f' datatype="{_xml_escape(term.datatype.value)}"'
        else:
            attrs = ""
        return f"<literal{attrs}>{_xml_escape(term.value)}</literal>"
    if isinstance(term, Triple):
        parts = {"subject": term.subject, "predicate": term.predicate, "object": term.object}
        inner = "".join(f"<{k}>{_xml_term(v)}</{k}>" for k, v in parts.items())
        return f"<triple>{inner}</triple>"
    raise TypeError(f"not an RDF term: {term!r}")


def _xml_escape(text: str) -> str:
    """Text safe inside an element or a double-quoted attribute; ValueError if XML 1.0 can't."""
    _check_xml_chars(text)
    # A raw CR would come back as LF after XML end-of-line normalisation.
    return text.translate(_XML_ESCAPES)


def _check_xml_chars(text: str) -> None:
    """ValueError when the text holds a character XML 1.0 cannot carry, even escaped."""
    bad = _NOT_XML_CHAR.search(text)
    if bad:
        raise ValueError(f"U+{ord(bad.group()):04X} is not allowed in XML 1.0")


def _csv(result: SelectResult | AskResult) -> str:
    """SPARQL 1.1 CSV results: plain values, RFC 4180 quoting, CRLF line ends."""
    if isinstance(result, AskResult):
        # The W3C format has no ASK form; this is Apache Jena's convention.
        return f"_askResult\r\n{'true' if result.value else 'false'}\r\n"
    lines = [",".join(_csv_field(var) for var in result.variables)]
    for row in result.rows:
        fields = (term_text(row[var]) if var in row else "" for var in result.variables)
        lines.append(",".join(_csv_field(field) for field in fields))
    return "\r\n".join(lines) + "\r\n"


def _csv_field(text: str) -> str:
    """One RFC 4180 field, quoted only when it must be."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tsv(result: SelectResult | AskResult) -> str:
    """SPARQL 1.1 TSV results: ?var header, terms in Turtle syntax, LF line ends."""
    if isinstance(result, AskResult):
        return f"?_askResult\n{'true' if result.value else 'false'}\n"
    lines = ["\t".join(f"?{var}" for var in result.variables)]
    for row in result.rows:
        lines.append(
            "\t".join(term_syntax(row[var]) if var in row else "" for var in result.variables)
        )
    return "\n".join(lines) + "\n"


def _serialize_graph(
    triples: Iterable[Triple], fmt: Format, prefixes: Mapping[str, str] | None
) -> bytes:
    """Triples in an RDF format through pyoxigraph; quad formats get the default graph."""
    triples = list(triples)
    options: dict = {}
    if prefixes and fmt.name in _FORMATS_WITH_PREFIXES:
        bad = [name for name in prefixes if not _PREFIX_NAME.fullmatch(name)]
        if bad:
            raise ValueError(f"not usable as prefix names: {', '.join(map(repr, bad))}")
        options["prefixes"] = _used_prefixes(triples, prefixes)
    if fmt.name == "rdfxml":
        _check_rdfxml(triples)
    data: Iterable[Triple | Quad] = triples
    if fmt.name in _DATASET_FORMATS:
        data = [Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples]
    try:
        return pyoxigraph.serialize(data, format=_RDF_FORMATS[fmt.name], **options)
    except OSError as err:
        # With no output file, an OSError is the serializer refusing the data (JSON-LD and
        # RDF-star triples, for one).
        raise ValueError(f"cannot write this graph as {fmt.name}: {err}") from err


def _used_prefixes(triples: list[Triple], prefixes: Mapping[str, str]) -> dict[str, str]:
    """Only the prefixes whose namespace some IRI of the triples starts with, sorted by name."""
    iris: set[str] = set()
    todo: list = list(triples)
    while todo:
        triple = todo.pop()
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, Triple):
                todo.append(term)
            elif isinstance(term, NamedNode):
                iris.add(term.value)
            elif isinstance(term, Literal):
                iris.add(term.datatype.value)
    return {
        name: namespace
        for name, namespace in sorted(prefixes.items())
        if any(iri.startswith(namespace) for iri in iris)
    }


def _check_rdfxml(triples: Iterable[Triple]) -> None:
    """ValueError for what pyoxigraph would write as malformed RDF/XML."""
    for triple in triples:
        if not _XML_LOCAL_NAME.search(triple.predicate.value):
            raise ValueError(
                f"the predicate <{triple.predicate.value}> cannot be written in RDF/XML "
                "(its IRI does not end in an XML name); use Turtle instead"
            )
        for term in (triple.subject, triple.object):
            if isinstance(term, Triple):
                _check_rdfxml([term])
            elif isinstance(term, Literal):
                try:
                    _check_xml_chars(term.value)
                except ValueError as err:
                    raise ValueError(
                        f"{term.value[:60]!r} cannot be written in RDF/XML: {err}; "
                        "use Turtle instead"
                    ) from None
