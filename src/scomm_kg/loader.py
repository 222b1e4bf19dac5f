"""Files → one RDF dataset, remembering which file described which subject.

The ontology goes into the named graph that bears its own IRI; TriG and N-Quads files keep the
graphs they name; Turtle and N-Triples files that are not an ontology land in the default graph,
where the validator flags them as facts without a source. IRIs under the project's canonical base
are rewritten to the configured base, so one set of files serves any deployment.
"""

from __future__ import annotations

import hashlib
import warnings
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

from . import resources
from .namespaces import DEFAULT_BASE_IRI, ONTOLOGY_IRI
from .store import Source

DATASET_FORMATS = {".trig": "trig", ".nq": "nquads"}
GRAPH_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".rdf": "xml"}


class LoadError(Exception):
    """A file could not be read or parsed; the message names the file and, if known, the line."""


@dataclass
class LoadedData:
    """The parsed dataset and, for every subject, the files that describe it."""

    dataset: Dataset
    files: list[Path]
    origins: dict[Node, set[str]] = field(default_factory=dict)

    def files_describing(self, node: Node) -> list[str]:
        return sorted(self.origins.get(node, ()))

    def graph_names(self) -> list[URIRef]:
        return sorted(
            g.identifier
            for g in self.dataset.graphs()
            if g.identifier != DATASET_DEFAULT_GRAPH_ID and len(g)
        )

    def default_graph_size(self) -> int:
        return len(self.dataset.graph(DATASET_DEFAULT_GRAPH_ID))

    def merged(self) -> Graph:
        """All triples of all graphs in one graph, as SHACL sees them."""
        merged = Graph()
        for s, p, o, _ in self.dataset.quads((None, None, None, None)):
            merged.add((s, p, o))
        return merged

    def nquads(self) -> bytes:
        with rdflib_quietly():
            return self.dataset.serialize(format="nquads", encoding="utf-8")


def default_files(data_dir: str | Path | None = None) -> list[Path]:
    """The ontology and the curated data (the shipped data/, or the data_dir setting's)."""
    return resources.ontology_files() + resources.data_files(data_dir)


def load(paths: Iterable[Path] | None = None, base_iri: str = DEFAULT_BASE_IRI) -> LoadedData:
    """Parse ``paths`` (default: the shipped ontology and data) into one dataset."""
    files = [Path(p) for p in (default_files() if paths is None else paths)]
    rebase = _rebaser(base_iri)
    loaded = LoadedData(Dataset(), files)
    origins: dict[Node, set[str]] = defaultdict(set)
    for path in files:
        label = _display_name(path)
        count = 0
        for s, p, o, graph_name in _parse(path):
            s, p, o = rebase(s), rebase(p), rebase(o)
            target = DATASET_DEFAULT_GRAPH_ID if graph_name is None else rebase(graph_name)
            loaded.dataset.graph(target).add((s, p, o))
            origins[s].add(label)
            count += 1
        if not count:
            # A file that parses to nothing is a mistake (a truncated copy, a wrong path),
            # never an empty graph to validate and serve.
            raise LoadError(f"{path}: the file is empty: it holds no triples")
    loaded.origins = dict(origins)
    return loaded


def _parse(path: Path):
    """Yield (s, p, o, graph name or None) for every triple in one file."""
    suffix = path.suffix.lower()
    try:
        if suffix not in DATASET_FORMATS and suffix not in GRAPH_FORMATS:
            known = ", ".join(sorted({*DATASET_FORMATS, *GRAPH_FORMATS}))
            raise LoadError(f"{path}: unknown RDF file type {suffix!r} (known: {known})")
        if not path.read_bytes().strip():
            raise LoadError(f"{path}: the file is empty")
        if suffix in DATASET_FORMATS:
            dataset = parse_file(Dataset(), path, DATASET_FORMATS[suffix])
            quads = list(dataset.quads((None, None, None, None)))
            for s, p, o, g in quads:
                name = None if g is None or g == DATASET_DEFAULT_GRAPH_ID else g
                yield s, p, o, name
            return
        graph = parse_file(Graph(), path, GRAPH_FORMATS[suffix])
    except LoadError:
        raise
    except FileNotFoundError as error:
        raise LoadError(f"{path}: no such file") from error
    except Exception as error:  # rdflib's parsers raise many unrelated types
        raise LoadError(f"{path}: {_parser_message(error)}") from error
    ontologies = list(graph.subjects(RDF.type, OWL.Ontology))
    name = ontologies[0] if len(ontologies) == 1 else None
    for s, p, o in graph:
        yield s, p, o, name


def parse_file(target, path: Path, rdf_format: str):
    """Parse ``path`` into ``target``, closing the file (rdflib leaves paths it opens open)."""
    with open(path, "rb") as handle, rdflib_quietly():
        target.parse(handle, format=rdf_format, publicID=path.resolve().as_uri())
    return target


