"""The load benchmark reads wrk's reports and judges the issue's targets honestly.

Only the pure half (benchmarks/load_report.py) is tested: no wrk, no server, no timing.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load_report_module():
    spec = importlib.util.spec_from_file_location("load_report", BENCHMARKS / "load_report.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["load_report"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


report = _load_report_module()


def wrk_output(statuses: dict, requests: int | None = None, errors: dict | None = None, **lat):
    """What wrk prints with benchmarks/load.lua: its own text, then the script's JSON line."""
    errors = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0, **(errors or {})}
    latency = {"p50": 2000, "p90": 4000, "p95": 5000, "p99": 9000, "max": 20000, "mean": 2500.0}
    latency.update(lat)
    line = {
        "duration_us": 10_000_000,
        "requests": sum(statuses.values()) if requests is None else requests,
        "bytes": 123456,
        "statuses": {str(k): v for k, v in statuses.items()},
        "errors": errors,
        "latency_us": latency,
    }
    return (
        "Running 10s test @ http://127.0.0.1:8080\n  1 threads and 8 connections\n"
        "  Non-2xx or 3xx responses: 30\nRequests/sec: 100.00\n"
        + report.WRK_MARKER
        + json.dumps(line)
        + "\n"
    )


def stats(label="x", p50=2.0, p95=5.0, requests=1000, seconds=10.0, statuses=None):
    return report.RunStats(
        label=label,
        seconds=seconds,
        requests=requests,
        statuses=statuses if statuses is not None else {200: requests},
        socket_errors={},
        latency_ms={50: p50, 90: p95, 95: p95, 99: p95}
        if requests
        else dict.fromkeys((50, 90, 95, 99)),
        latency_max_ms=p95 if requests else None,
    )


def test_a_wrk_report_is_read_from_the_scripts_line_with_each_status_apart():
    run = report.parse_wrk_output(
        "scomm/alone/ask", wrk_output({200: 970, 503: 20, 429: 5, 500: 5})
    )
    assert run.requests == 1000 and run.seconds == 10
    assert run.throughput == 100
    assert run.statuses == {200: 970, 503: 20, 429: 5, 500: 5}
    assert run.latency_ms == {50: 2.0, 90: 4.0, 95: 5.0, 99: 9.0}
    assert run.latency_max_ms == 20.0


def test_429_and_503_are_deliberate_refusals_not_failures():
    run = report.parse_wrk_output(
        "x", wrk_output({200: 900, 503: 60, 429: 20, 500: 15, 408: 5}, errors={"timeout": 10})
    )
    assert run.refused == 80
    assert run.failed == 15 + 5 + 10  # a 500, a 408 and a client timeout all count against it
    assert run.attempts == 1010
    assert run.failure_rate == pytest.approx(30 / 1010)
    assert run.refusal_rate == pytest.approx(80 / 1010)


def test_wrk_status_errors_are_not_counted_twice():
    # wrk's own 'status' error count is every answer of 400 and over: already in the statuses.
    run = report.parse_wrk_output("x", wrk_output({200: 10, 503: 4}, errors={"status": 4}))
    assert run.failed == 0 and run.refused == 4


def test_output_without_the_scripts_line_is_an_error_naming_the_run():
    with pytest.raises(report.WrkReportMissing) as refused:
        report.parse_wrk_output("oxigraph/runaways/ask", "unable to connect: Connection refused\n")
    assert str(refused.value).startswith("oxigraph/runaways/ask: wrk printed no WRK_JSON line")
    assert "Connection refused" in str(refused.value)


def test_a_run_with_no_answer_at_all_has_no_latency_rather_than_zero():
    run = report.parse_wrk_output("x", wrk_output({}, p50=0, p95=0, p99=0, max=0))
    assert run.requests == 0
    assert run.latency_ms[50] is None and run.latency_max_ms is None
    assert report.run_line("ask", run).count("n/a") == 3


def test_percentile_is_the_nearest_rank():
    samples = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert report.percentile(samples, 50) == 3.0
    assert report.percentile(samples, 100) == 5.0
    assert report.percentile(samples, 1) == 1.0
    assert report.percentile(list(range(1, 101)), 95) == 95
    with pytest.raises(ValueError, match="no samples"):
        report.percentile([], 50)
    with pytest.raises(ValueError, match="percentile"):
        report.percentile(samples, 0)


def test_a_ratio_with_a_missing_or_zero_figure_is_none():
    assert report.ratio(3.0, 2.0) == 1.5
    assert report.ratio(3.0, 0) is None
    assert report.ratio(None, 2.0) is None
    assert report.ratio(3.0, None) is None


