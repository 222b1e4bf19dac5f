"""The pure half of the load benchmark: wrk's report read, ratios, the issue's targets, the table.

Nothing here starts a process or opens a socket, so the unit tests can hold it to its word
without wrk or a server (tests/test_load_report.py). benchmarks/load.py does the running.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

# What the wrk script prints on one line of its own, before the JSON of its report.
WRK_MARKER = "WRK_JSON "

# Refusals the server means to give (admission control, per-client budgets, a query stopped on
# its deadline): counted apart from failures, which are everything else that is not an answer.
DELIBERATE_REFUSALS = frozenset({429, 503})

# Percentiles the wrk script reports, in this order.
PERCENTILES = (50, 90, 95, 99)


class WrkReportMissing(ValueError):
    """wrk ran but its output holds no report from the benchmark's script."""


@dataclass(frozen=True)
class RunStats:
    """One wrk run: latency percentiles (ms), throughput and every answer by its status."""

    label: str
    seconds: float
    requests: int
    statuses: dict[int, int]
    socket_errors: dict[str, int]
    latency_ms: dict[int, float | None]  # None: nothing was answered in the run
    latency_max_ms: float | None
    bytes_read: int = 0
    load_generator_cpu: float | None = None  # wrk's CPU seconds per second of the run

    @property
    def throughput(self) -> float:
        """Answers per second, whatever their status."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def refused(self) -> int:
        return sum(n for status, n in self.statuses.items() if status in DELIBERATE_REFUSALS)

    @property
    def failed(self) -> int:
        """Answers that are neither a success nor a deliberate refusal, and broken exchanges."""
        bad_status = sum(
            n
            for status, n in self.statuses.items()
            if status >= 400 and status not in DELIBERATE_REFUSALS
        )
        return bad_status + sum(self.socket_errors.values())

    @property
    def attempts(self) -> int:
        return sum(self.statuses.values()) + sum(self.socket_errors.values())

    @property
    def failure_rate(self) -> float:
        return self.failed / self.attempts if self.attempts else 0.0

    @property
    def refusal_rate(self) -> float:
        return self.refused / self.attempts if self.attempts else 0.0

    def to_json(self) -> dict:
        data = asdict(self)
        data["statuses"] = {str(k): v for k, v in sorted(self.statuses.items())}
        data["latency_ms"] = {f"p{k}": v for k, v in sorted(self.latency_ms.items())}
        data.update(
            throughput=self.throughput,
            failed=self.failed,
            refused=self.refused,
            failure_rate=self.failure_rate,
            refusal_rate=self.refusal_rate,
        )
        return data


def parse_wrk_output(label: str, output: str) -> RunStats:
    """The RunStats in the JSON line the benchmark's wrk script prints from its done() hook.

    wrk's own text (its latency table, 'Requests/sec') is ignored: it counts every status of 400
    and over as one 'Non-2xx' figure, where the script's line keeps each status apart.
    """
    for line in output.splitlines():
        if line.startswith(WRK_MARKER):
            report = json.loads(line[len(WRK_MARKER) :])
            break
    else:
        raise WrkReportMissing(f"{label}: wrk printed no {WRK_MARKER.strip()} line:\n{output}")
    latency = report["latency_us"]
    answered = int(report["requests"]) > 0
    return RunStats(
        label=label,
        seconds=report["duration_us"] / 1e6,
        requests=int(report["requests"]),
        statuses={int(k): int(v) for k, v in report["statuses"].items()},
        socket_errors={k: int(v) for k, v in report["errors"].items() if k != "status"},
        latency_ms={p: latency[f"p{p}"] / 1000 if answered else None for p in PERCENTILES},
        latency_max_ms=latency["max"] / 1000 if answered else None,
        bytes_read=int(report["bytes"]),
    )


def percentile(samples: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile of ``samples`` (the value below which pct% of them lie)."""
    if not samples:
        raise ValueError("no samples")
    if not 0 < pct <= 100:
        raise ValueError(f"a percentile lies in (0, 100], not {pct}")
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


@dataclass(frozen=True)
class MemorySample:
    seconds: float
    phase: str
    rss_mb: float
    processes: int


