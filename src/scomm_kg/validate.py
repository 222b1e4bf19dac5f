"""SHACL validation of the dataset: pyshacl over ontology + data, and a report people can read.

SHACL sees one graph, so the named graphs are merged for it. What the merge would hide is
added back as plain triples first: a description of the dataset (its URI spaces, the size of
its default graph, the name of each named graph) and the text of each shipped source file, so
that the SPARQL rules in shapes/ can check provenance per graph and evidence against sources.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from . import resources
from .loader import LoadedData, parse_file
from .namespaces import DEFAULT_BASE_IRI, PREFIXES, SCHEMA, SCOMM, SD, VOID

DATASET_NODE = URIRef("urn:scomm-kg:dataset-under-validation")
SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class Violation:
    """One SHACL result, with the files that describe its focus node."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str | None
    files: tuple[str, ...]


@dataclass
class ValidationReport:
    """The outcome of one validation run and its renderings."""

    violations: list[Violation]
    results: Graph

    @property
    def conforms(self) -> bool:
        return not any(v.severity == "Violation" for v in self.violations)

    def text(self) -> str:
        if not self.violations:
            return "The data conforms to the shapes: no violations.\n"
        lines = []
        for v in self.violations:
            lines.append(f"{v.severity}: {v.focus}")
            if v.path:
                lines.append(f"  path:    {v.path}")
            if v.value:
                lines.append(f"  value:   {v.value}")
            lines.append(f"  message: {v.message}")
            if v.shape:
                lines.append(f"  shape:   {v.shape}")
            lines.append(
                f"  file:    {', '.join(v.files) if v.files else '(no file describes it)'}"
            )
        counts = {}
        for v in self.violations:
            counts[v.severity] = counts.get(v.severity, 0) + 1
        summary = ", ".join(f"{n} {severity.lower()}(s)" for severity, n in sorted(counts.items()))
        verdict = "does not conform" if not self.conforms else "conforms"
        lines.append(f"\nThe data {verdict}: {summary}.")
        return "\n".join(lines) + "\n"

    def json(self) -> str:
        body = {"conforms": self.conforms, "results": [asdict(v) for v in self.violations]}
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"

    def turtle(self) -> str:
        return self.results.serialize(format="turtle")


def load_shapes(paths: Iterable[Path] | None = None) -> Graph:
    shapes = Graph()
    for path in resources.shape_files() if paths is None else paths:
        parse_file(shapes, path, "turtle")
    return shapes


def validation_graph(
    loaded: LoadedData,
    base_iri: str = DEFAULT_BASE_IRI,
    extra_sources: Iterable[Path] = (),
) -> Graph:
    """The merged data plus the dataset description and source texts the rules rely on.

    ``extra_sources`` are folders of further source texts (the SCOMM_SOURCES setting) that
    extra data's passages quote, such as those `scomm-kg synth` writes.
    """
    graph = loaded.merged()
    graph.add((DATASET_NODE, RDF.type, SD.Dataset))
    for space in (base_iri, str(SCOMM._NS)):
        graph.add((DATASET_NODE, VOID.uriSpace, Literal(space)))
    default = BNode()
    graph.add((DATASET_NODE, SD.defaultGraph, default))
    graph.add((default, VOID.triples, Literal(loaded.default_graph_size(), datatype=XSD.integer)))
    for name in loaded.graph_names():
        described = BNode()
        graph.add((DATASET_NODE, SD.namedGraph, described))
        graph.add((described, RDF.type, SD.NamedGraph))
        graph.add((described, SD.name, name))
    for path in resources.source_texts() + resources.extra_source_texts(extra_sources):
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
        graph.add((URIRef(f"{base_iri}source/{path.name}"), SCHEMA.text, Literal(text)))
    return graph


def validate(
    loaded: LoadedData,
    base_iri: str = DEFAULT_BASE_IRI,
    shapes: Graph | None = None,
    extra_sources: Iterable[Path] = (),
) -> ValidationReport:
    """Validate ``loaded`` against the shapes; never raises on invalid data, only reports it."""
    shapes = load_shapes() if shapes is None else shapes
    _, results, _ = shacl_validate(
        validation_graph(loaded, base_iri, extra_sources),
        shacl_graph=shapes,
        advanced=True,
        inference="none",
        allow_warnings=True,
    )
    # A result nested under another as its sh:detail repeats, in generic words, what the
    # outer result says; two shapes sharing one property shape report the same thing twice.
    nested = set(results.objects(None, SH.detail))
    found = {
        _violation(results, node, loaded, shapes)
        for node in results.subjects(SH.resultSeverity)
        if node not in nested
    }
    violations = sorted(
        found, key=lambda v: (SEVERITY_ORDER.get(v.severity, 9), v.files, v.focus, v.message)
    )
    return ValidationReport(violations, results)


def _violation(results: Graph, node: Node, loaded: LoadedData, shapes: Graph) -> Violation:
    focus = results.value(node, SH.focusNode)
    path = results.value(node, SH.resultPath)
    value = results.value(node, SH.value)
    messages = sorted(str(m) for m in results.objects(node, SH.resultMessage))
    severity = results.value(node, SH.resultSeverity)
    shape = results.value(node, SH.sourceShape)
    return Violation(
        severity=_local_name(severity),
        focus=_show(focus),
        path=_show_path(results, path) if path is not None else None,
        value=_show(value) if value is not None else None,
        message=" / ".join(messages) or "(no message)",
        shape=_show(_named_shape(shapes, shape)) if shape is not None else None,
        files=tuple(loaded.files_describing(focus)),
    )


def _named_shape(shapes: Graph, shape: Node) -> Node:
    """The shape itself if it has an IRI, else the named shape that holds it."""
    seen = set()
    while isinstance(shape, BNode) and shape not in seen:
        seen.add(shape)
        holders = [s for p in (SH.property, SH.sparql, SH.node) for s in shapes.subjects(p, shape)]
        if not holders:
            break
        shape = holders[0]
    return shape


def _local_name(iri: Node) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1]


def _show(node: Node) -> str:
    if isinstance(node, URIRef):
        for name, namespace in PREFIXES.items():
            if str(node).startswith(namespace) and "/" not in str(node)[len(namespace) :]:
                return f"{name}:{str(node)[len(namespace) :]}"
        return f"<{node}>"
    if isinstance(node, BNode):
        return "[blank node]"
    if isinstance(node, Literal) and node.datatype is not None and node.language is None:
        return f"{Literal(str(node)).n3()}^^{_show(node.datatype)}"
    return node.n3()


def _show_path(graph: Graph, path: Node) -> str:
    """A SHACL property path written as a SPARQL property path."""
    if isinstance(path, URIRef):
        return _show(path)
    if (path, RDF.first, None) in graph:
        return "/".join(_show_path(graph, p) for p in Collection(graph, path))
    for keyword, template in (
        (SH.alternativePath, "({})"),
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = graph.value(path, keyword)
        if inner is None:
            continue
        if keyword == SH.alternativePath:
            return template.format("|".join(_show_path(graph, p) for p in Collection(graph, inner)))
        return template.format(_show_path(graph, inner))
    return "[path]"
