"""An RDF file a curator adds, read as an untrusted upload: the format from its extension or
a flag, never guessed, and every guard of `uploads` (size, DTDs, remote contexts, nesting)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .. import loader
from ..settings import Settings
from . import uploads


class InputRefused(Exception):
    """The input cannot be read as it says it is: nothing was changed."""


def read_rdf_file(
    path: Path,
    data: bytes,
    base_iri: str,
    graph: str | None,
    *,
    rdf_format: str | None = None,
    max_bytes: int | None = None,
    max_triples: int | None = None,
) -> list[ox.Quad]:
    """The quads of ``data`` (the file at ``path``, in ``rdf_format`` when given, else the
    format its extension names); triples outside any named graph go into ``graph``. The caps
    default to the settings' defaults; the CLI passes its settings'."""
    defaults = Settings()
    try:
        if rdf_format is None:
            chosen = uploads.format_for_name(path)
        else:
            chosen = uploads.format_for_flag(rdf_format)
        quads = uploads.read_rdf(
            data,
            chosen,
            base_iri=base_iri,
            default_graph=graph,
            max_bytes=defaults.max_upload_bytes if max_bytes is None else max_bytes,
            max_triples=defaults.max_upload_triples if max_triples is None else max_triples,
        )
    except uploads.UploadRefused as error:
        raise InputRefused(f"{path}: {error}") from None
    # As the loader reads the data files: IRIs under the canonical base move to this one.
    rebase = loader._rebaser(base_iri, ox.NamedNode)
    return [ox.Quad(*(rebase(term) for term in quad)) for quad in quads]
