"""Throw-away SPARQL servers holding a given dataset, for tests that talk to other engines.

``oxigraph_server(nquads, directory)`` and ``virtuoso_server(nquads, directory)`` are context
managers: each starts the server on a free loopback port with its database in ``directory``,
loads the N-Quads (every named graph kept as it is), waits until the server answers a query,
yields a ``SparqlServer`` (its query, update and graph-store URLs, and how a query there sees
the union of our named graphs as its default graph), and stops the server at the end, killing it
if it does not stop when asked, so that no server outlives its test.

How the union default graph is obtained differs:

- Oxigraph's server is started with ``--union-default-graph``: a query with no dataset of its
  own sees every named graph (the store holds nothing else). Like the embedded engine's union
  mode, it repeats a triple that two graphs both hold. Started without it
  (``union_default_graph=False``), it is given our graphs in the protocol, as Virtuoso is.
- Virtuoso's quad store also holds graphs of its own (its schemas, its server description), so
  the union of all graphs is not ours: each query names our graphs in the protocol, one
  ``default-graph-uri`` and one ``named-graph-uri`` per graph (``SparqlServer.dataset``).

A test that needs a server that is not installed is skipped with the reason, unless
SCOMM_REQUIRE_SERVERS=1 (CI sets it, having installed them): then it fails (``require``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

REQUIRE = "SCOMM_REQUIRE_SERVERS"
START_WAIT = 60.0  # seconds a server may take to answer after it was started
STOP_WAIT = 30.0  # seconds it may take to exit once asked
SERVER_QUERY_SECONDS = 15  # the longest query Oxigraph's server runs for a test
# Virtuoso's default administrator in a new database; the database is thrown away at the end
# and its ports are on the loopback interface only.
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "dba", "dba"


@dataclass(frozen=True)
class SparqlServer:
    """A running server: where to send queries, updates and graphs, and which graphs are ours."""

    engine: str  # the server and its version, as it reports them
    query_url: str
    update_url: str
    graph_store_url: str
    graphs: tuple[str, ...]  # the named graphs loaded, by IRI
    # "server": the server's own union default graph; "protocol": the query names our graphs
    # (default-graph-uri and named-graph-uri, see ``dataset``).
    union: str
    log: Path = field(compare=False)

    def dataset(self) -> dict[str, list[str]]:
        """The protocol parameters that make a query's dataset our graphs (none when the server
        already unites them)."""
        if self.union == "server":
            return {}
        graphs = list(self.graphs)
        return {"default-graph-uri": graphs, "named-graph-uri": graphs}


def require(command: str, package: str) -> str:
    """The path of ``command``; without it the test is skipped, or fails under REQUIRE=1."""
    path = shutil.which(command, path=str(Path(sys.executable).parent)) or shutil.which(command)
    if path:
        return path
    reason = f"needs the `{command}` command ({package})"
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{REQUIRE}=1, yet {reason} is missing")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graph_names(nquads: bytes) -> tuple[str, ...]:
    """The named graphs the N-Quads hold, sorted; a triple in the default graph is refused, as
    neither union would hold it apart."""
    graphs = set()
    for quad in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        if isinstance(quad.graph_name, ox.DefaultGraph):
            raise ValueError(f"a triple outside any named graph: {quad}")
        graphs.add(quad.graph_name.value)
    return tuple(sorted(graphs))


# --- Oxigraph's server ------------------------------------------------------------------------


@contextlib.contextmanager
def oxigraph_server(
    nquads: bytes, directory: Path, union_default_graph: bool = True
) -> Iterator[SparqlServer]:
    """`oxigraph serve` on its own RocksDB store in ``directory``, bulk-loaded beforehand;
    with ``union_default_graph`` false, started without its union mode, so that queries name
    our graphs in the protocol as on a server that has none."""
    binary = require("oxigraph", "pip install oxigraph, in the test extra")
    graphs = graph_names(nquads)
    location, data, log = directory / "store", directory / "data.nq", directory / "server.log"
    data.write_bytes(nquads)
    loaded = subprocess.run(
        [binary, "load", "--location", str(location), "--file", str(data)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if loaded.returncode != 0:
        raise RuntimeError(f"oxigraph load failed: {loaded.stderr.strip()}")
    version = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, timeout=30, check=True
    ).stdout.strip()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # A query its client gave up on (a test of timeouts) would run on, unbounded, and slow
    # every test after it: the server stops any query after this many seconds.
    command = [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    command += ["--timeout-s", str(SERVER_QUERY_SECONDS)]
    if union_default_graph:
        command.append("--union-default-graph")
    with _running(command, log) as process:
        _wait_for_answer(process, url + "/query", {}, log)
        yield SparqlServer(
            engine=version,
            query_url=url + "/query",
            update_url=url + "/update",
            graph_store_url=url + "/store",
            graphs=graphs,
            union="server" if union_default_graph else "protocol",
            log=log,
        )


# --- Virtuoso Open Source ---------------------------------------------------------------------

_VIRTUOSO_INI = """\
; A throw-away database for one test session: every file in {directory}, loopback ports only.
[Database]
DatabaseFile = {directory}/virtuoso.db
ErrorLogFile = {directory}/virtuoso.log
LockFile = {directory}/virtuoso.lck
TransactionFile = {directory}/virtuoso.trx
xa_persistent_file = {directory}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {directory}/virtuoso-temp.db
TransactionFile = {directory}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
; The bulk loader reads the data file from here, and only from here.
DirsAllowed = {directory}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 0
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {directory}
ServerThreads = 8
[SPARQL]
; Virtuoso cuts answers at 10,000 rows by default and says so nowhere in the answer.
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""

