"""The query worker pool: processes started once, each query run in one, killed at its deadline.

pyoxigraph has no query timeout and a running query cannot be interrupted from Python, so a
runaway query can only be stopped by killing the process that runs it. Forking one per query
costs ~10 ms, so the workers are forked once, when the pool starts, and replaced only when one
is killed (at its deadline, by its memory cap, or by a crash).

Processes::

    serve (later gunicorn's master) ── pool manager ── query workers (one process group)
      └─ gunicorn workers, forked after the pool started: they submit queries

The manager is forked from the process that holds the loaded store before that process runs
any thread or listens on any port; it stays single-threaded (a poll loop), so that it can fork
replacement workers safely, and each worker shares the store copy-on-write. Isolation from the
network (isolation.py) is applied once, in the manager; its workers inherit it.

A query travels without touching any file system path: the submitting process holds one end of
a SOCK_SEQPACKET pair whose other end the manager reads (inherited across fork, so only the
server's own processes can submit). For each query the caller makes a connection (a new
socket pair), writes the request into it (pickled; in a memfd when large), and passes its far
end to the manager, which queues it in the query's lane or refuses at once when the queue is
full (PoolBusy). An idle worker of the lane receives the connection, runs the function, and
answers through it with one message (the pickled outcome, or a memfd holding it), which the
caller reads whole: so the caller knows how the query ended before it sends any byte of a
response. Only the manager writes when a worker cannot: the deadline passed, the worker died,
the pool is shutting down. A caller that hangs up frees the worker that runs its query.

``run`` is safe from any number of threads in any process forked after the pool started.
The store is not sent with a query: arguments that *are* the pool's state object are pickled
as a reference to the copy each worker already holds.

Lanes: ``general`` runs any query; ``reserved`` has workers of its own, with a shorter
deadline, for cheap work, so that it is answered while every general worker runs a runaway
query. Each lane has a bounded queue.

Memory: each worker's address space (RLIMIT_AS) is capped at its size when forked plus an even
share of what the pool's budget leaves once the store, shared by all, is counted once; so the
workers together stay within the budget. A worker that exceeds it fails its query with a clear
error and is replaced.

Stopping: the manager and its workers die with the process that started the pool
(PR_SET_PDEATHSIG), and ``stop`` ends them within a second; ``drain`` first lets running
queries finish within a grace period and refuses new ones.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import io
import logging
import math
import os
import pickle
import resource
import select
import signal
import socket
import stat
import time
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from . import isolation

T = TypeVar("T")
log = logging.getLogger(__name__)

GENERAL = "general"
RESERVED = "reserved"
_LANE_CODES = {GENERAL: b"g", RESERVED: b"r"}
_DRAIN = b"D"
_RENEW = b"N"
# How long a caller waits for the manager to take new state (it loads the whole data).
RENEW_SECONDS = 300.0
_PR_SET_PDEATHSIG = 1
# How much lower the CPU priority of a general worker is than the server's (nice(2) steps).
GENERAL_NICENESS = 10
# Larger payloads travel in a memfd: one seqpacket message must fit the socket's send buffer.
_INLINE_MAX = 64 * 1024
_MEBI = 1024 * 1024
# Exit code of a worker or manager that could not start (EX_SOFTWARE in sysexits.h).
_CANNOT_START = 70


class QueryTimeout(Exception):
    """The query did not finish within its lane's deadline; its worker was killed."""

    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds

    def __str__(self) -> str:
        return f"the query did not finish within {self.seconds:g} s and was stopped"


class WorkerCrashed(Exception):
    """The worker died without an answer (signal, memory cap, os._exit), or the pool is gone."""


