"""The query worker pool: answers, errors, deadlines, crashes, lanes, queues, caps and cleanup."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time

import pytest

from scomm_kg.serving.pool import (
    GENERAL,
    GENERAL_NICENESS,
    RESERVED,
    AnswerTooLarge,
    InlineExecutor,
    Lane,
    PoolBusy,
    PoolStartFailed,
    QueryPool,
    QueryTimeout,
    StaleWorkerData,
    WorkerCrashed,
)

seen_by_worker: list[str] = []


def add(a: int, b: int = 0) -> int:
    return a + b


def fail_deep_inside() -> None:
    """Raise from a nested call, so the worker's traceback has something to show."""

    def check_the_query() -> None:
        raise ValueError("unknown prefix: foaf")

    check_the_query()


def busy_forever() -> None:
    """A query that never ends."""
    while True:
        pass


def sleep_then(seconds: float, value: str) -> str:
    time.sleep(seconds)
    return value


class NeedsTwoArguments(Exception):
    """An exception that pickles but cannot be rebuilt from its args."""

    def __init__(self, a: str, b: str):
        super().__init__(f"{a} {b}")


def raise_needs_two() -> None:
    raise NeedsTwoArguments("lost", "arguments")


def unpicklable_result():
    return threading.Lock()


def kill_myself(signum: int) -> None:
    os.kill(os.getpid(), signum)


def block_of(size: int) -> bytes:
    return bytes(range(256)) * (size // 256)


def allocate(size: int) -> int:
    return len(bytearray(size))


def whose(state) -> tuple[int, int]:
    """The worker's pid and the id of the state object it was given."""
    return os.getpid(), id(state)


def process_is_gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] == "Z"  # a zombie waits only for its reaper
    except OSError:
        return True


def wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def make_pool(state=None, **options) -> QueryPool:
    lanes = options.pop("lanes", {GENERAL: Lane(2, 30.0, 4), RESERVED: Lane(1, 10.0, 2)})
    options.setdefault("isolation_mode", "none")
    return QueryPool(state, lanes, **options).start()


@pytest.fixture(scope="module")
def pool():
    started = make_pool()
    yield started
    started.stop()


def test_returns_the_function_value_from_another_process(pool):
    assert pool.run(add, 2, b=3) == 5
    assert pool.run(os.getpid) != os.getpid()


def test_no_process_is_forked_per_query(pool):
    before = sorted(pool.worker_pids())
    pids = {pool.run(os.getpid) for _ in range(30)}
    assert pids <= set(before)
    assert sorted(pool.worker_pids()) == before


def test_the_state_is_the_workers_own_copy_not_a_pickled_one():
    state = {"store": "held by every worker"}
    with_state = make_pool(state)
    try:
        worker_pid, seen = with_state.run(whose, state)
        assert worker_pid != os.getpid()
        # The same object the worker inherited, not a copy rebuilt from a pickle.
        assert seen == id(state)
    finally:
        with_state.stop()


class Versioned:
    """A state with a data version, as a store has."""

    def __init__(self, digest: str):
        self.version = type("Version", (), {"digest": digest})()


def test_a_state_changed_after_the_start_is_refused_not_answered_from_old_data():
    state = Versioned("v1")
    versioned = make_pool(state)
    try:
        assert versioned.run(whose, state)[1] == id(state)
        state.version.digest = "v2"  # the caller's data changed; the workers' copies did not
        with pytest.raises(StaleWorkerData, match="state@v1, the caller state@v2"):
            versioned.run(whose, state)
    finally:
        versioned.stop()


def read_version(state) -> str:
    return state.version.digest


def set_version(state, digest: str) -> None:
    state.version.digest = digest


def refuse_state(state, reason: str) -> None:
    raise ValueError(reason)


