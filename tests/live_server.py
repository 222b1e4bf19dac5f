"""A real `gunicorn` server in a child process, for tests that need real clients and sockets.

The server holds the shipped graph plus, when given their folder, the W3C protocol test graphs
(a throw-away store: the W3C data is not project data and is not validated). Given a data_dir
setting, it builds its store from that folder as `scomm-kg serve` does (for writes, which
rewrite that folder).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from needs_shared import SHARED

W3C_SUITE = SHARED / "tools" / "sparql-protocol"
W3C_DATA = W3C_SUITE / "w3c-data"
KASEI = "http://kasei.us/2009/09/sparql/data/"

_MAIN = """
import sys
from pathlib import Path
from scomm_kg import loader
from scomm_kg.settings import Settings
from scomm_kg.store import MemoryStore
from scomm_kg.web import create_app
from scomm_kg.web.server import run

port, timeout, w3c_dir = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
# SCOMM_* variables the test gave (LiveServer's settings) apply; these win over them.
settings = Settings.from_env(port=port, query_timeout=timeout, log_level="WARNING")
nquads = loader.load().nquads()
if w3c_dir:
    for n in (1, 2, 3):
        graph = f"<{sys.argv[4]}data{n}.rdf>"
        for line in Path(w3c_dir, f"data{n}.nt").read_text().splitlines():
            if line.strip():
                nquads += (line.rstrip().rstrip(".").rstrip() + f" {graph} .\\n").encode()
store = MemoryStore()
store.replace_all(nquads)
run(create_app(settings, store=None if settings.data_dir else store), settings)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """Starts the server, waits until it answers, stops it and its workers at the end.

    Use it as a context manager, or call stop(); a server that fails to start is stopped, and
    its log closed, before the error is raised.
    """

    def __init__(
        self,
        query_timeout: float = 3.0,
        w3c_data: Path | None = None,
        settings: dict[str, object] | None = None,
    ):
        """``settings``: more settings by name (client_timeout=2), given as SCOMM_* variables."""
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCOMM_")}
        env.setdefault("SCOMM_WORKERS", "3")
        env |= {f"SCOMM_{name.upper()}": str(value) for name, value in (settings or {}).items()}
        self.url = f"http://127.0.0.1:{self.port}"
        args = [str(self.port), str(query_timeout), str(w3c_data or ""), KASEI]
        # A file, not a pipe: a chatty server can never block on it, and nothing is left open.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _MAIN, *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._log,
                env=env,
                start_new_session=True,
            )
        except BaseException:
            self._log.close()
            raise
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def log(self) -> str:
        """What the server wrote to its standard error so far."""
        self._log.seek(0)
        return self._log.read().decode("utf-8", errors="replace")

    def _wait_until_ready(self, seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log()}")
            try:
                if requests.get(self.url + "/sparql", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within {seconds:.0f} s: {self.log()}")

    def stop(self) -> None:
        """Stop the server and every process of its group; close its log. Safe to repeat."""
        try:
            self._signal(signal.SIGTERM)  # the whole group: workers may outlive a dead master
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait()
        finally:
            self._log.close()

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)
