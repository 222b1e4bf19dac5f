"""A commit killed with SIGKILL at any moment leaves the old state or the new, never a mix and
never an empty file: real processes, killed many times at random points."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from scomm_kg import atomic_files, resources

# A process replacing two files together, forever: both always hold the same counter.
TWO_FILES = """
import sys
from pathlib import Path
from scomm_kg import atomic_files
folder = Path(sys.argv[1])
n = 0
while True:
    n += 1
    body = (f"{n}\\n" * 5000).encode()
    with atomic_files.locked(folder):
        atomic_files.replace(folder, {folder / "a.txt": body, folder / "sub" / "b.txt": body})
    print(n, flush=True)
"""

# A process writing the graph through curation.apply forever: it adds a graph, then drops it,
# then adds it again… Each commit rewrites the graph's file, provenance.trig and audit.trig.
CURATOR = """
import sys
from pathlib import Path
import pyoxigraph as ox
from scomm_kg import build, curation
from scomm_kg.settings import Settings
settings = Settings.from_env()
store = build.build_store(settings)
graph = "https://w3id.org/scomm-kg/graph/kill-test"
note = ox.NamedNode("https://w3id.org/scomm-kg/id/note/kill-test")
quads = [
    ox.Quad(note, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("http://www.w3.org/ns/prov#Entity"), ox.NamedNode(graph)),
    ox.Quad(note, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
            ox.Literal("kill test", language="en"), ox.NamedNode(graph)),
]
present = graph in store.graph_sizes()
while True:
    change = curation.Change({graph: None if present else quads}, via="graph-store")
    curation.apply(settings, store, change)
    present = not present
    print("committed", flush=True)
"""


def run_and_kill(script: str, args: list[str], env: dict, until_lines: int) -> int:
    """Start ``script``, let it commit at least ``until_lines`` times, kill it at a random
    moment of what follows; the commits it reported."""
    with subprocess.Popen(
        [sys.executable, "-c", script, *args], stdout=subprocess.PIPE, env=env, text=True
    ) as child:
        lines = 0
        try:
            while lines < until_lines:
                if not child.stdout.readline():
                    raise AssertionError(f"the writer stopped early: {child.wait()}")
                lines += 1
            time.sleep(random.uniform(0, 0.05))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
    return lines


def test_two_files_replaced_together_survive_sigkill(tmp_path):
    random.seed(1)
    folder = tmp_path / "data"
    folder.mkdir()
    for attempt in range(40):
        run_and_kill(TWO_FILES, [str(folder)], env=None, until_lines=1 + attempt % 3)
        with atomic_files.locked(folder):
            atomic_files.recover(folder)
        first = (folder / "a.txt").read_bytes()
        second = (folder / "sub" / "b.txt").read_bytes()
        assert first and first == second, f"attempt {attempt}: a mix of two commits"
        assert not atomic_files.needs_recovery(folder)


@pytest.fixture
def curated(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(resources.data_dir(), folder)
    env = {**os.environ, "SCOMM_DATA_DIR": str(folder), "SCOMM_CACHE_DIR": ""}
    return folder, env


def test_a_curation_commit_killed_at_random_leaves_a_whole_state(curated):
    random.seed(2)
    folder, env = curated
    graph_file = folder / "graphs" / "kill-test.trig"
    for attempt in range(12):
        run_and_kill(CURATOR, [], env=env, until_lines=1)
        # Whoever reads the data next finishes or discards the interrupted commit.
        check = subprocess.run(
            [sys.executable, "-c", "from scomm_kg.cli import main; main()", "validate"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, f"attempt {attempt}: {check.stdout}{check.stderr}"
        audit = (folder / "graphs" / "audit.trig").read_text()
        writes = len(re.findall(r"a scomm:Write", audit))
        provenance = (folder / "graphs" / "provenance.trig").read_text()
        # Commits alternate add, drop, add…: after an odd number the graph is there.
        assert graph_file.exists() == (writes % 2 == 1), f"attempt {attempt}: a mix"
        assert ("<graph/kill-test>" in provenance) == graph_file.exists()
        for path in (folder / "graphs").glob("*.trig"):
            assert path.stat().st_size > 0, f"{path.name} is empty"
