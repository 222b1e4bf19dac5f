"""Cutting query workers off from the network, and refusing to serve where that cannot be done.

The SERVICE guard (querytext.py) keeps queries that call out from reaching the engine; this is
the second wall behind it, which holds even if the guard is wrong: the process that runs a
query cannot open a connection at all. Two ways, in order of preference:

- ``namespace``: an empty network namespace (Linux ``unshare(CLONE_NEWNET)``): no interface,
  not even loopback, so every connect fails. Root may create one directly; anyone else inside
  a new user namespace, where the kernel allows those (the process's own uid and gid are
  mapped onto themselves, so it still reads and writes what it could before).
- ``seccomp``: a seccomp filter (libseccomp through the ``pyseccomp`` binding) under which
  ``socket()`` fails for every address family but AF_UNIX; ``socketcall`` (the multiplexed
  socket system call some architectures have, whose arguments a filter cannot read) and
  io_uring (which can open and connect sockets without any socket system call) fail too.
  System calls of a foreign architecture kill the process (libseccomp's default).

A mode counts as available only when it has been applied in a throw-away child and that child
then failed to connect to a listener that the parent reaches (fail closed): a mechanism that
appears to work but leaves the network reachable is not taken. ``none`` applies nothing and is
unsafe: it leaves the guard alone between a query and the network.

Both ways last for the life of the process and pass to its children, so the pool applies the
mode once, in the process that forks the query workers.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import select
import socket
from collections.abc import Callable

MODES = ("auto", "namespace", "seccomp", "none")

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
_SYSCALLS_THAT_OPEN_SOCKETS_UNSEEN = (
    "socketcall",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
)


class IsolationUnavailable(Exception):
    """No way of cutting query workers off from the network works on this machine."""


def enter_empty_network_namespace() -> None:
    """Move this (single-threaded) process into a new network namespace with no interfaces."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWNET) == 0:
        return
    direct = ctypes.get_errno()
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(_CLONE_NEWNET | _CLONE_NEWUSER) != 0:
        inside_user_ns = ctypes.get_errno()
        raise OSError(
            inside_user_ns,
            f"cannot create a network namespace ({os.strerror(direct)}), nor one inside a "
            f"user namespace ({os.strerror(inside_user_ns)})",
        )
    # Map the process's ids onto themselves, so that files it opens are checked as before.
    with contextlib.suppress(OSError):
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")


def load_socket_filter() -> None:
    """Install a seccomp filter under which only AF_UNIX sockets can be opened."""
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError, RuntimeError) as error:  # RuntimeError: no libseccomp
        raise OSError(errno.ENOSYS, f"libseccomp cannot be loaded: {error}") from error
    refuse = seccomp.SyscallFilter(seccomp.ALLOW)
    refuse.add_rule(
        seccomp.ERRNO(errno.EAFNOSUPPORT),
        "socket",
        seccomp.Arg(0, seccomp.NE, socket.AF_UNIX),
    )
    for name in _SYSCALLS_THAT_OPEN_SOCKETS_UNSEEN:
        number = seccomp.resolve_syscall(seccomp.system_arch(), name)
        if number >= 0:  # negative: this architecture has no such call
            refuse.add_rule(seccomp.ERRNO(errno.EPERM), name)
    # libseccomp sets no_new_privs itself before loading (its default), as an unprivileged
    # process must.
    refuse.load()


APPLY: dict[str, Callable[[], None]] = {
    "namespace": enter_empty_network_namespace,
    "seccomp": load_socket_filter,
    "none": lambda: None,
}


def apply(mode: str) -> None:
    """Apply ``mode`` to this process and check that it holds; OSError otherwise."""
    APPLY[mode]()
    if mode != "none":
        reached = reaches_network()
        if reached is not None:
            raise OSError(errno.EPERM, f"{mode} isolation was applied, yet {reached}")


def reaches_network(target: tuple[str, int] | None = None) -> str | None:
    """How this process still reaches the network (a sentence), or None when it cannot.

    With a ``target`` (a listener that answers outside isolation) a connection to it must
    fail; without one, every attempt on loopback must find no network at all (a refused
    connection means that the network, and so the listener's peers, are there).
    """
    unreachable = (errno.ENETUNREACH, errno.EADDRNOTAVAIL, errno.EHOSTUNREACH)
    for family, address in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError:
            continue  # refused by the filter, or no such family here: nothing to reach
        with sock:
            sock.settimeout(2)
            if target is not None and family != socket.AF_INET:
                continue
            where = target or (address, 9)
            try:
                sock.connect(where)
            except OSError as error:
                if target is not None or error.errno in unreachable:
                    continue
                return f"{family.name} reaches the loopback network ({error.strerror})"
            return f"a connection to {where[0]}:{where[1]} still succeeds"
    return None


def choose(requested: str) -> str:
    """The mode the pool applies: ``requested`` if it works here, or for ``auto`` the first
    of namespace and seccomp that does; IsolationUnavailable with every reason otherwise."""
    if requested not in MODES:
        raise ValueError(f"query_isolation must be one of {', '.join(MODES)}, not {requested!r}")
    if requested == "none":
        return "none"
    reasons = []
    for mode in ("namespace", "seccomp") if requested == "auto" else (requested,):
        failure = probe(mode)
        if failure is None:
            return mode
        reasons.append(f"{mode}: {failure}")
    raise IsolationUnavailable(
        "query workers cannot be cut off from the network on this machine ("
        + "; ".join(reasons)
        + "). Run as root or where user namespaces are allowed, or install libseccomp "
        "(Debian: libseccomp2); SCOMM_QUERY_ISOLATION=none serves without it, which is unsafe"
    )


def probe(mode: str, seconds: float = 10.0) -> str | None:
    """Why ``mode`` does not cut a process off here, or None when it does.

    Applied in a throw-away child, which then tries to connect to a listener of this process.
    """
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        target = listener.getsockname()
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover (runs in the child)
            os.close(read_fd)
            verdict = b""
            try:
                APPLY[mode]()
                reached = reaches_network(target)
                verdict = b"" if reached is None else reached.encode()
            except BaseException as error:
                verdict = f"{error}".encode() or type(error).__name__.encode()
            finally:
                with contextlib.suppress(OSError):
                    os.write(write_fd, b"ok" if not verdict else verdict[:4000])
                os._exit(0)
        os.close(write_fd)
        try:
            ready, _, _ = select.select([read_fd], [], [], seconds)
            answer = os.read(read_fd, 4096) if ready else b"the check did not finish"
        finally:
            os.close(read_fd)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    if answer == b"ok":
        return None
    return answer.decode("utf-8", "replace") or "the check died without a verdict"


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as file:
        file.write(text)
