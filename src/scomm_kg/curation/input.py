"""An RDF file a curator adds, read strictly: the format from its extension, never guessed."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .. import loader

FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
}


class InputRefused(Exception):
    """The input cannot be read as it says it is: nothing was changed."""


def read_rdf_file(path: Path, data: bytes, base_iri: str, graph: str | None) -> list[ox.Quad]:
    """The quads of ``data`` (the file at ``path``); a triples format's go into ``graph``."""
    rdf_format = FORMATS.get(path.suffix.lower())
    if rdf_format is None:
        raise InputRefused(
            f"{path}: cannot tell the format from {path.suffix or 'no extension'!r}; "
            f"accepted: {', '.join(FORMATS)}"
        )
    target = ox.DefaultGraph()
    if graph is not None:
        try:
            target = ox.NamedNode(graph)
        except ValueError as error:
            raise InputRefused(f"--graph {graph!r} is not an IRI: {error}") from None
    try:
        quads = list(
            ox.parse(
                data,
                format=rdf_format,
                base_iri=base_iri,
                rename_blank_nodes=True,
            )
        )
    except (SyntaxError, ValueError) as error:
        raise InputRefused(f"{path}: {error}") from None
    rebase = loader._rebaser(base_iri, ox.NamedNode)
    return [
        ox.Quad(
            rebase(quad.subject),
            rebase(quad.predicate),
            rebase(quad.object),
            rebase(target if rdf_format.supports_datasets is False else quad.graph_name),
        )
        for quad in quads
    ]
