"""What the query result serializations write, checked by reading them back."""

from __future__ import annotations

import csv
import io
import json
import warnings

import pytest
import rdflib
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
)
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from scomm_kg.results import (
    GRAPH_FORMATS,
    TABULAR_FORMATS,
    AskResult,
    Format,
    GraphResult,
    SelectResult,
    format_by_media_type,
    format_by_name,
    serialize,
    term_text,
    term_to_json,
    to_json_rows,
)

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"

# One row per kind of term; "note" carries the characters that each format must escape.
SELECT = SelectResult(
    variables=("thing", "note", "when"),
    rows=(
        {"thing": NamedNode(EX + "office/Harris"), "note": Literal("Zoë", language="fr")},
        {
            "thing": BlankNode("b0"),
            "note": Literal('a,b "c"\nd\te\r<f> & \\g'),
            "when": Literal("2010-09", datatype=NamedNode(XSD + "gYearMonth")),
        },
        {"note": Literal("plain", datatype=NamedNode(XSD + "string"))},
        {},
    ),
)
TRIPLE_TERM = Triple(NamedNode(EX + "s"), NamedNode(EX + "says"), Literal("x", language="en"))
PYOXIGRAPH_FORMATS = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "tsv": QueryResultsFormat.TSV,
}
GRAPH = GraphResult(
    (
        Triple(NamedNode(EX + "Harris"), NamedNode(EX + "label"), Literal("Zoë", language="en")),
        Triple(
            NamedNode(EX + "Harris"),
            NamedNode(EX + "activated"),
            Literal("2010-09", datatype=NamedNode(XSD + "gYearMonth")),
        ),
        Triple(NamedNode(EX + "Harris"), NamedNode(EX + "count"), BlankNode("n")),
        Triple(BlankNode("n"), NamedNode(EX + "note"), Literal('a "quoted"\nline & <tag>')),
    )
)
RDFLIB_FORMATS = {
    "turtle": "turtle",
    "ntriples": "nt",
    "jsonld": "json-ld",
    "rdfxml": "xml",
    "trig": "trig",
    "nquads": "nquads",
}


def fmt(name: str) -> Format:
    """The format with this name, which must exist."""
    found = format_by_name(name)
    assert found is not None
    return found


def read_back(result: SelectResult | AskResult, name: str) -> QuerySolutions | bool:
    """Serialize in a format and parse it again with pyoxigraph."""
    parsed = parse_query_results(serialize(result, fmt(name)), format=PYOXIGRAPH_FORMATS[name])
    return parsed if isinstance(parsed, QuerySolutions) else bool(parsed)


def read_csv(data: bytes) -> list[list[str]]:
    """The records of a CSV document."""
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def to_rdflib(term):
    """The rdflib term for a pyoxigraph term, xsd:string literals as plain ones."""
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == XSD + "string":
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=term.datatype.value)


@pytest.mark.parametrize("name", ["json", "xml", "tsv"])
def test_select_reads_back_with_the_same_variables_and_terms(name):
    solutions = read_back(SELECT, name)
    assert tuple(v.value for v in solutions.variables) == SELECT.variables
    got = [{v: s[v] for v in SELECT.variables if s[v] is not None} for s in solutions]
    assert got == list(SELECT.rows)


@pytest.mark.parametrize("name", ["json", "xml", "tsv"])
def test_rdf_star_triple_terms_read_back(name):
    solutions = read_back(SelectResult(("t",), ({"t": TRIPLE_TERM},)), name)
    assert [s["t"] for s in solutions] == [TRIPLE_TERM]


def test_csv_reads_back_as_the_plain_text_of_each_value():
    records = read_csv(serialize(SELECT, fmt("csv")))
    assert records[0] == list(SELECT.variables)
    expected = [[term_text(r[v]) if v in r else "" for v in SELECT.variables] for r in SELECT.rows]
    assert records[1:] == expected
    assert records[1] == ["http://example.org/office/Harris", "Zoë", ""]
    assert records[2] == ["_:b0", 'a,b "c"\nd\te\r<f> & \\g', "2010-09"]


def test_csv_uses_crlf_and_quotes_only_fields_that_need_it():
    result = SelectResult(("a", "b"), ({"a": Literal("x,y"), "b": Literal('say "hi"')},))
    assert serialize(result, fmt("csv")) == b'a,b\r\n"x,y","say ""hi"""\r\n'


