"""How long SHACL validation takes, where the time goes, and what a small write costs.

    python benchmarks/validation.py [TRIPLES ...]     (default: 100000 1000000)

For the shipped data, then a synthetic graph of each size (`scomm-kg synth`, seed 1, written
to a temporary folder): the seconds to load it into a pyoxigraph store, to copy it into the
validation store with the dataset description, to find the focus nodes, to run the checks and
to write the report, with the five slowest steps; the shipped data is also validated once by
pyshacl, the reference engine. For the largest size, a "100-row write": ten statements of the
graph copied under new IRIs (about a hundred triples), then only the nodes they touch
validated against the whole graph, as the curation work will (validate.validate_focus).
The issue's targets: a full validation of 1M triples under 60 s, a 100-row write under 1 s.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from scomm_kg import loader, synth, validate

SCOMM = "https://w3id.org/scomm-kg/ontology#"
WRITTEN = "https://w3id.org/scomm-kg/synthetic/id/statement/benchmark-write-"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phases(timings: dict[str, float]) -> dict[str, float]:
    return {
        "copy": timings.get("load", 0.0),
        "focus": sum(v for k, v in timings.items() if k.startswith("focus ")),
        "checks": sum(v for k, v in timings.items() if k.startswith("check ")),
        "report": timings.get("report", 0.0),
    }


def slowest(timings: dict[str, float], count: int = 5) -> str:
    steps = [(v, k) for k, v in timings.items() if k.startswith(("focus ", "check "))]
    return ", ".join(f"{k} {v:.2f}s" for v, k in sorted(steps, reverse=True)[:count])


def row(name: str, triples: int, load: float, total: float, timings, violations: int) -> None:
    p = phases(timings)
    print(
        f"{name:<16} {triples:>9} {load:>6.1f} {p['copy']:>6.1f} {p['focus']:>6.1f} "
        f"{p['checks']:>7.1f} {p['report']:>6.2f} {total:>7.1f} {violations:>5} {peak_mib():>8.0f}"
    )
    print(f"{'':<16} slowest: {slowest(timings)}")


def shipped() -> None:
    started = time.perf_counter()
    loaded = loader.load()
    load = time.perf_counter() - started
    started = time.perf_counter()
    graph = validate.ValidationGraph.from_loaded(loaded)
    report = graph.validate()
    total = time.perf_counter() - started
    triples = len(list(loaded.dataset.quads((None, None, None, None))))
    row("shipped", triples, load, total, graph.timings, len(report.violations))
    started = time.perf_counter()
    reference = validate.validate(loaded, engine="pyshacl")
    seconds = time.perf_counter() - started
    same = "the same report" if reference.violations == report.violations else "A DIFFERENT REPORT"
    print(f"{'':<16} pyshacl (reference): {seconds:.1f}s, {same}")


def synthetic(size: int, write: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        summary = synth.write(size, 1, Path(folder))
        started = time.perf_counter()
        store = ox.Store()
        store.bulk_load(loader.load().nquads(), ox.RdfFormat.N_QUADS)
        store.bulk_load(path=str(summary.nquads), format=ox.RdfFormat.N_QUADS)
        load = time.perf_counter() - started
        sources = [Path(folder) / synth.SOURCES_DIR]
        started = time.perf_counter()
        graph = validate.ValidationGraph.from_store(store, extra_sources=sources)
        report = graph.validate()
        total = time.perf_counter() - started
        row(f"synthetic {size}", len(store), load, total, graph.timings, len(report.violations))
        if write:
            hundred_row_write(graph)


def hundred_row_write(graph: validate.ValidationGraph) -> None:
    """Ten statements copied under new IRIs, then only what they touch validated."""
    statements = [
        r["s"]
        for r in graph.store.query(
            f"SELECT ?s WHERE {{ ?s a <{SCOMM}Statement> }} ORDER BY ?s LIMIT 10"
        )
    ]
    written = []
    for index, statement in enumerate(statements):
        copy = ox.NamedNode(f"{WRITTEN}{index}")
        for quad in graph.store.quads_for_pattern(statement, None, None, ox.DefaultGraph()):
            written.append(ox.Quad(copy, quad.predicate, quad.object, ox.DefaultGraph()))
    touched = {URIRef(q.subject.value) for q in written} | {
        URIRef(q.object.value) for q in written if isinstance(q.object, ox.NamedNode)
    }
    graph.store.extend(written)
    started = time.perf_counter()
    report = validate.validate_focus(graph, sorted(touched))
    seconds = time.perf_counter() - started
    print(
        f"{'100-row write':<16} {len(written):>9} rows, {len(touched)} focus nodes: "
        f"{seconds:.2f}s, {len(report.violations)} violations "
        f"(focus {phases(graph.timings)['focus']:.2f}s, "
        f"checks {phases(graph.timings)['checks']:.2f}s)"
    )


def main(sizes: list[int]) -> None:
    print(
        f"{'data':<16} {'triples':>9} {'load':>6} {'copy':>6} {'focus':>6} {'checks':>7} "
        f"{'report':>6} {'total':>7} {'viol.':>5} {'peak MiB':>8}"
    )
    print("(seconds; load: files into a store, not part of the validation total)")
    shipped()
    for size in sizes:
        synthetic(size, write=size == max(sizes))


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [100_000, 1_000_000])
