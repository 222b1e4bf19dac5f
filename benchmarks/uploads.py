"""What reading an untrusted upload costs: each format's rate, and what the guards add.

    python benchmarks/uploads.py [TRIPLES]      (default: 100000)

For each accepted format, the same synthetic triples (a person per subject with a name, a date
and a link, relative IRIs) are serialized by pyoxigraph (RDF/XML and JSON-LD written flat, as
a tool would write them) and read by `read_rdf`: bytes, seconds, MB/s, and the share of the
time spent in the structural guards (the bracket count over Turtle and TriG, expat over
RDF/XML, the JSON walk over JSON-LD; N-Triples and N-Quads without << skip theirs). Then the
time to refuse each attack of the tests: a billion-laughs document, a remote JSON-LD context,
JSON-LD 10,000 levels deep, and a file at the size cap (refused before parsing).
"""

from __future__ import annotations

import json
import sys
import time
from functools import partial

import pyoxigraph as ox

from scomm_kg.curation import upload_guards
from scomm_kg.curation.uploads import RdfInputFormat, UploadRefused, read_rdf

BASE = "https://kg.example.org/"
GRAPH = BASE + "graph/bench"
SCHEMA = "http://schema.org/"


def synthetic_quads(triples: int) -> list[ox.Quad]:
    graph = ox.NamedNode(GRAPH)
    quads = []
    for index in range(triples // 3):
        person = ox.NamedNode(f"{BASE}person/p{index}")
        quads += [
            ox.Quad(person, ox.NamedNode(SCHEMA + "name"), ox.Literal(f"Person {index}"), graph),
            ox.Quad(
                person,
                ox.NamedNode(SCHEMA + "birthDate"),
                ox.Literal(
                    f"19{index % 100:02d}-01-01",
                    datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"),
                ),
                graph,
            ),
            ox.Quad(
                person, ox.NamedNode(SCHEMA + "knows"), ox.NamedNode(f"{BASE}person/p0"), graph
            ),
        ]
    return quads


def serialized(quads: list[ox.Quad], fmt: RdfInputFormat) -> bytes:
    if fmt in (RdfInputFormat.TRIG, RdfInputFormat.N_QUADS, RdfInputFormat.JSON_LD):
        return ox.serialize(quads, format=fmt.value.engine)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return ox.serialize(triples, format=fmt.value.engine)


def best_of(runs: int, action) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def read(data: bytes, fmt: RdfInputFormat, max_bytes: int = 1 << 40):
    return read_rdf(data, fmt, base_iri=BASE, default_graph=GRAPH, max_bytes=max_bytes)


def refusal_seconds(data: bytes, fmt: RdfInputFormat, max_bytes: int = 1 << 40) -> str:
    started = time.perf_counter()
    try:
        read(data, fmt, max_bytes)
    except UploadRefused as error:
        return f"{(time.perf_counter() - started) * 1000:8.2f} ms  {int(error.kind)}"
    raise SystemExit(f"not refused: {data[:60]!r}")


def main(triples: int) -> None:
    quads = synthetic_quads(triples)
    guards = {
        RdfInputFormat.TURTLE: upload_guards.check_turtle_family,
        RdfInputFormat.TRIG: upload_guards.check_turtle_family,
        RdfInputFormat.RDF_XML: upload_guards.check_xml,
        RdfInputFormat.JSON_LD: upload_guards.check_json_ld,
    }
    print(f"{len(quads)} triples per file; best of 3 runs")
    print(f"{'format':<10} {'bytes':>11} {'seconds':>8} {'MB/s':>7} {'guard share':>12}")
    for fmt in RdfInputFormat:
        data = serialized(quads, fmt)
        assert len(read(data, fmt)) == len(quads)
        seconds = best_of(3, lambda data=data, fmt=fmt: read(data, fmt))
        share = "-"
        if fmt in guards:
            check = guards[fmt]
            if check is upload_guards.check_turtle_family:
                check = partial(check, is_line_based=False)
            guard = best_of(3, lambda data=data, check=check: check(data))
            share = f"{guard / seconds:.0%}"
        print(
            f"{fmt.label:<10} {len(data):>11,} {seconds:>8.2f} "
            f"{len(data) / seconds / 1e6:>7.1f} {share:>12}"
        )
    print()
    laughs = (
        b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9)
        )
        + b"]>\n<r>&j;</r>"
    )
    remote = json.dumps({"@context": "http://127.0.0.1:9/c.jsonld", "@id": "a"}).encode()
    deep = b'{"http://schema.org/knows": ' * 10_000 + b'"x"' + b"}" * 10_000
    huge = b"<a> <b> <c> .\n" * 1_000_000
    print(f"{'refused':<40} {'time':>11}  kind")
    laughs_label = f"billion laughs ({len(laughs)} bytes)"
    print(f"{laughs_label:<40} {refusal_seconds(laughs, RdfInputFormat.RDF_XML)}")
    print(f"{'remote JSON-LD context':<40} {refusal_seconds(remote, RdfInputFormat.JSON_LD)}")
    print(f"{'JSON-LD 10,000 levels deep':<40} {refusal_seconds(deep, RdfInputFormat.JSON_LD)}")
    cap = len(huge) - 1
    print(f"{f'{len(huge):,} bytes over a cap of {cap:,}':<40} "
          f"{refusal_seconds(huge, RdfInputFormat.TURTLE, cap)}")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
