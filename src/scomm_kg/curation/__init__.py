"""Curation: every write, from the command line or HTTP, by one path.

``apply`` takes a Change (the whole new content of each graph it touches, and new source
texts), adds the audit record and the provenance a new graph lacks, passes it through the one
SHACL gate (gate.py) and commits it atomically (the data files, then the store), or changes
nothing and raises Rejected with the report.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from .. import atomic_files, build, loader, resources
from ..settings import Settings
from ..store import DataVersion, GraphStore, Source, graph_name
from . import audit, files
from .gate import Delta, Rejected, gate_for

__all__ = ["Change", "Outcome", "Rejected", "WriteRefused", "apply", "graph_quads", "refresh"]

CHANNELS = ("sheet", "rdf-file", "sparql-update", "graph-store")


class WriteRefused(Exception):
    """A write the project cannot take whatever the shapes say (a graph it does not keep,
    a default-graph triple, a bad source text name); nothing was changed."""


@dataclass(frozen=True)
class Change:
    """A write: the whole new content of each graph it touches (None drops the graph), new
    or changed source texts by file name, and who sends it how."""

    graphs: Mapping[str, Sequence[ox.Quad] | None]
    via: str
    agent: str = "cli"
    input_sha256: str = ""
    source_texts: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What a write did (or, dry, would do): triples added and removed per graph."""

    added: dict[str, int]
    removed: dict[str, int]
    files: tuple[str, ...]
    version: DataVersion | None
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.files)


_seen: weakref.WeakKeyDictionary[GraphStore, int] = weakref.WeakKeyDictionary()


def refresh(settings: Settings, store: GraphStore) -> bool:
    """Bring ``store`` up to the curated data's files if another process committed since it
    last looked (one small read when nothing did); whether it changed."""
    folder = resources.data_dir(settings.data_dir)
    if _seen.get(store) == atomic_files.generation(folder):
        return False
    with build.curated_data_read(settings):
        return _catch_up(settings, store)


def _catch_up(settings: Settings, store: GraphStore) -> bool:
    """Load what the data files hold and ``store`` does not (the caller holds the lock)."""
    folder = resources.data_dir(settings.data_dir)
    generation = atomic_files.generation(folder)
    prefix = loader.source_name(folder / files.GRAPHS) + "/"
    if not any(name.startswith(prefix) for name in store.held()):
        # A store not loaded from this folder's files (a dataset given whole): not ours to
        # bring up to them.
        _seen[store] = generation
        return False
    paths = resources.data_files(settings.data_dir)
    stale = build.stale_sources(store, paths, settings.base_iri)
    names = {loader.source_name(path) for path in paths}
    gone = [
        Source.withdrawn(name)
        for name in store.held()
        if name.startswith(prefix) and name not in names
    ]
    if stale or gone:
        store.load([*stale, *gone])
    _seen[store] = generation
    return bool(stale or gone)


def graph_quads(store: GraphStore, graph: str) -> list[ox.Quad]:
    """What ``store`` holds in ``graph`` now."""
    return store.graph_quads(graph)


def apply(
    settings: Settings,
    store: GraphStore,
    change: Change,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
) -> Outcome:
    """Validate ``change`` with what ``store`` holds and commit it, or change nothing.

    Rejected when the shapes refuse it (the report names focus nodes and messages),
    WriteRefused when it is not a write the project keeps.
    """
    if change.via not in CHANNELS:
        raise ValueError(f"unknown write channel {change.via!r}")
    data_dir = resources.data_dir(settings.data_dir)
    base = settings.base_iri
    if audit.audit_graph(base) in change.graphs:
        raise WriteRefused(
            f"<{audit.audit_graph(base)}> is the audit trail: only the commits write it, "
            f"one record each"
        )
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    gate = gate_for(store, base, settings.source_folders)
    with gate.lock, atomic_files.locked(data_dir):
        atomic_files.recover(data_dir)
        if _seen.get(store) != atomic_files.generation(data_dir):
            _catch_up(settings, store)  # another process committed: never undo its write
        texts = _texts(data_dir, change.source_texts)
        new = {name: _in_graph(name, quads) for name, quads in change.graphs.items()}
        _refuse_foreign(settings, store, data_dir, new)
        current = {name: set(store.graph_quads(name)) for name in new}
        _provide_provenance(store, base, new, current, change, moment)
        counts = _counts(new, current)
        if not any(added or removed for added, removed in counts.values()) and not texts:
            return Outcome({}, {}, (), store.version, dry_run)
        log = audit.audit_graph(base)
        current.setdefault(log, set(store.graph_quads(log)))
        record = audit.record(
            base,
            agent=change.agent,
            via=change.via,
            input_sha256=change.input_sha256 or _digest(change),
            moment=moment,
            counts=counts,
        )
        new[log] = [*(new.get(log) or current[log]), *record]
        _describe_new(
            store,
            base,
            new,
            current,
            log,
            "cli",
            moment,
            "Audit trail: every accepted write of the graph",
        )
        delta = _delta(store, new, current, texts)
        report, undo = gate.check(store, delta)
        if not report.conforms:
            undo()
            raise Rejected(report)
        # Rendered only for a commit: a dry run (and the gate's figure) need not pay for it.
        contents = {files.graph_file(data_dir, name, base): quads for name, quads in new.items()}
        texts_by_path = {
            files.source_file(data_dir, name): text for name, text in change.source_texts.items()
        }
        outcome_files = {**contents, **texts_by_path}
        summary = Outcome(
            {name: a for name, (a, _) in counts.items() if a},
            {name: r for name, (_, r) in counts.items() if r},
            tuple(sorted(str(path.relative_to(data_dir)) for path in outcome_files)),
            None,
            dry_run,
        )
        if dry_run:
            undo()
            return summary
        outcome_files = {
            **{
                path: files.trig_bytes(quads, base) if quads else None
                for path, quads in contents.items()
            },
            **texts_by_path,
        }
        try:
            atomic_files.replace(data_dir, outcome_files)
            store.load(
                [
                    loader.read_source(path, base)
                    if data is not None
                    else Source.withdrawn(loader.source_name(path))
                    for path, data in sorted(outcome_files.items())
                    if path.suffix == ".trig"
                ]
            )
        except BaseException:
            gate.forget()
            raise
        gate.committed(store)
        _seen[store] = atomic_files.generation(data_dir)
        return Outcome(summary.added, summary.removed, summary.files, store.version)


