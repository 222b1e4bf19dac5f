"""The result cache: finished answers kept by everything that determines them, within a byte
budget, so that a query many readers repeat (a canned query above all) is evaluated once.

An answer is determined by the data (the store's version), the query text, its dataset
(default and named graphs), base IRI, bindings, format and the prefixes it is written with:
the key is a SHA-256 of them all, so an answer is never served for data it was not computed
on. Errors are not kept: a failed evaluation is tried again by the next request.

The cache lives in one process: each server worker process keeps its own, so a query is
evaluated at most once per data version in each. Concurrent misses on one key are evaluated
once: the first request runs the query, the others wait for its outcome (its error too).
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from .store import DataVersion

T = TypeVar("T")


def request_key(version: DataVersion, request, *parts) -> str:
    """The hex SHA-256 of the data version, a QueryRequest and further ``parts`` (strings,
    numbers, None, sequences or mappings of them) that tell answers apart."""
    bindings = sorted((name, str(term)) for name, term in request.bindings.items())
    described = [
        version.digest,
        request.sparql,
        request.default_graphs,
        request.named_graphs,
        request.base_iri,
        bindings,
        [sorted(p.items()) if isinstance(p, Mapping) else p for p in parts],
    ]
    text = json.dumps(described, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    """What the cache holds and how it served: for logs, tests and benchmarks."""

    entries: int
    bytes: int
    hits: int
    misses: int


class _Flight:
    """One evaluation in progress, which concurrent requests for the same key wait for."""

    def __init__(self):
        self.done = threading.Event()
        self.value = None
        self.error: BaseException | None = None


class ResultCache:
    """A least-recently-used map of answers, bounded by the bytes of its values; thread-safe.

    ``max_bytes`` 0 keeps nothing (every request evaluates). A value larger than a quarter of
    the budget is not kept: it would push out everything else.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[object, int]] = OrderedDict()
        self._flights: dict[str, _Flight] = {}
        self._bytes = 0
        self._hits = 0
        self._misses = 0
        self._lock = threading.Lock()

    def get(self, key: str):
        """The value kept under ``key`` (now the most recently used), or None."""
        with self._lock:
            return self._get(key)

    def put(self, key: str, value, size: int) -> None:
        """Keep ``value`` of ``size`` bytes, pushing out the least recently used as needed."""
        if size > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._entries:
                self._bytes -= self._entries.pop(key)[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def get_or_compute(self, key: str, compute: Callable[[], T], size: Callable[[T], int]) -> T:
        """The value kept under ``key``, or ``compute()``'s, then kept (by ``size`` bytes).

        While one request computes a key, others asking for it wait for its outcome instead of
        computing it again; an error is raised to each of them and kept for none.
        """
        with self._lock:
            found = self._get(key)
            if found is not None:
                return found
            flight = self._flights.get(key)
            leader = flight is None
            if leader:
                flight = self._flights[key] = _Flight()
                self._misses += 1
            else:
                self._hits += 1
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise _copy(flight.error)
            return flight.value
        try:
            flight.value = compute()
        except BaseException as error:
            flight.error = error
            raise
        else:
            self.put(key, flight.value, size(flight.value))
            return flight.value
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()

    def clear(self) -> None:
        """Forget every value (the counters stay)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(len(self._entries), self._bytes, self._hits, self._misses)

    def _get(self, key: str):
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        self._hits += 1
        return entry[0]


def _copy(error: BaseException) -> BaseException:
    """A copy of another thread's error to raise here (raising one object in several threads
    would tangle their tracebacks); the error itself when it cannot be copied."""
    try:
        return copy.copy(error)
    except Exception:
        return error


class PerVersion:
    """Values derived from a store's data (labels, names, a description, a dump), each
    computed once per data version and key, and kept for the process; thread-safe.

    Values of at most ``versions`` data versions are kept: when another comes, the old ones
    are dropped (readers still on an old store recompute theirs, which is rare and correct).
    """

    def __init__(self, versions: int = 4):
        self._versions = versions
        self._values: dict[tuple[str, Hashable], object] = {}
        self._lock = threading.Lock()

    def get(self, store, key: Hashable, compute: Callable[[], T]) -> T:
        """The value for ``key`` on the data ``store`` holds now, ``compute()`` if not kept."""
        version = store.version.digest
        with self._lock:
            if (version, key) not in self._values:
                held = {v for v, _ in self._values}
                if version not in held and len(held) >= self._versions:
                    self._values.clear()
                self._values[(version, key)] = compute()
            return self._values[(version, key)]
