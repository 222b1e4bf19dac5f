"""Lanes for a remote store: its queries run on the SPARQL server, so nothing is forked.

A forked query worker is cut off from the network (serving/isolation.py), which is what a
remote store needs to reach; and the work of a query happens on the server anyway. So for a
remote store a query runs in the thread that asked for it, under the same lanes as the pool
(serving/pool.py): at most ``workers`` of a lane's queries at once, ``queue`` more waiting, the
rest refused at once with PoolBusy; each within its lane's deadline, which becomes the HTTP
timeout of the request (store/remote.py), and QueryTimeout when the server does not answer in
time. SERVICE is refused before a query is sent (querytext.forbidden_reason); whether the server
would run one is its own configuration (see the README on remote stores).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from ..store.remote import RemoteTimeout, request_timeout
from .pool import GENERAL, Lane, PoolBusy, QueryTimeout

T = TypeVar("T")


class _Gate:
    """One lane's admission: ``workers`` run, ``queue`` wait, the others are refused."""

    def __init__(self, lane: Lane):
        self.lane = lane
        self._running = threading.BoundedSemaphore(lane.workers)
        self._admitted = threading.BoundedSemaphore(lane.workers + lane.queue)

    def run(self, fn: Callable[..., T], args, kwargs) -> T:
        if not self._admitted.acquire(blocking=False):
            raise PoolBusy("every query slot of the lane is busy and its queue is full", 1)
        try:
            started = time.monotonic()
            if not self._running.acquire(timeout=self.lane.timeout):
                raise QueryTimeout(self.lane.timeout)
            try:
                left = self.lane.timeout - (time.monotonic() - started)
                if left <= 0:
                    raise QueryTimeout(self.lane.timeout)
                with request_timeout(left):
                    return fn(*args, **kwargs)
            except RemoteTimeout:
                raise QueryTimeout(self.lane.timeout) from None
            finally:
                self._running.release()
        finally:
            self._admitted.release()


class RemoteLanes:
    """The executor of a remote store's queries: ``run`` as the pool's, in this thread."""

    isolation = "remote"

    def __init__(self, lanes: dict[str, Lane]):
        self._gates = {name: _Gate(lane) for name, lane in lanes.items()}

    def run(self, fn: Callable[..., T], /, *args: Any, lane: str = GENERAL, **kwargs: Any) -> T:
        if lane not in self._gates:
            raise ValueError(f"no lane {lane!r}: {', '.join(self._gates)}")
        return self._gates[lane].run(fn, args, kwargs)
