"""SHACL validation of the dataset, and a report people can read.

SHACL sees one graph, so the named graphs are merged for it. What the merge would hide is
added back as plain triples first: a description of the dataset (its URI spaces, the size of
its default graph, the name of each named graph) and the text of each shipped source file, so
that the SPARQL rules in shapes/ can check provenance per graph and evidence against sources.

Two engines give the same report: "oxigraph" (the default), the shapes compiled to SPARQL and
run once each over the whole graph by Oxigraph (shacl_sparql.py), which scales to a national
graph; and "pyshacl", the reference, which validates focus node by focus node in rdflib.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import cache
from itertools import chain
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from . import resources, shacl_sparql
from .loader import LoadedData, _display_name, parse_file
from .namespaces import DEFAULT_BASE_IRI, ONTOLOGY_IRI, PREFIXES, SCHEMA, SCOMM, SD, VOID

DATASET_NODE = URIRef("urn:scomm-kg:dataset-under-validation")
SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
ENGINES = ("oxigraph", "pyshacl")


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
    description = dataset_description(
        loaded.graph_names(), loaded.default_graph_size(), base_iri, extra_sources
    )
    for triple in description:
        graph.add(triple)
    return graph


def dataset_description(
    graph_names: Iterable[URIRef],
    default_graph_size: int,
    base_iri: str = DEFAULT_BASE_IRI,
    extra_sources: Iterable[Path] = (),
) -> Graph:
    """What the merge hides, as triples: the dataset's URI spaces, the size of its default
    graph, its named graphs, and the text of every source file."""
    graph = Graph()
    graph.add((DATASET_NODE, RDF.type, SD.Dataset))
    for space in (base_iri, str(SCOMM._NS)):
        graph.add((DATASET_NODE, VOID.uriSpace, Literal(space)))
    default = BNode()
    graph.add((DATASET_NODE, SD.defaultGraph, default))
    graph.add((default, VOID.triples, Literal(default_graph_size, datatype=XSD.integer)))
    for name in graph_names:
        described = BNode()
        graph.add((DATASET_NODE, SD.namedGraph, described))
        graph.add((described, RDF.type, SD.NamedGraph))
        graph.add((described, SD.name, name))
    # A text of the same name in a further folder wins: a copy of data/ being curated.
    texts = {path.name: path for path in resources.source_texts()}
    texts.update({path.name: path for path in resources.extra_source_texts(extra_sources)})
    for path in texts.values():
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
        graph.add((URIRef(f"{base_iri}source/{path.name}"), SCHEMA.text, Literal(text)))
    return graph


def validate(
    loaded: LoadedData,
    base_iri: str = DEFAULT_BASE_IRI,
    shapes: Graph | None = None,
    extra_sources: Iterable[Path] = (),
    engine: str = "oxigraph",
) -> ValidationReport:
    """Validate ``loaded`` against the shapes; never raises on invalid data, only reports it.

    ``engine`` is "oxigraph" (fast, the default) or "pyshacl" (the reference); both give the
    same violations.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r} (known: {', '.join(ENGINES)})")
    if engine == "pyshacl":
        shapes = load_shapes() if shapes is None else shapes
        return _validate_with_pyshacl(loaded, base_iri, shapes, extra_sources)
    return ValidationGraph.from_loaded(loaded, base_iri, extra_sources).validate(shapes)


def validate_store(
    store: ox.Store,
    base_iri: str = DEFAULT_BASE_IRI,
    shapes: Graph | None = None,
    extra_sources: Iterable[Path] = (),
    files_describing: Callable[[Node], list[str]] | None = None,
) -> ValidationReport:
    """Validate a dataset already held by a pyoxigraph Store (left untouched).

    ``files_describing`` names the files that describe a focus node, for the report.
    """
    graph = ValidationGraph.from_store(store, base_iri, extra_sources, files_describing)
    return graph.validate(shapes)


def validate_focus(
    graph: ValidationGraph, nodes: Iterable[URIRef], shapes: Graph | None = None
) -> ValidationReport:
    """Validate only the focus nodes ``nodes`` (IRIs) of a prepared validation graph: what a
    small write touches. Results on other focus nodes that the write may affect (a rule that
    compares two resources reports on one of them) are not looked for."""
    return graph.validate(shapes, nodes=list(nodes))