def test_renewed_workers_answer_from_the_new_state_and_a_query_running_meanwhile_ends_on_the_old(
    tmp_path,
):
    state = Versioned("v1")
    versioned = make_pool(state)
    started = tmp_path / "started"
    try:
        old_pids = set(versioned.worker_pids())
        with concurrent_runs(versioned, sleep_and_read_version, state, started) as running:
            deadline = time.monotonic() + 10
            while not started.exists() and time.monotonic() < deadline:
                time.sleep(0.01)  # until the long query runs on v1
            state.version.digest = "v2"  # the caller's data changed: queries now carry v2 …
            versioned.renew(set_version, "v2")  # … and the workers take it too
            assert versioned.run(read_version, state) == "v2"
        assert running == ["v1"]  # begun before the renewal: answered from what it began on
        deadline = time.monotonic() + 5
        while set(versioned.worker_pids()) & old_pids and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not set(versioned.worker_pids()) & old_pids, "every old worker was replaced"
        assert len(versioned.worker_pids()) == 3
    finally:
        versioned.stop()


def test_a_renewal_that_fails_in_the_manager_is_reported_and_keeps_the_workers():
    state = Versioned("v1")
    versioned = make_pool(state)
    try:
        pids = set(versioned.worker_pids())
        with pytest.raises(ValueError, match="the data would not load"):
            versioned.renew(refuse_state, "the data would not load")
        assert set(versioned.worker_pids()) == pids
        assert versioned.run(read_version, state) == "v1"
    finally:
        versioned.stop()


def sleep_and_read_version(state, started) -> str:
    started.touch()
    time.sleep(1.0)
    return state.version.digest


@contextlib.contextmanager
def concurrent_runs(started: QueryPool, fn, *args):
    answers: list = []
    thread = threading.Thread(target=lambda: answers.append(started.run(fn, *args)))
    thread.start()
    try:
        yield answers
    finally:
        thread.join(10)


def test_a_large_payload_arrives_intact(pool):
    payload = pool.run(block_of, 20 * 1024 * 1024)
    assert payload == block_of(20 * 1024 * 1024)


def test_state_changed_in_the_worker_is_not_seen_here(pool):
    pool.run(seen_by_worker.append, "changed")
    assert seen_by_worker == []


def test_exception_is_reraised_with_type_message_and_worker_traceback(pool):
    with pytest.raises(ValueError, match="unknown prefix: foaf") as caught:
        pool.run(fail_deep_inside)
    assert "check_the_query" in caught.value.child_traceback
    assert any("check_the_query" in note for note in caught.value.__notes__)


def test_exception_that_cannot_cross_becomes_runtime_error_with_its_repr(pool):
    with pytest.raises(RuntimeError, match=r"NeedsTwoArguments.*lost arguments"):
        pool.run(raise_needs_two)


def test_result_that_cannot_be_pickled_is_a_clear_runtime_error(pool):
    with pytest.raises(RuntimeError, match="result cannot be sent from the worker"):
        pool.run(unpicklable_result)


def test_a_runaway_is_stopped_at_the_deadline_and_its_worker_replaced():
    short = make_pool(lanes={GENERAL: Lane(1, 0.5, 2)})
    try:
        (before,) = short.worker_pids()
        with pytest.raises(QueryTimeout) as caught:
            short.run(busy_forever)
        assert caught.value.seconds == 0.5
        assert "0.5 s" in str(caught.value)
        assert process_is_gone(before)
        assert short.run(add, 1, b=1) == 2
        assert short.worker_pids() != [before]
    finally:
        short.stop()


def test_worker_exit_without_answer_reports_the_exit_code_and_is_replaced(pool):
    with pytest.raises(WorkerCrashed, match="exited with code 3"):
        pool.run(os._exit, 3)
    assert pool.run(add, 1) == 1
    assert wait_for(lambda: len(pool.worker_pids()) == 3)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_worker_killed_by_a_signal_reports_the_signal(pool, signum):
    with pytest.raises(WorkerCrashed, match=f"killed by signal {signum.name}"):
        pool.run(kill_myself, signum)
    assert pool.run(add, 2) == 2


