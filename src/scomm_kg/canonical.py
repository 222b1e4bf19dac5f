"""Deterministic Turtle and TriG: the one way the repository's RDF files are written.

Same triples in, same bytes out, whatever order they were parsed in (blank nodes that must keep
a label, which the project's files do not have, are numbered in render order): subjects sorted,
``a`` and ``rdfs:label`` first then predicates sorted, objects sorted, blank nodes used once
written inline as ``[ … ]`` or ``( … )``, only the prefixes in use declared, IRIs under the
base written relative to it. Diffs of the data therefore show what changed and nothing else.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF, XSD

from . import resources
from .loader import parse_file, rdflib_quietly
from .namespaces import DEFAULT_BASE_IRI, PREFIXES

LINE_WIDTH = 100
INDENT = "    "
_LOCAL_NAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
_BARE_LITERALS = {
    XSD.integer: re.compile(r"^[+-]?[0-9]+$"),
    XSD.decimal: re.compile(r"^[+-]?[0-9]*\.[0-9]+$"),
    XSD.boolean: re.compile(r"^(true|false)$"),
}
# Predicates that lead a block, in this order; the rest follow in prefixed-name order.
_LEADING = {
    name: rank for rank, name in enumerate(("a", "rdfs:label", "sh:path", "sh:targetClass"))
}
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class _Writer:
    """Renders the triples of one graph; collects the prefixes and base it used."""

    def __init__(self, triples: Iterable[tuple], prefixes: Mapping[str, str], base: str | None):
        self.by_subject: dict = defaultdict(lambda: defaultdict(list))
        object_uses: dict = defaultdict(int)
        for s, p, o in triples:
            self.by_subject[s][p].append(o)
            if isinstance(o, BNode):
                object_uses[o] += 1
        self.inline = {b for b, n in object_uses.items() if n == 1}
        self._drop_cycles()
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
        self.base = base
        self.used_prefixes: set[str] = set()
        self.used_base = False
        self.labels: dict[BNode, str] = {}

    def _drop_cycles(self) -> None:
        """A blank node reachable from itself through inline nodes cannot be inlined."""
        for start in list(self.inline):
            seen, todo = set(), [start]
            while todo:
                node = todo.pop()
                for objects in self.by_subject.get(node, {}).values():
                    for o in objects:
                        if o == start:
                            self.inline.discard(start)
                        elif o in self.inline and o not in seen:
                            seen.add(o)
                            todo.append(o)

    # -- terms ----------------------------------------------------------------------------

    def iri(self, iri: URIRef, predicate: bool = False) -> str:
        if predicate and iri == RDF.type:
            return "a"
        text = str(iri)
        for name, namespace in self.prefixes:
            if text.startswith(namespace) and _LOCAL_NAME.match(text[len(namespace) :]):
                self.used_prefixes.add(name)
                return f"{name}:{text[len(namespace) :]}"
        if self.base and text.startswith(self.base) and len(text) > len(self.base):
            self.used_base = True
            return f"<{text[len(self.base) :]}>"
        return f"<{text}>"

    def literal(self, lit: Literal) -> str:
        lexical = str(lit)
        pattern = _BARE_LITERALS.get(lit.datatype)
        if pattern is not None and pattern.match(lexical):
            return lexical
        body = _quote(lexical)
        if lit.language:
            return f"{body}@{lit.language}"
        if lit.datatype is not None and lit.datatype != XSD.string:
            return f"{body}^^{self.iri(lit.datatype)}"
        return body

    def term(self, node, depth: int) -> str:
        if isinstance(node, URIRef):
            return self.iri(node)
        if isinstance(node, Literal):
            return self.literal(node)
        if node in self.inline:
            items = self._list_items(node)
            if items is not None:
                return "( " + " ".join(self.term(i, depth + 1) for i in items) + " )"
            return self._anonymous(node, depth)
        return self._label(node)

    def _label(self, node: BNode) -> str:
        if node not in self.labels:
            self.labels[node] = f"_:b{len(self.labels)}"
        return self.labels[node]

    def _list_items(self, node) -> list | None:
        """The members of a well-formed RDF list whose cells are all inline, else None."""
        items = []
        while node != RDF.nil:
            props = self.by_subject.get(node)
            if node not in self.inline or props is None or set(props) != {RDF.first, RDF.rest}:
                return None
            if len(props[RDF.first]) != 1 or len(props[RDF.rest]) != 1:
                return None
            items.append(props[RDF.first][0])
            node = props[RDF.rest][0]
        return items

    def _anonymous(self, node: BNode, depth: int) -> str:
        pairs = self._predicate_lines(node, depth + 1)
        if not pairs:
            return "[]"
        one_line = "[ " + " ; ".join(pairs) + " ]"
        if "\n" not in one_line and len(one_line) + depth * len(INDENT) <= LINE_WIDTH:
            return one_line
        inner = INDENT * (depth + 1)
        return "[\n" + " ;\n".join(inner + p for p in pairs) + "\n" + INDENT * depth + "]"

    # -- blocks ---------------------------------------------------------------------------

    def _predicate_lines(self, subject, depth: int) -> list[str]:
        props = self.by_subject.get(subject, {})
        rendered = [(self.iri(p, predicate=True), objects) for p, objects in props.items()]
        rendered.sort(key=lambda item: (_LEADING.get(item[0], len(_LEADING)), item[0]))
        lines = []
        for name, objects in rendered:
            texts = sorted(self.term(o, depth) for o in objects)
            joined = f"{name} " + " , ".join(texts)
            if len(texts) > 1 and (
                len(joined) + depth * len(INDENT) > LINE_WIDTH or "\n" in joined
            ):
                # One object per line, one level deeper: nested blocks move in with them.
                pad = INDENT * (depth + 1)
                texts = sorted(self.term(o, depth + 1) for o in objects)
                joined = f"{name}\n" + " ,\n".join(pad + t for t in texts)
            lines.append(joined)
        return lines

    def blocks(self) -> list[str]:
        roots = [s for s in self.by_subject if s not in self.inline]
        rendered = []
        for subject in roots:
            lines = self._predicate_lines(subject, 1)
            head = self.term(subject, 0) if isinstance(subject, BNode) else self.iri(subject)
            rendered.append(head + "\n" + " ;\n".join(INDENT + line for line in lines) + " .\n")
        # Sort on the rendered text so that the order does not depend on parse order.
        return sorted(rendered, key=lambda block: (block.startswith("_:"), block))

    def header(self, prefixes: Mapping[str, str]) -> str:
        lines = []
        if self.used_base:
            lines.append(f"BASE <{self.base}>")
        lines += [f"PREFIX {name}: <{prefixes[name]}>" for name in sorted(self.used_prefixes)]
        return "\n".join(lines) + "\n" if lines else ""


def _quote(text: str) -> str:
    if "\n" not in text:
        return '"' + "".join(_ESCAPES.get(c, c) for c in text) + '"'
    out = []
    for i, c in enumerate(text):
        if c == "\\":
            out.append("\\\\")
        elif c == '"' and (i + 1 == len(text) or text[i + 1] == '"'):
            out.append('\\"')
        else:
            out.append(c)
    return '"""' + "".join(out) + '"""'


def turtle(graph: Graph, base: str | None = None, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """The canonical Turtle text of ``graph``."""
    writer = _Writer(graph, prefixes, base)
    body = "\n".join(writer.blocks())
    header = writer.header(prefixes)
    return header + ("\n" if header and body else "") + body


def trig(dataset: Dataset, base: str | None = None, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """The canonical TriG text of ``dataset``: default graph first, then each named graph."""
    sections = []
    writers = []
    default = dataset.graph(DATASET_DEFAULT_GRAPH_ID)
    if len(default):
        writer = _Writer(default, prefixes, base)
        writers.append(writer)
        sections.append(("", "\n".join(writer.blocks())))
    for graph in dataset.graphs():
        if graph.identifier == DATASET_DEFAULT_GRAPH_ID or not len(graph):
            continue
        writer = _Writer(graph, prefixes, base)
        writers.append(writer)
        name = writer.iri(graph.identifier)
        sections.append((name, f"{name} {{\n\n" + "\n".join(writer.blocks()) + "}\n"))
    sections.sort(key=lambda item: item[0])
    merged = _Writer((), prefixes, base)
    for writer in writers:
        merged.used_prefixes |= writer.used_prefixes
        merged.used_base |= writer.used_base
    header = merged.header(prefixes)
    return header + "\n" + "\n".join(text for _, text in sections)


def canonical_text(path: Path, base: str | None) -> str:
    """The canonical form of one Turtle or TriG file, checked to hold the same triples."""
    try:
        original = parse_file(
            Dataset() if path.suffix == ".trig" else Graph(),
            path,
            "trig" if path.suffix == ".trig" else "turtle",
        )
    except Exception as error:  # rdflib's parsers raise many unrelated types
        raise ValueError(f"{path}: cannot be read: {' '.join(str(error).split())}") from error
    if path.suffix == ".trig":
        text = trig(original, base=base)
        again = Dataset()
        with rdflib_quietly():
            again.parse(data=text, format="trig")
        same = _same_dataset(original, again)
    else:
        text = turtle(original, base=base)
        same = isomorphic(original, Graph().parse(data=text, format="turtle"))
    if not same:
        raise ValueError(f"{path}: the canonical form would change the triples; not rewritten")
    return text


def _same_dataset(first: Dataset, second: Dataset) -> bool:
    names = {g.identifier for g in first.graphs() if len(g)}
    if names != {g.identifier for g in second.graphs() if len(g)}:
        return False
    return all(isomorphic(first.graph(n), second.graph(n)) for n in names)


def format_files(
    paths: Iterable[Path], base: Callable[[Path], str | None], check: bool
) -> list[Path]:
    """Rewrite (or, with ``check``, only list) the files not in canonical form."""
    changed = []
    for path in paths:
        text = canonical_text(path, base(path))
        if path.read_text(encoding="utf-8") != text:
            changed.append(path)
            if not check:
                path.write_text(text, encoding="utf-8")
    return changed


def repository_files() -> list[Path]:
    """The RDF files kept in canonical form: ontology, shapes and data."""
    return resources.ontology_files() + resources.shape_files() + resources.data_files()


def base_for(path: Path) -> str | None:
    """Data files write the graph's own IRIs relative to the base; vocabularies write them whole."""
    return DEFAULT_BASE_IRI if path.suffix == ".trig" else None


def fmt(paths: Iterable[Path] | None = None, check: bool = False) -> list[Path]:
    """Bring files (default: the repository's) into canonical form; return those that were not."""
    return format_files(repository_files() if paths is None else paths, base_for, check)
