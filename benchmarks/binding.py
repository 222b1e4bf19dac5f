"""How each canned query is best bound on the embedded engine: substituted or written in.

    python benchmarks/binding.py [TRIPLES]     (default: 100000)

The shipped data plus a synthetic graph of TRIPLES triples (`scomm-kg synth`, seed 1) in one
pyoxigraph store; each canned query with the parameters of its documented example (those of
benchmarks/stores.py) is run with the parameters as Oxigraph substitutions and as VALUES
blocks written into the text (`text_with_values`), best of three each. Printed per query: both
times in ms, the rows (which must agree), which is faster, and what the query's header asks
(`#+ bind: values` or the engine's substitution). Oxigraph plans a query before it
substitutes, as if the parameter were free, and plans from a VALUES block; which suits a query
depends on its shape.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from scomm_kg import loader, queries, synth

sys.path.insert(0, str(Path(__file__).parent))
from stores import CANNED_PARAMS

# No answer within minutes at 1M either way (README, "Benchmark").
SLOW_EVERYWHERE = {"contradictions", "timeline"}


def best_of(runs: int, store: ox.Store, text: str, substitutions: dict) -> tuple[float, int]:
    best, rows = float("inf"), 0
    for _ in range(runs):
        started = time.perf_counter()
        answer = store.query(text, substitutions=substitutions, use_default_graph_as_union=True)
        rows = len(list(answer))
        best = min(best, time.perf_counter() - started)
    return best, rows


def main(size: int) -> None:
    store = ox.Store()
    with tempfile.TemporaryDirectory() as folder:
        summary = synth.write(size, 1, Path(folder))
        store.bulk_load(loader.load().nquads(), ox.RdfFormat.N_QUADS)
        store.bulk_load(path=str(summary.nquads), format=ox.RdfFormat.N_QUADS)
    print(f"{len(store)} quads: the shipped data and {size} synthetic triples\n")
    print(f"{'query':32} {'substituted':>12} {'written in':>11} {'rows':>6}  faster      header")
    for name, params in CANNED_PARAMS.items():
        if name in SLOW_EVERYWHERE:
            continue
        query = queries.get(name)
        bindings = queries.bind(query, params)
        substitutions = {ox.Variable(k): v for k, v in bindings.items()}
        written = query.text_with_values(bindings)
        substituted, rows = best_of(3, store, query.text, substitutions)
        written_in, written_rows = best_of(3, store, written, {})
        if rows != written_rows:
            raise SystemExit(f"{name}: {rows} rows substituted, {written_rows} written in")
        faster = "written in" if written_in < substituted else "substituted"
        header = "values" if query.binds_as_values else "engine"
        print(
            f"{name:32} {substituted * 1000:10.1f}ms {written_in * 1000:9.1f}ms {rows:6}"
            f"  {faster:11} {header}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if sys.argv[1:] else 100_000)