@contextmanager
def rdflib_quietly():
    """Silence the deprecation warnings rdflib 7 raises against its own Dataset API."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="rdflib")
        yield


def _parser_message(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return " ".join(text.split())


def _display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(resources.project_root()))
    except ValueError:
        return str(path)


def _rebaser(base_iri: str, iri_type=URIRef):
    """Map IRIs (of ``iri_type``: rdflib's URIRef, or pyoxigraph's NamedNode) under the
    canonical base to ``base_iri``; the ontology's IRIs never move."""
    return _mover(DEFAULT_BASE_IRI, base_iri, iri_type)


def canonical_rebaser(base_iri: str):
    """The inverse for writing files: pyoxigraph IRIs under ``base_iri`` back under the
    canonical base, in which the data files are written whatever base a deployment serves."""
    return _mover(base_iri, DEFAULT_BASE_IRI, ox.NamedNode)


def _mover(old_base: str, new_base: str, iri_type):
    if old_base == new_base:
        return lambda term: term
    if not new_base.endswith("/"):
        raise ValueError(f"the base IRI must end with '/': {new_base!r}")
    keep = str(ONTOLOGY_IRI)

    def rebase(term):
        if isinstance(term, iri_type):
            text = str(term) if iri_type is URIRef else term.value
            if text.startswith(old_base) and not text.startswith(keep):
                return iri_type(new_base + text[len(old_base) :])
        return term

    return rebase


# --- Files as a store loads them ------------------------------------------------------------

# pyoxigraph reads these fast; the others (JSON-LD, RDF/XML: small, hand-written files) are
# read by rdflib, as for validation.
_ENGINE_FORMATS = {
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ttl": ox.RdfFormat.TURTLE,
}
_OWL_ONTOLOGY = (ox.NamedNode(str(RDF.type)), ox.NamedNode(str(OWL.Ontology)))


def source_name(path: Path) -> str:
    """How a store remembers a file: its path in the project, or else its absolute path."""
    try:
        return str(path.resolve().relative_to(resources.project_root()))
    except ValueError:
        return str(path.resolve())


def read_source(path: Path, base_iri: str = DEFAULT_BASE_IRI) -> Source:
    """One file as a store loads it: its quads as N-Quads, the graphs they fill, a digest.

    The graphs follow `load`'s rules (a Turtle ontology in the graph of its IRI, other graph
    files in the default graph); the digest covers the bytes and the base IRI, since the
    same bytes give other IRIs under another base. Blank nodes get labels of their own, so
    that two files' ``_:b0`` stay two nodes.
    """
    path = Path(path)
    data = _read(path)
    if not data.strip():
        raise LoadError(f"{path}: the file is empty")
    digest = _digest(data, base_iri)
    suffix = path.suffix.lower()
    if suffix in _ENGINE_FORMATS:
        try:
            quads = list(
                ox.parse(
                    data,
                    format=_ENGINE_FORMATS[suffix],
                    base_iri=path.resolve().as_uri(),
                    rename_blank_nodes=True,
                )
            )
        except SyntaxError as error:
            raise LoadError(f"{path}: {_parser_message(error)}") from error
    else:
        quads = list(ox.parse(_rdflib_nquads(path), format=ox.RdfFormat.N_QUADS))
    if not quads:
        raise LoadError(f"{path}: the file is empty: it holds no triples")
    if suffix not in DATASET_FORMATS:
        ontologies = {q.subject for q in quads if (q.predicate, q.object) == _OWL_ONTOLOGY}
        if len(ontologies) == 1:
            name = next(iter(ontologies))
            quads = [ox.Quad(q.subject, q.predicate, q.object, name) for q in quads]
    if base_iri != DEFAULT_BASE_IRI:
        rebase = _rebaser(base_iri, ox.NamedNode)
        quads = [ox.Quad(*(rebase(t) for t in q)) for q in quads]
    graphs = sorted({q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)})
    nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    return Source(source_name(path), digest, nquads, tuple(graphs), len(quads))


def source_digest(path: Path, base_iri: str = DEFAULT_BASE_IRI) -> str:
    """The digest `read_source` gives the file, without parsing it."""
    return _digest(_read(Path(path)), base_iri)


def _digest(data: bytes, base_iri: str) -> str:
    return hashlib.sha256(data + b"\0" + base_iri.encode()).hexdigest()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as error:
        raise LoadError(f"{path}: no such file") from error
    except OSError as error:
        raise LoadError(f"{path}: {error}") from error


def _rdflib_nquads(path: Path) -> bytes:
    dataset = Dataset()
    for s, p, o, graph_name in _parse(path):
        target = DATASET_DEFAULT_GRAPH_ID if graph_name is None else graph_name
        dataset.graph(target).add((s, p, o))
    with rdflib_quietly():
        return dataset.serialize(format="nquads", encoding="utf-8")
