"""Run a function in a forked child, with a deadline and a memory cap.

pyoxigraph has no query timeout and a running query cannot be interrupted from Python, so a
runaway query can only be stopped by killing the process that runs it. `ForkExecutor` runs
the query in a forked child, which sends back its complete, already-serialized answer through
a pipe; the parent therefore knows whether the query succeeded, failed or ran out of time
before it sends a single byte of the HTTP response, and can still answer 503.

Thread caveat: a forked child holds only the thread that called fork. A lock that another
thread held at that moment stays locked forever in the child, so fork is only safe where the
calling process runs no other threads that may hold locks. `scomm-kg serve` uses gunicorn
sync workers (one thread per process) for that reason. Note that an on-disk pyoxigraph Store
runs RocksDB background threads of its own; a child that deadlocks on one of their locks is
killed at the deadline like any slow query, but with `timeout=None` it would wait forever.

With ``isolate_network`` the child first moves into a new, empty network namespace (Linux
``unshare``; as root, or through a user namespace where the kernel allows them): whatever the
query asks for, the process that runs it has no network to reach. Where that is not permitted
the child carries on without it; `network_isolation_available()` tells which is the case.

`InlineExecutor` has the same interface and runs the function in-process with no limits, for
the CLI and for platforms without fork.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import resource
import select
import signal
import time
import traceback
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")

_CHUNK = 1 << 20
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
# Exit code of a child that could not send its answer (EX_SOFTWARE in sysexits.h).
_NO_ANSWER = 70


class QueryTimeout(Exception):
    """The function did not finish within the executor's timeout; its child was killed."""

    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds

    def __str__(self) -> str:
        """The time limit, in words."""
        return f"the query did not finish within {self.seconds:g} s and was stopped"


class WorkerCrashed(Exception):
    """The child died without sending an answer (signal, memory limit, os._exit)."""


class InlineExecutor:
    """Runs the function in this process, with no deadline and no memory cap."""

    def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """fn's return value; fn's exception propagates unchanged."""
        return fn(*args, **kwargs)


class ForkExecutor:
    """Runs the function in a forked child that is killed at the deadline."""

    def __init__(
        self,
        timeout: float | None,
        memory_limit_bytes: int | None = None,
        isolate_network: bool = False,
    ):
        """Timeout in seconds (None: none); memory_limit_bytes caps the child's address space."""
        self.timeout = timeout
        self.memory_limit_bytes = memory_limit_bytes
        self.isolate_network = isolate_network
        # The pid of the most recent child, so tests can check that it is gone.
        self.last_pid: int | None = None

    def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """fn's return value, or fn's exception re-raised with the child's traceback attached."""
        read_fd, write_fd = os.pipe()
        try:
            pid = os.fork()
        except BaseException:
            os.close(read_fd)
            os.close(write_fd)
            raise
        if pid == 0:
            os.close(read_fd)
            _child(write_fd, self.memory_limit_bytes, self.isolate_network, fn, args, kwargs)
        self.last_pid = pid
        status: int | None = None
        try:
            os.close(write_fd)
            payload = _read_until_eof(read_fd, self.timeout)
            if payload is None:
                raise QueryTimeout(self.timeout or 0.0)
            status = os.waitpid(pid, 0)[1]
        finally:
            os.close(read_fd)
            if status is None:
                # Timeout, KeyboardInterrupt or any other way out: the child must not outlive us.
                _kill_and_reap(pid)
        return self._answer(payload, status)

    def _answer(self, payload: bytes, status: int) -> Any:
        """The child's return value, or its exception raised here."""
        if status != 0 or not payload:
            raise WorkerCrashed(self._crash_message(status))
        try:
            message = pickle.loads(payload)
        except Exception as err:
            raise RuntimeError("the query worker's answer could not be unpickled") from err
        if message[0] == "ok":
            return message[1]
        _, exc, child_traceback = message
        if isinstance(exc, MemoryError) and self.memory_limit_bytes is not None:
            exc.args = (f"the query ran out of memory (limit {self.memory_limit_bytes} bytes)",)
        exc.child_traceback = child_traceback
        exc.add_note(f"Traceback in the query worker (pid {self.last_pid}):\n{child_traceback}")
        raise exc

    def _crash_message(self, status: int) -> str:
        """Why the child gave no answer: the signal or the exit code, and the memory limit."""
        code = os.waitstatus_to_exitcode(status)
        if code < 0:
            text = f"the query worker was killed by signal {_signal_name(-code)}"
            suspect = -code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT)
        else:
            text = f"the query worker exited with code {code} without an answer"
            suspect = code == _NO_ANSWER
        if suspect and self.memory_limit_bytes is not None:
            text += f"; it may have exceeded its memory limit of {self.memory_limit_bytes} bytes"
        return text