def test_tsv_writes_terms_in_turtle_syntax_with_escapes():
    lines = serialize(SELECT, fmt("tsv")).decode("utf-8").split("\n")
    assert lines[0] == "?thing\t?note\t?when"
    assert lines[1] == '<http://example.org/office/Harris>\t"Zoë"@fr\t'
    assert lines[2] == (
        '_:b0\t"a,b \\"c\\"\\nd\\te\\r<f> & \\\\g"\t"2010-09"^^<' + XSD + "gYearMonth>"
    )
    assert lines[3] == '\t"plain"\t'
    assert lines[4:] == ["\t\t", ""]


def test_json_follows_the_w3c_shape_and_keeps_non_ascii_unescaped():
    data = serialize(SELECT, fmt("json"))
    assert "Zoë".encode() in data
    doc = json.loads(data)
    assert doc["head"] == {"vars": ["thing", "note", "when"]}
    first, second, third, fourth = doc["results"]["bindings"]
    assert first == {
        "thing": {"type": "uri", "value": EX + "office/Harris"},
        "note": {"type": "literal", "value": "Zoë", "xml:lang": "fr"},
    }
    assert second["thing"] == {"type": "bnode", "value": "b0"}
    assert second["when"] == {"type": "literal", "value": "2010-09", "datatype": XSD + "gYearMonth"}
    assert third == {"note": {"type": "literal", "value": "plain"}}
    assert fourth == {}


def test_json_rows_leave_unbound_variables_out():
    assert to_json_rows(SELECT)[2] == {"note": {"type": "literal", "value": "plain"}}


def test_triple_term_json_nests_subject_predicate_object():
    assert term_to_json(TRIPLE_TERM) == {
        "type": "triple",
        "value": {
            "subject": {"type": "uri", "value": EX + "s"},
            "predicate": {"type": "uri", "value": EX + "says"},
            "object": {"type": "literal", "value": "x", "xml:lang": "en"},
        },
    }


def test_xml_escapes_markup_and_keeps_carriage_returns():
    result = SelectResult(("v",), ({"v": Literal("<a> & \"b\"\r\n'c'")},))
    data = serialize(result, fmt("xml"))
    assert b"&lt;a&gt; &amp; &quot;b&quot;&#13;\n'c'" in data
    assert [s["v"] for s in read_back(result, "xml")] == [Literal("<a> & \"b\"\r\n'c'")]


@pytest.mark.parametrize("text", ["nul\x00byte", "bell\x07", "\ufffe"])
def test_xml_refuses_characters_xml_cannot_carry_and_suggests_json(text):
    result = SelectResult(("note",), ({"note": Literal(text)},))
    with pytest.raises(ValueError, match=r"\?note = .* cannot be written as SPARQL XML.*JSON"):
        serialize(result, fmt("xml"))
    assert read_back(result, "json") is not None


@pytest.mark.parametrize("name", ["json", "xml", "tsv"])
@pytest.mark.parametrize("value", [True, False])
def test_ask_reads_back_as_the_same_boolean(name, value):
    parsed = read_back(AskResult(value), name)
    if isinstance(parsed, QuerySolutions):
        # TSV has no boolean form: the answer comes back as one row of ?_askResult.
        assert [s["_askResult"] for s in parsed] == [Literal(value)]
    else:
        assert parsed is value


@pytest.mark.parametrize("value", [True, False])
def test_ask_in_csv_is_an_askresult_column(value):
    assert read_csv(serialize(AskResult(value), fmt("csv"))) == [
        ["_askResult"],
        ["true" if value else "false"],
    ]


