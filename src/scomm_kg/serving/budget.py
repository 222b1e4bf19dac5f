"""Per-client budgets of query seconds, as Wikidata's query service keeps them.

Each client may spend ``seconds_per_minute`` seconds of query evaluation per minute. What it
spends is a debt that is paid back continuously at that rate (a leaky bucket): a client whose
debt has reached a minute's allowance is refused until enough of it is paid, and is told how
long that takes. A client is charged after its query ends, so one query may overdraw the
budget (up to the query deadline); the next ones then wait longer. Answers from the result
cache cost nothing and are never refused.

A client is its address; IPv6 clients are keyed by their /64, which one subscriber usually
holds whole, so that rotating through it does not reset the budget.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class OverBudget(Exception):
    """The client has spent its query seconds for now; ``retry_after`` seconds pay them back."""

    def __init__(self, seconds_per_minute: float, retry_after: int):
        super().__init__(seconds_per_minute, retry_after)
        self.seconds_per_minute = seconds_per_minute
        self.retry_after = retry_after

    def __str__(self) -> str:
        """The budget and when to come back, in words."""
        return (
            f"this client has used its {self.seconds_per_minute:g} s of query time per minute; "
            f"try again in {self.retry_after} s (answers already cached are still served)"
        )


def client_key(address: str | None) -> str:
    """The key a client's budget is kept under: its IPv4 address, or its IPv6 /64."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address  # a unix socket peer or a proxy's opaque name: keep it as given
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class ClientBudgets:
    """Query-second debts by client key, bounded in the number of clients it remembers.

    Thread-safe. A client whose debt is paid back is forgotten; beyond ``max_clients`` the one
    seen longest ago is forgotten first (it may then start afresh, which only matters under
    an attack from more addresses than that).
    """

    def __init__(
        self,
        seconds_per_minute: float,
        *,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        if seconds_per_minute < 0:
            raise ValueError(f"seconds_per_minute must not be negative, not {seconds_per_minute}")
        self.seconds_per_minute = seconds_per_minute
        self.rate = seconds_per_minute / 60.0  # seconds of debt paid back per second
        self.max_clients = max_clients
        self._clock = clock
        self._debts: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key: (debt, when)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """False when the budget is 0, which means: no per-client limit."""
        return self.seconds_per_minute > 0

    def admit(self, key: str) -> None:
        """Return if ``key`` may run a query now; else raise OverBudget."""
        if not self.enabled:
            return
        with self._lock:
            debt = self._debt_now(key)
        if debt >= self.seconds_per_minute:
            wait = (debt - self.seconds_per_minute) / self.rate
            raise OverBudget(self.seconds_per_minute, max(1, math.ceil(wait)))

    def charge(self, key: str, seconds: float) -> None:
        """Add ``seconds`` of query evaluation to ``key``'s debt."""
        if not self.enabled or seconds <= 0:
            return
        with self._lock:
            debt = self._debt_now(key) + seconds
            self._debts[key] = (debt, self._clock())
            self._debts.move_to_end(key)
            while len(self._debts) > self.max_clients:
                self._debts.popitem(last=False)

    def debt(self, key: str) -> float:
        """Seconds ``key`` owes now (0 for a client it does not know)."""
        with self._lock:
            return self._debt_now(key)

    def _debt_now(self, key: str) -> float:
        """The debt after what has been paid back since it was last changed (lock held)."""
        entry = self._debts.get(key)
        if entry is None:
            return 0.0
        debt, when = entry
        left = debt - (self._clock() - when) * self.rate
        if left <= 0:
            del self._debts[key]
            return 0.0
        return left
