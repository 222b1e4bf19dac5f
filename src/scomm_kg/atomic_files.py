"""Several files replaced as one: all of them, or none, whatever moment a process dies at.

A rename replaces one file atomically, not several. So a commit first writes every new file
beside its target under a temporary name and fsyncs it, then writes a journal naming the
renames and deletions to do, atomically, then does them, then removes the journal. Whoever
opens the folder next (``recover``) finishes a commit whose journal exists, and throws away
the temporary files of one that died before its journal: the old state or the new, never a
mix, never an empty file.

Readers and writers of the folder hold its lock (shared, or exclusive for a commit), so that a
reader never reads while a commit renames.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

JOURNAL = ".commit-journal.json"
GENERATION = ".generation"
LOCK = ".commit.lock"
TEMPORARY_SUFFIX = ".tmp"


@contextmanager
def locked(folder: Path, exclusive: bool = True) -> Iterator[None]:
    """Hold ``folder``'s lock; a read-only folder (an installed package) needs none."""
    folder = Path(folder)
    try:
        handle = open(folder / LOCK, "a")  # noqa: SIM115 (held for the block)
    except OSError:
        if exclusive:
            raise
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def replace(folder: Path, files: Mapping[Path, bytes | None]) -> None:
    """Give each path under ``folder`` its new bytes (None: delete it), all or none.

    The caller holds the folder's exclusive lock.
    """
    folder = Path(folder)
    token = secrets.token_hex(6)
    # A commit counter beside the files, replaced with them: readers in other processes tell
    # by one small read whether anything changed since they looked.
    files = {**files, folder / GENERATION: f"{generation(folder) + 1}\n".encode()}
    renames: list[tuple[str, str]] = []
    deletions: list[str] = []
    for path, data in sorted(files.items()):
        path = Path(path)
        relative = path.relative_to(folder)
        if data is None:
            deletions.append(str(relative))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{token}{TEMPORARY_SUFFIX}")
        _write_synced(temporary, data)
        renames.append((str(temporary.relative_to(folder)), str(relative)))
    for directory in {(folder / target).parent for _, target in renames}:
        _sync_directory(directory)
    journal = json.dumps({"renames": renames, "deletions": deletions}, indent=1).encode()
    staged = folder / f"{JOURNAL}.{token}{TEMPORARY_SUFFIX}"
    _write_synced(staged, journal)
    os.replace(staged, folder / JOURNAL)
    _sync_directory(folder)
    _finish(folder)


def generation(folder: Path) -> int:
    """How many commits the folder has seen (0: none, or none since this counter exists)."""
    try:
        return int((Path(folder) / GENERATION).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return 0


def recover(folder: Path) -> None:
    """Finish a commit that died after its journal; remove what one left before it.

    The caller holds the folder's exclusive lock.
    """
    folder = Path(folder)
    if (folder / JOURNAL).exists():
        _finish(folder)
    for stray in _temporary_files(folder):
        stray.unlink(missing_ok=True)


def needs_recovery(folder: Path) -> bool:
    folder = Path(folder)
    return (folder / JOURNAL).exists() or any(_temporary_files(folder))


def _finish(folder: Path) -> None:
    """Do what the journal says (again, if a commit died halfway), then drop the journal."""
    journal = json.loads((folder / JOURNAL).read_text(encoding="utf-8"))
    touched = {folder}
    for temporary, target in journal["renames"]:
        source = folder / temporary
        if source.exists():  # not yet renamed by the commit that died
            os.replace(source, folder / target)
        touched.add((folder / target).parent)
    for target in journal["deletions"]:
        (folder / target).unlink(missing_ok=True)
        touched.add((folder / target).parent)
    for directory in touched:
        _sync_directory(directory)
    (folder / JOURNAL).unlink()
    _sync_directory(folder)


def _temporary_files(folder: Path) -> Iterator[Path]:
    for directory in (folder, *(d for d in folder.iterdir() if d.is_dir())):
        yield from directory.glob(f".*{TEMPORARY_SUFFIX}")


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
