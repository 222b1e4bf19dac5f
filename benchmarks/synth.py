"""How fast `scomm-kg synth` writes a synthetic graph, and why it does not use canonical.py.

    python benchmarks/synth.py [TRIPLES ...]     (default: 100000 1000000)

For each size: seconds to generate and write (the issue's target: 1M triples in under a
minute), triples per second, the peak memory of this process, and that pyoxigraph parses
the output (triples loaded). For the smallest size it also times the project's canonical TriG
writer on the same quads, the figure that decided synth writes sorted N-Quads itself.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from scomm_kg import canonical, loader, synth


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(sizes: list[int]) -> None:
    print(f"{'asked':>10} {'written':>10} {'graphs':>7} {'seconds':>8} {'triples/s':>10} "
          f"{'peak MiB':>9} {'loaded':>10}")  # fmt: skip
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            summary = synth.write(size, 1, Path(folder))
            seconds = time.perf_counter() - started
            store = ox.Store()
            store.bulk_load(path=str(summary.nquads), format=ox.RdfFormat.N_QUADS)
            print(
                f"{size:>10} {summary.triples:>10} {summary.graphs:>7} {seconds:>8.1f} "
                f"{summary.triples / seconds:>10.0f} {peak_mib():>9.0f} {len(store):>10}"
            )
    smallest = min(sizes)
    with tempfile.TemporaryDirectory() as folder:
        summary = synth.write(smallest, 1, Path(folder))
        dataset = loader.parse_file(Dataset(), summary.nquads, "nquads")
        started = time.perf_counter()
        canonical.trig(dataset)
        seconds = time.perf_counter() - started
    print(f"canonical.trig on the {summary.triples} triples of {smallest}: {seconds:.1f}s "
          f"(synth wrote them, generation included, in the time above)")  # fmt: skip


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [100_000, 1_000_000])