def _in_graph(name: str, quads: Sequence[ox.Quad] | None) -> list[ox.Quad]:
    node = graph_name(name)
    if quads is None:
        return []
    moved = []
    for quad in quads:
        if quad.graph_name != node:
            raise WriteRefused(
                f"a quad given as the content of <{name}> sits in {quad.graph_name}: {quad}"
            )
        moved.append(quad)
    return moved


def _refuse_foreign(settings, store, data_dir: Path, new) -> None:
    """Only graphs the curated data keeps, each in its own file, can be written."""
    owners = {graph: source for source, held in store.held().items() for graph in held.graphs}
    for name in new:
        path = files.graph_file(data_dir, name, settings.base_iri)
        expected = loader.source_name(path)
        owner = owners.get(name)
        if owner is not None and owner != expected:
            raise WriteRefused(
                f"the graph <{name}> comes from {owner}, not from the curated data "
                f"({expected}): change that file instead"
            )


def _texts(data_dir: Path, texts: Mapping[str, bytes]) -> dict[str, str]:
    decoded = {}
    for name, data in texts.items():
        try:
            files.source_file(data_dir, name)
            decoded[name] = data.decode("utf-8")
        except (ValueError, UnicodeDecodeError) as error:
            raise WriteRefused(f"source text {name!r}: {error}") from None
    return decoded


def _counts(new, current) -> dict[str, tuple[int, int]]:
    return {
        name: (len(set(quads) - current[name]), len(current[name] - set(quads)))
        for name, quads in new.items()
    }


def _provide_provenance(store, base, new, current, change: Change, moment) -> None:
    """Describe a graph the write creates without describing it; forget one it drops."""
    provenance = audit.provenance_graph(base)
    if provenance in new and not new[provenance]:
        raise WriteRefused("the provenance graph cannot be dropped")
    for name, quads in list(new.items()):
        if name == provenance:
            continue
        if quads and not current[name]:
            _describe_new(
                store,
                base,
                new,
                current,
                name,
                change.agent,
                moment,
                f"Graph written by {change.agent} through {change.via}",
            )
        elif not quads and current[name]:
            _edit_provenance(store, new, current, provenance, drop=ox.NamedNode(name))


def _describe_new(store, base, new, current, name, agent, moment, label) -> None:
    provenance = audit.provenance_graph(base)
    node = ox.NamedNode(name)
    _edit_provenance(store, new, current, provenance)
    if any(quad.subject == node for quad in new[provenance]):
        return
    new[provenance] = [
        *new[provenance],
        *audit.describe_graph(base, name, agent=agent, moment=moment, label=label),
    ]


def _edit_provenance(store, new, current, provenance, drop=None) -> None:
    if provenance not in current:
        current[provenance] = set(store.graph_quads(provenance))
    quads = new.get(provenance)
    if quads is None:
        quads = sorted(current[provenance], key=str)
    if drop is not None:
        quads = [quad for quad in quads if quad.subject != drop]
    new[provenance] = list(quads)


def _delta(store: GraphStore, new, current, texts) -> Delta:
    """The write as the merged graph sees it: a triple leaves it when no graph keeps it."""
    after = {name: {quad.triple for quad in quads} for name, quads in new.items()}
    before = {name: {quad.triple for quad in quads} for name, quads in current.items()}
    added = set().union(*after.values()) if after else set()
    gone = (set().union(*before.values()) if before else set()) - added
    removed = set()
    engine = store.engine() if gone else None
    for triple in gone:
        elsewhere = any(
            quad.graph_name.value not in new
            for quad in engine.quads_for_pattern(*triple, None)
            if isinstance(quad.graph_name, ox.NamedNode)
        )
        if not elsewhere:
            removed.add(triple)
    return Delta(
        frozenset(added),
        frozenset(removed),
        frozenset(name for name in new if new[name] and not current[name]),
        frozenset(name for name in new if not new[name] and current[name]),
        texts,
    )


def _digest(change: Change) -> str:
    digest = hashlib.sha256()
    for name, quads in sorted(change.graphs.items()):
        digest.update(name.encode() + b"\0")
        digest.update(ox.serialize(quads or [], format=ox.RdfFormat.N_QUADS))
    return digest.hexdigest()
