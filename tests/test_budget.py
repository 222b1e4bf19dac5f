"""Per-client query budgets: what a client may spend, when it is refused, when it may return."""

from __future__ import annotations

import threading

import pytest

from scomm_kg.serving.budget import ClientBudgets, OverBudget, client_key


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def test_a_client_within_its_minute_is_admitted_and_one_over_it_is_told_when_to_return(clock):
    budgets = ClientBudgets(60, clock=clock)  # one second per second
    budgets.charge("a", 59.5)
    budgets.admit("a")
    budgets.charge("a", 10.0)  # one long query overdraws it
    with pytest.raises(OverBudget) as refused:
        budgets.admit("a")
    assert refused.value.retry_after == 10  # 69.5 owed, 60 allowed, paid back at 1 s/s
    assert "60 s of query time per minute" in str(refused.value)
    clock.now += 9.6
    budgets.admit("a")


def test_debts_are_paid_back_at_the_budgets_rate_and_then_forgotten(clock):
    budgets = ClientBudgets(30, clock=clock)  # half a second per second
    budgets.charge("a", 40)
    assert budgets.debt("a") == 40
    clock.now += 20
    assert budgets.debt("a") == pytest.approx(30)
    with pytest.raises(OverBudget) as refused:
        budgets.admit("a")
    assert refused.value.retry_after == 1  # a debt exactly at the limit still waits
    clock.now += 60
    assert budgets.debt("a") == 0
    assert "a" not in budgets._debts


def test_one_client_over_budget_does_not_touch_another(clock):
    budgets = ClientBudgets(1, clock=clock)
    budgets.charge("greedy", 5)
    with pytest.raises(OverBudget):
        budgets.admit("greedy")
    budgets.admit("modest")


def test_a_budget_of_zero_limits_nobody(clock):
    budgets = ClientBudgets(0, clock=clock)
    budgets.charge("a", 1e9)
    budgets.admit("a")
    assert not budgets.enabled


def test_a_negative_budget_is_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        ClientBudgets(-1)


def test_the_clients_remembered_are_bounded_oldest_forgotten_first(clock):
    budgets = ClientBudgets(60, clock=clock, max_clients=3)
    for name in "abcd":
        budgets.charge(name, 100)
    assert set(budgets._debts) == {"b", "c", "d"}


def test_charges_from_many_threads_all_count(clock):
    budgets = ClientBudgets(60, clock=clock)

    def spend():
        for _ in range(1000):
            budgets.charge("a", 0.001)

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert budgets.debt("a") == pytest.approx(8.0)


@pytest.mark.parametrize(
    "address, key",
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("fe80::1%eth0", "fe80::/64"),
        ("", "unknown"),
        (None, "unknown"),
        ("unix-socket-peer", "unix-socket-peer"),
    ],
)
def test_a_client_is_its_address_and_an_ipv6_client_its_slash_64(address, key):
    assert client_key(address) == key