def full_results(**overrides) -> report.Results:
    """Every run the targets are judged on, each as good as the targets ask, unless overridden."""
    runs = {
        "scomm/runaways/ask": stats(p50=20.0),
        "scomm/runaways/canned": stats(p50=30.0),
        "scomm/alone/ask": stats(p95=10.0),
        "scomm/alone/canned": stats(p95=20.0),
        "scomm/abusive/ask": stats(p95=14.0, statuses={200: 990, 503: 10}),
        "scomm/abusive/canned": stats(p95=29.0, statuses={200: 1000}),
        "scomm/repeated/canned": stats(requests=30_000),
        "oxigraph/repeated/canned": stats(requests=10_000),
        "scomm/serial/cache-hit": stats(p50=1.2),
        "scomm/serial/uncached": stats(p50=2.9),
        "bare/serial/uncached": stats(p50=1.0),
    }
    runs.update(overrides)
    results = report.Results()
    for key, run in runs.items():
        if run is not None:
            results.add(*key.split("/"), run)
    return results


def verdicts(results: report.Results) -> dict[str, bool | None]:
    return {t.name: t.met for t in report.evaluate_targets(results)}


def test_every_target_is_met_when_every_figure_is_within_it():
    targets = report.evaluate_targets(full_results())
    assert len(targets) == 8
    assert all(t.met for t in targets), [t.line() for t in targets if not t.met]
    by_name = {t.name: t for t in targets}
    repeated = by_name["repeated canned queries: throughput >= 2x Oxigraph's server"]
    assert repeated.figures == "3000 req/s against 1000 (3.00x)"
    assert (
        "10 deliberately refused"
        in by_name["no failures of cheap queries with abusive clients, other than 429/503"].figures
    )


def test_each_figure_beyond_its_target_is_a_miss():
    results = full_results(
        **{
            "scomm/runaways/ask": stats(p50=19_300.0),
            "scomm/abusive/canned": stats(p95=31.0, statuses={200: 999, 500: 1}),
            "oxigraph/repeated/canned": stats(requests=20_000),
            "scomm/serial/cache-hit": stats(p50=2.0),
            "scomm/serial/uncached": stats(p50=3.1),
        }
    )
    missed = {name for name, met in verdicts(results).items() if met is False}
    assert missed == {
        "ask p50 with 4 runaway queries < 100 ms",
        "canned p95 with abusive and slow clients within 1.5x of alone",
        "no failures of cheap queries with abusive clients, other than 429/503",
        "repeated canned queries: throughput >= 2x Oxigraph's server",
        "a cache hit under 2 ms at the server (client p50 at concurrency 1, an upper bound)",
        "an uncached small query within 2 ms of a bare pyoxigraph call behind the same front",
    }


def test_a_phase_in_which_nothing_was_answered_misses_rather_than_passes():
    silent = stats(requests=0, statuses={})
    results = full_results(
        **{
            "scomm/runaways/canned": silent,
            "scomm/abusive/ask": silent,
            "scomm/abusive/canned": silent,
        }
    )
    met = verdicts(results)
    assert met["canned p50 with 4 runaway queries < 100 ms"] is False
    assert met["ask p95 with abusive and slow clients within 1.5x of alone"] is False
    assert met["no failures of cheap queries with abusive clients, other than 429/503"] is False
    lines = [t.line() for t in report.evaluate_targets(results)]
    assert any("MISSED" in line and "no answer at all in 10 s" in line for line in lines)


def test_a_run_not_made_is_not_judged():
    results = full_results(**{"bare/serial/uncached": None, "oxigraph/repeated/canned": None})
    met = verdicts(results)
    assert met["repeated canned queries: throughput >= 2x Oxigraph's server"] is None
    assert (
        met["an uncached small query within 2 ms of a bare pyoxigraph call behind the same front"]
        is None
    )
    assert "not measured" in report.evaluate_targets(results)[-1].line()


def test_the_table_puts_each_server_side_by_side_with_ratios():
    results = report.Results()
    results.add("scomm", "alone", "ask", stats(p95=30.0, requests=1000))
    results.add("oxigraph", "alone", "ask", stats(p95=10.0, requests=4000))
    results.add("scomm", "serial", "cache-hit", stats(p50=1.0))
    rows = report.table_rows(results, ("serial", "alone"), ("ask", "cache-hit"))
    assert [row[:2] for row in rows] == [("serial", "cache-hit"), ("alone", "ask")]
    alone = rows[1]
    assert alone[2] == "100.0" and alone[8] == "400.0"
    assert alone[-2:] == ("0.25x", "3.00x")
    assert rows[0][8:] == ("n/a",) * 7
    table = report.format_table(report.TABLE_HEADER, rows).splitlines()
    assert len(table) == 4 and len({len(line) for line in table}) == 1


def test_memory_is_summed_up_by_phase_in_the_order_phases_came():
    samples = [
        report.MemorySample(0, "idle", 250.0, 5),
        report.MemorySample(1, "alone", 260.0, 5),
        report.MemorySample(2, "alone", 300.0, 9),
        report.MemorySample(3, "alone", 270.0, 6),
    ]
    summary = report.memory_by_phase(samples)
    assert list(summary) == ["idle", "alone"]
    assert summary["alone"] == {"peak_mb": 300.0, "median_mb": 270.0, "most_processes": 9}