def files_describing_in(
    paths: Iterable[Path], base_iri: str = DEFAULT_BASE_IRI
) -> Callable[[Node], list[str]]:
    """For validate_store: the files among ``paths`` that describe a node (hold it as a
    subject), named as the loader names them. The files are read again, by Oxigraph's parsers,
    only when a report first asks: validating data that conforms never reads them twice."""
    paths = [Path(p) for p in paths]
    index: dict[str, set[str]] | None = None

    def describing(node: Node) -> list[str]:
        nonlocal index
        if index is None:
            index = _subjects_by_file(paths, base_iri)
        return sorted(index.get(str(node), ())) if isinstance(node, URIRef) else []

    return describing


def _subjects_by_file(paths: list[Path], base_iri: str) -> dict[str, set[str]]:
    formats = {
        ".trig": ox.RdfFormat.TRIG,
        ".nq": ox.RdfFormat.N_QUADS,
        ".ttl": ox.RdfFormat.TURTLE,
        ".nt": ox.RdfFormat.N_TRIPLES,
        ".rdf": ox.RdfFormat.RDF_XML,
        ".jsonld": ox.RdfFormat.JSON_LD,
    }
    moved, kept = DEFAULT_BASE_IRI, str(ONTOLOGY_IRI)
    index: dict[str, set[str]] = {}
    for path in paths:
        label = _display_name(path)
        quads = ox.parse(
            path=str(path), format=formats[path.suffix.lower()], base_iri=path.resolve().as_uri()
        )
        for quad in quads:
            if not isinstance(quad.subject, ox.NamedNode):
                continue
            iri = quad.subject.value
            # The loader's rebasing: IRIs under the canonical base move, the ontology's do not.
            if base_iri != moved and iri.startswith(moved) and not iri.startswith(kept):
                iri = base_iri + iri[len(moved) :]
            index.setdefault(iri, set()).add(label)
    return index


