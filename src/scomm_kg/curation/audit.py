"""The audit trail: every accepted write, recorded in a graph of its own (graph/audit).

Each write is a scomm:Write (a prov:Activity): who wrote (the curators from the command line,
or the holder of a named HTTP token), when, through which channel, the SHA-256 of the input,
and per graph the triples added and removed. Graphs are named by literal (xsd:anyURI): the
record outlives a graph that a later write drops. A graph created by a write that does not
describe it itself is described in the provenance graph with what is known: who wrote it and
when, under the project's licence.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from datetime import datetime

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from ..namespaces import SCOMM

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
CURATORS = "id/agent/scomm-kg-curators"


def audit_graph(base_iri: str) -> str:
    return f"{base_iri}graph/audit"


def provenance_graph(base_iri: str) -> str:
    return f"{base_iri}graph/provenance"


def agent_iri(base_iri: str, agent: str) -> str:
    """The curators for the command line; a token holder's own agent for HTTP writes."""
    if agent == "cli":
        return base_iri + CURATORS
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", agent):
        raise ValueError(f"a writer's name is lower-case letters, digits and '-': {agent!r}")
    return f"{base_iri}id/agent/token-holder-{agent}"


def _iri(term) -> ox.NamedNode:
    return ox.NamedNode(str(term))


def _when(moment: datetime) -> ox.Literal:
    return ox.Literal(moment.isoformat(timespec="seconds"), datatype=_iri(XSD.dateTime))


def record(
    base_iri: str,
    *,
    agent: str,
    via: str,
    input_sha256: str,
    moment: datetime,
    counts: Mapping[str, tuple[int, int]],
) -> list[ox.Quad]:
    """The quads of one write's record, for the audit graph."""
    graph = ox.NamedNode(audit_graph(base_iri))
    # Two writes of one input within a second are two records: a random part tells them apart.
    stamp = moment.strftime("%Y%m%dt%H%M%Sz")
    write = ox.NamedNode(f"{base_iri}id/write/{stamp}-{input_sha256[:8]}-{secrets.token_hex(3)}")
    agent_node = ox.NamedNode(agent_iri(base_iri, agent))
    a, label = _iri(RDF.type), _iri(RDFS.label)
    quads = [
        (write, a, _iri(SCOMM.Write)),
        (
            write,
            label,
            ox.Literal(
                f"Write through {via} by {agent}, {moment.isoformat(timespec='seconds')}",
                language="en",
            ),
        ),
        (write, _iri(PROV.wasAssociatedWith), agent_node),
        (write, _iri(PROV.endedAtTime), _when(moment)),
        (write, _iri(SCOMM.writeChannel), ox.Literal(via)),
        (write, _iri(SCOMM.inputSha256), ox.Literal(input_sha256)),
    ]
    for name, (added, removed) in sorted(counts.items()):
        change = ox.BlankNode(hashlib.sha256(f"{write.value} {name}".encode()).hexdigest()[:16])
        quads += [
            (write, _iri(SCOMM.graphChange), change),
            (change, a, _iri(SCOMM.GraphChange)),
            (change, _iri(SCOMM.changedGraph), ox.Literal(name, datatype=_iri(XSD.anyURI))),
            (change, _iri(SCOMM.triplesAdded), ox.Literal(str(added), datatype=_iri(XSD.integer))),
            (
                change,
                _iri(SCOMM.triplesRemoved),
                ox.Literal(str(removed), datatype=_iri(XSD.integer)),
            ),
        ]
    if agent != "cli":
        quads += [
            (agent_node, a, _iri(PROV.Agent)),
            (
                agent_node,
                label,
                ox.Literal(f"Holder of the write token named {agent!r}", language="en"),
            ),
        ]
    return [ox.Quad(s, p, o, graph) for s, p, o in quads]


def describe_graph(
    base_iri: str, graph: str, *, agent: str, moment: datetime, label: str
) -> list[ox.Quad]:
    """A provenance description of a graph that a write created without describing it."""
    node = ox.NamedNode(graph)
    target = ox.NamedNode(provenance_graph(base_iri))
    quads = [
        (node, _iri(RDF.type), _iri(PROV.Entity)),
        (node, _iri(RDFS.label), ox.Literal(label, language="en")),
        (node, _iri(DCTERMS.license), ox.NamedNode(LICENSE)),
        (node, _iri(PROV.generatedAtTime), _when(moment)),
        (node, _iri(PROV.wasAttributedTo), ox.NamedNode(agent_iri(base_iri, agent))),
    ]
    return [ox.Quad(s, p, o, target) for s, p, o in quads]