class PoolBusy(Exception):
    """Every worker of the lane is busy and its queue is full, or the pool is shutting down."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, retry_after)
        self.message = message
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message


class AnswerTooLarge(Exception):
    """The serialized answer is larger than one query may return."""

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit

    def __str__(self) -> str:
        return (
            f"the answer is larger than the {self.limit} bytes one query may return; "
            "ask for fewer rows (LIMIT) or fewer or shorter values"
        )


class PoolStartFailed(Exception):
    """The pool could not start: its memory budget is too small, or its workers failed."""


class InlineExecutor:
    """Runs the function in this process, with no deadline and no cap (for the CLI, tests)."""

    def run(self, fn: Callable[..., T], /, *args: Any, lane: str = GENERAL, **kwargs: Any) -> T:
        """fn's return value; fn's exception propagates unchanged."""
        if lane not in _LANE_CODES:
            raise ValueError(f"no lane {lane!r}: {', '.join(_LANE_CODES)}")
        return fn(*args, **kwargs)


@dataclass(frozen=True)
class Lane:
    """A lane's workers, the deadline of each of its queries, and its queue bound."""

    workers: int
    timeout: float
    queue: int


class QueryPool:
    """The pool: ``start()`` once, in a single-threaded process; ``run()`` from anywhere."""

    def __init__(
        self,
        state: object,
        lanes: dict[str, Lane],
        *,
        memory_budget_mb: int = 0,
        max_answer_bytes: int = 0,
        isolation_mode: str = "auto",
    ):
        """``state`` is what every worker holds (the store); ``memory_budget_mb`` and
        ``max_answer_bytes`` 0 mean no cap; ``isolation_mode`` is one of isolation.MODES."""
        unknown = set(lanes) - set(_LANE_CODES)
        if unknown or not lanes:
            raise ValueError(f"lanes must be among {', '.join(_LANE_CODES)}, not {sorted(lanes)}")
        for name, lane in lanes.items():
            if lane.workers < 1 or lane.timeout <= 0 or lane.queue < 0:
                raise ValueError(f"lane {name}: {lane} needs workers ≥ 1, timeout > 0, queue ≥ 0")
        self.state = state
        self.lanes = dict(lanes)
        self.memory_budget_mb = memory_budget_mb
        self.max_answer_bytes = max_answer_bytes
        self.isolation_requested = isolation_mode
        self.isolation: str | None = None  # the mode applied, once started
        self.worker_memory_bytes: int | None = None  # each worker's RLIMIT_AS, once started
        self.worker_memory_share: int | None = None  # what each may grow by, in bytes
        self.manager_pid: int | None = None
        self._owner_pid = os.getpid()
        self._submit: socket.socket | None = None
        self._finalizer: weakref.finalize | None = None

    # --- in the process that starts the pool ------------------------------------------------

    def start(self) -> QueryPool:
        """Fork the manager and its workers; return when every worker is ready.

        Raises isolation.IsolationUnavailable, PoolStartFailed or ValueError (bad mode).
        """
        if self.manager_pid is not None:
            raise RuntimeError("the pool is already started")
        self.isolation = isolation.choose(self.isolation_requested)
        self.worker_memory_bytes = self._worker_memory_cap()
        threads = len(os.listdir("/proc/self/task"))
        if threads > 1:
            # The workers inherit every lock as it was at the fork: one that another thread
            # held then (an on-disk store's background threads) stays held in every worker.
            log.warning(
                "the query pool is forked from a process that runs %d threads; a query worker "
                "that waits on a lock one of them held is stopped at its deadline",
                threads,
            )
        submit, manager_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        status_read, status_write = os.pipe()
        owner = os.getpid()
        pid = os.fork()
        if pid == 0:  # pragma: no cover (the manager; it never returns)
            code = _CANNOT_START
            try:
                submit.close()
                os.close(status_read)
                _Manager(self, manager_end, status_write, owner).run()
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        manager_end.close()
        os.close(status_write)
        self.manager_pid = pid
        self._owner_pid = owner
        self._submit = submit
        self._finalizer = weakref.finalize(self, _stop_manager, pid, submit, owner)
        status = _read_all(status_read)
        os.close(status_read)
        if status != b"ready":
            self.stop()
            reason = status.decode("utf-8", "replace") or "the pool manager died while starting"
            raise PoolStartFailed(reason)
        return self

    def drain(self, grace_seconds: float) -> None:
        """Refuse new queries (PoolBusy) and stop the running ones within ``grace_seconds``."""
        if self._submit is None or os.getpid() != self._owner_pid:
            return
        with contextlib.suppress(OSError):
            self._submit.send(_DRAIN + str(float(grace_seconds)).encode(), socket.MSG_NOSIGNAL)

    def renew(self, fn: Callable[..., T], /, *args: Any) -> T:
        """Give the workers new state: ``fn(state, *args)`` runs in the manager, then every
        worker is replaced by one forked from it (an idle one now, a busy one when its query
        ends, its answer still from the state it started on). Returns ``fn``'s value once the
        manager holds the new state; the error ``fn`` raised there is raised here, and the
        workers are kept. ``fn`` must leave the manager without threads (it forks after).

        A query submitted meanwhile that reaches a worker holding other state than its caller
        fails with StaleWorkerData (see _RequestUnpickler), never with an answer from the
        other state: the caller may ask again.
        """
        if self._submit is None:
            raise WorkerCrashed("the query pool is not running")
        payload = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with mine:
            try:
                _send_payload(mine, payload)
                try:
                    socket.send_fds(self._submit, [_RENEW], [theirs.fileno()], socket.MSG_NOSIGNAL)
                except OSError as error:
                    raise WorkerCrashed(f"the query pool is not running ({error})") from None
            finally:
                theirs.close()
            reply = _receive_payload(mine, RENEW_SECONDS)
        if reply is None:
            raise WorkerCrashed("the query pool stopped while taking new state")
        return _outcome(pickle.loads(reply))

    def stop(self) -> None:
        """Stop the manager and every worker now (only the process that started the pool
        does; in a forked child, which shares the pool, this does nothing). Safe to repeat."""
        if self._finalizer is not None and os.getpid() == self._owner_pid:
            self._finalizer()

    @property
    def running(self) -> bool:
        return self._finalizer is not None and self._finalizer.alive

    def worker_pids(self) -> list[int]:
        """The pids of the manager's children now (for tests and benchmarks)."""
        if self.manager_pid is None:
            return []
        return _children(self.manager_pid)

    def _worker_memory_cap(self) -> int | None:
        """RLIMIT_AS of each worker: its size at fork plus its share of the budget left."""
        if not self.memory_budget_mb:
            return None
        budget = self.memory_budget_mb * _MEBI
        shared = _status_bytes("VmRSS")
        count = sum(lane.workers for lane in self.lanes.values())
        share = (budget - shared) // count
        least = 64 * _MEBI
        if share < least:
            needed = math.ceil((shared + count * least) / _MEBI)
            raise PoolStartFailed(
                f"memory_budget_mb={self.memory_budget_mb} is too small for {count} query "
                f"workers: the loaded data already takes {shared // _MEBI} MiB and each worker "
                f"needs at least {least // _MEBI} MiB more; give at least {needed}"
            )
        self.worker_memory_share = share
        return _status_bytes("VmSize") + share

    # --- from any thread of any process that shares the pool --------------------------------

    def run(self, fn: Callable[..., T], /, *args: Any, lane: str = GENERAL, **kwargs: Any) -> T:
        """fn(*args, **kwargs) run by a worker of ``lane``: its value, or its exception raised
        here (with the worker's traceback as a note); QueryTimeout, WorkerCrashed, PoolBusy or
        AnswerTooLarge when the pool ends it."""
        code = _LANE_CODES.get(lane)
        if code is None or lane not in self.lanes:
            raise ValueError(f"no lane {lane!r}: {', '.join(self.lanes)}")
        if self._submit is None:
            raise WorkerCrashed("the query pool is not running")
        request = _dump_request((fn, args, kwargs), self.state)
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with mine:
            try:
                _send_payload(mine, request)
                try:
                    socket.send_fds(self._submit, [code], [theirs.fileno()], socket.MSG_NOSIGNAL)
                except OSError as error:
                    raise WorkerCrashed(f"the query pool is not running ({error})") from None
            finally:
                theirs.close()
            reply = _receive_payload(mine, self._longest_wait(lane))
        if reply is None:
            raise WorkerCrashed("the query worker stopped without an answer")
        return _outcome(pickle.loads(reply))

    def _longest_wait(self, lane_name: str) -> float:
        """How long a caller waits at most: a full queue ahead of it, then its own query."""
        lane = self.lanes[lane_name]
        rounds = math.ceil(lane.queue / lane.workers) + 1
        return rounds * lane.timeout + 10.0