@dataclass
class ValidationGraph:
    """The merged graph SHACL sees, held by a private Oxigraph store in its default graph.

    A caller that validates writes (validate_focus) applies them to ``store`` as well.
    """

    store: ox.Store
    files_describing: Callable[[Node], list[str]]
    blank_nodes: dict[str, Node] = field(default_factory=dict)
    #: seconds per step of the last validation: load, focus nodes per shape, each check
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_loaded(
        cls,
        loaded: LoadedData,
        base_iri: str = DEFAULT_BASE_IRI,
        extra_sources: Iterable[Path] = (),
    ) -> ValidationGraph:
        started = time.perf_counter()
        store = ox.Store()
        blank_nodes: dict[str, Node] = {}
        converted: dict[Node, object] = {}  # a term is converted once, however often it recurs

        def convert(term: Node):
            known = converted.get(term)
            if known is None:
                if isinstance(term, BNode):
                    known = ox.BlankNode()
                    blank_nodes[known.value] = term
                else:
                    known = shacl_sparql.to_ox(term)
                converted[term] = known
            return known

        # The triples validation_graph() holds, without building that rdflib graph: the store
        # merges the named graphs by itself (a triple in two graphs is held once).
        description = dataset_description(
            loaded.graph_names(), loaded.default_graph_size(), base_iri, extra_sources
        )
        triples = chain(
            ((s, p, o) for s, p, o, _ in loaded.dataset.quads((None, None, None, None))),
            description,
        )
        default = ox.DefaultGraph()
        store.bulk_extend(
            ox.Quad(convert(s), convert(p), convert(o), default) for s, p, o in triples
        )
        made = cls(store, loaded.files_describing, blank_nodes)
        made.timings["load"] = time.perf_counter() - started
        return made

    @classmethod
    def from_store(
        cls,
        source: ox.Store,
        base_iri: str = DEFAULT_BASE_IRI,
        extra_sources: Iterable[Path] = (),
        files_describing: Callable[[Node], list[str]] | None = None,
        union_default: bool = False,
    ) -> ValidationGraph:
        """``union_default``: the source's default graph is the union of its named graphs
        (a store's merged union), not triples of its own."""
        started = time.perf_counter()
        names = [
            URIRef(row["g"].value)
            for row in source.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        ]
        default_size = 0
        if not union_default:
            default = source.quads_for_pattern(None, None, None, ox.DefaultGraph())
            default_size = sum(1 for _ in default)
        # Rust end to end: every graph written as N-Triples, read back into one default graph.
        merged = io.BytesIO()
        graphs = [] if union_default else [ox.DefaultGraph()]
        for name in [*graphs, *(ox.NamedNode(str(n)) for n in names)]:
            source.dump(merged, ox.RdfFormat.N_TRIPLES, from_graph=name)
        store = ox.Store()
        store.bulk_load(merged.getvalue(), ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
        _keep_blank_node_names(source, store, union_default)
        description = dataset_description(sorted(names), default_size, base_iri, extra_sources)
        blank_nodes: dict[str, Node] = {}
        fresh: dict[Node, object] = {}
        for s, p, o in description:
            terms = []
            for term in (s, p, o):
                if isinstance(term, BNode):
                    if term not in fresh:
                        fresh[term] = ox.BlankNode()
                    terms.append(fresh[term])
                else:
                    terms.append(shacl_sparql.to_ox(term))
            store.add(ox.Quad(*terms, ox.DefaultGraph()))
        made = cls(store, files_describing or (lambda node: []), blank_nodes)
        made.timings["load"] = time.perf_counter() - started
        return made

    def change(
        self,
        added: Iterable[ox.Triple],
        removed: Iterable[ox.Triple],
        graphs_added: Iterable[str] = (),
        graphs_dropped: Iterable[str] = (),
        texts: dict[str, str] | None = None,
        base_iri: str = DEFAULT_BASE_IRI,
    ) -> Callable[[], None]:
        """Apply a write to the merged graph, as dataset_description would describe it after;
        returns the function that undoes exactly that (for a write the gate refuses).

        ``removed`` holds only triples that no graph holds any longer after the write; the
        named graphs and source texts (file name → text) change the description.
        """
        default = ox.DefaultGraph()
        dataset = ox.NamedNode(str(DATASET_NODE))
        named_graph = ox.NamedNode(str(SD.namedGraph))
        name_of = ox.NamedNode(str(SD.name))
        text_of = ox.NamedNode(str(SCHEMA.text))
        inserted: list[ox.Quad] = []
        deleted: list[ox.Quad] = []

        def insert(quad: ox.Quad) -> None:
            if quad not in self.store:
                self.store.add(quad)
                inserted.append(quad)

        def delete(quad: ox.Quad) -> None:
            if quad in self.store:
                self.store.remove(quad)
                deleted.append(quad)

        for triple in removed:
            delete(ox.Quad(*triple, default))
        for triple in added:
            insert(ox.Quad(*triple, default))
        for graph in graphs_dropped:
            for quad in list(self.store.quads_for_pattern(None, name_of, ox.NamedNode(graph))):
                for described in list(self.store.quads_for_pattern(quad.subject, None, None)):
                    delete(described)
                delete(ox.Quad(dataset, named_graph, quad.subject, default))
        for graph in graphs_added:
            if next(self.store.quads_for_pattern(None, name_of, ox.NamedNode(graph)), None):
                continue
            described = ox.BlankNode()
            insert(ox.Quad(dataset, named_graph, described, default))
            insert(
                ox.Quad(
                    described,
                    ox.NamedNode(str(RDF.type)),
                    ox.NamedNode(str(SD.NamedGraph)),
                    default,
                )
            )
            insert(ox.Quad(described, name_of, ox.NamedNode(graph), default))
        for name, text in (texts or {}).items():
            source = ox.NamedNode(f"{base_iri}source/{name}")
            for quad in list(self.store.quads_for_pattern(source, text_of, None, default)):
                delete(quad)
            insert(ox.Quad(source, text_of, ox.Literal(text), default))

        def undo() -> None:
            for quad in inserted:
                self.store.remove(quad)
            for quad in deleted:
                self.store.add(quad)

        return undo

    def validate(
        self, shapes: Graph | None = None, nodes: list[URIRef] | None = None
    ) -> ValidationReport:
        self.timings = {"load": self.timings.get("load", 0.0)}
        started = time.perf_counter()
        shapes, compiled = _compiled(shapes)
        self.timings["compile"] = time.perf_counter() - started
        found: list[shacl_sparql.Result] = []
        if nodes is None or nodes:
            for name, seconds in shacl_sparql.materialize_focus(
                self.store, compiled, nodes
            ).items():
                self.timings[f"focus {name}"] = seconds
            for check in compiled.checks:
                started = time.perf_counter()
                found.extend(shacl_sparql.run_check(self.store, check))
                key = f"check {check.name}"
                self.timings[key] = self.timings.get(key, 0.0) + time.perf_counter() - started
        started = time.perf_counter()
        report = self._report(found, shapes)
        self.timings["report"] = time.perf_counter() - started
        return report

    def _report(self, found: list[shacl_sparql.Result], shapes: Graph) -> ValidationReport:
        results = Graph()
        report_node = BNode()
        results.add((report_node, RDF.type, SH.ValidationReport))
        violations = set()
        for result in found:
            focus = self._original(result.focus)
            value = self._original(result.value) if result.value is not None else None
            messages = sorted(set(result.messages))
            violations.add(
                Violation(
                    severity=_local_name(result.severity),
                    focus=_show(focus),
                    path=_show_path(shapes, result.path) if result.path is not None else None,
                    value=_show(value) if value is not None else None,
                    message=" / ".join(messages) or "(no message)",
                    shape=_show(_named_shape(shapes, result.shape)),
                    files=tuple(self.files_describing(focus)),
                )
            )
            node = BNode()
            results.add((report_node, SH.result, node))
            results.add((node, RDF.type, SH.ValidationResult))
            results.add((node, SH.focusNode, focus))
            results.add((node, SH.resultSeverity, result.severity))
            results.add((node, SH.sourceShape, result.shape))
            results.add((node, SH.sourceConstraintComponent, result.component))
            if value is not None:
                results.add((node, SH.value, value))
            if result.path is not None:
                results.add((node, SH.resultPath, result.path))
                _copy_path(shapes, result.path, results)
            for message in messages:
                results.add((node, SH.resultMessage, Literal(message)))
        conforms = not any(v.severity == "Violation" for v in violations)
        results.add((report_node, SH.conforms, Literal(conforms)))
        return ValidationReport(_ordered(violations), results)

    def _original(self, term: Node) -> Node:
        """The caller's own blank node for one the store minted, so files can be told."""
        if isinstance(term, BNode):
            return self.blank_nodes.get(str(term), term)
        return term


# The triples that name a blank node, in the named graphs (GRAPH) or the default graph.
_BLANK_IN_NAMED = (
    "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) } }"
)
_BLANK_IN_DEFAULT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }"