def memory_by_phase(samples: Iterable[MemorySample]) -> dict[str, dict[str, float]]:
    """Peak and median RSS (MB) and most processes for each phase, in the order phases came."""
    phases: dict[str, list[MemorySample]] = {}
    for sample in samples:
        phases.setdefault(sample.phase, []).append(sample)
    return {
        phase: {
            "peak_mb": max(s.rss_mb for s in group),
            "median_mb": percentile([s.rss_mb for s in group], 50),
            "most_processes": max(s.processes for s in group),
        }
        for phase, group in phases.items()
    }


@dataclass(frozen=True)
class Target:
    """One of the issue's targets, with the figures it was judged on."""

    name: str
    met: bool | None  # None: not measurable in this run (a figure is missing)
    figures: str

    def line(self) -> str:
        verdict = {True: "met", False: "MISSED", None: "not measured"}[self.met]
        return f"[{verdict:>12}] {self.name}: {self.figures}"


@dataclass
class Results:
    """Every run of one benchmark, keyed '<server>/<phase>/<workload>' (e.g. scomm/alone/ask)."""

    runs: dict[str, RunStats] = field(default_factory=dict)

    def get(self, server: str, phase: str, workload: str) -> RunStats | None:
        return self.runs.get(f"{server}/{phase}/{workload}")

    def add(self, server: str, phase: str, workload: str, stats: RunStats) -> None:
        self.runs[f"{server}/{phase}/{workload}"] = stats


def _p(stats: RunStats | None, pct: int) -> float | None:
    return None if stats is None else stats.latency_ms[pct]


def _unanswered(stats: RunStats | None) -> bool:
    """The run took place and nothing at all was answered: every latency was over its length."""
    return stats is not None and stats.requests == 0


def _below(value: float | None, limit: float, stats: RunStats | None) -> bool | None:
    """value < limit; a run with no answer at all misses; a run not made is not judged."""
    if _unanswered(stats):
        return False
    return None if value is None else value < limit


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"


def _x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def evaluate_targets(results: Results, cheap_workloads: Sequence[str] = ("ask", "canned")) -> list:
    """The issue's targets, each judged from this run's figures for the scomm-kg server."""
    targets: list[Target] = []
    for workload in cheap_workloads:
        stats = results.get("scomm", "runaways", workload)
        p50 = _p(stats, 50)
        targets.append(
            Target(
                f"{workload} p50 with 4 runaway queries < 100 ms",
                _below(p50, 100, stats),
                _no_answer(stats) if _unanswered(stats) else f"p50 {_ms(p50)}",
            )
        )
    for workload in cheap_workloads:
        alone = _p(results.get("scomm", "alone", workload), 95)
        stats = results.get("scomm", "abusive", workload)
        abused = _p(stats, 95)
        times = ratio(abused, alone)
        targets.append(
            Target(
                f"{workload} p95 with abusive and slow clients within 1.5x of alone",
                _below(times, 1.5 + 1e-9, stats),
                _no_answer(stats)
                if _unanswered(stats)
                else f"{_ms(abused)} against {_ms(alone)} alone ({_x(times)})",
            )
        )
    abusive_cheap = [results.get("scomm", "abusive", w) for w in cheap_workloads]
    if all(s is not None for s in abusive_cheap):
        answered = sum(sum(s.statuses.values()) for s in abusive_cheap)
        failed = sum(s.failed for s in abusive_cheap)
        refused = sum(s.refused for s in abusive_cheap)
        targets.append(
            Target(
                "no failures of cheap queries with abusive clients, other than 429/503",
                failed == 0 and answered > 0,
                f"{answered} answered, {failed} failed, {refused} deliberately refused (429/503)",
            )
        )
    else:
        targets.append(Target("no failures with abusive clients, other than 429/503", None, ""))
    ours = results.get("scomm", "repeated", "canned")
    theirs = results.get("oxigraph", "repeated", "canned")
    times = ratio(ours and ours.throughput, theirs and theirs.throughput)
    targets.append(
        Target(
            "repeated canned queries: throughput >= 2x Oxigraph's server",
            None if times is None else times >= 2,
            f"{ours.throughput:.0f} req/s against {theirs.throughput:.0f} ({_x(times)})"
            if ours and theirs
            else "",
        )
    )
    stats = results.get("scomm", "serial", "cache-hit")
    hit = _p(stats, 50)
    targets.append(
        Target(
            "a cache hit under 2 ms at the server (client p50 at concurrency 1, an upper bound)",
            _below(hit, 2, stats),
            f"p50 {_ms(hit)}",
        )
    )
    ours_uncached = _p(results.get("scomm", "serial", "uncached"), 50)
    bare = _p(results.get("bare", "serial", "uncached"), 50)
    gap = None if ours_uncached is None or bare is None else ours_uncached - bare
    targets.append(
        Target(
            "an uncached small query within 2 ms of a bare pyoxigraph call behind the same front",
            None if gap is None else gap <= 2,
            f"p50 {_ms(ours_uncached)} against {_ms(bare)} bare (+{_ms(gap)})",
        )
    )
    return targets


