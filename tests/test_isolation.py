"""Query workers cannot reach the network, whichever isolation this machine allows, and the
server refuses to start where none can be had (unless told, unsafely, to do without)."""

from __future__ import annotations

import ctypes
import errno
import socket

import pytest
from click.testing import CliRunner

from live_server import free_port
from scomm_kg.cli import main
from scomm_kg.serving import isolation
from scomm_kg.serving.pool import GENERAL, Lane, QueryPool
from scomm_kg.web import server

IO_URING_SETUP = 425  # the same number on every architecture that has it

NAMESPACE_PROBLEM = isolation.probe("namespace")
SECCOMP_PROBLEM = isolation.probe("seccomp")


def connect_to(port: int) -> str:
    """In the worker: what happens when it connects to a loopback port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return "connected"
    except OSError as error:
        return f"refused: {errno.errorcode.get(error.errno, error.errno)}"


def open_sockets() -> dict[str, str]:
    """In the worker: which kinds of socket it can still open."""
    opened = {}
    for name, family, kind in [
        ("inet", socket.AF_INET, socket.SOCK_STREAM),
        ("inet6", socket.AF_INET6, socket.SOCK_STREAM),
        ("netlink", socket.AF_NETLINK, socket.SOCK_RAW),
        ("unix", socket.AF_UNIX, socket.SOCK_STREAM),
    ]:
        try:
            socket.socket(family, kind).close()
            opened[name] = "opened"
        except OSError as error:
            opened[name] = errno.errorcode.get(error.errno, str(error.errno))
    return opened


def io_uring_setup_errno() -> int:
    """In the worker: the errno of io_uring_setup (0 if it succeeded)."""
    libc = ctypes.CDLL(None, use_errno=True)
    params = ctypes.create_string_buffer(120)
    fd = libc.syscall(IO_URING_SETUP, 1, params)
    if fd >= 0:
        libc.close(fd)
        return 0
    return ctypes.get_errno()


@pytest.fixture
def listener():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def pool_with(mode: str) -> QueryPool:
    return QueryPool(None, {GENERAL: Lane(1, 30.0, 2)}, isolation_mode=mode).start()


@pytest.mark.skipif(NAMESPACE_PROBLEM is not None, reason=f"no namespace: {NAMESPACE_PROBLEM}")
def test_a_worker_in_an_empty_network_namespace_reaches_nothing(listener):
    pool = pool_with("namespace")
    try:
        assert pool.isolation == "namespace"
        assert pool.run(connect_to, listener) == "refused: ENETUNREACH"
    finally:
        pool.stop()


@pytest.mark.skipif(SECCOMP_PROBLEM is not None, reason=f"no seccomp: {SECCOMP_PROBLEM}")
def test_a_worker_under_the_seccomp_filter_can_open_only_unix_sockets(listener):
    pool = pool_with("seccomp")
    try:
        assert pool.isolation == "seccomp"
        assert pool.run(connect_to, listener) == "refused: EAFNOSUPPORT"
        assert pool.run(open_sockets) == {
            "inet": "EAFNOSUPPORT",
            "inet6": "EAFNOSUPPORT",
            "netlink": "EAFNOSUPPORT",
            "unix": "opened",
        }
        # io_uring could open and connect sockets without a socket() call: it is refused.
        assert pool.run(io_uring_setup_errno) == errno.EPERM
    finally:
        pool.stop()


def test_auto_takes_a_mode_that_holds_here_or_refuses(listener):
    if NAMESPACE_PROBLEM is not None and SECCOMP_PROBLEM is not None:
        with pytest.raises(isolation.IsolationUnavailable):
            pool_with("auto")
        return
    pool = pool_with("auto")
    try:
        assert pool.isolation == ("namespace" if NAMESPACE_PROBLEM is None else "seccomp")
        assert pool.run(connect_to, listener).startswith("refused")
    finally:
        pool.stop()


def test_none_leaves_the_network_reachable_which_is_why_it_is_unsafe(listener):
    """The checks above can fail: without isolation the same worker does connect."""
    pool = pool_with("none")
    try:
        assert pool.run(connect_to, listener) == "connected"
    finally:
        pool.stop()


def test_a_mode_that_leaves_the_network_reachable_is_not_taken(monkeypatch):
    """Fail closed: a mechanism is judged by a connection that fails, not by a call that
    returned without error."""
    monkeypatch.setitem(isolation.APPLY, "seccomp", lambda: None)
    problem = isolation.probe("seccomp")
    assert problem is not None and "still succeeds" in problem
    with pytest.raises(isolation.IsolationUnavailable, match="seccomp: a connection to"):
        isolation.choose("seccomp")


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="auto, namespace, seccomp, none"):
        isolation.choose("firewall")


@pytest.fixture
def nothing_isolates(monkeypatch):
    """A machine with neither network namespaces nor seccomp."""

    def unavailable(mode: str, seconds: float = 10.0) -> str:
        return {"namespace": "Operation not permitted", "seccomp": "libseccomp is missing"}[mode]

    monkeypatch.setattr(isolation, "probe", unavailable)


def test_serve_refuses_to_start_where_nothing_isolates_and_says_why(nothing_isolates, monkeypatch):
    monkeypatch.setattr(server._Gunicorn, "run", lambda self: pytest.fail("the server started"))
    monkeypatch.setenv("SCOMM_QUERY_ISOLATION", "auto")
    result = CliRunner().invoke(main, ["serve", "--port", str(free_port())])
    assert result.exit_code == 2, result.output
    assert "cannot be cut off from the network" in result.stderr
    assert "namespace: Operation not permitted" in result.stderr
    assert "seccomp: libseccomp is missing" in result.stderr
    assert "SCOMM_QUERY_ISOLATION=none" in result.stderr and "unsafe" in result.stderr
    assert "the server will not start" in result.stderr


def test_the_unsafe_opt_out_serves_without_isolation(nothing_isolates, monkeypatch):
    served = []
    monkeypatch.setattr(server._Gunicorn, "run", lambda self: served.append(True))
    monkeypatch.setenv("SCOMM_QUERY_ISOLATION", "none")
    result = CliRunner().invoke(main, ["serve", "--port", str(free_port())])
    assert result.exit_code == 0, result.output
    assert served == [True]
