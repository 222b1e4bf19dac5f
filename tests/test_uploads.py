"""Untrusted RDF uploads: a curator's file in any accepted format becomes quads, and whatever an
attacker or a broken transfer sends is refused with its kind (400, 413, 415) and a message that
says where, before it can cost more than its parse, fetch anything or take the process down."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest

from scomm_kg.curation.uploads import (
    MAX_NESTING,
    RdfInputFormat,
    UploadKind,
    UploadRefused,
    accepted_extensions,
    format_for_flag,
    format_for_media_type,
    format_for_name,
    read_rdf,
)
from scomm_kg.settings import Settings

BASE = "https://kg.example.org/"
TARGET = BASE + "graph/upload"
NAMED = BASE + "graph/named"
LIMIT = Settings().max_upload_bytes

ALICE = ox.NamedNode(BASE + "person/alice")
NAME = ox.NamedNode("http://schema.org/name")
KNOWS = ox.NamedNode("http://schema.org/knows")
BOB = ox.NamedNode(BASE + "person/bob")
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

# The same two statements in every format, with relative IRIs that the base resolves. The
# formats that hold datasets put them in a named graph, the others in the graph the caller names.
FIXTURES = {
    RdfInputFormat.TURTLE: b"""@prefix schema: <http://schema.org/> .
<person/alice> schema:name "Alice" ;
    schema:knows <person/bob> .
""",
    RdfInputFormat.N_TRIPLES: (
        b'<https://kg.example.org/person/alice> <http://schema.org/name> "Alice" .\n'
        b"<https://kg.example.org/person/alice> <http://schema.org/knows> "
        b"<https://kg.example.org/person/bob> .\n"
    ),
    RdfInputFormat.TRIG: b"""@prefix schema: <http://schema.org/> .
<graph/named> {
    <person/alice> schema:name "Alice" ;
        schema:knows <person/bob> .
}
""",
    RdfInputFormat.N_QUADS: (
        b'<https://kg.example.org/person/alice> <http://schema.org/name> "Alice" '
        b"<https://kg.example.org/graph/named> .\n"
        b"<https://kg.example.org/person/alice> <http://schema.org/knows> "
        b"<https://kg.example.org/person/bob> <https://kg.example.org/graph/named> .\n"
    ),
    RdfInputFormat.JSON_LD: b"""{
  "@context": {"schema": "http://schema.org/",
               "knows": {"@id": "schema:knows", "@type": "@id"}},
  "@id": "graph/named",
  "@graph": [{"@id": "person/alice", "schema:name": "Alice", "knows": "person/bob"}]
}
""",
    RdfInputFormat.RDF_XML: b"""<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:schema="http://schema.org/">
  <rdf:Description rdf:about="person/alice">
    <schema:name>Alice</schema:name>
    <schema:knows rdf:resource="person/bob"/>
  </rdf:Description>
