"""The one SHACL gate every write passes: the change validated together with the graph.

A full validation of a national graph takes a minute; a write must take time proportional to
what it touches. So the gate keeps the merged graph SHACL sees (a ValidationGraph, built once
per store and data version), applies a write's triples to it, validates only the focus nodes
the write adds, removes or references, and undoes the write there if it is refused. The full
validation stays a command of its own (`scomm-kg validate`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from .. import validate
from ..store import DataVersion, GraphStore
from ..validate import DATASET_NODE, ValidationReport


class Rejected(Exception):
    """The write breaks the shapes: nothing was changed; ``report`` says what and where."""

    def __init__(self, report: ValidationReport):
        super().__init__(report.text())
        self.report = report


@dataclass(frozen=True)
class Delta:
    """A write as triples of the merged graph: what it adds and what no graph holds after."""

    added: frozenset[ox.Triple]
    removed: frozenset[ox.Triple]
    graphs_added: frozenset[str]
    graphs_dropped: frozenset[str]
    texts: Mapping[str, str]

    def focus(self) -> list[URIRef]:
        """The IRIs a shape may now judge differently: every IRI the write's triples name,
        the graphs it adds or drops, and the dataset (whose default graph must stay empty)."""
        nodes = {str(DATASET_NODE), *self.graphs_added, *self.graphs_dropped}
        for triple in self.added | self.removed:
            for term in (triple.subject, triple.object):
                if isinstance(term, ox.NamedNode):
                    nodes.add(term.value)
        return [URIRef(node) for node in sorted(nodes)]


class Gate:
    """The validation graph of one store, kept in step with the writes it lets through."""

    def __init__(self, base_iri: str, source_folders: Iterable[Path]):
        self.base_iri = base_iri
        self.source_folders = tuple(source_folders)
        self._graph: validate.ValidationGraph | None = None
        self._version: DataVersion | None = None
        self.lock = threading.Lock()

    def check(self, store: GraphStore, delta: Delta) -> tuple[ValidationReport, Callable[[], None]]:
        """The report on ``delta`` applied to what ``store`` holds, and how to take it back.

        The caller commits the write and calls ``committed`` or, when it does not (refused,
        dry run, failed), calls the undo function.
        """
        graph = self._graph_for(store)
        undo = graph.change(
            delta.added,
            delta.removed,
            delta.graphs_added,
            delta.graphs_dropped,
            dict(delta.texts),
            self.base_iri,
        )
        try:
            report = validate.validate_focus(graph, delta.focus())
        except BaseException:
            undo()
            raise
        return report, undo

    def committed(self, store: GraphStore) -> None:
        """The store now holds the write the validation graph already holds."""
        self._version = store.version

    def forget(self) -> None:
        self._graph = self._version = None

    def _graph_for(self, store: GraphStore) -> validate.ValidationGraph:
        if self._graph is None or self._version != store.version:
            self._graph = validate.ValidationGraph.from_store(
                store.engine(), self.base_iri, self.source_folders, union_default=True
            )
            self._version = store.version
        return self._graph


_gates: weakref.WeakKeyDictionary[GraphStore, Gate] = weakref.WeakKeyDictionary()
_gates_lock = threading.Lock()


def gate_for(store: GraphStore, base_iri: str, source_folders: Iterable[Path]) -> Gate:
    """The one gate of ``store`` in this process."""
    with _gates_lock:
        gate = _gates.get(store)
        if gate is None:
            gate = _gates[store] = Gate(base_iri, source_folders)
        return gate