def test_memory_cap_stops_a_huge_allocation_with_a_clear_message_and_a_fresh_worker():
    capped = make_pool(memory_budget_mb=1024, lanes={GENERAL: Lane(2, 30.0, 2)})
    try:
        share = capped.worker_memory_share
        assert capped.worker_memory_bytes is not None and share is not None
        assert 2 * share <= 1024 * 1024 * 1024
        with pytest.raises((MemoryError, WorkerCrashed)) as caught:
            capped.run(allocate, 2 * 1024**3)
        assert "memory" in str(caught.value)
        assert f"{share // 1024**2} MiB" in str(caught.value)
        assert "memory_budget_mb=1024" in str(caught.value)
        # Modest work still runs, in a worker that is not the one that ran out.
        assert capped.run(allocate, 50 * 1024**2) == 50 * 1024**2
        assert wait_for(lambda: len(capped.worker_pids()) == 2)
    finally:
        capped.stop()


def test_a_budget_too_small_for_the_workers_refuses_to_start():
    with pytest.raises(PoolStartFailed, match=r"memory_budget_mb=64 is too small for 5"):
        make_pool(memory_budget_mb=64, lanes={GENERAL: Lane(4, 5, 1), RESERVED: Lane(1, 5, 1)})


def test_an_answer_over_the_byte_cap_is_refused_stating_the_limit():
    capped = make_pool(max_answer_bytes=1_000_000)
    try:
        assert len(capped.run(block_of, 900_000)) == 900_000 - 900_000 % 256
        with pytest.raises(AnswerTooLarge, match="larger than the 1000000 bytes") as caught:
            capped.run(block_of, 2_000_000)
        assert caught.value.limit == 1_000_000
    finally:
        capped.stop()


def test_cheap_work_is_answered_while_every_general_worker_runs_a_runaway():
    lanes = {GENERAL: Lane(2, 30.0, 4), RESERVED: Lane(1, 5.0, 2)}
    crowded = make_pool(lanes=lanes)
    runaways = []
    try:
        for _ in range(2):
            thread = threading.Thread(target=_expect_crash, args=(crowded,), daemon=True)
            thread.start()
            runaways.append(thread)
        time.sleep(0.5)
        assert crowded.run(add, 40, b=2, lane=RESERVED) == 42
    finally:
        crowded.stop()
    for thread in runaways:
        thread.join(10)
        assert not thread.is_alive()


def _expect_crash(pool: QueryPool) -> None:
    # The pool is stopped under the runaway: its caller hears so, it does not hang.
    with pytest.raises(WorkerCrashed):
        pool.run(busy_forever)


