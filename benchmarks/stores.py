"""Stores benchmark: scomm-kg on each of its three backends beside Oxigraph's own server.

One command, loopback only, bounded in time (a few minutes per dataset with the defaults):

    .venv/bin/python benchmarks/stores.py [--quick] [--sizes shipped,100k,1M] [--big] ...

For each dataset (the shipped graph; the shipped graph plus `scomm-kg synth --triples N`) it
measures, in one run on one machine:

  load      triples/s into the memory store (build_store in a process of its own), the disk
            store and a remote store (both `scomm-kg load`; the remote one a throw-away
            in-memory `oxigraph serve` written through its update endpoint), beside
            `oxigraph load` of the same quads (the shipped graph exported, plus synth's file);
  start-up  seconds from the start of `scomm-kg serve` until /sparql answers: the memory
            store (it loads), the disk store's first start (it loads) and its warm start
            (already loaded), and the remote store;
  memory    RSS and PSS of each server's whole process tree (psutil), with 1 and with 4 query
            workers: PSS counts a page the processes share once, so it shows whether workers
            copy the graph (RSS counts it once per process);
  latency   p50/p99 and throughput at concurrency 1, 8 and 16 (wrk with load.lua, as
            benchmarks/load.py runs it) for each canned query (at /queries/<name>, with the
            parameters of its documented example, which give rows in every dataset) and four
            ad-hoc queries, on scomm-kg with each backend and on Oxigraph's server in memory
            (`oxigraph serve`, the quads POSTed to /store) and on disk (`oxigraph serve
            --location`), both with --union-default-graph. Every server's row counts are
            checked against Oxigraph's in-memory server first; a query whose counts differ, or
            that takes more than half of --most-seconds alone, is not timed there (and is
            listed). Each ad-hoc request is made unique (a comment with a counter); the canned
            ones are the same URL each time, and scomm-kg evaluates identical requests in
            flight once (its cache off or not), so at concurrency above 1 their figures are
            what a crowd asking one page gets, where the ad-hoc ones measure evaluation.

scomm-kg runs with its result cache off (SCOMM_RESULT_CACHE_MB=0: engine latency, not cache
hits) and without the per-client evaluation budget (SCOMM_CLIENT_QUERY_SECONDS=0: every request
comes from one address); on the remote store also without isolating its query workers from
the network (SCOMM_QUERY_ISOLATION=none), which would cut them off from the server they ask.
Full validation of 100k triples takes longer than this benchmark, so
unless --validate is given the validation of the data is skipped: the validation cache in a
throw-away SCOMM_CACHE_DIR is told the inputs conform (the output says so), and `scomm-kg load`
and `serve` then run unchanged.

Prints, per dataset, the tables and the issue's targets (met / missed, with the figures), and
saves everything as JSON under benchmarks/results/. Needs `wrk` (apt-get install wrk) and the
`bench` extra (pip install -e '.[bench]': oxigraph, psutil).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
from load import ASK, BIN, HOST, Endpoint, Server, Wrk, _machine, free_port, prefixed
from load_report import RunStats, Target, format_table, ratio

from scomm_kg import queries
from scomm_kg.namespaces import DEFAULT_BASE_IRI

HERE = Path(__file__).resolve().parent
SCOMM = str(BIN / "scomm-kg")
OXIGRAPH = str(BIN / "oxigraph")

# Each canned query with the parameters of its documented example: shipped resources, so that
# every dataset (the synthetic graph extends the shipped one) gives rows.
CANNED_PARAMS: dict[str, dict[str, str]] = {
    "contradictions": {},
    "document-supports": {"document": "id/document/los-angeles-times-report-on-napolitano-letter"},
    "opt-out-attempts": {},
    "opt-out-attempts-before-denial": {
        "proposition": "id/proposition/local-jurisdictions-can-opt-out"
    },
    "search": {"text": "napolitano"},
    "sources": {},
    "statements-by-speaker": {"speaker": "id/person/janet-napolitano"},
    "statements-from-organization": {"organization": "id/organization/dhs"},
    "statements-on-topic": {"proposition": "id/proposition/local-jurisdictions-can-opt-out"},
    "statistics": {"measure": "id/concept/criminal-removals"},
    "timeline": {},
}

_PROLOGUE = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX scomm: <https://w3id.org/scomm-kg/ontology#>
"""
# The ad-hoc queries, the same text for every server. DISTINCT where a triple two
# graphs hold could otherwise match twice (a union default graph kept as a view is a bag).
AD_HOC: dict[str, str] = {
    "label-lookup": _PROLOGUE
    + 'SELECT DISTINCT ?resource WHERE { ?resource rdfs:label "Janet Napolitano"@en }',
    "timeline-order-limit": _PROLOGUE + "SELECT DISTINCT ?dated ?earliest ?latest WHERE {\n"
    "  ?dated scomm:earliestDate ?earliest ; scomm:latestDate ?latest .\n"
    "} ORDER BY DESC(?earliest) ?dated LIMIT 20",
    "group-by-graph": "SELECT ?graph (COUNT(*) AS ?triples) WHERE {\n"
    "  GRAPH ?graph { ?s ?p ?o }\n} GROUP BY ?graph",
    "provenance-join": _PROLOGUE + "SELECT ?statement ?speaker ?graph ?source ?generated WHERE {\n"
    "  GRAPH ?graph { ?statement a scomm:Statement ; prov:wasAttributedTo ?speaker }\n"
    "  ?graph prov:wasDerivedFrom ?source ; prov:generatedAtTime ?generated .\n"
    "} ORDER BY DESC(?generated) ?statement LIMIT 100",
}

