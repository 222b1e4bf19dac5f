"""Load benchmark: scomm-kg's server under cheap, abusive, slow and runaway clients, and Oxigraph's.

One command, loopback only, bounded in time (about 7½ minutes by default, 1½ with --quick):

    .venv/bin/python benchmarks/load.py [--quick] [--duration S] [--concurrency N] ...

It starts `scomm-kg serve` (default settings but the port) and, on the same data (the N-Quads
of `scomm-kg export`), Oxigraph's own server (`oxigraph serve-read-only --union-default-graph`,
otherwise its defaults: no query timeout), checks that both give the same number of rows for
every canned query it uses, then runs, for each server in turn:

  repeated  the canned queries only, every connection on them;
  alone     cheap queries only: half the connections loop on `ASK {}`, half on the canned
            queries (served at /queries/<name> by scomm-kg, sent as their text to Oxigraph);
  abusive   the same, plus paced abusive clients (a cartesian product, a path over every
            predicate, a 30 MB answer) and slow clients (sockets holding half a request, readers
            that take a KiB a second);
  runaways  the same cheap load while 4 queries that cannot finish in time run (each restarted
            as soon as it ends).

First, at concurrency 1: the canned queries repeated (cache hits) on scomm-kg, and a small
query made unique per request (a cache miss) on scomm-kg and on a bare pyoxigraph call behind its
front (benchmarks/bare_front.py). The load generator is wrk (Debian's `wrk`: one C event
loop per thread, so one thread drives thousands of requests per second on one core, where a
Python generator such as locust would itself be the bottleneck on 2 cores); benchmarks/load.lua
counts answers by status and prints one JSON report per run. The memory of each server's whole
process tree (RSS, sampled each second with psutil) is kept by phase.

Prints the table (scomm-kg beside Oxigraph, as ratios) and the issue's targets (met / missed,
with the figures), and saves everything as JSON under benchmarks/results/. Needs `wrk`
(apt-get install wrk) and the `bench` extra (pip install -e '.[bench]': oxigraph, psutil).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import psutil
from load_report import (
    TABLE_HEADER,
    MemorySample,
    Results,
    evaluate_targets,
    format_table,
    memory_by_phase,
    memory_lines,
    parse_wrk_output,
    run_line,
    table_rows,
)

from scomm_kg import queries
from scomm_kg.namespaces import PREFIXES

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
JSON_RESULTS = "application/sparql-results+json"
# The canned queries that take no required parameter: Oxigraph gets their exact text, with the
# prefixes scomm-kg predeclares, so that both servers answer the same question.
CANNED = ("statistics", "sources", "timeline", "opt-out-attempts")
ASK = "ASK {}"
# Made unique per request by wrk (a number in the middle), so that no cache can answer it.
UNIQUE_ASK = ("ASK { FILTER(", " != 0) }")
# The abusive queries: each is refused or stopped by a careful server, and costs a careless one.
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
LONG_PATH = "SELECT (COUNT(*) AS ?n) WHERE { ?s (!<urn:x:none>)* ?o }"
# Thirty rows of a 1 MiB string: 30 MB of answer from 10 doublings of 1 KiB.
HUGE_ANSWER = (
    "SELECT ?s10 WHERE { VALUES ?i { 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 "
    '24 25 26 27 28 29 30 } BIND(CONCAT(STR(?i), "'
    + "x" * 1024
    + '") AS ?s0) '
    + " ".join(f"BIND(CONCAT(?s{n}, ?s{n}) AS ?s{n + 1})" for n in range(10))
    + " }"
)
# A query that cannot finish within the 30 s timeout: a three-way product of every quad.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = ("ask", "canned")


def prefixed(text: str) -> str:
    """A canned query's text with scomm-kg's predeclared prefixes spelled out, for Oxigraph."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items()) + text


