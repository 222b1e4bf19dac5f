"""A real `gunicorn` server in a child process, for tests that need real clients and sockets.

The server holds the shipped graph plus, when asked, the W3C protocol test graphs (a
throw-away store: the W3C data is not project data and is not validated).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
W3C_DATA = ROOT.parent / "shared" / "tools" / "sparql-protocol" / "w3c-data"
KASEI = "http://kasei.us/2009/09/sparql/data/"

_MAIN = """
import sys
from pathlib import Path
from scomm_kg import loader
from scomm_kg.settings import Settings
from scomm_kg.store import OxigraphStore
from scomm_kg.web import create_app
from scomm_kg.web.server import run

port, timeout, w3c_dir = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
settings = Settings(port=port, workers=3, query_timeout=timeout, log_level="WARNING")
nquads = loader.load().nquads()
if w3c_dir:
    for n in (1, 2, 3):
        graph = f"<{sys.argv[4]}data{n}.rdf>"
        for line in Path(w3c_dir, f"data{n}.nt").read_text().splitlines():
            if line.strip():
                nquads += (line.rstrip().rstrip(".").rstrip() + f" {graph} .\\n").encode()
store = OxigraphStore()
store.replace_all(nquads)
run(create_app(settings, store=store), settings)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """Starts the server, waits until it answers, stops it and its workers at the end."""

    def __init__(self, query_timeout: float = 3.0, w3c_graphs: bool = False):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [str(self.port), str(query_timeout), str(W3C_DATA) if w3c_graphs else "", KASEI]
        self.process = subprocess.Popen(
            [sys.executable, "-c", _MAIN, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._wait_until_ready()

    def _wait_until_ready(self, seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.process.stderr.read().decode()}")
            try:
                if requests.get(self.url + "/sparql", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not answer within a minute")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process.stderr.close()