def _keep_blank_node_names(source: ox.Store, store: ox.Store, union_default: bool) -> None:
    """Give ``store`` the blank nodes of ``source`` under their own names.

    A dump read back names every blank node afresh. A write that rewrites a graph names the
    source store's blank nodes (the whole new content of the graph, as that store holds it), so
    the validation graph it is applied to must hold them under those names: otherwise the
    graph's periods and passages would each gain a second, bare copy of their blank nodes. Only
    the triples that name a blank node are copied again, from Python; the rest stays Rust's.
    """
    store.update("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }")
    default = ox.DefaultGraph()
    queries = [_BLANK_IN_NAMED] if union_default else [_BLANK_IN_NAMED, _BLANK_IN_DEFAULT]
    for query in queries:
        store.extend(ox.Quad(row[0], row[1], row[2], default) for row in source.query(query))


def _compiled(shapes: Graph | None) -> tuple[Graph, shacl_sparql.CompiledShapes]:
    """The shapes and their compilation; the shipped shapes are read and compiled once, since
    a validation of a small write (validate_focus) must not spend its time there."""
    if shapes is None:
        return _shipped_shapes()
    return shapes, shacl_sparql.compile_shapes(shapes)


@cache
def _shipped_shapes() -> tuple[Graph, shacl_sparql.CompiledShapes]:
    shapes = load_shapes()
    return shapes, shacl_sparql.compile_shapes(shapes)


def _copy_path(shapes: Graph, path: Node, into: Graph) -> None:
    """The triples that spell a complex path out, copied into the report."""
    pending, seen = [path], set()
    while pending:
        node = pending.pop()
        if not isinstance(node, BNode) or node in seen:
            continue
        seen.add(node)
        for p, o in shapes.predicate_objects(node):
            into.add((node, p, o))
            pending.append(o)


def _ordered(violations: Iterable[Violation]) -> list[Violation]:
    """By severity, file, focus node and message; the other fields only break ties, so that
    the order never depends on the order in which an engine found them."""
    return sorted(
        violations,
        key=lambda v: (
            SEVERITY_ORDER.get(v.severity, 9),
            v.files,
            v.focus,
            v.message,
            v.path or "",
            v.value or "",
            v.shape or "",
            v.severity,
        ),
    )


def _validate_with_pyshacl(
    loaded: LoadedData, base_iri: str, shapes: Graph, extra_sources: Iterable[Path]
) -> ValidationReport:
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
    return ValidationReport(_ordered(found), results)


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