def _stop_manager(pid: int, submit: socket.socket, owner: int) -> None:
    """SIGTERM the manager (which kills its workers), then SIGKILL its group if it lingers."""
    submit.close()
    if os.getpid() != owner:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and not _reaped(pid):
        time.sleep(0.01)
    if not _reaped(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _reaped(pid: int) -> bool:
    """Whether the child is gone (reaped here, or by another reaper such as gunicorn's)."""
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


# --- the manager: a single-threaded poll loop ---------------------------------------------


@dataclass
class _Job:
    conn: socket.socket
    lane: str
    deadline: float = 0.0
    started: float = 0.0


@dataclass
class _Worker:
    pid: int
    lane: str
    control: socket.socket
    ready: bool = False
    job: _Job | None = None
    exiting: bool = False
    stale: bool = False  # holds the state from before a renewal: replaced once its job ends


class _LaneState:
    def __init__(self, name: str, lane: Lane):
        self.name = name
        self.lane = lane
        self.queue: collections.deque[_Job] = collections.deque()
        self.durations: collections.deque[float] = collections.deque(maxlen=64)

    def retry_after(self) -> int:
        """Seconds until the queue has likely moved on: the recent mean run time per worker."""
        mean = sum(self.durations) / len(self.durations) if self.durations else self.lane.timeout
        estimate = mean * (len(self.queue) + 1) / self.lane.workers
        return max(1, min(math.ceil(self.lane.timeout), math.ceil(estimate)))


class _Stop(Exception):
    """SIGTERM or SIGINT reached the manager."""


class _Manager:
    def __init__(self, pool: QueryPool, submit: socket.socket, status_fd: int, owner: int):
        self.pool = pool
        self.submit = submit
        self.status_fd = status_fd
        self.owner = owner
        self.lanes = {name: _LaneState(name, lane) for name, lane in pool.lanes.items()}
        self.workers: dict[int, _Worker] = {}  # by control fd
        self.jobs: dict[int, _Job] = {}  # by conn fd, queued or running
        self.poller = select.poll()
        self.drain_until: float | None = None
        self.failed_starts = 0

    def run(self) -> None:
        die_with_parent(self.owner)
        os.setpgid(0, 0)  # the pool is one group: stop() can end it whole
        signal.signal(signal.SIGTERM, _raise_stop)
        signal.signal(signal.SIGINT, _raise_stop)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        _close_network_sockets()
        try:
            isolation.apply(self.pool.isolation or "none")
            for name, lane in self.pool.lanes.items():
                for _ in range(lane.workers):
                    self._spawn(name)
            self._wait_until_ready(30.0)
        except BaseException as error:
            _write_all(self.status_fd, str(error).encode() or repr(error).encode())
            raise
        _write_all(self.status_fd, b"ready")
        os.close(self.status_fd)
        self.status_fd = -1
        self.submit.setblocking(False)
        self.poller.register(self.submit, select.POLLIN)
        try:
            self._loop()
        except _Stop:
            pass
        finally:
            self._kill_all()

    def _wait_until_ready(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not all(w.ready for w in self.workers.values()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PoolStartFailed(f"the query workers were not ready within {seconds:g} s")
            waiting = [w.control for w in self.workers.values() if not w.ready]
            readable, _, _ = select.select(waiting, [], [], remaining)
            for control in readable:
                worker = self.workers[control.fileno()]
                if _recv_small(control) != b"r":
                    status = _status_text(self._reap(worker))
                    raise PoolStartFailed(f"a query worker failed to start: it {status}")
                worker.ready = True

    def _loop(self) -> None:
        while True:
            events = self.poller.poll(self._poll_timeout_ms())
            # Each event's target is looked up before any is handled: handling one closes
            # descriptors whose numbers a later one in this batch may then be reusing.
            targets = [(self.workers.get(fd) or self.jobs.get(fd), fd, ev) for fd, ev in events]
            for target, fd, event in targets:
                if fd == self.submit.fileno():
                    self._admit_all()
                elif isinstance(target, _Worker) and target.control.fileno() >= 0:
                    self._from_worker(target)
                elif (
                    isinstance(target, _Job)
                    and target.conn.fileno() >= 0
                    and event & (select.POLLHUP | select.POLLERR)
                ):
                    self._caller_gone(target)
            self._expire()
            self._dispatch()

    def _poll_timeout_ms(self) -> int | None:
        deadlines = [w.job.deadline for w in self.workers.values() if w.job is not None]
        if not deadlines:
            return None
        return max(0, math.ceil((min(deadlines) - time.monotonic()) * 1000))

    # Callers

    def _admit_all(self) -> None:
        while True:
            try:
                message, fds, _, _ = socket.recv_fds(self.submit, 64, 4)
            except (BlockingIOError, InterruptedError):
                return
            if not message and not fds:
                return  # every submitting end is closed: nothing more will come
            if message.startswith(_DRAIN):
                self._drain(float(message[len(_DRAIN) :]))
                for fd in fds:
                    os.close(fd)
                continue
            if message == _RENEW and len(fds) == 1:
                self._renew(socket.socket(fileno=fds[0]))
                continue
            lane = next((n for n, c in _LANE_CODES.items() if c == message), None)
            if lane not in self.lanes or len(fds) != 1:
                for fd in fds:
                    os.close(fd)
                continue
            self._admit(_Job(socket.socket(fileno=fds[0]), lane))

    def _admit(self, job: _Job) -> None:
        lane = self.lanes[job.lane]
        if self.drain_until is not None:
            refusal = PoolBusy("the server is shutting down and takes no new query", 5)
            _reply_and_close(job.conn, ("error", refusal, ""))
            return
        if len(lane.queue) >= lane.lane.queue and not self._idle(job.lane):
            busy = len([w for w in self.workers.values() if w.lane == job.lane])
            refusal = PoolBusy(
                f"all {busy} query workers of the {job.lane} lane are busy and "
                f"{len(lane.queue)} queries are waiting; try again later",
                lane.retry_after(),
            )
            _reply_and_close(job.conn, ("error", refusal, ""))
            return
        lane.queue.append(job)
        self.jobs[job.conn.fileno()] = job
        self.poller.register(job.conn, 0)  # POLLHUP: the caller hung up

    def _idle(self, lane: str) -> list[_Worker]:
        return [
            w
            for w in self.workers.values()
            if w.lane == lane and w.ready and w.job is None and not w.exiting and not w.stale
        ]

    def _dispatch(self) -> None:
        for name, lane in self.lanes.items():
            idle = self._idle(name)
            while idle and lane.queue:
                job = lane.queue.popleft()
                worker = idle.pop()
                now = time.monotonic()
                job.started = now
                job.deadline = now + lane.lane.timeout
                if self.drain_until is not None:
                    job.deadline = min(job.deadline, self.drain_until)
                try:
                    socket.send_fds(worker.control, [b"j"], [job.conn.fileno()])
                except OSError:
                    # The worker died just now; its hang-up is handled on the next poll.
                    lane.queue.appendleft(job)
                    worker.exiting = True
                    continue
                worker.job = job

    def _caller_gone(self, job: _Job) -> None:
        lane = self.lanes[job.lane]
        if job in lane.queue:
            lane.queue.remove(job)
            self._forget(job)
            return
        for worker in self.workers.values():
            if worker.job is job:
                # Nobody waits for this answer: free the worker for someone who does.
                self._kill(worker)
                return

    def _forget(self, job: _Job) -> None:
        fd = job.conn.fileno()
        if fd >= 0:
            with contextlib.suppress(KeyError):
                self.poller.unregister(fd)
            self.jobs.pop(fd, None)
        job.conn.close()

    # Workers

    def _spawn(self, lane: str) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:  # pragma: no cover (a worker; it never returns)
            code = _CANNOT_START
            try:
                ours.close()
                if self.status_fd >= 0:
                    os.close(self.status_fd)
                for held in [self.submit, *(w.control for w in self.workers.values())]:
                    held.close()
                for job in self.jobs.values():
                    job.conn.close()
                if lane != RESERVED:
                    # Long queries yield the CPU to the HTTP front and the reserved lane, so
                    # that cached answers and cheap work stay quick while they run.
                    os.nice(GENERAL_NICENESS)
                code = _worker_loop(self.pool, theirs, os.getppid())
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        theirs.close()
        worker = _Worker(pid, lane, ours)
        self.workers[ours.fileno()] = worker
        self.poller.register(ours, select.POLLIN)

    def _from_worker(self, worker: _Worker) -> None:
        message = _recv_small(worker.control)
        if message == b"r":
            worker.ready = True
            self.failed_starts = 0
            if worker.stale:  # forked before the last renewal, with the state before it
                self._kill(worker)
        elif message in (b"d", b"x") and worker.job is not None:
            job, worker.job = worker.job, None
            self.lanes[job.lane].durations.append(time.monotonic() - job.started)
            self._forget(job)
            worker.exiting = message == b"x"
            if worker.stale and not worker.exiting:
                self._retire(worker)
        else:  # hung up: the worker died
            self._replace(worker)

    def _expire(self) -> None:
        now = time.monotonic()
        for worker in list(self.workers.values()):
            job = worker.job
            if job is not None and now >= job.deadline:
                # Killed and reaped first: when its caller hears of the timeout, it is gone.
                worker.job = None
                self._kill(worker)
                if self.drain_until is not None and job.deadline >= self.drain_until - 1e-3:
                    outcome = WorkerCrashed("the server is shutting down; the query was stopped")
                else:
                    outcome = QueryTimeout(self.lanes[job.lane].lane.timeout)
                _reply(job.conn, ("error", outcome, ""))
                self._forget(job)

    def _retire(self, worker: _Worker) -> None:
        """Let a worker that just finished a job go, once it has sent the answer (it exits
        when its control socket closes), and fork a fresh one in its lane."""
        self._reap(worker)
        if self.drain_until is None:
            self._spawn(worker.lane)

    def _kill(self, worker: _Worker) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, signal.SIGKILL)
        self._replace(worker)

    def _replace(self, worker: _Worker) -> None:
        """Reap a dead (or killed) worker, answer its caller, and fork another in its lane."""
        status = self._reap(worker)
        job = worker.job
        if job is not None:
            _reply(job.conn, ("error", WorkerCrashed(self._crash_message(status)), ""))
            self._forget(job)
        if not worker.ready:
            self.failed_starts += 1
            if self.failed_starts > 3:
                message = f"query workers die as they start: one {_status_text(status)}"
                raise PoolStartFailed(message)
        if self.drain_until is None:
            self._spawn(worker.lane)

    def _reap(self, worker: _Worker) -> int:
        with contextlib.suppress(KeyError):
            self.poller.unregister(worker.control)
        self.workers.pop(worker.control.fileno(), None)
        worker.control.close()
        try:
            return os.waitpid(worker.pid, 0)[1]
        except ChildProcessError:
            return 0

    def _crash_message(self, status: int) -> str:
        text = "the query worker " + _status_text(status)
        cap = self.pool.worker_memory_bytes
        code = os.waitstatus_to_exitcode(status)
        if cap is not None and code in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT):
            text += f"; it may have run out of memory (each query may use {_share_text(self.pool)})"
        return text

    def _renew(self, conn: socket.socket) -> None:
        """Take new state from the caller on ``conn`` (see QueryPool.renew), then replace the
        workers so that every query from now on runs on it."""
        with conn:
            try:
                payload = _receive_payload(conn, 30.0)
                if payload is None:
                    raise WorkerCrashed("the new state did not arrive")
                fn, args = pickle.loads(payload)
                value = fn(self.pool.state, *args)
            except Exception as error:
                _reply(conn, ("error", error, traceback.format_exc()))
                return
            for worker in list(self.workers.values()):
                if worker.ready and worker.job is None:
                    self._kill(worker)
                else:  # busy, or still starting (killing it then would count as a failed start)
                    worker.stale = True
            _reply(conn, ("ok", value))

    def _drain(self, seconds: float) -> None:
        self.drain_until = time.monotonic() + seconds
        for lane in self.lanes.values():
            while lane.queue:
                job = lane.queue.popleft()
                refusal = PoolBusy("the server is shutting down and takes no new query", 5)
                _reply(job.conn, ("error", refusal, ""))
                self._forget(job)
        for worker in self.workers.values():
            if worker.job is not None:
                worker.job.deadline = min(worker.job.deadline, self.drain_until)

    def _kill_all(self) -> None:
        for worker in self.workers.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
        for worker in list(self.workers.values()):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(worker.pid, 0)


def _raise_stop(signum, frame) -> None:
    raise _Stop


# --- a worker -------------------------------------------------------------------------


def _worker_loop(pool: QueryPool, control: socket.socket, manager: int) -> int:
    """Serve jobs from the manager until it goes; the exit code."""
    die_with_parent(manager)
    # Nothing a worker runs may keep it alive: the default action for every stop signal.
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    if pool.worker_memory_bytes is not None:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = pool.worker_memory_bytes
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    control.send(b"r")
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 16, 1)
        except OSError:
            return 0
        if not message or not fds:
            return 0  # the manager is gone
        with socket.socket(fileno=fds[0]) as conn:
            outcome, exiting = _serve_one(pool, conn)
            control.send(b"x" if exiting else b"d")
            with contextlib.suppress(OSError):
                _send_payload(conn, outcome)
        if exiting:
            return 0