def test_a_full_queue_is_refused_at_once_with_a_retry_after():
    crowded = make_pool(lanes={GENERAL: Lane(1, 3.0, 1)})
    try:
        threads = [
            threading.Thread(target=_swallow, args=(crowded, busy_forever), daemon=True)
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
            time.sleep(0.3)  # one runs, then one waits: the queue of one is full
        started = time.monotonic()
        with pytest.raises(PoolBusy) as caught:
            crowded.run(add, 1)
        assert time.monotonic() - started < 2.0, "refused at once, not after a deadline"
        assert 1 <= caught.value.retry_after <= 3
        assert "busy" in str(caught.value)
    finally:
        crowded.stop()


def _swallow(pool: QueryPool, fn) -> None:
    with contextlib.suppress(QueryTimeout, WorkerCrashed):
        pool.run(fn)


def test_a_caller_that_gives_up_frees_its_worker():
    one = make_pool(lanes={GENERAL: Lane(1, 60.0, 1)})
    try:
        (worker,) = one.worker_pids()
        thread = threading.Thread(target=_give_up_after, args=(one, 0.3), daemon=True)
        thread.start()
        thread.join(10)
        assert wait_for(lambda: process_is_gone(worker))
        assert one.run(add, 5) == 5
    finally:
        one.stop()


def _give_up_after(pool: QueryPool, seconds: float) -> None:
    # The caller stops waiting after ``seconds``, as a request thread whose client left would.
    pool._longest_wait = lambda lane: seconds
    with contextlib.suppress(WorkerCrashed):
        pool.run(busy_forever)


def test_many_threads_share_the_pool(pool):
    """24 callers at once, over two workers and a queue of four: each is answered or refused."""
    results: list[int] = []
    lock = threading.Lock()

    def ask(i: int) -> None:
        try:
            value = pool.run(sleep_then, 0.01, i)
        except PoolBusy:
            value = -1
        with lock:
            results.append(value)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 24
    answered = sorted(r for r in results if r >= 0)
    assert len(answered) >= 6 and len(set(answered)) == len(answered)


def test_a_process_forked_after_the_start_submits_to_the_same_pool(pool):
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: like a gunicorn worker forked after `serve` started the pool
        try:
            os.write(write_fd, str(pool.run(add, 20, b=22)).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    os.waitpid(pid, 0)
    with os.fdopen(read_fd, "rb") as answer:
        assert answer.read() == b"42"
    assert pool.running, "the child's exit did not stop the pool it shares"
    assert pool.run(add, 1) == 1


def test_no_file_descriptors_leak_across_many_runs(pool):
    before = len(os.listdir("/proc/self/fd"))
    for i in range(200):
        assert pool.run(add, i) == i
    for _ in range(5):
        with pytest.raises(ValueError):
            pool.run(fail_deep_inside)
    assert len(os.listdir("/proc/self/fd")) == before


def test_an_unknown_lane_is_refused(pool):
    with pytest.raises(ValueError, match="no lane 'fast'"):
        pool.run(add, 1, lane="fast")


def test_stop_ends_the_manager_and_every_worker_and_the_pool_says_so():
    stopping = make_pool()
    processes = [stopping.manager_pid, *stopping.worker_pids()]
    assert len(processes) == 4
    stopping.stop()
    assert all(wait_for(lambda p=p: process_is_gone(p)) for p in processes)
    with pytest.raises(WorkerCrashed, match="not running"):
        stopping.run(add, 1)


def test_drain_refuses_new_queries_and_stops_running_ones_within_the_grace():
    draining = make_pool(lanes={GENERAL: Lane(1, 60.0, 2)})
    outcome: list[BaseException] = []

    def runaway() -> None:
        try:
            draining.run(busy_forever)
        except Exception as error:
            outcome.append(error)

    try:
        thread = threading.Thread(target=runaway, daemon=True)
        thread.start()
        time.sleep(0.3)
        draining.drain(0.5)
        thread.join(10)
        assert len(outcome) == 1 and isinstance(outcome[0], WorkerCrashed)
        assert "shutting down" in str(outcome[0])
        with pytest.raises(PoolBusy, match="shutting down"):
            draining.run(add, 1)
    finally:
        draining.stop()


def test_inline_executor_runs_in_this_process():
    executor = InlineExecutor()
    assert executor.run(os.getpid) == os.getpid()
    assert executor.run(add, 1, b=2, lane=RESERVED) == 3
    with pytest.raises(ValueError, match="unknown prefix"):
        executor.run(fail_deep_inside)
    calls: list[str] = []
    executor.run(calls.append, "seen")
    assert calls == ["seen"]


def socket_inodes(pid: int) -> set[str]:
    """The sockets a process holds open, by inode ("socket:[123]")."""
    held = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:"):
                held.add(target)
    return held


def test_no_query_process_holds_a_listening_port_of_the_process_that_started_it():
    """A query process that outlived the server must not keep its port: none ever holds it."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port_inode = os.readlink(f"/proc/self/fd/{listening.fileno()}")
        started = make_pool()
        try:
            for pid in [started.manager_pid, *started.worker_pids()]:
                assert port_inode not in socket_inodes(pid)
            assert port_inode in socket_inodes(os.getpid())  # the check can fail
        finally:
            started.stop()


def test_long_queries_yield_the_cpu_to_cheap_work_and_the_front():
    # Under CPU contention the front and the reserved lane keep their priority: the general
    # lane's workers run GENERAL_NICENESS steps lower.
    lanes = {GENERAL: Lane(2, 30.0, 4), RESERVED: Lane(1, 5.0, 2)}
    ranked = make_pool(lanes=lanes)
    try:
        general = ranked.run(os.getpriority, os.PRIO_PROCESS, 0)
        reserved = ranked.run(os.getpriority, os.PRIO_PROCESS, 0, lane=RESERVED)
    finally:
        ranked.stop()
    here = os.getpriority(os.PRIO_PROCESS, 0)
    assert reserved == here
    assert general == min(here + GENERAL_NICENESS, 19)