@pytest.mark.parametrize("name", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("result", [SELECT, AskResult(True)], ids=["select", "ask"])
def test_every_results_format_ends_with_a_line_end(name, result):
    assert serialize(result, fmt(name)).endswith(b"\n")


def test_ask_json_and_tsv_are_exactly_as_specified():
    assert json.loads(serialize(AskResult(True), fmt("json"))) == {"head": {}, "boolean": True}
    assert serialize(AskResult(False), fmt("tsv")) == b"?_askResult\nfalse\n"


@pytest.mark.parametrize("name", ["turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads"])
def test_select_in_a_graph_format_is_refused_with_the_formats_that_fit(name):
    with pytest.raises(ValueError, match=f"{name} .* cannot carry a SELECT.*json, xml, csv, tsv"):
        serialize(SELECT, fmt(name))


def test_graph_in_a_results_format_is_refused():
    with pytest.raises(ValueError, match=r"cannot carry a CONSTRUCT or DESCRIBE result.*turtle"):
        serialize(GRAPH, fmt("json"))
    with pytest.raises(ValueError, match="cannot carry an ASK result"):
        serialize(AskResult(True), fmt("turtle"))


@pytest.mark.parametrize("name", ["turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads"])
def test_graph_formats_parse_back_with_rdflib_to_the_same_graph(name):
    data = serialize(GRAPH, fmt(name), prefixes={"ex": EX})
    expected = rdflib.Graph()
    for t in GRAPH.triples:
        expected.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    with warnings.catch_warnings():
        # rdflib's own parsers call its deprecated ConjunctiveGraph API.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="rdflib")
        dataset = rdflib.Dataset()
        dataset.parse(data=data, format=RDFLIB_FORMATS[name])
    assert [g.identifier for g in dataset.graphs() if len(g)] == [DATASET_DEFAULT_GRAPH_ID]
    assert isomorphic(dataset.default_graph, expected)


@pytest.mark.parametrize("name", ["turtle", "trig", "rdfxml"])
def test_prefixes_are_declared_where_the_format_has_them(name):
    text = serialize(GRAPH, fmt(name), prefixes={"ex": EX}).decode("utf-8")
    assert ("xmlns:ex=" if name == "rdfxml" else "@prefix ex:") in text


def test_a_prefix_name_turtle_cannot_write_is_refused():
    with pytest.raises(ValueError, match="'e x'"):
        serialize(GRAPH, fmt("turtle"), prefixes={"e x": EX})


@pytest.mark.parametrize("name", ["turtle", "ntriples", "rdfxml", "trig", "nquads"])
def test_rdf_star_triple_terms_read_back_in_graph_formats(name):
    graph = GraphResult((Triple(NamedNode(EX + "doc"), NamedNode(EX + "states"), TRIPLE_TERM),))
    data = serialize(graph, fmt(name), prefixes={"ex": EX})
    rdf_format = RdfFormat.from_media_type(fmt(name).media_type)
    assert [quad.triple for quad in parse(data, format=rdf_format)] == list(graph.triples)


def test_rdf_star_in_jsonld_is_a_value_error():
    graph = GraphResult((Triple(NamedNode(EX + "doc"), NamedNode(EX + "states"), TRIPLE_TERM),))
    with pytest.raises(ValueError, match="cannot write this graph as jsonld"):
        serialize(graph, fmt("jsonld"))


def test_rdfxml_refuses_a_predicate_without_an_xml_local_name():
    graph = GraphResult((Triple(NamedNode(EX + "s"), NamedNode("urn:isbn:123"), Literal("x")),))
    with pytest.raises(ValueError, match=r"<urn:isbn:123> cannot be written in RDF/XML"):
        serialize(graph, fmt("rdfxml"))
    assert b"urn:isbn:123" in serialize(graph, fmt("turtle"))


def test_rdfxml_refuses_characters_xml_cannot_carry():
    graph = GraphResult((Triple(NamedNode(EX + "s"), NamedNode(EX + "p"), Literal("a\x00b")),))
    with pytest.raises(ValueError, match=r"U\+0000.*use Turtle"):
        serialize(graph, fmt("rdfxml"))


def test_term_text_is_what_a_human_table_shows():
    assert term_text(NamedNode(EX + "x")) == EX + "x"
    assert term_text(Literal("2010-09", datatype=NamedNode(XSD + "gYearMonth"))) == "2010-09"
    assert term_text(Literal("Zoë", language="fr")) == "Zoë"
    assert term_text(BlankNode("b7")) == "_:b7"


def test_formats_are_found_by_name_and_media_type():
    assert format_by_name("TURTLE") == fmt("turtle")
    assert format_by_name("srj") is None
    assert format_by_media_type("text/csv; charset=utf-8") == fmt("csv")
    assert format_by_media_type("Application/X-Turtle") == fmt("turtle")
    assert format_by_media_type("text/plain") is None
    assert {f.extension for f in TABULAR_FORMATS} == {"json", "xml", "csv", "tsv"}
    assert {f.extension for f in GRAPH_FORMATS} == {"ttl", "nt", "jsonld", "rdf", "trig", "nq"}
