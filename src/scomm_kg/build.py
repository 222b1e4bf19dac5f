"""Files → validated store: the one path by which the graph reaches a query."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyshacl

from . import __version__, loader, resources, validate
from .settings import Settings
from .store import GraphStore, OxigraphStore

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
    inputs += resources.extra_source_texts(settings.sources)
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
    """An empty store of the configured kind."""
    if settings.store == "memory":
        return OxigraphStore()
    return OxigraphStore(Path(settings.store))


def build_store(
    settings: Settings,
    *,
    check: bool = True,
    on_validation: Callable[[ValidationStep], None] | None = None,
) -> GraphStore:
    """Load the shipped ontology and data plus ``settings.data``, validate, fill a store.

    With ``check`` the store is only filled when the data conforms; otherwise InvalidData.
    ``on_validation`` hears each step of the validation, for a caller that shows progress.
    """
    files = loader.default_files() + list(settings.data)
    loaded = loader.load(files, settings.base_iri)
    if check:
        tell = on_validation or (lambda step: None)
        stamp = _validation_stamp(settings, files)
        if stamp is not None and stamp.exists():
            tell(ValidationStep("cached", len(files)))
        else:
            tell(ValidationStep("started", len(files)))
            started = time.perf_counter()
            report = validate.validate(loaded, settings.base_iri, extra_sources=settings.sources)
            seconds = time.perf_counter() - started
            tell(ValidationStep("finished", len(files), seconds, report.conforms))
            if not report.conforms:
                raise InvalidData(report)
            if stamp is not None:
                _remember(stamp)
    store = open_store(settings)
    store.replace_all(loaded.nquads())
    return store
