"""What running each query in the isolated query pool costs, beside a bare pyoxigraph call.

Times, in one process and on the shipped graph, the same work three ways: in-process (a bare
call, no limits), through the query pool as served (a worker started once, isolated from the
network, under the deadline, memory and answer caps), and through the pool with isolation off.
The work: `ASK {}` straight on the engine, and every canned query with its parameters, each
answer serialized as JSON (in the worker, as the service does).
Also times the pool's start and loading plus SHACL validation of the shipped data. Prints
each query's median time each way, its extra over the bare call, and the median extra. Usage:

    python benchmarks/isolation.py [ROUNDS]
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import replace

from scomm_kg import build, loader, queries, validate
from scomm_kg.results import format_by_name, serialize
from scomm_kg.service import query_pool
from scomm_kg.serving.pool import RESERVED, InlineExecutor
from scomm_kg.settings import Settings

JSON = format_by_name("json")


def ask(store) -> bytes:
    """ASK {} straight on the engine, its answer written as the service writes it."""
    return serialize(store.query("ASK {}"), JSON)


def canned(store, name: str, values: dict[str, str]) -> bytes:
    """A canned query with its parameters, its answer written as the service writes it."""
    return serialize(queries.run(store, name, values), JSON)


def median_ms(executor, store, fn, args, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        executor.run(fn, store, *args, lane=RESERVED)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _example(param) -> str:
    return {
        "speaker": "id/person/janet-napolitano",
        "document": "id/document/secure-communities-backgrounder",
        "text": "napolitano",
        "organization": "id/organization/dhs",
    }[param.name]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    start = time.perf_counter()
    report = validate.validate(loader.load())
    print(f"load + validate: {time.perf_counter() - start:.2f} s (conforms: {report.conforms})")
    settings = Settings()
    store = build.build_store(settings, check=False)
    work = [("ASK {}", ask, ())] + [
        (q.name, canned, (q.name, {p.name: _example(p) for p in q.params if p.required}))
        for q in queries.catalogue().values()
    ]
    ways = {"bare call": InlineExecutor()}
    for mode in (settings.query_isolation, "none"):
        start = time.perf_counter()
        pool = query_pool(store, replace(settings, query_isolation=mode)).start()
        started = (time.perf_counter() - start) * 1000
        name = f"pool ({pool.isolation})"
        print(f"{name}: started in {started:.0f} ms, {len(pool.worker_pids())} workers")
        ways[name] = pool
    try:
        print(f"\nmedian ms per query over {rounds} runs; in brackets, the extra over a bare call")
        print(f"  {'query':32s}" + "".join(f"{name:>26s}" for name in ways))
        extras: dict[str, list[float]] = {name: [] for name in ways}
        for label, fn, args in work:
            times = {name: median_ms(way, store, fn, args, rounds) for name, way in ways.items()}
            base = times["bare call"]
            cells = []
            for name, value in times.items():
                extras[name].append(value - base)
                cells.append(f"{value:9.2f} (+{value - base:5.2f})".rjust(26))
            print(f"  {label:32s}" + "".join(cells))
        summary = "".join(f"{statistics.median(extra):+26.2f}" for extra in extras.values())
        print(f"  {'median extra':32s}" + summary)
    finally:
        for way in ways.values():
            if hasattr(way, "stop"):
                way.stop()


if __name__ == "__main__":
    main()