</rdf:RDF>
""",
}
HOLDS_GRAPHS = {RdfInputFormat.TRIG, RdfInputFormat.N_QUADS, RdfInputFormat.JSON_LD}


def read(data: bytes, fmt: RdfInputFormat, default_graph: str | None = TARGET, **options):
    options = {"base_iri": BASE, "max_bytes": LIMIT, **options}
    return read_rdf(data, fmt, default_graph=default_graph, **options)


def refusal(data: bytes, fmt: RdfInputFormat, **options) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        read(data, fmt, **options)
    return caught.value


# --- What a curator uploads -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(FIXTURES), ids=lambda fmt: fmt.label)
def test_each_format_gives_its_statements_with_relative_iris_resolved_against_the_base(fmt):
    graph = ox.NamedNode(NAMED if fmt in HOLDS_GRAPHS else TARGET)
    quads = read(FIXTURES[fmt], fmt)
    assert set(quads) == {
        ox.Quad(ALICE, NAME, ox.Literal("Alice"), graph),
        ox.Quad(ALICE, KNOWS, BOB, graph),
    }


def test_triples_outside_any_named_graph_need_a_graph_to_go_into():
    for fmt in (RdfInputFormat.TURTLE, RdfInputFormat.N_TRIPLES, RdfInputFormat.RDF_XML):
        error = refusal(FIXTURES[fmt], fmt, default_graph=None)
        assert error.kind == UploadKind.BAD_SYNTAX
        assert "outside any named graph" in error.message
    # A dataset whose every triple is in a named graph needs none.
    assert len(read(FIXTURES[RdfInputFormat.TRIG], RdfInputFormat.TRIG, default_graph=None)) == 2


def test_a_dataset_s_unnamed_triples_go_into_the_graph_the_caller_names():
    data = b'<person/alice> <http://schema.org/name> "Alice" .\n<graph/named> { <a> <b> <c> }'
    quads = read(data, RdfInputFormat.TRIG)
    assert {q.graph_name.value for q in quads} == {TARGET, NAMED}


def test_a_graph_named_by_a_blank_node_is_refused():
    error = refusal(b"_:g { <a> <b> <c> }", RdfInputFormat.TRIG)
    assert error.kind == 400 and "blank node" in error.message


def test_an_upload_s_blank_nodes_never_meet_the_store_s_or_another_upload_s():
    data = b'_:b0 <http://schema.org/name> "anonymous" .'
    first, second = read(data, RdfInputFormat.TURTLE), read(data, RdfInputFormat.TURTLE)
    assert first[0].subject != second[0].subject
    assert first[0].subject.value != "b0"


def test_the_base_and_the_target_graph_must_be_absolute_iris():
    data = FIXTURES[RdfInputFormat.TURTLE]
    assert "base IRI" in refusal(data, RdfInputFormat.TURTLE, base_iri="not an iri").message
    bad_graph = refusal(data, RdfInputFormat.TURTLE, default_graph="graph/relative")
    assert bad_graph.kind == 400 and "graph IRI" in bad_graph.message


def test_an_upload_without_triples_is_an_empty_list_for_the_caller_to_judge():
    assert read(b"@prefix schema: <http://schema.org/> .\n", RdfInputFormat.TURTLE) == []


# --- Formats are named, never guessed -------------------------------------------------------


def test_the_format_comes_from_the_extension():
    assert format_for_name("claims.ttl") is RdfInputFormat.TURTLE
    assert format_for_name("dump.NQ") is RdfInputFormat.N_QUADS
    assert format_for_name("dir.v2/ontology.owl") is RdfInputFormat.RDF_XML
    assert format_for_name("letter.jsonld") is RdfInputFormat.JSON_LD


@pytest.mark.parametrize("name", ["notes.txt", "graph.trix", "graph.n3", "graph.json", "README"])
def test_an_unknown_extension_is_refused_with_the_accepted_ones(name):
    with pytest.raises(UploadRefused) as caught:
        format_for_name(name)
    assert caught.value.kind == UploadKind.UNKNOWN_FORMAT == 415
    for extension in (".ttl", ".trig", ".nt", ".nq", ".jsonld", ".rdf", ".owl"):
        assert extension in caught.value.message
    assert set(accepted_extensions()) == {".ttl", ".trig", ".nt", ".nq", ".jsonld", ".rdf", ".owl"}


def test_the_format_comes_from_an_explicit_flag_by_extension_or_name():
    assert format_for_flag("ttl") is RdfInputFormat.TURTLE
    assert format_for_flag(".trig") is RdfInputFormat.TRIG
    assert format_for_flag("N-Quads") is RdfInputFormat.N_QUADS
    assert format_for_flag("json-ld") is RdfInputFormat.JSON_LD
    assert format_for_flag("rdf/xml") is RdfInputFormat.RDF_XML
    with pytest.raises(UploadRefused) as caught:
        format_for_flag("n3")
    assert caught.value.kind == 415 and "Turtle (.ttl)" in caught.value.message


def test_the_format_comes_from_the_media_type():
    assert format_for_media_type("text/turtle; charset=utf-8") is RdfInputFormat.TURTLE
    assert format_for_media_type("Application/LD+JSON") is RdfInputFormat.JSON_LD
    assert format_for_media_type("application/rdf+xml") is RdfInputFormat.RDF_XML
    for unknown in ("text/plain", "application/json", "", "text/n3"):
        with pytest.raises(UploadRefused) as caught:
            format_for_media_type(unknown)
        assert caught.value.kind == 415 and "application/trig" in caught.value.message
    with pytest.raises(UploadRefused) as caught:
        format_for_media_type("text/turtle; charset=iso-8859-1")
    assert caught.value.kind == 415 and "UTF-8" in caught.value.message


def test_bytes_of_another_format_are_a_syntax_error_not_a_guess():
    turtle = FIXTURES[RdfInputFormat.TURTLE]
    for fmt in (RdfInputFormat.N_TRIPLES, RdfInputFormat.JSON_LD, RdfInputFormat.RDF_XML):
        assert refusal(turtle, fmt).kind == UploadKind.BAD_SYNTAX


# --- Size ------------------------------------------------------------------------------------


def test_an_upload_over_the_cap_is_413_before_any_parser_sees_it():
    data = FIXTURES[RdfInputFormat.TURTLE]
    assert len(read(data, RdfInputFormat.TURTLE, max_bytes=len(data))) == 2
    error = refusal(data, RdfInputFormat.TURTLE, max_bytes=len(data) - 1)
    assert error.kind == UploadKind.TOO_LARGE == 413
    assert f"limit of {len(data) - 1:,} bytes" in error.message
    # Garbage over the cap is refused for its size: the parser never ran to call it garbage.
    assert refusal(b"\x00" * 100, RdfInputFormat.RDF_XML, max_bytes=99).kind == 413


def test_the_cap_is_a_setting():
    assert Settings.from_env({"SCOMM_MAX_UPLOAD_BYTES": "1000"}).max_upload_bytes == 1000
    with pytest.raises(ValueError, match="max_upload_bytes"):
        Settings.from_env({"SCOMM_MAX_UPLOAD_BYTES": "0"})


# --- Syntax errors and truncation ------------------------------------------------------------


def test_a_syntax_error_says_line_and_column():
    data = b'@prefix schema: <http://schema.org/> .\n<a> schema:name "A"\n  <b> schema:name "B" .'
    error = refusal(data, RdfInputFormat.TURTLE)
    assert (error.kind, error.line) == (400, 3)
    assert error.message.startswith("line 3, column ") and "dot is expected" in error.message


def test_an_invalid_iri_is_refused_where_it_stands():
    error = refusal(b'<a> <b> "ok" .\n<http://example.org/a b> <b> <c> .', RdfInputFormat.TURTLE)
    assert (error.kind, error.line) == (400, 2)
    assert "IRI" in error.message
    nt = b"<urn:a> <urn:b> <relative> ."
    assert refusal(nt, RdfInputFormat.N_TRIPLES).kind == 400  # N-Triples IRIs are absolute
    xml = FIXTURES[RdfInputFormat.RDF_XML].replace(b'"person/bob"', b'"person/b ob"')
    assert "IRI" in refusal(xml, RdfInputFormat.RDF_XML).message


@pytest.mark.parametrize("fmt", list(FIXTURES), ids=lambda fmt: fmt.label)
def test_a_truncated_upload_is_refused_whole(fmt):
    data = FIXTURES[fmt]
    # Cut inside the last statement (or before the closing bracket, tag or brace): the first
    # statement is complete, yet nothing of it comes back.
    for cut in (len(data) - 4, len(data) * 3 // 4):
        error = refusal(data[:cut], fmt)
        assert error.kind == UploadKind.BAD_SYNTAX, cut


# --- RDF/XML: no DTD, no entity, ever ------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:schema="http://schema.org/">
  <rdf:Description rdf:about="person/alice"><schema:name>&lol9;</schema:name></rdf:Description>
</rdf:RDF>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:schema="http://schema.org/">
  <rdf:Description rdf:about="person/alice"><schema:name>&secret;</schema:name></rdf:Description>
</rdf:RDF>
"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>
"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF SYSTEM "http://127.0.0.1:9/rdf.dtd">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>
"""