def _serve_one(pool: QueryPool, conn: socket.socket) -> tuple[bytes, bool]:
    """The pickled outcome of the job on ``conn``, and whether this worker must exit after."""
    exiting = False
    try:
        request = _receive_payload(conn, 10.0)
        if request is None:
            raise WorkerCrashed("the query request did not arrive")
        fn, args, kwargs = _load_request(request, pool.state)
        message: tuple = ("ok", fn(*args, **kwargs))
    except MemoryError:
        # Its heap may be in any state now: answer, then make way for a fresh worker.
        exiting = True
        error = MemoryError(f"the query ran out of memory (each query may use {_share_text(pool)})")
        message = ("error", error, traceback.format_exc())
    except BaseException as exc:
        message = ("error", exc, traceback.format_exc())
    data = _pickle_outcome(message)
    if pool.max_answer_bytes and message[0] == "ok" and len(data) > pool.max_answer_bytes:
        data = _pickle_outcome(("error", AnswerTooLarge(pool.max_answer_bytes), ""))
    return data, exiting


def _share_text(pool: QueryPool) -> str:
    total = sum(lane.workers for lane in pool.lanes.values())
    share = (pool.worker_memory_share or 0) // _MEBI
    return f"{share} MiB: memory_budget_mb={pool.memory_budget_mb} shared by {total} workers"


