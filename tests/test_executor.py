"""The forked query executor: answers, errors, deadlines, crashes and cleanup."""

from __future__ import annotations

import os
import signal
import time

import pytest

from scomm_kg.executor import ForkExecutor, InlineExecutor, QueryTimeout, WorkerCrashed

seen_by_child: list[str] = []


def child_is_gone(pid: int | None) -> bool:
    """True when the child has been reaped: no zombie, nothing left to wait for."""
    assert pid is not None
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return not os.path.exists(f"/proc/{pid}")


def add(a: int, b: int = 0) -> int:
    """a + b."""
    return a + b


def fail_deep_inside() -> None:
    """Raise from a nested call, so the child's traceback has something to show."""

    def check_the_query() -> None:
        raise ValueError("unknown prefix: foaf")

    check_the_query()


def busy_forever() -> None:
    """A query that never ends."""
    while True:
        pass


class NeedsTwoArguments(Exception):
    """An exception that pickles but cannot be rebuilt from its args."""

    def __init__(self, a: str, b: str):
        super().__init__(f"{a} {b}")


def raise_needs_two() -> None:
    """Raise the exception that does not survive a pickle round trip."""
    raise NeedsTwoArguments("lost", "arguments")


def vm_size() -> int:
    """This process's virtual memory size in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmSize in /proc/self/status")


def test_returns_the_function_value_and_reaps_the_child():
    executor = ForkExecutor(timeout=30)
    assert executor.run(add, 2, b=3) == 5
    assert executor.last_pid != os.getpid()
    assert child_is_gone(executor.last_pid)


def test_runs_in_a_different_process():
    assert ForkExecutor(timeout=30).run(os.getpid) != os.getpid()


def test_a_large_payload_arrives_intact():
    block = bytes(range(256)) * 4096
    payload = ForkExecutor(timeout=60).run(lambda: block * 20)
    assert len(payload) == 20 * 1024 * 1024
    assert payload == block * 20


def test_no_timeout_still_isolates_the_child():
    executor = ForkExecutor(timeout=None)
    assert executor.run(seen_by_child.append, "x") is None
    assert seen_by_child == []
    assert child_is_gone(executor.last_pid)


def test_exception_is_reraised_with_type_message_and_child_traceback():
    with pytest.raises(ValueError, match="unknown prefix: foaf") as caught:
        ForkExecutor(timeout=30).run(fail_deep_inside)
    assert "check_the_query" in caught.value.child_traceback
    assert any("check_the_query" in note for note in caught.value.__notes__)


def test_exception_that_cannot_cross_the_pipe_becomes_runtime_error_with_its_repr():
    with pytest.raises(RuntimeError, match=r"NeedsTwoArguments.*lost arguments"):
        ForkExecutor(timeout=30).run(raise_needs_two)


def test_result_that_cannot_be_pickled_is_a_clear_runtime_error():
    with pytest.raises(RuntimeError, match="result cannot be sent from the worker"):
        ForkExecutor(timeout=30).run(lambda: lambda: None)


def test_busy_loop_times_out_and_the_child_is_killed():
    executor = ForkExecutor(timeout=0.5)
    with pytest.raises(QueryTimeout) as caught:
        executor.run(busy_forever)
    assert caught.value.seconds == 0.5
    assert "0.5 s" in str(caught.value)
    assert child_is_gone(executor.last_pid)


def test_child_exit_without_answer_reports_the_exit_code():
    executor = ForkExecutor(timeout=30)
    with pytest.raises(WorkerCrashed, match="exited with code 3"):
        executor.run(os._exit, 3)
    assert child_is_gone(executor.last_pid)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_child_killed_by_a_signal_reports_the_signal(signum):
    executor = ForkExecutor(timeout=30)
    with pytest.raises(WorkerCrashed, match=f"killed by signal {signum.name}"):
        executor.run(lambda: os.kill(os.getpid(), signum))
    assert child_is_gone(executor.last_pid)


def test_memory_limit_stops_a_huge_allocation_with_a_clear_message():
    executor = ForkExecutor(timeout=60, memory_limit_bytes=200 * 1024**2)
    with pytest.raises((WorkerCrashed, MemoryError)) as caught:
        executor.run(lambda: len(bytearray(2 * 1024**3)))
    assert "memory" in str(caught.value)
    assert str(200 * 1024**2) in str(caught.value)
    assert child_is_gone(executor.last_pid)


def test_memory_limit_leaves_modest_work_alone():
    executor = ForkExecutor(timeout=60, memory_limit_bytes=vm_size() + 512 * 1024**2)
    assert executor.run(lambda: len(bytearray(50 * 1024**2))) == 50 * 1024**2


def test_state_changed_in_the_child_is_not_seen_by_the_parent():
    ForkExecutor(timeout=30).run(seen_by_child.append, "changed")
    assert seen_by_child == []


def test_no_file_descriptors_leak_across_many_runs():
    executor = ForkExecutor(timeout=30)
    before = len(os.listdir("/proc/self/fd"))
    for i in range(200):
        assert executor.run(add, i) == i
    for _ in range(5):
        with pytest.raises(ValueError):
            executor.run(fail_deep_inside)
    assert len(os.listdir("/proc/self/fd")) == before


def test_interrupt_while_waiting_kills_the_child_and_propagates():
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    executor = ForkExecutor(timeout=None)
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(KeyboardInterrupt):
            executor.run(busy_forever)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert child_is_gone(executor.last_pid)


def test_a_signal_during_the_wait_does_not_disturb_the_answer():
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: None)
    try:
        # Several interruptions of poll and read while the child sleeps.
        signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
        assert ForkExecutor(timeout=30).run(lambda: time.sleep(0.5) or "done") == "done"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_inline_executor_runs_in_this_process():
    executor = InlineExecutor()
    assert executor.run(os.getpid) == os.getpid()
    assert executor.run(add, 1, b=2) == 3
    with pytest.raises(ValueError, match="unknown prefix"):
        executor.run(fail_deep_inside)
    calls: list[str] = []
    executor.run(calls.append, "seen")
    assert calls == ["seen"]