JSON_RESULTS = "application/sparql-results+json"
SERVERS = ("scomm-memory", "scomm-disk", "scomm-remote", "oxigraph-memory", "oxigraph-disk")
REFERENCE = "oxigraph-memory"
SIZES = {"shipped": 0, "100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
# Bytes of memory a synthetic triple takes, loaded, in the servers together (a generous
# estimate from the 1M runs), to decline --big when the machine cannot hold it.
BYTES_PER_TRIPLE_ALL_SERVERS = 3_000


# --- the pure half: figures in, ratios, targets and tables out (no process, no socket) --------


@dataclass
class DatasetResults:
    """Everything measured on one dataset."""

    name: str
    triples: int = 0
    validation: str = ""
    load: dict[str, dict] = field(default_factory=dict)  # backend → triples, seconds, rate
    startup: dict[str, float] = field(default_factory=dict)  # label → seconds until /sparql
    memory: dict[str, dict] = field(default_factory=dict)  # label → peaks (MB) and processes
    rows: dict[str, dict[str, int | None]] = field(default_factory=dict)  # query → server → rows
    untimed: dict[str, list[str]] = field(default_factory=dict)  # server → queries skipped
    timed_out: dict[str, list[str]] = field(default_factory=dict)  # server → no answer in time
    runs: dict[str, RunStats] = field(default_factory=dict)  # "server/query/c" → stats

    def run(self, server: str, query: str, concurrency: int) -> RunStats | None:
        return self.runs.get(f"{server}/{query}/{concurrency}")

    def p50(self, server: str, query: str, concurrency: int) -> float | None:
        stats = self.run(server, query, concurrency)
        return stats.latency_ms.get(50) if stats and stats.requests else None

    def to_json(self) -> dict:
        data = asdict(self)
        data["runs"] = {key: stats.to_json() for key, stats in self.runs.items()}
        return data


def geometric_mean(values: Sequence[float]) -> float | None:
    values = [v for v in values if v is not None and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def p50_ratios(
    results: DatasetResults, server: str, baseline: str, names: Sequence[str], concurrency: int
) -> dict[str, float | None]:
    """Each query's p50 on ``server`` over its p50 on ``baseline`` (None: either is missing)."""
    return {
        name: ratio(
            results.p50(server, name, concurrency), results.p50(baseline, name, concurrency)
        )
        for name in names
    }


def p50_excess(
    results: DatasetResults, server: str, baseline: str, names: Sequence[str], concurrency: int
) -> dict[str, float | None]:
    """Each query's p50 on ``server`` less its p50 on ``baseline``, in ms."""
    excess = {}
    for name in names:
        ours, theirs = (results.p50(s, name, concurrency) for s in (server, baseline))
        excess[name] = None if ours is None or theirs is None else ours - theirs
    return excess


def _ratio_target(
    name: str,
    ratios: Mapping[str, float | None],
    limit: float,
    excess_ms: Mapping[str, float | None] | None = None,
    baseline_timed_out: Sequence[str] = (),
) -> Target:
    """Met when every query's ratio is within ``limit``; a missing figure is not a pass.

    ``excess_ms`` (each query's p50 less the baseline's) tells a fixed cost per request from
    a slower evaluation: a ratio of 20x on a query Oxigraph answers in 0.1 ms is 2 ms."""
    known = {q: r for q, r in ratios.items() if r is not None}
    # Answered here, where the baseline gave no answer within the check's timeout: within.
    faster = sorted(q for q in baseline_timed_out if q in ratios and q not in known)
    missing = sorted(set(ratios) - set(known) - set(faster))
    if not known:
        return Target(name, None, "no query measured on both")
    worst = max(known, key=known.get)
    beyond = sorted(q for q, r in known.items() if r > limit)
    figures = (
        f"geometric mean {geometric_mean(list(known.values())):.2f}x, worst {worst} "
        f"{known[worst]:.2f}x; {len(known) - len(beyond)} of {len(known)} within {limit}x"
    )
    if beyond:
        figures += f" (beyond: {', '.join(beyond)})"
    if faster:
        figures += f"; answered where the baseline timed out: {', '.join(faster)}"
    excess = sorted(v for v in (excess_ms or {}).values() if v is not None)
    if excess:
        figures += f"; median excess {excess[len(excess) // 2]:+.1f} ms per request"
    if missing:
        figures += f"; not measured: {', '.join(missing)}"
    return Target(name, not beyond and not missing, figures)


def evaluate_targets(results: DatasetResults, names: Sequence[str], concurrency: int = 1) -> list:
    """The issue's targets for stores, judged on one dataset's figures."""
    at = f"at {results.triples:,} triples, concurrency {concurrency}"

    def beaten(server: str, baseline: str) -> list[str]:
        """Queries ``server`` answered and timed where ``baseline`` gave no answer in time."""
        return [
            q
            for q in results.timed_out.get(baseline, [])
            if results.p50(server, q, concurrency) is not None
        ]

    targets = [
        _ratio_target(
            f"p50 of scomm-kg (memory store) within 1.25x of Oxigraph's in-memory server, {at}",
            p50_ratios(results, "scomm-memory", REFERENCE, names, concurrency),
            1.25,
            p50_excess(results, "scomm-memory", REFERENCE, names, concurrency),
            beaten("scomm-memory", REFERENCE),
        ),
        _ratio_target(
            f"p50 of scomm-kg on its disk store within 2x of its memory store, {at}",
            p50_ratios(results, "scomm-disk", "scomm-memory", names, concurrency),
            2.0,
            baseline_timed_out=beaten("scomm-disk", "scomm-memory"),
        ),
    ]
    warm = results.startup.get("scomm-disk, 4 workers")
    targets.append(
        Target(
            f"start-up on the disk store already loaded under 2 s ({results.triples:,} triples)",
            None if warm is None else warm < 2.0,
            "not measured" if warm is None else f"{warm:.2f} s until /sparql answered",
        )
    )
    ours = results.load.get("scomm-memory", {}).get("rate")
    theirs = results.load.get("oxigraph load", {}).get("rate")
    share = ratio(ours, theirs)
    targets.append(
        Target(
            "embedded bulk load at least 0.5x the rate of `oxigraph load`",
            None if share is None else share >= 0.5,
            "not measured"
            if share is None
            else f"{ours:,.0f} against {theirs:,.0f} triples/s ({share:.2f}x)",
        )
    )
    for backend in ("scomm-memory", "scomm-disk"):
        targets.append(workers_target(results, backend))
    return targets


def workers_target(results: DatasetResults, backend: str) -> Target:
    """Workers share one copy of the graph: 3 more query workers add less than one graph.

    The graph's own size is the idle PSS of the server on ``backend`` less that of the same
    server on the remote store, which holds no graph in its processes.
    """
    one = results.memory.get(f"{backend}, 1 worker", {}).get("idle_pss_mb")
    four = results.memory.get(f"{backend}, 4 workers", {}).get("idle_pss_mb")
    remote = results.memory.get("scomm-remote, 4 workers", {}).get("idle_pss_mb")
    name = f"one copy of the graph whatever the workers ({backend.removeprefix('scomm-')} store)"
    if None in (one, four, remote):
        return Target(name, None, "not measured")
    graph = four - remote
    added = four - one
    figures = (
        f"idle PSS {one:.0f} MB with 1 query worker, {four:.0f} MB with 4; the graph itself "
        f"about {graph:.0f} MB (4 workers on the memory-less remote store: {remote:.0f} MB); "
        f"3 more workers added {added:.0f} MB"
    )
    if graph <= 0:
        return Target(name, None, figures + " (the graph is too small here to tell)")
    return Target(name, added < graph, figures)


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def latency_table(
    results: DatasetResults, names: Sequence[str], concurrencies: Sequence[int]
) -> tuple[list[str], list[list[str]]]:
    """Rows of query by concurrency: p50/p99 ms and req/s per server, then the p50 ratios."""
    header = ["query", "c"]
    for server in SERVERS:
        header += [f"{server} p50/p99 ms", "req/s"]
    header += ["memory÷ox-mem", "disk÷memory", "remote÷ox-mem", "ox-disk÷ox-mem"]
    rows = []
    for name in names:
        for c in concurrencies:
            row = [name, str(c)]
            for server in SERVERS:
                stats = results.run(server, name, c)
                if stats is None or not stats.requests:
                    row += ["n/a", "n/a"]
                    continue
                row += [
                    f"{_ms(stats.latency_ms[50])}/{_ms(stats.latency_ms[99])}",
                    f"{stats.throughput:.1f}",
                ]
            for server, baseline in (
                ("scomm-memory", REFERENCE),
                ("scomm-disk", "scomm-memory"),
                ("scomm-remote", REFERENCE),
                ("oxigraph-disk", REFERENCE),
            ):
                row.append(_x(ratio(results.p50(server, name, c), results.p50(baseline, name, c))))
            rows.append(row)
    return header, rows


def summary_table(
    results: DatasetResults, names: Sequence[str], concurrencies: Sequence[int]
) -> tuple[list[str], list[list[str]]]:
    """Per server and concurrency: the geometric mean over the queries of the p50 ratio to
    Oxigraph's in-memory server, and of throughput."""
    header = ["server", *[f"p50 ÷ ox-mem, c={c}" for c in concurrencies], "queries timed"]
    rows = []
    for server in SERVERS:
        row = [server]
        for c in concurrencies:
            row.append(
                _x(geometric_mean(list(p50_ratios(results, server, REFERENCE, names, c).values())))
            )
        timed = sum(1 for n in names if results.p50(server, n, concurrencies[0]) is not None)
        rows.append([*row, f"{timed} of {len(names)}"])
    return header, rows


def load_table(results: DatasetResults) -> tuple[list[str], list[list[str]]]:
    header = ["load into", "triples", "seconds", "triples/s", "÷ oxigraph load"]
    reference = results.load.get("oxigraph load", {}).get("rate")
    rows = [
        [
            name,
            f"{load['triples']:,}",
            f"{load['seconds']:.1f}",
            f"{load['rate']:,.0f}",
            _x(ratio(load["rate"], reference)),
        ]
        for name, load in results.load.items()
    ]
    return header, rows


def memory_table(results: DatasetResults) -> tuple[list[str], list[list[str]]]:
    header = ["server", "start s", "processes", "idle PSS MB", "peak PSS MB", "peak RSS MB"]
    rows = []
    for label, memory in results.memory.items():
        start = results.startup.get(label)
        rows.append(
            [
                label,
                "n/a" if start is None else f"{start:.2f}",
                str(memory.get("processes", "n/a")),
                _ms(memory.get("idle_pss_mb")),
                _ms(memory.get("peak_pss_mb")),
                _ms(memory.get("peak_rss_mb")),
            ]
        )
    return header, rows


# --- the running half ------------------------------------------------------------------------


class MeasuredServer(Server):
    """A server whose start is timed finely and whose process tree's RSS and PSS are sampled."""

    def __init__(self, name, argv, ready_path, port, log, env=None, poll=0.05):
        super().__init__(name, argv, ready_path, port, log)
        self.env, self.poll = env, poll
        self.startup_seconds: float | None = None
        self.pss_samples: list[tuple[str, float, float, int]] = []  # phase, RSS, PSS, processes

    def __enter__(self) -> MeasuredServer:
        self._log = self.log.open("wb")
        self._started = time.monotonic()
        self.process = subprocess.Popen(
            self.argv,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=self.env,
        )
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        deadline = self._started + 900
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._log.close()
                raise SystemExit(f"{self.name} exited at start; see {self.log}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                url = f"http://{HOST}:{self.port}{self.ready_path}"
                urllib.request.urlopen(url, timeout=30).read()
                self.startup_seconds = time.monotonic() - self._started
                self.phase = "idle"
                return self
            time.sleep(self.poll)
        self.__exit__(None, None, None)
        raise SystemExit(f"{self.name} did not answer within 900 s; see {self.log}")

    def _sample(self) -> None:
        root = psutil.Process(self.process.pid)
        while not self._stop.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            rss = pss = 0
            alive = 0
            for process in tree:
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    info = process.memory_full_info()
                    rss += info.rss
                    pss += info.pss
                    alive += 1
            self.pss_samples.append((self.phase, rss / 2**20, pss / 2**20, alive))
            self._stop.wait(0.5)

    def settle_idle(self, seconds: float) -> None:
        """Let the idle memory be sampled for a while (after the start's own peak)."""
        self.phase = "idle"
        time.sleep(seconds)

    def memory(self) -> dict:
        idle = [s for s in self.pss_samples if s[0] == "idle"]
        return {
            "processes": max((s[3] for s in self.pss_samples), default=0),
            "idle_pss_mb": sorted(s[2] for s in idle)[len(idle) // 2] if idle else None,
            "peak_pss_mb": max((s[2] for s in self.pss_samples), default=None),
            "peak_rss_mb": max((s[1] for s in self.pss_samples), default=None),
        }


class QueryEndpoint(Endpoint):
    """An endpoint whose wrk workloads are the benchmark's queries, one per workload name."""

    def __init__(self, name: str, port: int, sparql_path: str, canned_by_name: bool):
        super().__init__(name, port, sparql_path, canned_by_name)
        self.paths: dict[str, str] = {}
        for query_name, params in CANNED_PARAMS.items():
            if canned_by_name:
                path = f"/queries/{query_name}"
                if params:
                    path += "?" + urllib.parse.urlencode(params)
            else:
                path = self.get_path(canned_text(query_name, params))
            self.paths[query_name] = path
        for query_name, text in AD_HOC.items():
            self.paths[query_name] = self.get_path(text)

    def workload(self, kind: str) -> list[dict]:
        if kind in AD_HOC:
            # Unique per request (a comment ending in wrk's counter): scomm-kg evaluates
            # identical requests in flight once, even with its cache off, and this measures
            # evaluation under concurrency on every server alike.
            spec = self.wrk_get(self.get_path(AD_HOC[kind] + "\n# request "))
            spec["path_prefix"] = spec.pop("path")
            spec["path_suffix"] = ""
            return [spec]
        return [self.wrk_get(self.paths[kind])]

    def rows_of(self, kind: str, timeout: float) -> tuple[int | bool | None, float]:
        """The rows of one answer (None: it failed or timed out) and the seconds it took."""
        started = time.monotonic()
        request = urllib.request.Request(
            self.base + self.paths[kind], headers={"Accept": JSON_RESULTS}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                data = json.load(answer)
            rows = data["boolean"] if "boolean" in data else len(data["results"]["bindings"])
        except (OSError, http.client.HTTPException, ValueError, KeyError) as error:
            print(f"    {self.name}: {kind} failed: {error}", flush=True)
            rows = None
        return rows, time.monotonic() - started


def canned_text(name: str, params: Mapping[str, str]) -> str:
    """A canned query's text for a server that knows neither its prefixes nor its parameters:
    the prefixes spelled out and the bindings as one VALUES row (as the remote store sends it)."""
    query = queries.get(name)
    bindings = queries.bind(query, params, DEFAULT_BASE_IRI)
    return prefixed(query.text_with_values(bindings))


def cell_seconds(single: float, concurrency: int, least: float, most: float) -> float:
    """How long to run one query at one concurrency: ``least``, longer for a slow query (about
    three rounds of answers on 2 cores), never beyond ``most``."""
    rounds = 3 * single * max(1.0, concurrency / 2)
    return min(max(least, rounds), most)


def quiesce(server: MeasuredServer, others: Sequence[psutil.Process], most: float = 60) -> float:
    """Wait until the server's process tree (and ``others``) use under a tenth of a core: the
    queries a finished wrk run left in flight are done before the next run starts."""
    started = time.monotonic()
    roots = [psutil.Process(server.process.pid), *others]

    def cpu() -> float:
        total = 0.0
        for root in roots:
            with contextlib.suppress(psutil.NoSuchProcess):
                for process in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                        times = process.cpu_times()
                        total += times.user + times.system
        return total

    before = cpu()
    while time.monotonic() - started < most:
        time.sleep(0.25)
        now = cpu()
        if now - before < 0.025:
            break
        before = now
    return time.monotonic() - started


def _run(argv: list[str], env: Mapping[str, str], what: str, **kwargs) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, **kwargs)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout + done.stderr


SUMMARY = re.compile(r"([\d]+) triples in ([\d.]+)s \(([\d,]+) triples/s\)")


def cli_load_figures(output: str, wall: float) -> dict:
    """triples, seconds and rate from the summary line of `scomm-kg load`."""
    found = SUMMARY.search(output)
    if not found:
        raise SystemExit(f"scomm-kg load printed no summary:\n{output}")
    triples, seconds = int(found.group(1)), float(found.group(2))
    return {"triples": triples, "seconds": seconds, "rate": triples / seconds, "wall": wall}


MEMORY_LOAD = """
import json, sys, time
from scomm_kg import build
from scomm_kg.settings import Settings
loaded = []
started = time.perf_counter()
store = build.build_store(Settings.from_env(store="memory"), check=False, on_load=loaded.extend)
seconds = time.perf_counter() - started
print(json.dumps({"triples": sum(s.triples for s in loaded), "seconds": seconds}))
"""


class StoresBench:
    def __init__(self, args: argparse.Namespace, workdir: Path):
        self.args, self.workdir = args, workdir
        self.names = [*CANNED_PARAMS, *AD_HOC]
        self.watched: list[psutil.Process] = []  # a remote store's server, busy for ours

    def environment(self, data: Path | None, sources: Path | None, cache: Path) -> dict:
        env = dict(os.environ)
        for name in [k for k in env if k.startswith("SCOMM_")]:
            del env[name]
        env.update(
            SCOMM_CACHE_DIR=str(cache),
            SCOMM_RESULT_CACHE_MB="0",
            SCOMM_CLIENT_QUERY_SECONDS="0",
            SCOMM_LOG_LEVEL="WARNING",
        )
        if data is not None:
            env["SCOMM_DATA"] = str(data)
            env["SCOMM_SOURCES"] = str(sources)
        return env

    def prime_validation(self, env: Mapping[str, str]) -> None:
        """Tell the throw-away validation cache that these inputs conform (see the docstring)."""
        from scomm_kg import build, loader
        from scomm_kg.settings import Settings

        settings = Settings.from_env(env)
        files = loader.default_files() + list(settings.data)
        stamp = build._validation_stamp(settings, files)
        build._remember(stamp)

    def dataset(self, label: str, size: int) -> DatasetResults:
        folder = self.workdir / label
        folder.mkdir()
        results = DatasetResults(label)
        data = sources = None
        if size:
            print(f"  scomm-kg synth --triples {size}…", flush=True)
            _run(
                [
                    SCOMM,
                    "synth",
                    "--triples",
                    str(size),
                    "--seed",
                    "1",
                    "--out",
                    str(folder / "synth"),
                ],
                os.environ,
                "scomm-kg synth",
            )
            data, sources = folder / "synth" / "synthetic.nq", folder / "synth" / "sources"
        env = self.environment(data, sources, folder / "cache")
        if self.args.validate:
            results.validation = "validated by scomm-kg at its first load (cached afterwards)"
        else:
            self.prime_validation(env)
            results.validation = "SKIPPED (the validation cache was told the data conforms)"
        print(f"  validation: {results.validation}", flush=True)

        # The same quads for Oxigraph: the shipped graph as scomm-kg exports it, plus synth's.
        quads = folder / "all.nq"
        shipped_env = self.environment(None, None, folder / "cache")
        with quads.open("wb") as out:
            subprocess.run(
                [SCOMM, "export", "--format", "nquads", "--data-only"],
                stdout=out,
                env=shipped_env,
                check=True,
                stderr=subprocess.DEVNULL,
            )
            if data is not None:
                with data.open("rb") as synthetic:
                    shutil.copyfileobj(synthetic, out)
        with quads.open("rb") as f:
            results.triples = sum(1 for _ in f)
        print(f"  {results.triples:,} quads in all", flush=True)

        self.loads(results, folder, env, quads)
        self.serve_all(results, folder, env, quads)
        return results

    def loads(self, results: DatasetResults, folder: Path, env: dict, quads: Path) -> None:
        seconds, _ = _run(
            [OXIGRAPH, "load", "--location", str(folder / "oxigraph"), "--file", str(quads)],
            env,
            "oxigraph load",
        )
        results.load["oxigraph load"] = {
            "triples": results.triples,
            "seconds": seconds,
            "rate": results.triples / seconds,
        }
        wall, output = _run([sys.executable, "-c", MEMORY_LOAD], env, "the memory store's load")
        figures = json.loads(output.strip().splitlines()[-1])
        figures.update(rate=figures["triples"] / figures["seconds"], wall=wall)
        results.load["scomm-memory"] = figures
        wall, output = _run(
            [SCOMM, "load", "--store", str(folder / "disk")], env, "scomm-kg load (disk)"
        )
        results.load["scomm-disk (scomm-kg load)"] = cli_load_figures(output, wall)
        for name, load in results.load.items():
            print(f"  load {name}: {load['triples']:,} triples, {load['rate']:,.0f}/s", flush=True)

    def oxigraph_memory(self, folder: Path, env: dict, name: str, union: bool) -> MeasuredServer:
        port = free_port()
        argv = [OXIGRAPH, "serve", "--bind", f"{HOST}:{port}"]
        if union:
            argv.append("--union-default-graph")
        else:
            # Behind the remote store: scomm-kg stops a query at 30 s, and the server, which
            # would go on evaluating it, is told the same (at most a few hundred queries a
            # second reach it through scomm-kg's workers, well below what load.py saw fail).
            argv += ["--timeout-s", "30"]
        return MeasuredServer(
            name, argv, "/query?query=ASK%7B%7D", port, folder / f"{name}.log", env=env
        )

    def scomm(
        self, folder: Path, env: dict, label: str, store: str, workers: int
    ) -> MeasuredServer:
        port = free_port()
        argv = [SCOMM, "serve", "--port", str(port), "--store", store, "--workers", str(workers)]
        ready = "/sparql?" + urllib.parse.urlencode({"query": ASK})
        log = folder / f"{label.replace(' ', '-').replace(',', '')}.log"
        return MeasuredServer(label, argv, ready, port, log, env=env)

    def serve_all(self, results: DatasetResults, folder: Path, env: dict, quads: Path) -> None:
        idle = self.args.idle_seconds

        def started(server: MeasuredServer, label: str) -> None:
            results.startup[label] = server.startup_seconds
            print(f"  {label}: answered after {server.startup_seconds:.2f} s", flush=True)

        # Oxigraph in memory first: its row counts are the reference.
        def fill(server: MeasuredServer) -> None:
            seconds = self.post_quads(server.port, quads)
            results.load.setdefault(
                "oxigraph serve (POST /store)",
                {"triples": results.triples, "seconds": seconds, "rate": results.triples / seconds},
            )

        def on_disk() -> MeasuredServer:
            port = free_port()
            argv = [OXIGRAPH, "serve", "--location", str(folder / "oxigraph")]
            argv += ["--bind", f"{HOST}:{port}", "--union-default-graph"]
            log = folder / "oxigraph-disk.log"
            return MeasuredServer(
                "oxigraph-disk", argv, "/query?query=ASK%7B%7D", port, log, env=env
            )

        self.oxigraph_phase(
            results,
            REFERENCE,
            lambda: self.oxigraph_memory(folder, env, REFERENCE, union=True),
            started,
            fill,
        )
        self.oxigraph_phase(results, "oxigraph-disk", on_disk, started)

        # scomm-kg, memory store: a cold start loads the graph; 1 query worker, then 4.
        for workers in (1, 4):
            label = f"scomm-memory, {workers} worker{'s' * (workers > 1)}"
            with self.scomm(folder, env, label, "memory", workers) as server:
                started(server, label)
                server.settle_idle(idle)
                if workers == 4:
                    endpoint = QueryEndpoint("scomm-memory", server.port, "/sparql", True)
                    self.measure(results, server, endpoint)
                results.memory[label] = server.memory()

        # The disk store: a first start on an empty directory (it loads), then warm starts on
        # the directory `scomm-kg load` filled.
        label = "scomm-disk cold (empty directory), 4 workers"
        with self.scomm(folder, env, label, str(folder / "disk-cold"), 4) as server:
            started(server, label)
        for workers in (1, 4):
            label = f"scomm-disk, {workers} worker{'s' * (workers > 1)}"
            with self.scomm(folder, env, label, str(folder / "disk"), workers) as server:
                started(server, label)
                server.settle_idle(idle)
                if workers == 4:
                    endpoint = QueryEndpoint("scomm-disk", server.port, "/sparql", True)
                    self.measure(results, server, endpoint)
                results.memory[label] = server.memory()

        # The remote store: a throw-away in-memory Oxigraph server, filled by `scomm-kg load`.
        with self.oxigraph_memory(folder, env, "oxigraph-behind-remote", union=False) as backing:
            url = f"http://{HOST}:{backing.port}"
            wall, output = _run(
                [SCOMM, "load", "--store", f"{url}/query", "--update-url", f"{url}/update"],
                env,
                "scomm-kg load (remote)",
            )
            results.load["scomm-remote (scomm-kg load)"] = cli_load_figures(output, wall)
            print(
                f"  load scomm-remote: {results.load['scomm-remote (scomm-kg load)']['rate']:,.0f}"
                " triples/s",
                flush=True,
            )
            label = "scomm-remote, 4 workers"
            # Query workers are cut off from the network (SCOMM_QUERY_ISOLATION), which cuts
            # them off from the remote store too; on loopback, for this benchmark, they are not.
            remote_env = {**env, "SCOMM_QUERY_ISOLATION": "none"}
            print("  scomm-remote runs with SCOMM_QUERY_ISOLATION=none", flush=True)
            self.watched = [psutil.Process(backing.process.pid)]
            with self.scomm(folder, remote_env, label, f"{url}/query", 4) as server:
                started(server, label)
                server.settle_idle(idle)
                endpoint = QueryEndpoint("scomm-remote", server.port, "/sparql", True)
                self.measure(results, server, endpoint)
                results.memory[label] = server.memory()
            self.watched = []
            backing.settle_idle(1)
            results.memory["oxigraph behind the remote store"] = backing.memory()

    def oxigraph_phase(self, results, name, make, started, fill=None) -> None:
        """Start an Oxigraph server, check its rows and time it; restarted in between when a
        query of the check timed out, since Oxigraph (run, as load.py explains, without
        --timeout-s) would go on evaluating it through the runs that follow."""
        server = make().__enter__()
        try:
            started(server, name)
            if fill is not None:
                fill(server)
            server.settle_idle(self.args.idle_seconds)
            endpoint = QueryEndpoint(name, server.port, "/query", canned_by_name=False)
            skipped, single, timed_out = self.check_rows(results, endpoint)
            if timed_out:
                print(f"    {name}: restarted, to stop the queries that timed out", flush=True)
                server.__exit__(None, None, None)
                server = make().__enter__()
                if fill is not None:
                    fill(server)
                server.settle_idle(self.args.idle_seconds)
                endpoint = QueryEndpoint(name, server.port, "/query", canned_by_name=False)
            self.time_queries(results, server, endpoint, skipped, single)
            results.memory[name] = server.memory()
        finally:
            server.__exit__(None, None, None)

    def post_quads(self, port: int, quads: Path) -> float:
        """Fill an in-memory Oxigraph server through its graph store endpoint; the seconds."""
        started = time.monotonic()
        with quads.open("rb") as body:
            connection = http.client.HTTPConnection(HOST, port, timeout=3600)
            connection.request(
                "POST",
                "/store",
                body=body,
                headers={
                    "Content-Type": "application/n-quads",
                    "Content-Length": str(quads.stat().st_size),
                },
            )
            answer = connection.getresponse()
            answer.read()
            connection.close()
        if answer.status >= 300:
            raise SystemExit(f"Oxigraph refused the quads: {answer.status}")
        return time.monotonic() - started

    def measure(self, results: DatasetResults, server: MeasuredServer, endpoint: QueryEndpoint):
        """Check the row counts against the reference, then time each query at each concurrency."""
        skipped, single, _ = self.check_rows(results, endpoint)
        self.time_queries(results, server, endpoint, skipped, single)

    def check_rows(
        self, results: DatasetResults, endpoint: QueryEndpoint
    ) -> tuple[list[str], dict[str, float], bool]:
        """The queries not to time, each query's seconds alone, and whether any timed out."""
        name = endpoint.name
        skipped, failed = [], []
        single: dict[str, float] = {}
        for query in self.names:
            rows, single[query] = endpoint.rows_of(query, self.args.check_timeout)
            if rows is None:
                failed.append(query)
                if single[query] >= self.args.check_timeout:
                    results.timed_out.setdefault(name, []).append(query)
                continue
            # The reference is Oxigraph's in-memory server, or, where it gave no answer in
            # time, the first server that gave one.
            answers = results.rows.setdefault(query, {})
            reference = next((r for r in answers.values() if r is not None), rows)
            answers[name] = rows
            if rows != reference:
                skipped.append(query)
        for query in failed:
            results.rows.setdefault(query, {})[name] = None
        if skipped:
            print(f"    {name}: rows differ, not timed: {skipped}", flush=True)
        if failed:
            print(f"    {name}: no answer within the check, not timed: {failed}", flush=True)
        timed_out = bool(results.timed_out.get(name))
        # A query slower alone than half a run's longest time would give no figures, and its
        # answers still in flight would spill into the next run.
        slow = [
            q
            for q in self.names
            if q not in skipped and q not in failed and single[q] > self.args.most_seconds / 2
        ]
        if slow:
            print(
                f"    {name}: slower than {self.args.most_seconds / 2:.0f} s alone, not timed: "
                f"{', '.join(f'{q} ({single[q]:.1f} s)' for q in slow)}",
                flush=True,
            )
        untimed = [f"{q} (rows differ)" for q in skipped]
        untimed += [f"{q} (no answer in {single[q]:.0f} s)" for q in failed]
        untimed += [f"{q} ({single[q]:.1f} s alone)" for q in slow]
        if untimed:
            results.untimed[name] = untimed
        skipped += failed + slow
        return skipped, single, timed_out

    def time_queries(self, results, server, endpoint, skipped, single) -> None:
        name = endpoint.name
        server.phase = "queries"
        for query in self.names:
            if query in skipped:
                continue
            for c in self.args.concurrency:
                seconds = cell_seconds(single[query], c, self.args.seconds, self.args.most_seconds)
                quiesce(server, self.watched)
                run = Wrk(endpoint, query, c, seconds, self.workdir)
                stats = run.result(f"{name}/{query}/{c}")
                results.runs[f"{name}/{query}/{c}"] = stats
            line = ", ".join(
                f"c={c} p50 {_ms(results.p50(name, query, c))} ms" for c in self.args.concurrency
            )
            print(f"    {name} {query}: {line}", flush=True)
        server.phase = "idle"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: the shipped graph, 1 s per cell"
    )
    parser.add_argument(
        "--sizes",
        help=f"datasets, comma-separated, from {', '.join(SIZES)} (default: shipped,100k,1M)",
    )
    parser.add_argument("--big", action="store_true", help="also 10M triples, if memory allows")
    parser.add_argument(
        "--seconds", type=float, help="least seconds of each wrk run (default 2; --quick 1)"
    )
    parser.add_argument(
        "--most-seconds",
        type=float,
        default=8,
        help="most seconds of a wrk run of a slow query (each runs about 3 rounds of answers)",
    )
    parser.add_argument(
        "--concurrency", default="1,8,16", help="connections of each wrk run, comma-separated"
    )
    parser.add_argument(
        "--check-timeout",
        type=float,
        default=30,
        help="seconds a query may take in the row check (scomm-kg's query timeout is 30)",
    )
    parser.add_argument(
        "--idle-seconds", type=float, default=3, help="seconds of idle memory sampled per server"
    )
    parser.add_argument(
        "--validate", action="store_true", help="validate the data for real (slow past 20k)"
    )
    parser.add_argument("--output", type=Path, help="JSON file (default benchmarks/results/…)")
    args = parser.parse_args(argv)
    sizes = args.sizes or ("shipped" if args.quick else "shipped,100k,1M")
    args.sizes = [s.strip() for s in sizes.split(",") if s.strip()]
    if args.big and "10M" not in args.sizes:
        args.sizes.append("10M")
    unknown = [s for s in args.sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown sizes {unknown}; choose from {', '.join(SIZES)}")
    args.seconds = args.seconds or (1 if args.quick else 2)
    args.most_seconds = max(args.most_seconds, args.seconds)
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    return args


def print_dataset(results: DatasetResults, names: Sequence[str], concurrencies: Sequence[int]):
    print(f"\n## {results.name}: {results.triples:,} quads; validation {results.validation}\n")
    print(format_table(*load_table(results)) + "\n")
    print(format_table(*memory_table(results)) + "\n")
    other = {k: v for k, v in results.startup.items() if k not in results.memory}
    if other:
        print("start-up: " + "; ".join(f"{k} {v:.2f} s" for k, v in other.items()) + "\n")
    print(format_table(*summary_table(results, names, concurrencies)) + "\n")
    print(format_table(*latency_table(results, names, concurrencies)) + "\n")
    if results.untimed:
        print(f"not timed: {results.untimed}")
    print("Targets:")
    for target in evaluate_targets(results, names):
        print("  " + target.line())


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    for tool in ("wrk", OXIGRAPH):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: apt-get install wrk; pip install -e '.[bench]'")
    if "10M" in args.sizes:
        needed = SIZES["10M"] * BYTES_PER_TRIPLE_ALL_SERVERS
        if psutil.virtual_memory().available < needed:
            print(f"10M left out: it needs about {needed / 2**30:.0f} GiB free", flush=True)
            args.sizes.remove("10M")
    started = datetime.datetime.now(datetime.UTC)
    machine = _machine()
    datasets = {}
    with tempfile.TemporaryDirectory(prefix="scomm-stores-") as workdir:
        bench = StoresBench(args, Path(workdir))
        for label in args.sizes:
            print(f"{label}:", flush=True)
            datasets[label] = bench.dataset(label, SIZES[label])
    for results in datasets.values():
        print_dataset(results, bench.names, args.concurrency)
    output = args.output or HERE / "results" / f"stores-{started:%Y%m%dT%H%M%SZ}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "scomm_settings": {
            "SCOMM_RESULT_CACHE_MB": "0",
            "SCOMM_CLIENT_QUERY_SECONDS": "0",
        },
        "canned_queries": CANNED_PARAMS,
        "ad_hoc_queries": AD_HOC,
        "datasets": {label: results.to_json() for label, results in datasets.items()},
        "targets": {
            label: [asdict(t) for t in evaluate_targets(results, bench.names)]
            for label, results in datasets.items()
        },
    }
    output.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\nsaved {output}")


if __name__ == "__main__":
    main()
