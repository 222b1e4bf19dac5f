"""The persistent backend: pyoxigraph's on-disk (RocksDB) store in a directory.

Load once, start at once afterwards: the directory holds the engine's files (``oxigraph/``)
and a manifest (``scomm-kg.json``) of the sources loaded, with the SHA-256 of their bytes, the
graphs they fill and how the union default graph is held. A source the manifest lists with the
same digest is not read, validated or loaded again. The manifest says ``loading`` while a load
writes, so that a store a killed load left half-written is refused rather than served.

No process reads through a handle that writes: a load opens a writing handle and closes it
when done (its background threads finished), and each process, the query workers forked from
the server included, reads through a read-only handle of its own, opened on first use. The
operating system's page cache holds the data once for all of them.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox

from . import (
    DataVersion,
    HeldSource,
    LoadSummary,
    Source,
    StoreUnavailable,
    check_named,
    graphs_replaced,
    held_after,
    held_from_json,
    held_to_json,
)
from .embedded import EmbeddedStore, bulk_load, check_union_mode, hold_union

MANIFEST = "scomm-kg.json"
ENGINE_DIR = "oxigraph"
MANIFEST_FORMAT = 1


class DiskStore(EmbeddedStore):
    def __init__(self, path: Path, union: str = "auto"):
        self.path = Path(path)
        self._union = check_union_mode(union)
        manifest = _read_manifest(self.path)
        if manifest.get("state") == "loading":
            raise StoreUnavailable(
                f"the store in {self.path} was left half-written by a load that did not finish "
                f"({', '.join(manifest.get('loading', [])) or 'unknown sources'}); remove the "
                f"directory and load it again"
            )
        self._held = held_from_json(manifest.get("sources", {}))
        self._merged = manifest.get("union") == "merged"
        loaded = manifest.get("loaded")
        self._version = DataVersion.of_sources(
            self.held_sources(), datetime.fromisoformat(loaded) if loaded else None
        )
        self._engine_dir = self.path / ENGINE_DIR
        self._readers: tuple[int, ox.Store] | None = None
        if not self._engine_dir.exists():
            self.path.mkdir(parents=True, exist_ok=True)
            self._open_writer()  # creates the engine's files, then closes them

    @property
    def _engine(self) -> ox.Store:  # type: ignore[override]
        """This process's read-only handle, opened on first use after a write or a fork.

        Reading never uses a handle that writes: a writer runs background threads, and a
        process forked while one of them holds a lock inherits that lock held forever.
        """
        if self._readers is None or self._readers[0] != os.getpid():
            try:
                self._readers = (os.getpid(), ox.Store.read_only(str(self._engine_dir)))
            except OSError as error:
                raise StoreUnavailable(f"cannot open the store in {self.path}: {error}") from error
        return self._readers[1]

    def _open_writer(self) -> ox.Store:
        try:
            return ox.Store(str(self._engine_dir))
        except OSError as error:
            raise StoreUnavailable(f"cannot open the store in {self.path}: {error}") from error

    @property
    def version(self) -> DataVersion:
        return self._version

    def held(self) -> dict[str, HeldSource]:
        return dict(self._held)

    def close(self) -> None:
        # pyoxigraph closes the engine when its last reference goes.
        self._readers = None

    def replace_all(self, nquads: bytes) -> None:
        self._write(["(all)"], lambda writer: self._replace_all(writer, nquads))
        graphs = {graph.value for graph in self._engine.named_graphs()}
        self._held = {"(all)": HeldSource(DataVersion.of(nquads).digest, tuple(sorted(graphs)), 0)}
        self._version = DataVersion.of_sources(self.held_sources())
        self._save_manifest()

    @staticmethod
    def _replace_all(writer: ox.Store, nquads: bytes) -> None:
        writer.clear()
        writer.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)

    def load(
        self, sources: Sequence[Source], progress: Callable[[int], None] | None = None
    ) -> LoadSummary:
        check_named(sources, "an on-disk store")
        started = time.perf_counter()

        replaced = graphs_replaced(sources, self._held)

        def write(writer: ox.Store) -> None:
            for graph in sorted(replaced):
                writer.remove_graph(ox.NamedNode(graph))
            for source in sources:
                bulk_load(writer, source.nquads, progress)

        self._write([source.name for source in sources], write)
        self._held = held_after(self._held, sources)
        self._version = DataVersion.of_sources(self.held_sources())
        self._save_manifest()
        return LoadSummary.of(sources, time.perf_counter() - started)

    def _write(self, names: list[str], write: Callable[[ox.Store], None]) -> None:
        """Run ``write`` on a writing handle, the manifest saying so, then hold the union again.

        The handle is closed afterwards, its background work done, and readers reopen.
        """
        self._save_manifest(loading=names)
        writer = self._open_writer()
        try:
            writer.clear_graph(ox.DefaultGraph())
            write(writer)
            self._merged = hold_union(writer, self._union)
            writer.flush()
            writer.optimize()
        finally:
            del writer
            self._readers = None

    def _save_manifest(self, loading: list[str] | None = None) -> None:
        body = {
            "format": MANIFEST_FORMAT,
            "state": "loading" if loading is not None else "ready",
            "union": "merged" if self._merged else "view",
            "loaded": self._version.loaded.isoformat(),
            "sources": held_to_json(self._held),
        }
        if loading is not None:
            body["loading"] = loading
        _write_atomically(self.path / MANIFEST, json.dumps(body, indent=2) + "\n")


def _read_manifest(path: Path) -> dict:
    try:
        text = (path / MANIFEST).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise StoreUnavailable(f"cannot read {path / MANIFEST}: {error}") from error
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as error:
        raise StoreUnavailable(f"{path / MANIFEST} is not a scomm-kg manifest: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise StoreUnavailable(
            f"{path / MANIFEST} is not a scomm-kg manifest of format {MANIFEST_FORMAT}"
        )
    return manifest


def _write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file, fsync and rename: a reader sees the old or the new."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
