"""HTTP writes: how long a write takes to be answered (and so readable by every query worker),
and what readers see meanwhile, on the shipped graph alone and with a synthetic graph beside.

A write is answered once the gate validated it, the data files and the store were swapped and
the query workers took the new data (the whole dataset, handed to the pool's manager): so its
cost grows with the dataset, which this measures. Readers run uncached queries all along.

    python benchmarks/writes.py [--triples 100000] [--writes 10]

Prints one table: dataset size, write latency (median, max) for SPARQL Update and Graph Store
PUT, and read latency (median, p95) while writes run.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from scomm_kg import resources

TOKEN = "benchmark-token-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
BASE = "https://w3id.org/scomm-kg/"
CLI = [sys.executable, "-c", "from scomm_kg.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(
    folder: Path, extra: list[Path], sources: Path | None, log
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCOMM_")}
    env |= {
        "SCOMM_PORT": str(port),
        "SCOMM_DATA_DIR": str(folder),
        "SCOMM_WRITE_TOKENS": f"bench={TOKEN}",
        "SCOMM_CACHE_DIR": "",
        "SCOMM_LOG_LEVEL": "WARNING",
        "SCOMM_DATA": ":".join(str(p) for p in extra),
        "SCOMM_SOURCES": str(sources or ""),
        "SCOMM_CLIENT_QUERY_SECONDS": "0",
    }
    process = subprocess.Popen(
        [*CLI, "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/sparql", timeout=5).status_code == 200:
                return process, url
        except requests.RequestException:
            pass
        if process.poll() is not None:
            log.seek(0)
            raise SystemExit(f"the server exited while starting: {log.read()[-2000:]}")
        time.sleep(0.5)
    raise SystemExit("the server did not start")


def note(i: int) -> str:
    return (
        f"<{BASE}id/note/bench-{i}> a <http://www.w3.org/ns/prov#Entity> ; "
        f'<http://www.w3.org/2000/01/rdf-schema#label> "Benchmark note {i}"@en .\n'
    )


def timed(send) -> float:
    started = time.perf_counter()
    response = send()
    elapsed = time.perf_counter() - started
    if response.status_code >= 300:
        raise SystemExit(f"a write failed: {response.status_code} {response.text[:300]}")
    return elapsed


def measure(url: str, writes: int) -> dict:
    reads: list[float] = []
    stop = threading.Event()
    salts = itertools.count()

    def reader():
        while not stop.is_set():
            query = f"# {next(salts)}\nSELECT (COUNT(*) AS ?n) WHERE {{ ?s a prov:Entity }}"
            started = time.perf_counter()
            requests.get(url + "/sparql", params={"query": query}, timeout=60)
            reads.append(time.perf_counter() - started)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    updates, puts = [], []
    try:
        for i in range(writes):
            graph = f"{BASE}graph/bench-update-{i}"
            text = f"INSERT DATA {{ GRAPH <{graph}> {{ {note(i)} }} }}"
            updates.append(
                timed(
                    lambda text=text: requests.post(
                        url + "/sparql",
                        data=text.encode(),
                        headers={**BEARER, "Content-Type": "application/sparql-update"},
                        timeout=600,
                    )
                )
            )
            target = f"{url}/graph-store?graph={BASE}graph/bench-put-{i}"
            puts.append(
                timed(
                    lambda target=target, i=i: requests.put(
                        target,
                        data=note(1000 + i).encode(),
                        headers={**BEARER, "Content-Type": "text/turtle"},
                        timeout=600,
                    )
                )
            )
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    reads.sort()
    return {
        "update": (statistics.median(updates), max(updates)),
        "put": (statistics.median(puts), max(puts)),
        "read": (statistics.median(reads), reads[int(len(reads) * 0.95)]),
    }


def triples(url: str) -> int:
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    answer = requests.get(
        url + "/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=600,
    )
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000, help="synthetic graph size")
    parser.add_argument("--writes", type=int, default=10, help="writes of each kind")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        synthetic = Path(tmp) / "synthetic"
        subprocess.run(
            [
                *CLI,
                "synth",
                "--triples",
                str(args.triples),
                "--out",
                str(synthetic),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        for label, extra in (("shipped", []), ("shipped + synthetic", [synthetic])):
            folder = Path(tmp) / f"data-{len(rows)}"
            shutil.copytree(resources.data_dir(), folder)
            sources = synthetic / "sources" if extra else None
            files = [synthetic / "synthetic.nq"] if extra else []
            log = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed below)
            process, url = serve(folder, files, sources, log)
            try:
                size = triples(url)
                rows.append((label, size, measure(url, args.writes)))
            finally:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(60)
                log.close()
    print(
        f"{'dataset':<22} {'triples':>9} {'update med/max s':>18} {'PUT med/max s':>15} "
        f"{'read med/p95 ms':>16}"
    )
    for label, size, found in rows:
        update, put, read = found["update"], found["put"], found["read"]
        print(
            f"{label:<22} {size:>9} {update[0]:>8.2f}/{update[1]:<9.2f} "
            f"{put[0]:>6.2f}/{put[1]:<8.2f} {read[0] * 1000:>7.0f}/{read[1] * 1000:<8.0f}"
        )


if __name__ == "__main__":
    main()
