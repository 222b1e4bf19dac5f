"""Files → validated store: the one path by which the graph reaches a query."""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pyshacl

from . import __version__, atomic_files, loader, resources, store, validate
from .settings import Settings
from .store import GraphStore, Source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ValidationStep:
    """What build_store tells its caller about validation, which takes seconds.

    ``stage`` is "started", then "finished" (with ``seconds`` and ``conforms``), or "cached"
    when a past success for the very same inputs makes validating again needless.
    """

    stage: str
    files: int
    seconds: float = 0.0
    conforms: bool = True


class InvalidData(Exception):
    """The data does not conform to the shapes; ``report`` says where and why."""

    def __init__(self, report: validate.ValidationReport):
        super().__init__(report.text())
        self.report = report


def _validation_stamp(settings: Settings, files: list[Path]) -> Path | None:
    """Where a past success for exactly these inputs is remembered, or None (no cache).

    Validation takes seconds; the stamp's name is a hash of every input that can change its
    outcome (data, ontology, shapes, source texts, base IRI, versions), so a stamp can only
    stand for the very same inputs.
    """
    if not settings.cache_dir:
        return None
    digest = hashlib.sha256()
    digest.update(f"{__version__} pyshacl {pyshacl.__version__} {settings.base_iri}".encode())
    inputs = [*files, *resources.shape_files(), *resources.source_texts()]
    inputs += resources.extra_source_texts(settings.source_folders)
    for path in sorted(inputs, key=str):
        digest.update(str(path).encode() + b"\0" + Path(path).read_bytes() + b"\0")
    return Path(settings.cache_dir).expanduser() / "validated" / digest.hexdigest()


def _remember(stamp: Path) -> None:
    """Write the stamp; a cache that cannot be written only costs time, never the run."""
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text("conforms\n", encoding="utf-8")
    except OSError as error:
        log.warning("cannot remember the validation in %s: %s", stamp.parent, error)


def open_store(settings: Settings) -> GraphStore:
    """The store the settings name (memory, a directory or a SPARQL endpoint's URL), as is."""
    return store.open_store(
        settings.store,
        union=settings.union_default_graph,
        update_url=settings.store_update_url,
        timeout=settings.store_timeout,
        remote_union=settings.store_union,
    )


def stale_sources(target: GraphStore, files: list[Path], base_iri: str) -> list[Source]:
    """The files ``target`` does not hold unchanged, read as sources to load."""
    held = target.held_sources()
    # Only the digest of a file the store holds: reading a million quads takes seconds.
    stale = [
        path
        for path in files
        if held.get(loader.source_name(path)) != loader.source_digest(path, base_iri)
    ]
    sources = [loader.read_source(path, base_iri) for path in stale]
    store.graphs_replaced(sources, target.held())  # two sources in one graph: refused now
    return sources


def build_store(
    settings: Settings,
    *,
    check: bool = True,
    on_validation: Callable[[ValidationStep], None] | None = None,
    on_load: Callable[[list[Source]], Callable[[int], None] | None] | None = None,
    files: list[Path] | None = None,
) -> GraphStore:
    """The configured store, holding the shipped ontology and data plus ``settings.data``.

    A store that holds those files unchanged already (an on-disk or remote one loaded
    before) is returned as it is: nothing is read again or validated again. Otherwise the
    files it lacks are validated (with ``check``, together with the others; InvalidData when
    they do not conform) and loaded, each replacing what an earlier version of it loaded.
    ``on_validation`` hears each step of the validation; ``on_load`` is told the sources about
    to be loaded and may return a progress callback (triples written).
    """
    if files is None:
        files = loader.default_files(settings.data_dir) + list(settings.data)
    target = open_store(settings)
    with curated_data_read(settings):
        stale = stale_sources(target, files, settings.base_iri)
        if not stale:
            return target
        if check:
            _validate(settings, files, stale, on_validation or (lambda step: None))
    progress = on_load(stale) if on_load is not None else None
    target.load(stale, progress)
    return target


@contextmanager
def curated_data_read(settings: Settings) -> Iterator[None]:
    """Read the curated data between commits: one a process died in is finished first."""
    folder = resources.data_dir(settings.data_dir)
    if atomic_files.needs_recovery(folder):
        with atomic_files.locked(folder):
            atomic_files.recover(folder)
    with atomic_files.locked(folder, exclusive=False):
        yield


def _validate(settings: Settings, files: list[Path], stale: list[Source], tell) -> None:
    """Validate every file (the stale ones already read) together; InvalidData if need be."""
    stamp = _validation_stamp(settings, files)
    if stamp is not None and stamp.exists():
        tell(ValidationStep("cached", len(files)))
        return
    tell(ValidationStep("started", len(files)))
    started = time.perf_counter()
    read = {source.name: source for source in stale}
    sources = [
        read.get(loader.source_name(path)) or loader.read_source(path, settings.base_iri)
        for path in files
    ]
    report = _validate_files(settings, files, sources)
    seconds = time.perf_counter() - started
    tell(ValidationStep("finished", len(files), seconds, report.conforms))
    if not report.conforms:
        raise InvalidData(report)
    if stamp is not None:
        _remember(stamp)


def validate_held(settings: Settings, paths: list[Path], engine: str) -> validate.ValidationReport:
    """The report on what the configured store holds, plus ``paths``."""
    held = open_store(settings).dump("nquads")
    with tempfile.TemporaryDirectory(prefix="scomm-kg-validate-") as folder:
        dump = Path(folder) / "store.nq"
        dump.write_bytes(held)
        files = [dump, *paths]
        if engine == "pyshacl":
            loaded = loader.load(files, settings.base_iri)
            return validate.validate(
                loaded, settings.base_iri, extra_sources=settings.source_folders, engine=engine
            )
        return _validate_files(
            settings, files, [loader.read_source(f, settings.base_iri) for f in files]
        )


def _validate_files(
    settings: Settings, files: list[Path], sources: list[Source]
) -> validate.ValidationReport:
    """The fast validator over ``sources`` (the files read), loaded into a scratch engine."""
    scratch = ox.Store()
    for source in sources:
        scratch.bulk_load(source.nquads, format=ox.RdfFormat.N_QUADS)
    return validate.validate_store(
        scratch,
        settings.base_iri,
        extra_sources=settings.source_folders,
        files_describing=validate.files_describing_in(files, settings.base_iri),
    )