# Run in a child process with its address space capped: if a guard failed, the parser's abort or
# its runaway allocation would end the child, and the test would see it, never the test runner.
_CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from scomm_kg.curation.uploads import RdfInputFormat, UploadRefused, read_rdf
data = sys.stdin.buffer.read()
try:
    quads = read_rdf(data, RdfInputFormat[sys.argv[1]], base_iri=sys.argv[2],
                     default_graph=sys.argv[3], max_bytes=int(sys.argv[4]))
    print(json.dumps({"quads": len(quads)}))
except UploadRefused as error:
    print(json.dumps({"kind": int(error.kind), "message": error.message}))
"""


def read_in_a_child(data: bytes, fmt: RdfInputFormat) -> dict:
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, fmt.name, BASE, TARGET, str(LIMIT)],
        input=data,
        capture_output=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr.decode(errors="replace")[-2000:]
    return json.loads(child.stdout)


@pytest.mark.parametrize(
    "document",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY, EXTERNAL_DTD],
    ids=["billion-laughs", "external-entity", "parameter-entity", "external-dtd"],
)
def test_a_document_type_declaration_is_refused_before_the_rdf_parser_sees_it(document):
    answer = read_in_a_child(document, RdfInputFormat.RDF_XML)
    assert answer["kind"] == 400
    assert answer["message"].startswith("line 2, column ")
    assert "document type declaration" in answer["message"]


def test_the_refusal_is_read_from_the_xml_structure_not_the_text():
    # A comment or a CDATA section that mentions a DTD declares nothing: it is accepted.
    quiet = FIXTURES[RdfInputFormat.RDF_XML].replace(
        b"<schema:name>Alice</schema:name>",
        b"<!-- not a <!DOCTYPE x> --><schema:name><![CDATA[<!ENTITY e 'x'>]]></schema:name>",
    )
    quads = read(quiet, RdfInputFormat.RDF_XML)
    assert ox.Literal("<!ENTITY e 'x'>") in {q.object for q in quads}


def test_rdf_xml_must_be_utf_8_as_both_parsers_read_it():
    declared = FIXTURES[RdfInputFormat.RDF_XML].replace(b"UTF-8", b"ISO-8859-1")
    assert "UTF-8" in refusal(declared, RdfInputFormat.RDF_XML).message
    utf16 = FIXTURES[RdfInputFormat.RDF_XML].decode().replace("UTF-8", "UTF-16").encode("utf-16")
    assert refusal(utf16, RdfInputFormat.RDF_XML).kind == 400


def test_rdf_xml_nested_beyond_the_limit_is_refused():
    def nested(levels: int) -> bytes:
        opening = b"<schema:knows><rdf:Description>" * levels
        closing = b"</rdf:Description></schema:knows>" * levels
        fixture = FIXTURES[RdfInputFormat.RDF_XML]
        return fixture.replace(b"<schema:name>", opening + closing + b"<schema:name>")

    # Alice knows the first of ten nested nodes, each knows the next: 10 triples beside her 2.
    assert len(read(nested(10), RdfInputFormat.RDF_XML)) == 12
    error = refusal(nested(MAX_NESTING), RdfInputFormat.RDF_XML)
    assert error.kind == 400 and f"deeper than {MAX_NESTING}" in error.message


# --- JSON-LD: nothing fetched, nothing too deep ------------------------------------------------


@pytest.fixture
def context_server():
    """A context a document could point to; the test checks that no one asked for it."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            body = b'{"@context": {"name": "http://schema.org/name"}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/context.jsonld", requests
    server.shutdown()
    server.server_close()
    thread.join()


