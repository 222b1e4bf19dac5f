"""Writes against a real server (gunicorn, the query worker pool): read back at once by every
worker, never seen half done by readers meanwhile, and the W3C protocol's update tests pass."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from live_server import W3C_SUITE, LiveServer
from scomm_kg import resources

BASE = "https://w3id.org/scomm-kg/"
TOKEN = "curator-token-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = "application/sparql-update"
FIRST, SECOND = f"{BASE}graph/reading-note-one", f"{BASE}graph/reading-note-two"
COUNT_BOTH = f"""SELECT ?one ?two WHERE {{
  {{ SELECT (COUNT(*) AS ?one) WHERE {{ GRAPH <{FIRST}> {{ ?s ?p ?o }} }} }}
  {{ SELECT (COUNT(*) AS ?two) WHERE {{ GRAPH <{SECOND}> {{ ?s ?p ?o }} }} }}
}}"""


def notes(n: int) -> str:
    """One update writing n notes into each of the two graphs: both change in one step."""
    triples = "".join(
        f'<{BASE}id/note/reading-{i}> a prov:Entity ; rdfs:label "Reading note {i}"@en . '
        for i in range(n)
    )
    return (
        f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
        f"VALUES ?g {{ <{FIRST}> <{SECOND}> }} }} ;\n"
        f"INSERT DATA {{ GRAPH <{FIRST}> {{ {triples} }} GRAPH <{SECOND}> {{ {triples} }} }}"
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("writes") / "data"
    shutil.copytree(resources.data_dir(), folder)
    settings = {
        "data_dir": folder,
        "write_tokens": f"curator={TOKEN}",
        "cache_dir": "",
        # Readers here ask without pause on a shared machine: no per-client budget (429).
        "client_query_seconds": 0,
    }
    with LiveServer(query_timeout=10.0, settings=settings) as live:
        yield live


def counts(url: str, salt: int) -> tuple[int, int]:
    # A comment of its own per read: the result cache cannot answer it, a worker must.
    response = requests.get(
        url + "/sparql",
        params={"query": f"# read {salt}\n{COUNT_BOTH}"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.status_code == 200, f"{response.status_code} {response.text}"
    row = response.json()["results"]["bindings"][0]
    return int(row["one"]["value"]), int(row["two"]["value"])


def write(url: str, update: str) -> None:
    response = requests.post(
        url + "/sparql", data=update.encode(), headers={**BEARER, "Content-Type": UPDATE}
    )
    assert response.status_code == 200, response.text


def test_every_query_worker_reads_a_write_at_once_and_the_etag_changes(server):
    ask = {"query": f"ASK {{ GRAPH <{FIRST}> {{ ?s ?p ?o }} }}"}
    before = requests.get(server.url + "/sparql", params=ask, timeout=30)
    write(server.url, notes(2))
    # More reads than workers, each uncached: every worker answers from the new data.
    assert {counts(server.url, salt) for salt in range(12)} == {(4, 4)}
    after = requests.get(server.url + "/sparql", params=ask, timeout=30)
    assert before.headers["ETag"] != after.headers["ETag"]
    assert "true" in after.text and "false" in before.text
    # The workers read the written files themselves: the dataset was not sent to them whole.
    assert "sent whole" not in server.log()


def test_readers_during_writes_see_the_old_state_or_the_new_never_a_mix(server):
    seen: set[tuple[int, int]] = set()
    failures: list[str] = []
    stop = threading.Event()
    salts = itertools.count(1000)

    def read():
        while not stop.is_set():
            try:
                seen.add(counts(server.url, next(salts)))
            except AssertionError as error:
                failures.append(str(error))

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        for n in (1, 3, 2, 5):
            write(server.url, notes(n))
    finally:
        stop.set()
        for reader in readers:
            reader.join(60)
    assert not failures, failures[:3]
    assert all(one == two for one, two in seen), f"a half-done write was seen: {seen}"
    assert (10, 10) in seen  # the last write (5 notes, 2 triples each) was read


def front_processes(master: int) -> list[int]:
    """gunicorn's workers: the master's children in its process group (the query pool's
    manager has a group of its own)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children if os.getpgid(int(pid)) == master]