# --- wire format ------------------------------------------------------------------------


class StaleWorkerData(Exception):
    """The workers hold another version of the state (the data) than the caller's."""


def _state_tag(state: object) -> str:
    """What identifies the state's contents: its data version where it has one."""
    version = getattr(state, "version", None)
    return f"state@{getattr(version, 'digest', '')}"


class _RequestPickler(pickle.Pickler):
    def __init__(self, file, state):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._state = state
        self._tag = _state_tag(state) if state is not None else None

    def persistent_id(self, obj):
        return self._tag if obj is self._state and obj is not None else None


class _RequestUnpickler(pickle.Unpickler):
    def __init__(self, file, state):
        super().__init__(file)
        self._state = state

    def persistent_load(self, pid):
        # A worker holds the state as it was when the pool started: a caller whose state has
        # changed since would get answers from old data, cached under the new version.
        held = _state_tag(self._state)
        if pid != held:
            raise StaleWorkerData(
                f"the query workers hold {held}, the caller {pid}: the data changed after the "
                "query pool started; restart the pool"
            )
        return self._state


def _dump_request(request: tuple, state: object) -> bytes:
    buffer = io.BytesIO()
    _RequestPickler(buffer, state).dump(request)
    return buffer.getvalue()


def _load_request(data: bytes, state: object):
    return _RequestUnpickler(io.BytesIO(data), state).load()


