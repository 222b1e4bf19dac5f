"""Small helpers the tests share."""

import hashlib
from pathlib import Path

from scomm_kg.store import MemoryStore

BASE = "https://w3id.org/scomm-kg/"


def iri(path: str) -> str:
    """The full IRI of one of the graph's resources, from its path under the base."""
    return BASE + path


class CountingStore(MemoryStore):
    """An embedded store that counts the queries reaching its engine."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def _query(self, *args):
        self.calls += 1
        return super()._query(*args)


def snapshot(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` but its hidden ones (the lock, the counter)."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }
