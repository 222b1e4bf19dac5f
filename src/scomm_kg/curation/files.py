"""Where each graph is kept: one canonical TriG file per named graph in the curated data.

A graph <BASE graph/SLUG> lives in graphs/SLUG.trig; a graph named by another IRI (a Graph
Store client may name any) in graphs/graph-HASH.trig, HASH a digest of its IRI. Files are
written in the canonical base, whatever base the deployment serves, as canonical TriG.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from .. import canonical, loader
from ..namespaces import DEFAULT_BASE_IRI

GRAPHS = "graphs"
SOURCES = "sources"
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SOURCE_NAME = re.compile(r"^[a-z0-9]+([-.][a-z0-9]+)*\.txt$")


def graph_file(data_dir: Path, graph: str, base_iri: str) -> Path:
    """The file that holds ``graph`` in the curated data folder."""
    prefix = f"{base_iri}graph/"
    slug = graph[len(prefix) :] if graph.startswith(prefix) else ""
    if not _SLUG.match(slug):
        slug = "graph-" + hashlib.sha256(graph.encode()).hexdigest()[:16]
    return Path(data_dir) / GRAPHS / f"{slug}.trig"


def source_file(data_dir: Path, name: str) -> Path:
    """The file of a source text; ValueError for a name that is not a plain lower-case one."""
    if not _SOURCE_NAME.match(name):
        raise ValueError(
            f"a source text's file name is lower-case letters, digits, '-' and '.', ending "
            f"in .txt, not {name!r}"
        )
    return Path(data_dir) / SOURCES / name


def trig_bytes(quads: Iterable[ox.Quad], base_iri: str) -> bytes:
    """The canonical TriG text of ``quads``, their IRIs under the canonical base."""
    rebase = loader.canonical_rebaser(base_iri)
    moved = (ox.Quad(*(rebase(term) for term in quad)) for quad in quads)
    dataset = Dataset()
    with loader.rdflib_quietly():
        dataset.parse(data=ox.serialize(moved, format=ox.RdfFormat.N_QUADS), format="nquads")
    return canonical.trig(dataset, base=DEFAULT_BASE_IRI).encode("utf-8")