class Endpoint:
    """How to ask one server for each kind of request."""

    def __init__(self, name: str, port: int, sparql_path: str, canned_by_name: bool):
        self.name, self.port, self.sparql_path = name, port, sparql_path
        self.canned_by_name = canned_by_name

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def get_path(self, query: str) -> str:
        return f"{self.sparql_path}?{urllib.parse.urlencode({'query': query})}"

    def canned_path(self, name: str) -> str:
        if self.canned_by_name:
            return f"/queries/{name}"
        return self.get_path(prefixed(queries.get(name).text))

    def wrk_get(self, path: str) -> dict:
        return {"method": "GET", "path": path, "headers": {"Accept": JSON_RESULTS}}

    def wrk_post(self, query: str) -> dict:
        return {
            "method": "POST",
            "path": self.sparql_path,
            "headers": {
                "Accept": JSON_RESULTS,
                "Content-Type": "application/x-www-form-urlencoded",
            },
            "body": urllib.parse.urlencode({"query": query}),
        }

    def workload(self, kind: str) -> list[dict]:
        if kind == "ask":
            return [self.wrk_get(self.get_path(ASK))]
        if kind in ("canned", "cache-hit"):
            return [self.wrk_get(self.canned_path(name)) for name in CANNED]
        if kind == "uncached":
            before, after = (urllib.parse.quote_plus(part) for part in UNIQUE_ASK)
            return [
                {
                    "method": "GET",
                    "path_prefix": f"{self.sparql_path}?query={before}",
                    "path_suffix": after,
                    "headers": {"Accept": JSON_RESULTS},
                }
            ]
        if kind == "abusive":
            return [self.wrk_post(q) for q in (CARTESIAN, LONG_PATH, HUGE_ANSWER)]
        raise ValueError(kind)

    def rows(self, path: str) -> int | bool:
        """The number of rows of one answer, or the boolean of an ASK."""
        req = urllib.request.Request(self.base + path, headers={"Accept": JSON_RESULTS})
        with urllib.request.urlopen(req, timeout=60) as answer:
            data = json.load(answer)
        return data["boolean"] if "boolean" in data else len(data["results"]["bindings"])


class Server:
    """A server process in a session of its own, its process tree's memory sampled each second."""

    def __init__(self, name: str, argv: list[str], ready_path: str, port: int, log: Path):
        self.name, self.argv, self.ready_path, self.port, self.log = (
            name,
            argv,
            ready_path,
            port,
            log,
        )
        self.phase = "starting"
        self.samples: list[MemorySample] = []
        self._stop = threading.Event()

    def __enter__(self) -> Server:
        self._log = self.log.open("wb")
        self.process = subprocess.Popen(
            self.argv, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._started = time.monotonic()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited at start; see {self.log}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                urllib.request.urlopen(f"http://{HOST}:{self.port}{self.ready_path}", timeout=5)
                self.phase = "idle"
                return self
            time.sleep(0.3)
        raise SystemExit(f"{self.name} did not answer within 180 s; see {self.log}")

    def __exit__(self, *exc) -> None:
        self._stop.set()
        # The whole session: a query process that outlives its parent goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._log.close()

    def _sample(self) -> None:
        root = psutil.Process(self.process.pid)
        while not self._stop.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            rss, alive = 0, 0
            for process in tree:
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    rss += process.memory_info().rss
                    alive += 1
            self.samples.append(
                MemorySample(time.monotonic() - self._started, self.phase, rss / 2**20, alive)
            )
            self._stop.wait(1.0)


class Wrk:
    """One wrk process running a workload file for a fixed time."""

    def __init__(self, endpoint: Endpoint, kind: str, connections: int, seconds: float, workdir):
        self.kind = kind
        spec_file = Path(workdir) / f"{endpoint.name}-{kind}.lua"
        spec_file.write_text(to_lua(endpoint.workload(kind)))
        env = dict(os.environ)
        if kind == "abusive":
            env["WRK_DELAY_MS"] = "20"  # each abusive connection sends about 50 a second
        self.process = subprocess.Popen(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                f"--timeout={round(seconds) + 60}s",
                "-s",
                str(HERE / "load.lua"),
                endpoint.base,
                "--",
                str(spec_file),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )

    def result(self, label: str):
        output, _ = self.process.communicate()
        return parse_wrk_output(label, output)


def to_lua(specs: list[dict]) -> str:
    """The requests as a Lua data file for load.lua."""

    def value(v) -> str:
        if isinstance(v, dict):
            return "{" + ", ".join(f"[{value(k)}] = {value(x)}" for k, x in v.items()) + "}"
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    return "return {\n" + ",\n".join(value(s) for s in specs) + "\n}\n"


class SlowClients:
    """Sockets that send half a request and wait, and readers that take an answer a KiB at a time.

    Each reconnects as soon as the server lets go, so the share stays the same all phase long.
    """

    def __init__(self, endpoint: Endpoint, half_sent: int, slow_readers: int):
        self.endpoint = endpoint
        self.counts: Counter = Counter()
        self._stop = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        half = f"GET {endpoint.get_path(ASK)} HTTP/1.1\r\nHost: {HOST}\r\n".encode()
        body = urllib.parse.urlencode({"query": HUGE_ANSWER})
        whole = (
            f"POST {endpoint.sparql_path} HTTP/1.1\r\nHost: {HOST}\r\nAccept: {JSON_RESULTS}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}"
        ).encode()
        self._threads = [
            threading.Thread(target=self._loop, args=("half-sent", half, 0), daemon=True)
            for _ in range(half_sent)
        ] + [
            threading.Thread(target=self._loop, args=("slow-reader", whole, 1024), daemon=True)
            for _ in range(slow_readers)
        ]

    def __enter__(self) -> SlowClients:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)

    def _loop(self, kind: str, request: bytes, read_size: int) -> None:
        while not self._stop.is_set():
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            with self._lock:
                self._sockets.add(sock)
            try:
                sock.connect((HOST, self.endpoint.port))
                sock.sendall(request)
                self.counts[f"{kind} opened"] += 1
                first = sock.recv(read_size or 1024)
                if self._stop.is_set():
                    break
                if not first:
                    self.counts[f"{kind} closed by the server, unanswered"] += 1
                    continue
                status = first.split(b" ", 2)[1].decode(errors="replace") if b" " in first else "?"
                self.counts[f"{kind} answered {status}"] += 1
                while read_size and not self._stop.is_set() and sock.recv(read_size):
                    self.counts[f"{kind} KiB read"] += 1
                    self._stop.wait(1.0)
            except OSError as error:
                if not self._stop.is_set():
                    self.counts[f"{kind} {type(error).__name__}"] += 1
                    self._stop.wait(0.2)
            finally:
                with self._lock:
                    self._sockets.discard(sock)
                sock.close()