def _no_answer(stats: RunStats) -> str:
    return f"no answer at all in {stats.seconds:.0f} s ({statuses_text(stats)})"


TABLE_HEADER = (
    "phase",
    "workload",
    "scomm req/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "fail %",
    "429/503 %",
    "oxigraph req/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "fail %",
    "req/s ratio",
    "p95 ratio",
)


def table_rows(
    results: Results, phases: Sequence[str], workloads: Sequence[str]
) -> list[tuple[str, ...]]:
    """One row per phase and workload: scomm-kg's figures, Oxigraph's, and their ratios."""
    rows = []
    for phase in phases:
        for workload in workloads:
            ours = results.get("scomm", phase, workload)
            theirs = results.get("oxigraph", phase, workload)
            if ours is None and theirs is None:
                continue
            rows.append(
                (
                    phase,
                    workload,
                    *_figures(ours, with_refusals=True),
                    *_figures(theirs, with_refusals=False),
                    _x(ratio(ours and ours.throughput, theirs and theirs.throughput)),
                    _x(ratio(_p(ours, 95), _p(theirs, 95))),
                )
            )
    return rows


def _figures(stats: RunStats | None, with_refusals: bool) -> tuple[str, ...]:
    if stats is None:
        return ("n/a",) * (6 if with_refusals else 5)
    figures = (
        f"{stats.throughput:.1f}",
        *(
            "n/a" if stats.latency_ms[p] is None else f"{stats.latency_ms[p]:.1f}"
            for p in (50, 95, 99)
        ),
        f"{100 * stats.failure_rate:.1f}",
    )
    return (*figures, f"{100 * stats.refusal_rate:.1f}") if with_refusals else figures


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table, its columns padded to line up in a terminal too."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def run_line(workload: str, stats: RunStats) -> str:
    """'ask  401.6 req/s  p50 19.3  p95 25.3  p99 32.0 ms  [200: 1206]'."""
    latencies = "  ".join(
        f"p{p} {'n/a' if stats.latency_ms[p] is None else f'{stats.latency_ms[p]:.1f}':>7}"
        for p in (50, 95, 99)
    )
    return f"{workload:9s} {stats.throughput:8.1f} req/s  {latencies} ms  [{statuses_text(stats)}]"


def statuses_text(stats: RunStats) -> str:
    """'200: 950, 503: 12, timeout: 3' — every answer and broken exchange, by kind."""
    parts = [f"{status}: {n}" for status, n in sorted(stats.statuses.items())]
    parts += [f"{kind}: {n}" for kind, n in sorted(stats.socket_errors.items()) if n]
    return ", ".join(parts) or "nothing"


def memory_lines(memory: Mapping[str, Mapping[str, dict[str, float]]]) -> list[str]:
    """One line per server and phase: peak and median RSS of its process tree."""
    return [
        f"{server:9s} {phase:10s} peak {figures['peak_mb']:7.1f} MB, "
        f"median {figures['median_mb']:7.1f} MB, up to {figures['most_processes']:.0f} processes"
        for server, phases in memory.items()
        for phase, figures in phases.items()
    ]