def test_a_front_process_that_replaces_a_dead_one_reads_the_writes_taken_before(server):
    write(server.url, notes(4))
    (front,) = front_processes(server.process.pid)
    os.kill(front, signal.SIGKILL)  # gunicorn forks another from the master, which holds
    deadline = time.monotonic() + 30  # the data as the server loaded it
    while time.monotonic() < deadline:
        replaced = [pid for pid in front_processes(server.process.pid) if pid != front]
        if replaced:
            try:
                assert {counts(server.url, 5000 + salt) for salt in range(8)} == {(8, 8)}
                return
            except requests.ConnectionError:
                pass
        time.sleep(0.2)
    raise AssertionError(f"no front process answered after the first was killed: {server.log()}")


@pytest.mark.needs_shared("tools/sparql-protocol", "the W3C protocol suite")
def test_the_w3c_update_tests_pass_with_a_token_on_a_throw_away_store(tmp_path):
    # No project data but what the ontology's provenance needs: CLEAR ALL leaves it alone.
    throw_away = tmp_path / "data"
    shutil.copytree(Path(__file__).parent / "fixtures" / "writes" / "throw-away", throw_away)
    settings = {"data_dir": throw_away, "write_tokens": f"curator={TOKEN}", "cache_dir": ""}
    outcome = tmp_path / "w3c.json"
    with LiveServer(query_timeout=10.0, settings=settings) as live:
        with_token = live.url.replace("http://", f"http://curator:{TOKEN}@")
        run = subprocess.run(
            [
                sys.executable,
                str(W3C_SUITE / "run.py"),
                "--query-url",
                live.url + "/sparql",
                "--update-url",
                with_token + "/sparql",
                "--suites",
                "update",
                "--json",
                str(outcome),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert TOKEN not in live.log()
    results = {r["id"]: r for r in json.loads(outcome.read_text())["results"]}
    assert len(results) == 14 and not any(r["outcome"] == "SKIP" for r in results.values())
    # Every write went through the gate: the update_dataset_* tests type web documents of their
    # own foaf:Document, which no graph names as its source (scommsh:DocumentShape's target).
    failed = {name for name, r in results.items() if r["outcome"] != "PASS"}
    assert failed == set(), run.stdout


def test_a_running_server_serves_what_a_curator_adds_from_the_command_line(tmp_path):
    """A curator runs `scomm-kg add` beside a running (read-only) server and asks it at once."""
    folder = tmp_path / "data"
    shutil.copytree(resources.data_dir(), folder)
    graph = f"{BASE}graph/command-line-note"
    note = tmp_path / "note.trig"
    note.write_text(
        f"PREFIX prov: <http://www.w3.org/ns/prov#>\n"
        f"PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        f'<{graph}> {{ <{BASE}id/note/command-line> a prov:Entity ; rdfs:label "A note"@en . }}\n'
    )
    ask = {"query": f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"}
    settings = {"data_dir": folder, "cache_dir": "", "client_query_seconds": 0}
    with LiveServer(query_timeout=10.0, settings=settings) as live:
        assert "false" in requests.get(live.url + "/sparql", params=ask, timeout=30).text
        env = {**os.environ, "SCOMM_DATA_DIR": str(folder), "SCOMM_CACHE_DIR": ""}
        added = subprocess.run(
            [sys.executable, "-c", "from scomm_kg.cli import main; main()", "add", str(note)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert added.returncode == 0, added.stderr
        time.sleep(1.1)  # the server looks at the data folder at most once a second
        answers = {
            requests.get(live.url + "/sparql", params=ask, timeout=30).text for _ in range(6)
        }
        assert all("true" in answer for answer in answers), answers
