"""A real server stopped during runaway queries: no query process outlives it, the port is free."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

import pytest
import requests

from live_server import LiveServer
from scomm_kg.settings import Settings
from scomm_kg.web.server import GRACEFUL_TIMEOUT, PortUnavailable, check_port

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` now: gunicorn's workers, the pool's manager and workers."""
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children") as children:
                    kids = {int(p) for p in children.read().split()}
            except OSError:
                continue
            todo.extend(kids - found)
            found |= kids
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "(gone)"


def start_runaways(server: LiveServer, count: int) -> list[threading.Thread]:
    """``count`` runaway queries in flight, each in a thread that ignores how it ends."""

    def ask():
        with contextlib.suppress(requests.RequestException):
            requests.get(server.url + "/sparql", params={"query": RUNAWAY}, timeout=90)

    threads = [threading.Thread(target=ask, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_stopping_the_server_during_a_runaway_query_leaves_no_process_and_frees_the_port(signum):
    server = LiveServer(query_timeout=120.0)
    try:
        threads = start_runaways(server, 2)
        time.sleep(1.5)
        below = descendants(server.process.pid)
        # gunicorn's front process(es), the pool's manager, 3 general and the reserved workers.
        defaults = Settings()
        expected = defaults.http_workers + 1 + 3 + defaults.reserved_workers
        assert len(below) == expected, [command_line(p) for p in below]
        assert any(t.is_alive() for t in threads), "the runaway queries are still running"
        stopped_at = time.monotonic()
        os.kill(server.process.pid, signum)  # the serve process alone, not its group
        if signum != signal.SIGKILL:
            server.process.wait(timeout=GRACEFUL_TIMEOUT + 5)
        deadline = time.monotonic() + GRACEFUL_TIMEOUT + 5
        while time.monotonic() < deadline and any(alive(p) for p in below):
            time.sleep(0.1)
        survivors = {p: command_line(p) for p in below if alive(p)}
        assert survivors == {}, f"still running after {signum.name}: {survivors}"
        if signum != signal.SIGKILL:
            assert time.monotonic() - stopped_at <= GRACEFUL_TIMEOUT + 2
        check_port("127.0.0.1", server.port)  # PortUnavailable if anything still listens
    finally:
        server.stop()


def test_a_port_still_held_would_be_seen():
    """The port check above can fail: a port someone listens on is reported."""
    server = LiveServer()
    try:
        with pytest.raises(PortUnavailable):
            check_port("127.0.0.1", server.port)
    finally:
        server.stop()
