"""Small helpers the tests share."""

import hashlib
import os
from pathlib import Path

from scomm_kg.store import MemoryStore

BASE = "https://w3id.org/scomm-kg/"
# The store under test is a live Virtuoso (tests/conftest.py): where it answers otherwise.
ON_VIRTUOSO = os.environ.get("SCOMM_TEST_STORE") == "virtuoso"


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


OPT_OUT = "id/proposition/local-jurisdictions-can-opt-out"
# Each canned query with values that give rows on the shipped graph (and the fictional letter's
# account, for facts-stated-by-several-sources): each parameter given and each optional one
# left out at least once.
CANNED_CASES = [
    ("contradictions", {}),
    ("contradictions", {"proposition": OPT_OUT}),
    ("document-supports", {"document": "id/document/secure-communities-backgrounder"}),
    (
        "document-supports",
        {"document": "id/document/los-angeles-times-report-on-napolitano-letter"},
    ),
    ("opt-out-attempts", {}),
    ("opt-out-attempts", {"jurisdiction": "id/place/boston-ma"}),
    ("opt-out-attempts", {"state": "id/place/virginia"}),
    ("opt-out-attempts", {"state": "id/place/california"}),
    ("opt-out-attempts-before-denial", {}),
    ("opt-out-attempts-before-denial", {"proposition": OPT_OUT}),
    ("search", {"text": "San Franciscio"}),
    ("search", {"text": "dhs"}),
    ("sources", {}),
    ("statements-by-speaker", {"speaker": "id/person/janet-napolitano"}),
    ("statements-by-speaker", {"speaker": "id/organization/ice"}),
    ("statements-from-organization", {"organization": "id/organization/dhs"}),
    ("statements-on-topic", {}),
    ("statements-on-topic", {"proposition": OPT_OUT}),
    ("statistics", {}),
    ("statistics", {"measure": "id/concept/criminal-removals"}),
    ("timeline", {}),
    ("timeline", {"from": "2010-09-15"}),
    ("timeline", {"from": "2011-05"}),
    ("facts-stated-by-several-sources", {}),
    (
        "facts-stated-by-several-sources",
        {"fact": "id/statement/napolitano-2010-09-jurisdictions-can-opt-out"},
    ),
]


def case_id(name: str, params: dict) -> str:
    """A readable test id for a canned query with its parameters."""
    return f"{name}({','.join(f'{k}={v}' for k, v in params.items())})"