def remote_context_documents(url: str) -> dict[str, dict]:
    return {
        "context-iri": {"@context": url, "@id": "a", "name": "x"},
        "context-list": {"@context": [{"s": "http://schema.org/"}, url], "@id": "a"},
        "import": {"@context": {"@version": 1.1, "@import": url}, "@id": "a", "name": "x"},
        "scoped": {
            "@context": {"knows": {"@id": "http://schema.org/knows", "@context": url}},
            "@id": "a",
            "knows": {"@id": "b", "name": "x"},
        },
        "nested-node": {"@id": "a", "http://schema.org/knows": {"@context": url, "@id": "b"}},
    }


def test_a_remote_context_or_import_is_refused_and_never_fetched(context_server):
    url, requests = context_server
    for case, document in remote_context_documents(url).items():
        error = refusal(json.dumps(document).encode(), RdfInputFormat.JSON_LD)
        assert error.kind == 400, case
        assert url in error.message and "fetched" in error.message, case
    assert requests == []


def test_an_inline_context_is_accepted():
    document = {"@context": [None, {"name": "http://schema.org/name"}], "@id": "a", "name": "x"}
    quads = read(json.dumps(document).encode(), RdfInputFormat.JSON_LD)
    assert quads == [ox.Quad(ox.NamedNode(BASE + "a"), NAME, ox.Literal("x"), ox.NamedNode(TARGET))]