def _pickle_outcome(message: tuple) -> bytes:
    """The pickled outcome, with a RuntimeError standing in for what cannot cross over."""
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


def _outcome(message: tuple) -> Any:
    if message[0] == "ok":
        return message[1]
    _, exc, worker_traceback = message
    if worker_traceback:
        exc.child_traceback = worker_traceback
        exc.add_note(f"Traceback in the query worker:\n{worker_traceback}")
    raise exc


def _reply(conn: socket.socket, message: tuple) -> None:
    with contextlib.suppress(OSError):
        _send_payload(conn, _pickle_outcome(message))


def _reply_and_close(conn: socket.socket, message: tuple) -> None:
    _reply(conn, message)
    conn.close()


def _send_payload(sock: socket.socket, data: bytes) -> None:
    """One message: the bytes themselves when small, else a memfd that holds them."""
    if len(data) <= _INLINE_MAX:
        sock.sendmsg([b"I", data], [], socket.MSG_NOSIGNAL)
        return
    fd = os.memfd_create("scomm-kg-payload", os.MFD_CLOEXEC)
    try:
        _write_all(fd, data)
        socket.send_fds(sock, [b"M"], [fd], socket.MSG_NOSIGNAL)
    finally:
        os.close(fd)


def _receive_payload(sock: socket.socket, timeout: float | None) -> bytes | None:
    """The bytes of the one message on ``sock``, or None on hang-up; TimeoutError-free:
    a silent peer past ``timeout`` is WorkerCrashed."""
    if timeout is not None:
        ready, _, _ = select.select([sock], [], [], timeout)
        if not ready:
            raise WorkerCrashed(f"the query pool did not answer within {timeout:g} s")
    try:
        message, fds, _, _ = socket.recv_fds(sock, _INLINE_MAX + 1, 1)
    except ConnectionResetError:
        # The far end was closed before our message in it was read (a refused or dropped
        # query): the kernel reports that once, ahead of the reply that may still be queued.
        try:
            message, fds, _, _ = socket.recv_fds(sock, _INLINE_MAX + 1, 1)
        except ConnectionResetError:
            return None
    try:
        if message == b"M" and len(fds) == 1:
            size = os.fstat(fds[0]).st_size
            return _pread_all(fds[0], size)
        if message[:1] == b"I":
            return message[1:]
        return None
    finally:
        for fd in fds:
            os.close(fd)


def _pread_all(fd: int, size: int) -> bytes:
    chunks, offset = [], 0
    while offset < size:
        chunk = os.pread(fd, size - offset, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _recv_small(sock: socket.socket) -> bytes:
    """One short message, or b"" when the peer is gone."""
    try:
        return sock.recv(16)
    except OSError:
        return b""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


# --- process plumbing -------------------------------------------------------------------


def die_with_parent(parent: int) -> None:
    """Be killed when the parent dies (PR_SET_PDEATHSIG), and die now if it already has."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)


def _close_network_sockets() -> None:
    """Close every inherited socket that is not AF_UNIX (a listening port above all)."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            family = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        with family:
            keep = family.family == socket.AF_UNIX
        if not keep:
            os.close(fd)


def _status_bytes(field: str) -> int:
    """A size from /proc/self/status (VmSize, VmRSS), in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
            return [int(p) for p in children.read().split()]
    except OSError:
        return []


def _status_text(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"was killed by signal {name}"
    return f"exited with code {code} without an answer"