# After the bulk load: the data made durable, and the anonymous SPARQL user (the endpoint's
# caller) allowed to update, so that the update and graph-store URLs work as on any server.
_VIRTUOSO_LOAD = """\
ld_dir('{directory}', '{file}', '{unnamed}');
rdf_loader_run();
checkpoint;
GRANT SPARQL_UPDATE TO "SPARQL";
SELECT ll_state, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_file = '{directory}/{file}';
"""
# A graph Virtuoso's loader gives a triple without one; graph_names() refuses such data, so it
# stays empty and is not among our graphs.
_UNNAMED = "urn:scomm-kg:test:no-graph"


@contextlib.contextmanager
def virtuoso_server(nquads: bytes, directory: Path) -> Iterator[SparqlServer]:
    """`virtuoso-t` in the foreground on a new database in ``directory``, the data bulk-loaded
    with Virtuoso's loader (ld_dir, rdf_loader_run) through `isql-vt`."""
    server = require("virtuoso-t", "Debian's virtuoso-opensource")
    isql = require("isql-vt", "Debian's virtuoso-opensource")
    graphs = graph_names(nquads)
    directory = directory.resolve()
    data, log = directory / "data.nq", directory / "server.log"
    data.write_bytes(nquads)
    sql_port, http_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(
        _VIRTUOSO_INI.format(directory=directory, sql_port=sql_port, http_port=http_port),
        encoding="utf-8",
    )
    url = f"http://127.0.0.1:{http_port}"
    command = [server, "+foreground", "+configfile", str(ini)]
    with _running(command, log, cwd=directory) as process:
        _wait_for_answer(process, url + "/sparql", {}, log)
        _wait_for_port(process, sql_port, log)
        script = _VIRTUOSO_LOAD.format(directory=directory, file=data.name, unnamed=_UNNAMED)
        loaded = subprocess.run(
            [isql, f"127.0.0.1:{sql_port}", VIRTUOSO_USER, VIRTUOSO_PASSWORD, "VERBOSE=OFF"],
            input=script,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        # The last statement prints the file's state (2: done) and its error (NULL: none).
        if loaded.returncode != 0 or not re.search(r"^\s*2\s+NULL\s*$", loaded.stdout, re.M):
            raise RuntimeError(
                f"Virtuoso's bulk load failed:\n{loaded.stdout.strip()}\n{loaded.stderr.strip()}"
            )
        yield SparqlServer(
            engine=_virtuoso_version(server),
            query_url=url + "/sparql",
            update_url=url + "/sparql",
            graph_store_url=url + "/sparql-graph-crud",
            graphs=graphs,
            union="protocol",
            log=log,
        )


def _virtuoso_version(server: str) -> str:
    """Virtuoso's name and version, as `virtuoso-t -?` prints them."""
    shown = subprocess.run([server, "-?"], capture_output=True, text=True, timeout=30)
    found = re.search(r"Version (\S+)", shown.stdout + shown.stderr)
    return f"Virtuoso Open Source {found.group(1) if found else '(version unknown)'}"


# --- Starting and stopping --------------------------------------------------------------------


@contextlib.contextmanager
def _running(command: list[str], log: Path, cwd: Path | None = None):
    """The server process, its output in ``log``; stopped, or killed, at the end."""
    with log.open("wb") as output:
        # In the test run's process group: a Ctrl-C, or a group kill of the run, stops it too.
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, cwd=cwd
        )
    try:
        yield process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_WAIT)


def _wait_for_answer(process: subprocess.Popen, query_url: str, params: dict, log: Path) -> None:
    """Return once ``query_url`` answers ASK {}; fail with the server's log if it exits or
    stays silent."""
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{_tail(log)}")
        try:
            answer = requests.get(query_url, params={"query": "ASK {}", **params}, timeout=2)
            if answer.status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{query_url} did not answer within {START_WAIT} s:\n{_tail(log)}")


def _wait_for_port(process: subprocess.Popen, port: int, log: Path) -> None:
    """Return once the loopback ``port`` takes a connection (Virtuoso opens its SQL port and its
    HTTP port one after the other)."""
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{_tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"port {port} took no connection within {START_WAIT} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