def test_a_key_twice_in_one_object_is_refused_since_readers_disagree_on_which_wins():
    data = b'{"@context": {"name": "http://schema.org/name"}, "@id": "a", "@id": "b", "name": "x"}'
    error = refusal(data, RdfInputFormat.JSON_LD)
    assert error.kind == 400 and "'@id' appears twice" in error.message


def test_json_ld_nested_beyond_the_limit_is_refused_and_python_s_recursion_too():
    def nested(levels: int) -> bytes:
        inner = b'{"http://schema.org/knows": ' * levels + b'"x"' + b"}" * levels
        return b'{"@id": "a", "http://schema.org/knows": ' + inner + b"}"

    assert len(read(nested(8), RdfInputFormat.JSON_LD)) == 9
    limit = refusal(nested(MAX_NESTING), RdfInputFormat.JSON_LD)
    assert limit.kind == 400 and f"deeper than {MAX_NESTING}" in limit.message
    # Deep enough that Python's JSON reader gives up with RecursionError: still a 400.
    arrays = b'{"@id": "a", "http://schema.org/knows": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    assert refusal(arrays, RdfInputFormat.JSON_LD).kind == 400


def test_deep_json_ld_that_exhausts_pyoxigraph_s_memory_never_reaches_it():
    # Ten thousand levels made pyoxigraph 0.5.13 abort on a failed allocation under a 2 GiB cap.
    levels = 10_000
    inner = b'{"http://schema.org/knows": ' * levels + b'"x"' + b"}" * levels
    answer = read_in_a_child(inner, RdfInputFormat.JSON_LD)
    assert answer["kind"] == 400 and "deeper than" in answer["message"]


def test_json_ld_iris_are_checked_strictly_where_a_processor_would_drop_them():
    # A JSON-LD processor drops a triple whose IRI is invalid without a word; here it is refused.
    for document in (
        {"@id": "a b", "http://schema.org/name": "x"},
        {"@id": "a", "@type": ["http://schema.org/Person", "not a type"]},
        {"@id": "a", "http://schema.org/na me": "x"},
        {"@id": "a", "http://schema.org/knows": {"@id": "http://example.org/<b>"}},
    ):
        error = refusal(json.dumps(document).encode(), RdfInputFormat.JSON_LD)
        assert error.kind == 400 and "cannot be an IRI" in error.message, document


def test_json_ld_must_be_utf_8_json_and_an_object_or_array():
    for lone in (b'"x"', b"1", b"null"):
        assert "not a lone value" in refusal(lone, RdfInputFormat.JSON_LD).message
    assert "UTF-8" in refusal('{"@id": "é"}'.encode("latin-1"), RdfInputFormat.JSON_LD).message
    error = refusal(b'{"@id": "a",\n "http://schema.org/name" "x"}', RdfInputFormat.JSON_LD)
    assert (error.line, error.kind) == (2, 400) and "not JSON" in error.message


