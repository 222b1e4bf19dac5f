"""What running each query in an isolated worker costs, side by side, as ratios.

Runs every canned query on the shipped graph N times three ways in one process: in-process
(no limits), in a forked worker (time and memory limits), and in a forked worker that also
leaves the network. Prints the median time per query and each way's ratio to in-process.
Also times loading plus SHACL validation of the shipped data. Usage:

    python benchmarks/isolation.py [ROUNDS]
"""

from __future__ import annotations

import statistics
import sys
import time

from scomm_kg import build, loader, queries, validate
from scomm_kg.executor import ForkExecutor, InlineExecutor, network_isolation_available
from scomm_kg.settings import Settings


def median_ms(executor, store, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        for query in queries.catalogue().values():
            values = {p.name: _example(p) for p in query.params if p.required}
            start = time.perf_counter()
            executor.run(queries.run, store, query.name, values)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _example(param) -> str:
    return {
        "speaker": "id/person/janet-napolitano",
        "document": "id/document/secure-communities-backgrounder",
        "text": "napolitano",
    }[param.name]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    start = time.perf_counter()
    loaded = loader.load()
    report = validate.validate(loaded)
    print(f"load + validate: {time.perf_counter() - start:.2f} s (conforms: {report.conforms})")
    store = build.build_store(Settings(), check=False)
    ways = {
        "in-process": InlineExecutor(),
        "forked worker": ForkExecutor(timeout=30, memory_limit_bytes=4 << 30),
    }
    if network_isolation_available():
        ways["forked, no network"] = ForkExecutor(30, 4 << 30, isolate_network=True)
    results = {name: median_ms(executor, store, rounds) for name, executor in ways.items()}
    base = results["in-process"]
    print(f"median per canned query over {rounds} rounds of {len(queries.catalogue())} queries:")
    for name, value in results.items():
        print(f"  {name:20s} {value:7.2f} ms   x{value / base:.2f}")


if __name__ == "__main__":
    main()
