"""Dumps of the whole dataset, written the same way every time so that two dumps can be diffed.

N-Quads are sorted after blank nodes get the labels of W3C RDF Dataset Canonicalization
(RDFC-1.0), which depend on the data alone; TriG is the project's canonical writer.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Dataset

from .canonical import trig
from .loader import rdflib_quietly
from .namespaces import PREFIXES
from .store import GraphStore


def dataset(store: GraphStore, format_name: str, base_iri: str | None = None) -> bytes:
    """Every named graph as sorted canonical N-Quads, or as canonical TriG with our prefixes."""
    nquads = _canonical_nquads(store.dump("nquads"))
    if format_name == "nquads":
        return nquads
    if format_name == "trig":
        parsed = Dataset()
        with rdflib_quietly():
            parsed.parse(data=nquads, format="nquads")
        return trig(parsed, base=base_iri, prefixes=PREFIXES).encode("utf-8")
    raise ValueError(f"cannot export the dataset as {format_name!r}: use nquads or trig")


def _canonical_nquads(nquads: bytes) -> bytes:
    quads = ox.Dataset(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    quads.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    lines = sorted(str(quad) + " ." for quad in quads)
    return ("\n".join(lines) + "\n").encode("utf-8")