def test_json_ld_keys_that_no_context_defines_are_refused_since_a_reader_drops_them():
    typo = {"@context": {"name": "http://schema.org/name"}, "@id": "a", "nmae": "Alice"}
    error = refusal(json.dumps(typo).encode(), RdfInputFormat.JSON_LD)
    assert error.kind == 400 and "'nmae'" in error.message
    # With @vocab every key is an IRI under it; a term, a keyword alias or an IRI key is known.
    vocab = {"@context": {"@vocab": "http://schema.org/"}, "@id": "a", "nmae": "Alice"}
    assert len(read(json.dumps(vocab).encode(), RdfInputFormat.JSON_LD)) == 1
    aliased = {
        "@context": {"id": "@id", "s": "http://schema.org/"},
        "id": "a",
        "s:name": "Alice",
        "http://schema.org/knows": {"id": "b"},
    }
    assert len(read(json.dumps(aliased).encode(), RdfInputFormat.JSON_LD)) == 2


def test_json_ld_language_maps_keep_their_keys():
    document = {
        "@context": {"label": {"@id": "http://schema.org/name", "@container": "@language"}},
        "@id": "a",
        "label": {"en": "Secure Communities", "es": "Comunidades Seguras"},
    }
    quads = read(json.dumps(document).encode(), RdfInputFormat.JSON_LD)
    assert {q.object for q in quads} == {
        ox.Literal("Secure Communities", language="en"),
        ox.Literal("Comunidades Seguras", language="es"),
    }


def test_json_ld_contexts_below_the_top_are_refused_since_each_use_reprocesses_them():
    # pyoxigraph re-reads such a context, copying the active one, each time it applies: a
    # 300 KB document of one scoped context of 10,000 terms over 1,000 nodes took it 14 s.
    terms = {"name": "http://schema.org/name"}
    scoped_by_property = {
        "@context": {"knows": {"@id": "http://schema.org/knows", "@context": terms}},
        "@id": "a",
        "knows": {"@id": "b", "name": "x"},
    }
    scoped_by_type = {
        "@context": {"Person": {"@id": "http://schema.org/Person", "@context": terms}},
        "@id": "a",
        "@type": "Person",
        "name": "x",
    }
    for document in (scoped_by_property, scoped_by_type):
        error = refusal(json.dumps(document).encode(), RdfInputFormat.JSON_LD)
        assert error.kind == 400 and "scoped @context" in error.message
    embedded = {"@id": "a", "http://schema.org/knows": {"@context": terms, "@id": "b", "name": "x"}}
    error = refusal(json.dumps(embedded).encode(), RdfInputFormat.JSON_LD)
    assert error.kind == 400 and "top-level object" in error.message


def test_each_object_of_a_top_level_json_ld_array_may_carry_its_context():
    documents = [
        {"@context": {"name": "http://schema.org/name"}, "@id": "a", "name": "x"},
        {"@context": {"label": "http://schema.org/name"}, "@id": "b", "label": "y"},
    ]
    quads = read(json.dumps(documents).encode(), RdfInputFormat.JSON_LD)
    assert {(q.subject.value, q.object.value) for q in quads} == {
        (BASE + "a", "x"),
        (BASE + "b", "y"),
    }


def test_json_ld_terms_defined_through_a_long_chain_or_a_cycle_are_refused():
    # Each term written with the next: pyoxigraph 0.5.13 recursed through 10,000 of them until
    # its stack overflowed, ending the process.
    terms = 10_000
    chain = {f"t{i}": f"t{i + 1}:x" for i in range(terms)} | {f"t{terms}": "http://e.org/"}
    document = json.dumps({"@context": chain, "@id": "a", "t0": "v"}).encode()
    answer = read_in_a_child(document, RdfInputFormat.JSON_LD)
    assert answer["kind"] == 400 and "chain of more than" in answer["message"]
    cycle = {"@context": {"a": "b:x", "b": "a:y"}, "@id": "s", "a": "v"}
    error = refusal(json.dumps(cycle).encode(), RdfInputFormat.JSON_LD)
    assert error.kind == 400 and "through each other" in error.message