def _child(
    write_fd: int,
    memory_limit: int | None,
    isolate_network: bool,
    fn: Callable,
    args: tuple,
    kwargs: dict,
) -> NoReturn:
    """Run fn, send its outcome down the pipe, and leave the process without unwinding."""
    exit_code = _NO_ANSWER
    try:
        try:
            if isolate_network:
                leave_network()
            if memory_limit is not None:
                _limit_address_space(memory_limit)
            message: tuple = ("ok", fn(*args, **kwargs))
        except BaseException as exc:
            message = ("error", exc, traceback.format_exc())
        _write_all(write_fd, _pickle(message))
        exit_code = 0
    finally:
        # Never return into the parent's stack: no test teardown, atexit or request handlers.
        os._exit(exit_code)


def leave_network() -> bool:
    """Move this process into a new network namespace with no interfaces; True if it worked."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        unshare = libc.unshare
    except (OSError, AttributeError):
        return False
    # Root may create a network namespace directly; others only inside a new user namespace,
    # which needs a single-threaded process (a freshly forked child is one).
    return any(unshare(flags) == 0 for flags in (_CLONE_NEWNET, _CLONE_NEWNET | _CLONE_NEWUSER))


def network_isolation_available() -> bool:
    """Whether a forked child can leave the network here (checked once, in a throwaway child)."""
    return ForkExecutor(timeout=10).run(leave_network)


def _limit_address_space(limit: int) -> None:
    """Cap this process's virtual memory; allocations beyond it fail with MemoryError."""
    # RLIMIT_AS counts the address space inherited from the parent too (the loaded store,
    # libraries, thread stacks), so the limit has to be set well above the server's own size.
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _pickle(message: tuple) -> bytes:
    """The pickled message, with a RuntimeError standing in for what cannot cross the pipe."""
    try:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        if message[0] == "error":
            # An exception whose __init__ takes other arguments than its args pickles fine
            # and then fails to unpickle; find that out here, where it can still be reported.
            pickle.loads(data)
        return data
    except Exception as err:
        if message[0] == "ok":
            stand_in = RuntimeError(f"the query result cannot be sent from the worker: {err!r}")
            tb = ""
        else:
            stand_in = RuntimeError(f"{message[1]!r} (not picklable: {err!r})")
            tb = message[2]
        return pickle.dumps(("error", stand_in, tb), protocol=pickle.HIGHEST_PROTOCOL)


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte; os.write may take only part of a large buffer."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_until_eof(fd: int, timeout: float | None) -> bytes | None:
    """Everything the child writes, or None when the deadline passes first."""
    # Reading as data arrives keeps the child from blocking on a full pipe buffer. EINTR needs
    # no handling: Python retries poll (with the remaining timeout) and read (PEP 475).
    deadline = None if timeout is None else time.monotonic() + timeout
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    chunks = []
    while True:
        if deadline is None:
            wait_ms = None
        else:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            wait_ms = max(1, int(remaining * 1000))
        if not poller.poll(wait_ms):
            continue
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _kill_and_reap(pid: int) -> None:
    """SIGKILL the child and collect its exit status so no zombie remains."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _signal_name(number: int) -> str:
    """SIGKILL for 9, and the bare number for signals Python has no name for."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)