class Runaways:
    """N queries that cannot finish in time, each sent again as soon as it ends."""

    def __init__(self, endpoint: Endpoint, count: int):
        self.endpoint = endpoint
        self.statuses: Counter = Counter()
        self.seconds: list[float] = []
        self._stop = threading.Event()
        self._connections: list[http.client.HTTPConnection] = []
        self._threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(count)]

    def __enter__(self) -> Runaways:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for connection in list(self._connections):
            with contextlib.suppress(OSError, AttributeError):
                connection.sock.shutdown(socket.SHUT_RDWR)

    def _loop(self) -> None:
        body = urllib.parse.urlencode({"query": RUNAWAY})
        headers = {"Accept": JSON_RESULTS, "Content-Type": "application/x-www-form-urlencoded"}
        while not self._stop.is_set():
            connection = http.client.HTTPConnection(HOST, self.endpoint.port, timeout=600)
            self._connections.append(connection)
            started = time.monotonic()
            try:
                connection.request("POST", self.endpoint.sparql_path, body, headers)
                answer = connection.getresponse()
                answer.read()
                if not self._stop.is_set():
                    self.statuses[str(answer.status)] += 1
                    self.seconds.append(time.monotonic() - started)
                if time.monotonic() - started < 1:
                    # Refused at once (a 503 or 429 from admission control): ask again soon,
                    # as a persistent client would, without spinning.
                    self._stop.wait(0.1)
            except (OSError, http.client.HTTPException) as error:
                if not self._stop.is_set():
                    self.statuses[type(error).__name__] += 1
                    self._stop.wait(0.2)
            finally:
                connection.close()
                self._connections.remove(connection)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def settle(endpoint: Endpoint, most_seconds: float) -> float:
    """Wait until `ASK {}` is answered within a second: queries left by the abusive phase end."""
    started = time.monotonic()
    while time.monotonic() - started < most_seconds:
        asked = time.monotonic()
        with contextlib.suppress(OSError, http.client.HTTPException):
            urllib.request.urlopen(endpoint.base + endpoint.get_path(ASK), timeout=most_seconds)
            if time.monotonic() - asked < 1:
                break
        time.sleep(0.5)
    return time.monotonic() - started


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path):
        self.args, self.workdir = args, workdir
        self.results = Results()
        self.extra: dict = {"slow_clients": {}, "runaways": {}, "settle_seconds": {}}
        self.generator_cpu: dict[str, float] = {}

    def wrk_phase(self, server: Server, endpoint: Endpoint, phase: str, kinds: dict[str, int]):
        """Run the workloads side by side, each in its own wrk, and keep their figures."""
        seconds = {"serial": self.args.serial_duration, "repeated": self.args.repeated_duration}
        seconds = seconds.get(phase, self.args.duration)
        server.phase = phase
        print(f"  {endpoint.name}: {phase} ({', '.join(kinds)}; {seconds:.0f} s)", flush=True)
        cpu_before = _children_cpu()
        runs = {k: Wrk(endpoint, k, c, seconds, self.workdir) for k, c in kinds.items()}
        stats = {k: run.result(f"{endpoint.name}/{phase}/{k}") for k, run in runs.items()}
        cores = (_children_cpu() - cpu_before) / seconds
        self.generator_cpu[f"{endpoint.name}/{phase}/{'+'.join(kinds)}"] = cores
        for kind, result in stats.items():
            self.results.add(endpoint.name, phase, kind, result)
            print("    " + run_line(kind, result), flush=True)
        print(f"    wrk used {cores:.2f} of the 2 cores", flush=True)
        server.phase = "between"

    def load_phases(self, server: Server, endpoint: Endpoint) -> None:
        half = self.args.concurrency // 2
        cheap = {"ask": half, "canned": self.args.concurrency - half}
        # The canned queries on their own first: in the mixed phases a server that answers
        # `ASK {}` in microseconds spends most of its time on those, not on the canned ones.
        self.wrk_phase(server, endpoint, "repeated", {"canned": self.args.concurrency})
        self.wrk_phase(server, endpoint, "alone", cheap)
        with SlowClients(endpoint, self.args.half_sent, self.args.slow_readers) as slow:
            abusive = {"abusive": self.args.abusive} if self.args.abusive else {}
            self.wrk_phase(server, endpoint, "abusive", {**cheap, **abusive})
        self.extra["slow_clients"][endpoint.name] = dict(slow.counts)
        self.extra["settle_seconds"][endpoint.name] = settle(endpoint, self.args.settle)
        with Runaways(endpoint, self.args.runaways) as runaways:
            self.wrk_phase(server, endpoint, "runaways", cheap)
        self.extra["runaways"][endpoint.name] = {
            "statuses": dict(runaways.statuses),
            "seconds": runaways.seconds,
        }

    def run(self) -> dict:
        dump = self.workdir / "dataset.nq"
        print("exporting the graph as N-Quads (scomm-kg export)…", flush=True)
        with dump.open("wb") as out:
            subprocess.run(
                [str(BIN / "scomm-kg"), "export", "--format", "nquads", "--data-only"],
                stdout=out,
                check=True,
            )
        oxigraph_dir = self.workdir / "oxigraph"
        subprocess.run(
            [str(BIN / "oxigraph"), "load", "--location", str(oxigraph_dir), "--file", str(dump)],
            check=True,
            capture_output=True,
        )
        ports = {name: free_port() for name in ("scomm", "oxigraph", "bare")}
        scomm = Endpoint("scomm", ports["scomm"], "/sparql", canned_by_name=True)
        oxigraph = Endpoint("oxigraph", ports["oxigraph"], "/query", canned_by_name=False)
        bare = Endpoint("bare", ports["bare"], "/sparql", canned_by_name=False)
        scomm_server = Server(
            "scomm",
            [str(BIN / "scomm-kg"), "serve", "--port", str(scomm.port)],
            "/",
            scomm.port,
            self.workdir / "scomm.log",
        )

        def oxigraph_server() -> Server:
            argv = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(oxigraph_dir)]
            # Default settings: with --timeout-s, Oxigraph 0.5.13 starts a thread per query to
            # keep the deadline, and at thousands of queries a second here it failed to make
            # them ("Resource temporarily unavailable"), answered 500, then died.
            argv += ["--bind", f"{HOST}:{oxigraph.port}", "--union-default-graph"]
            log = self.workdir / "oxigraph.log"
            return Server("oxigraph", argv, oxigraph.get_path(ASK), oxigraph.port, log)

        print("starting both servers and comparing their answers…", flush=True)
        with scomm_server:
            with oxigraph_server():
                self.extra["row_check"] = self.check_rows(scomm, oxigraph)
            # Each server has the machine to itself (with wrk) while it is measured.
            self.wrk_phase(scomm_server, scomm, "serial", {"cache-hit": 1})
            self.wrk_phase(scomm_server, scomm, "serial", {"uncached": 1})
            self.load_phases(scomm_server, scomm)
        with oxigraph_server() as oxigraph_run:
            self.load_phases(oxigraph_run, oxigraph)
        with Server(
            "bare",
            [sys.executable, str(HERE / "bare_front.py"), str(bare.port), str(dump)],
            bare.get_path(ASK),
            bare.port,
            self.workdir / "bare.log",
        ) as bare_run:
            self.wrk_phase(bare_run, bare, "serial", {"uncached": 1})
        servers = {"scomm": scomm_server, "oxigraph": oxigraph_run, "bare": bare_run}
        return {
            "memory": {name: memory_by_phase(s.samples) for name, s in servers.items()},
            "memory_samples": {name: [asdict(x) for x in s.samples] for name, s in servers.items()},
        }

    def check_rows(self, scomm: Endpoint, oxigraph: Endpoint) -> dict:
        """Both servers give the same number of rows for every canned query timed, or stop."""
        check = {}
        for name, (ours, theirs) in {
            "ASK {}": (scomm.get_path(ASK), oxigraph.get_path(ASK)),
            **{n: (scomm.canned_path(n), oxigraph.canned_path(n)) for n in CANNED},
        }.items():
            check[name] = {"scomm": scomm.rows(ours), "oxigraph": oxigraph.rows(theirs)}
            print(f"  {name}: scomm-kg {check[name]['scomm']}, oxigraph {check[name]['oxigraph']}")
        differ = [n for n, c in check.items() if c["scomm"] != c["oxigraph"]]
        if differ:
            raise SystemExit(f"the servers answer differently, nothing timed: {differ}")
        return check


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _machine() -> dict:
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True, text=True
    ).stdout.strip()
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    oxigraph_version = subprocess.run(
        [str(BIN / "oxigraph"), "--version"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "wrk": wrk_version.splitlines()[0] if wrk_version else "?",
        "oxigraph": oxigraph_version,
        "commit": commit,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 8 s phases, 3 s serial")
    parser.add_argument("--duration", type=float, help="seconds of each load phase (default 60)")
    parser.add_argument(
        "--serial-duration", type=float, help="seconds of each concurrency-1 run (default 10)"
    )
    parser.add_argument(
        "--repeated-duration", type=float, help="seconds of the canned-only run (default 20)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="cheap-query connections")
    parser.add_argument("--abusive", type=int, default=4, help="abusive connections, paced")
    parser.add_argument("--half-sent", type=int, default=4, help="sockets holding half a request")
    parser.add_argument("--slow-readers", type=int, default=2, help="readers of a KiB a second")
    parser.add_argument("--runaways", type=int, default=4, help="queries that cannot finish")
    parser.add_argument("--settle", type=float, help="most seconds to wait between phases")
    parser.add_argument("--output", type=Path, help="JSON file (default benchmarks/results/…)")
    args = parser.parse_args(argv)
    quick = args.quick
    args.duration = args.duration or (8 if quick else 60)
    args.serial_duration = args.serial_duration or (3 if quick else 10)
    args.repeated_duration = args.repeated_duration or (4 if quick else 20)
    args.settle = args.settle or (20 if quick else 45)
    if args.concurrency < 2:
        parser.error("--concurrency must be at least 2 (half ASK, half canned queries)")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    for tool in ("wrk", str(BIN / "oxigraph")):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: apt-get install wrk; pip install -e '.[bench]'")
    started = datetime.datetime.now(datetime.UTC)
    machine = _machine()
    with tempfile.TemporaryDirectory(prefix="scomm-load-") as workdir:
        bench = Bench(args, Path(workdir))
        extra = bench.run()
    results = bench.results
    targets = evaluate_targets(results, CHEAP)
    phases = ("serial", "repeated", "alone", "abusive", "runaways")
    rows = table_rows(results, phases, (*CHEAP, "cache-hit", "uncached"))
    table = format_table(TABLE_HEADER, rows)
    print("\n" + table + "\n")
    bare = results.get("bare", "serial", "uncached")
    ours = results.get("scomm", "serial", "uncached")
    if bare and ours:
        print("uncached small query at concurrency 1, scomm-kg and a bare pyoxigraph call:")
        print("  " + run_line("scomm-kg", ours))
        print("  " + run_line("bare", bare))
    print("\n".join(memory_lines(extra["memory"])))
    for server, counts in bench.extra["slow_clients"].items():
        print(f"slow clients on {server}: {dict(sorted(counts.items()))}")
    for server, runaway in bench.extra["runaways"].items():
        print(f"runaway queries on {server}: {runaway['statuses']}")
    print("\nTargets (issue 7):")
    for target in targets:
        print("  " + target.line())
    output = args.output or HERE / "results" / f"load-{started:%Y%m%dT%H%M%SZ}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "canned_queries": CANNED,
        "runs": {key: stats.to_json() for key, stats in results.runs.items()},
        "load_generator_cores": bench.generator_cpu,
        "table": {"header": TABLE_HEADER, "rows": rows},
        "targets": [asdict(t) for t in targets],
        **bench.extra,
        **extra,
    }
    output.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\nsaved {output}")


if __name__ == "__main__":
    main()