def test_json_ld_terms_written_with_prefixes_and_other_terms_are_read():
    context = {
        "schema": "http://schema.org/",
        "name": "schema:name",
        "label": "name",
        "knows": {"@id": "schema:knows", "@type": "@id"},
        "schema:alternateName": {"@type": "schema:Text"},
    }
    document = {"@context": context, "@id": "a", "label": "x", "knows": "b"}
    quads = read(json.dumps(document).encode(), RdfInputFormat.JSON_LD)
    assert {(q.predicate, q.object) for q in quads} == {
        (NAME, ox.Literal("x")),
        (KNOWS, ox.NamedNode(BASE + "b")),
    }


# --- Turtle, TriG, N-Triples, N-Quads: bounded nesting, no triple terms -----------------------


def test_turtle_brackets_nested_beyond_the_limit_are_refused():
    def nested(levels: int) -> bytes:
        return (
            b"<a> <http://schema.org/knows> "
            + b"[ <http://schema.org/knows> " * levels
            + b"<b>"
            + b" ]" * levels
            + b" ."
        )

    assert len(read(nested(MAX_NESTING), RdfInputFormat.TURTLE)) == MAX_NESTING + 1
    error = refusal(nested(MAX_NESTING + 1), RdfInputFormat.TURTLE)
    assert error.kind == 400 and f"deeper than {MAX_NESTING}" in error.message
    collections = b"<a> <http://schema.org/knows> " + b"( " * 100 + b")" * 100 + b" ."
    assert "deeper than" in refusal(collections, RdfInputFormat.TURTLE).message


def test_brackets_inside_strings_iris_comments_and_escapes_are_no_nesting():
    opaque = (
        b"@prefix ex: <http://example.org/> .\n"
        b"ex:a ex:p " + b'"' + b"[" * 100 + b'"' + b" ; # " + b"(" * 100 + b"\n"
        b"  ex:q '''" + b"{\n" * 100 + b"''' ; ex:r <http://example.org/" + b"(" * 100 + b"> ;\n"
        b"  ex:s ex:b" + b"\\(" * 100 + b" .\n"
    )
    quads = read(opaque, RdfInputFormat.TURTLE)
    assert len(quads) == 4
    assert ox.NamedNode("http://example.org/b" + "(" * 100) in {q.object for q in quads}


def test_triple_terms_are_refused_and_deeply_nested_ones_never_reach_the_parser():
    term = (
        b"<http://e.org/a> <http://e.org/b> "
        b"<<( <http://e.org/a> <http://e.org/b> <http://e.org/c> )>> .\n"
    )
    for fmt in (RdfInputFormat.N_TRIPLES, RdfInputFormat.TURTLE):
        error = refusal(term, fmt)
        assert error.kind == 400 and "triple terms" in error.message
    reified = b"<a> <b> <c> {| <http://schema.org/source> <d> |} ."
    assert "triple terms" in refusal(reified, RdfInputFormat.TURTLE).message
    # Thirty thousand levels (360 KB) crashed pyoxigraph 0.5.13 with a stack overflow.
    levels = 30_000
    nested = (
        b"<http://e.org/a> <http://e.org/b> "
        + b"<<( <http://e.org/a> <http://e.org/b> " * levels
        + b"<http://e.org/c>"
        + b" )>>" * levels
        + b" <http://e.org/g> .\n"
    )
    answer = read_in_a_child(nested, RdfInputFormat.N_QUADS)
    assert answer["kind"] == 400 and "deeper than" in answer["message"]


def test_an_upload_of_more_triples_than_the_cap_is_413_and_the_cap_is_a_setting():
    dense = b"@prefix e: <http://e.org/> . e:a e:b " + b"e:c, " * 99 + b"e:c ."
    assert len(read(dense, RdfInputFormat.TURTLE, max_triples=100)) == 100
    error = refusal(dense, RdfInputFormat.TURTLE, max_triples=99)
    assert error.kind == UploadKind.TOO_LARGE and "limit of 99 triples" in error.message
    assert Settings.from_env({"SCOMM_MAX_UPLOAD_TRIPLES": "5"}).max_upload_triples == 5
    with pytest.raises(ValueError, match="max_upload_triples"):
        Settings.from_env({"SCOMM_MAX_UPLOAD_TRIPLES": "-1"})
