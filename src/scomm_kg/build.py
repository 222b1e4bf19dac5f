"""Files → validated store: the one path by which the graph reaches a query."""

from __future__ import annotations

from pathlib import Path

from . import loader, validate
from .settings import Settings
from .store import GraphStore, OxigraphStore


class InvalidData(Exception):
    """The data does not conform to the shapes; ``report`` says where and why."""

    def __init__(self, report: validate.ValidationReport):
        super().__init__(report.text())
        self.report = report


def open_store(settings: Settings) -> GraphStore:
    """An empty store of the configured kind."""
    if settings.store == "memory":
        return OxigraphStore()
    return OxigraphStore(Path(settings.store))


def build_store(settings: Settings, *, check: bool = True) -> GraphStore:
    """Load the shipped ontology and data plus ``settings.data``, validate, fill a store.

    With ``check`` the store is only filled when the data conforms; otherwise InvalidData.
    """
    loaded = loader.load(loader.default_files() + list(settings.data), settings.base_iri)
    if check:
        report = validate.validate(loaded, settings.base_iri)
        if not report.conforms:
            raise InvalidData(report)
    store = open_store(settings)
    store.replace_all(loaded.nquads())
    return store
