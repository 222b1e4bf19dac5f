"""The project's SHACL shapes compiled to SPARQL, each check run once over the whole graph.

pyshacl evaluates every constraint focus node by focus node, and re-parses each SHACL-SPARQL
rule for each one; on a graph of national size that never ends. Here each constraint becomes
one query that Oxigraph answers for all focus nodes together, each row a validation result,
worded and attributed as pyshacl words and attributes it (validate.py compares the two).

Only the constraint components the shapes use are compiled; a shape that uses any other
component, or a feature whose meaning this compiler does not reproduce, stops compilation
with ShapeCompileError, so that a new shape can never be skipped in silence.

Focus nodes are computed once per node shape and kept, in the validation store only, in a
named graph the data's own queries never see (the data lives in the default graph).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from time import perf_counter

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

FOCUS_GRAPH = "urn:scomm-kg:validation:focus"
FOCUS_OF = "urn:scomm-kg:validation:focus-of"
WELL_FORMED = "urn:scomm-kg:validation:well-formed"

# What pyshacl (through rdflib's parsing of literals) demands of a value beyond its datatype
# IRI; for every other datatype it accepts any lexical form.
PYTHON_VALUE_TYPES: dict[URIRef, type | tuple[type, ...]] = {
    XSD.string: str,
    XSD.integer: int,
    XSD.decimal: Decimal,
    XSD.float: float,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}

# Parameters that configure a component compiled below, or that only document a shape.
VALUE_COMPONENTS = {
    SH["class"],
    SH.datatype,
    SH["in"],
    SH.pattern,
    SH.minLength,
    SH.nodeKind,
    SH.node,
    SH["or"],
    SH.minInclusive,
    SH.maxInclusive,
    SH.languageIn,
}
FOCUS_COMPONENTS = {
    SH.minCount,
    SH.maxCount,
    SH.qualifiedValueShape,
    SH.uniqueLang,
    SH.hasValue,
}
COMPANION_PARAMETERS = {SH.qualifiedMinCount, SH.qualifiedMaxCount}
NON_VALIDATING = {
    RDF.type,
    RDFS.label,
    RDFS.comment,
    SH.message,
    SH.severity,
    SH.path,
    SH.property,
    SH.sparql,
    SH.targetClass,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.targetNode,
    SH.target,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
}
NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
PATH_OPERATORS = {
    SH.inversePath: "^{}",
    SH.zeroOrMorePath: "{}*",
    SH.oneOrMorePath: "{}+",
    SH.zeroOrOnePath: "{}?",
}


class ShapeCompileError(Exception):
    """A shape uses something the compiler does not reproduce faithfully."""


@dataclass(frozen=True)
class Check:
    """One query whose every row is a validation result of one shape."""

    name: str
    shape: Node
    path: Node | None
    messages: tuple[Literal, ...]
    severity: URIRef
    select: Callable[[], str]  # the query text
    kind: str  # "value": rows are (this, value); "focus": rows are (this); "sparql"
    component: URIRef


@dataclass(frozen=True)
class Target:
    """The focus nodes of one node shape: group graph patterns binding ?this, one per target
    declaration, each given the text that restricts ?this (VALUES) to put first in it."""

    key: str
    shape: Node
    branches: tuple[Callable[[str], str], ...]

    def pattern(self, restriction: str = "") -> str:
        return " UNION ".join(f"{{ {branch(restriction)} }}" for branch in self.branches)


@dataclass
class Result:
    """One validation result in RDF terms, before it is made readable."""

    focus: Node
    path: Node | None
    value: Node | None
    messages: tuple[str, ...]
    severity: URIRef
    shape: Node
    component: URIRef


@dataclass
class CompiledShapes:
    """Every target and check of a shapes graph, ready to run on a validation store."""

    shapes: Graph
    prefixes: str
    targets: list[Target] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)


def compile_shapes(shapes: Graph) -> CompiledShapes:
    """Compile every shape that has targets; nested shapes are compiled where they are used."""
    compiler = _Compiler(shapes)
    return compiler.compile()


class _Compiler:
    def __init__(self, shapes: Graph):
        self.shapes = shapes
        self.counter = 0
        self.prefix_map = self._declared_prefixes()
        self.compiled = CompiledShapes(shapes, self._prefix_lines())

    # --- the whole shapes graph --------------------------------------------------------

    def compile(self) -> CompiledShapes:
        targeted = self._targeted_node_shapes()
        holders: dict[Node, list[str]] = {}
        for index, shape in enumerate(targeted):
            key = f"urn:scomm-kg:validation:shape:{index}"
            self.compiled.targets.append(Target(key, shape, self._target_branches(shape)))
            for prop in self.shapes.objects(shape, SH.property):
                holders.setdefault(prop, []).append(key)
            self._node_level_checks(shape, [key])
            self._sparql_checks(shape, [key])
        for prop, keys in holders.items():
            self._property_checks(prop, keys)
        return self.compiled

    def _targeted_node_shapes(self) -> list[Node]:
        found = []
        for shape in set(self.shapes.subjects()):
            has_target = any(
                (shape, p, None) in self.shapes
                for p in (
                    SH.targetClass,
                    SH.targetSubjectsOf,
                    SH.targetObjectsOf,
                    SH.targetNode,
                    SH.target,
                )
            )
            if (shape, RDF.type, RDFS.Class) in self.shapes or (
                shape,
                RDF.type,
                OWL.Class,
            ) in self.shapes:
                raise ShapeCompileError(f"{shape}: implicit class targets are not compiled")
            if not has_target:
                continue
            if (shape, SH.path, None) in self.shapes:
                raise ShapeCompileError(f"{shape}: a property shape with its own targets")
            if (shape, SH.deactivated, None) in self.shapes:
                raise ShapeCompileError(f"{shape}: sh:deactivated is not compiled")
            found.append(shape)
        return sorted(found, key=str)

    def _declared_prefixes(self) -> dict[str, str]:
        prefixes = {"rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD), "owl": str(OWL)}
        for declaration in self.shapes.objects(None, SH.declare):
            prefix = self.shapes.value(declaration, SH.prefix)
            namespace = self.shapes.value(declaration, SH.namespace)
            if prefix is None or namespace is None:
                raise ShapeCompileError(f"sh:declare without prefix or namespace: {declaration}")
            known = prefixes.setdefault(str(prefix), str(namespace))
            if known != str(namespace):
                raise ShapeCompileError(f"prefix {prefix} declared for two namespaces")
        return prefixes

    def _prefix_lines(self) -> str:
        return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(self.prefix_map.items()))

    # --- targets -----------------------------------------------------------------------

    def _target_branches(self, shape: Node) -> tuple[Callable[[str], str], ...]:
        patterns = []
        for cls in self.shapes.objects(shape, SH.targetClass):
            patterns.append(f"?this rdf:type/rdfs:subClassOf* {_iri(cls)} .")
        for prop in self.shapes.objects(shape, SH.targetSubjectsOf):
            patterns.append(f"?this {_iri(prop)} [] .")
        for prop in self.shapes.objects(shape, SH.targetObjectsOf):
            patterns.append(f"[] {_iri(prop)} ?this .")
        for node in self.shapes.objects(shape, SH.targetNode):
            patterns.append(f"VALUES ?this {{ {_term(node)} }}")
        branches: list[Callable[[str], str]] = [
            lambda restriction, p=pattern: f"{restriction} {p}" for pattern in patterns
        ]
        for target in self.shapes.objects(shape, SH.target):
            if (target, RDF.type, SH.SPARQLTarget) not in self.shapes:
                raise ShapeCompileError(f"{shape}: a target other than sh:SPARQLTarget")
            select = self.shapes.value(target, SH.select)
            if select is None:
                raise ShapeCompileError(f"{shape}: a sh:SPARQLTarget without sh:select")
            # The restriction goes inside the sub-select, which is evaluated on its own.
            head, body = _split_select(str(select), shape)
            branches.append(lambda restriction, h=head, b=body: f"{{ {h} {restriction} {b} }}")
        return tuple(branches)

    # --- constraints on the focus node itself (node shapes with targets) ----------------

    def _node_level_checks(self, shape: Node, keys: list[str]) -> None:
        self._refuse_unknown(shape)
        expression = self._value_expression(shape, "?this")
        if expression is None:
            return
        self._require_message(shape)
        self._add_check(
            shape,
            None,
            "value",
            SH.NodeShape,
            lambda focus, e=expression: (
                f"SELECT DISTINCT ?this (?this AS ?value) WHERE {{ {focus} FILTER(!({e})) }}"
            ),
            keys,
        )

    # --- property shapes held by targeted node shapes ----------------------------------

    def _property_checks(self, prop: Node, keys: list[str]) -> None:
        self._refuse_unknown(prop)
        path = self.shapes.value(prop, SH.path)
        if path is None:
            raise ShapeCompileError(f"{prop}: a property shape without sh:path")
        if (prop, SH.sparql, None) in self.shapes:
            raise ShapeCompileError(f"{prop}: SPARQL constraints on a property shape ($PATH)")
        sparql_path = self._path(path)
        value = self._value_expression(prop, "?value")
        focus_level = self._focus_expression(prop, "?this", sparql_path)
        if value is None and focus_level is None:
            return
        self._require_message(prop)
        if value is not None:
            self._add_check(
                prop,
                path,
                "value",
                SH.PropertyShape,
                lambda focus, e=value, p=sparql_path: (
                    f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {p} ?value . "
                    f"FILTER(!({e})) }}"
                ),
                keys,
            )
        if focus_level is not None:
            self._add_check(
                prop,
                path,
                "focus",
                SH.PropertyShape,
                lambda focus, e=focus_level: (
                    f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER(!({e})) }}"
                ),
                keys,
            )

    # --- SHACL-SPARQL rules ------------------------------------------------------------

    def _sparql_checks(self, shape: Node, keys: list[str]) -> None:
        for rule in self.shapes.objects(shape, SH.sparql):
            if (rule, SH.ask, None) in self.shapes or (rule, SH.deactivated, None) in self.shapes:
                raise ShapeCompileError(f"{shape}: only active sh:select rules are compiled")
            select = self.shapes.value(rule, SH.select)
            if select is None:
                raise ShapeCompileError(f"{shape}: a sh:sparql rule without sh:select")
            text = str(select)
            if "$PATH" in text or re.search(r"[?$]path\b", text):
                raise ShapeCompileError(f"{shape}: $PATH and ?path in rules are not compiled")
            # The focus nodes join in as the first pattern of the WHERE group: the left side of
            # every OPTIONAL and the scope of every FILTER and EXISTS, as pre-binding $this is.
            head, body = _split_select(text, shape)
            if not re.search(r"[?$]this\b|\*", head):
                # pyshacl takes the focus node from the pre-binding; here it must be a column.
                raise ShapeCompileError(f"{shape}: a rule that does not select $this")
            messages = tuple(self.shapes.objects(shape, SH.message)) + tuple(
                self.shapes.objects(rule, SH.message)
            )
            if not messages:
                raise ShapeCompileError(f"{shape}: a sh:sparql rule without sh:message")
            self._add_check(
                shape,
                None,
                "sparql",
                SH.SPARQLConstraintComponent,
                lambda focus, h=head, b=body: f"{h} {focus} {b}",
                keys,
                messages=messages,
            )

    # --- expressions: does the term in `var` conform to a shape's constraints? ---------

    def _value_expression(self, shape: Node, var: str) -> str | None:
        """Conjunction of the value-node constraints of ``shape`` on ``var`` (None if none)."""
        g = self.shapes
        parts = []
        for cls in g.objects(shape, SH["class"]):
            parts.append(f"EXISTS {{ {var} rdf:type/rdfs:subClassOf* {_iri(cls)} }}")
        for datatype in g.objects(shape, SH.datatype):
            parts.append(_datatype_expression(datatype, var))
        for members in g.objects(shape, SH["in"]):
            options = [f"sameTerm({var}, {_term(m)})" for m in Collection(g, members)]
            parts.append(f"({' || '.join(options) or 'false'})")
        for pattern in g.objects(shape, SH.pattern):
            if (shape, SH.flags, None) in g:
                raise ShapeCompileError(f"{shape}: sh:flags is not compiled")
            parts.append(f"(!isBlank({var}) && REGEX(STR({var}), {_string(str(pattern))}))")
        for length in g.objects(shape, SH.minLength):
            if int(length) > 0:
                parts.append(f"(!isBlank({var}) && STRLEN(STR({var})) >= {int(length)})")
        for kind in g.objects(shape, SH.nodeKind):
            if kind not in NODE_KINDS:
                raise ShapeCompileError(f"{shape}: unknown sh:nodeKind {kind}")
            parts.append(NODE_KINDS[kind].format(v=var))
        for bound in g.objects(shape, SH.minInclusive):
            parts.append(f"COALESCE({var} >= {_term(bound)}, false)")
        for bound in g.objects(shape, SH.maxInclusive):
            parts.append(f"COALESCE({var} <= {_term(bound)}, false)")
        for languages in g.objects(shape, SH.languageIn):
            tags = [str(tag) for tag in Collection(g, languages)]
            if "*" in tags:
                parts.append(f'(isLiteral({var}) && LANG({var}) != "")')
            else:
                options = [f"LANGMATCHES(LANG({var}), {_string(t)})" for t in tags]
                parts.append(f'(LANG({var}) != "" && ({" || ".join(options) or "false"}))')
        for nested in g.objects(shape, SH.node):
            parts.append(self._conforms(nested, var))
        for members in g.objects(shape, SH["or"]):
            options = [self._conforms(m, var) for m in Collection(g, members)]
            parts.append(f"({' || '.join(options) or 'false'})")
        if not parts:
            return None
        return " && ".join(parts)

    def _focus_expression(self, prop: Node, var: str, path: str) -> str | None:
        """Conjunction of the constraints on the set of values of ``prop`` at ``var``."""
        g = self.shapes
        parts = []
        for count in g.objects(prop, SH.minCount):
            parts.append(self._at_least(int(count), var, path, None, prop))
        for count in g.objects(prop, SH.maxCount):
            parts.append(self._at_most(int(count), var, path, None, prop))
        for qualified in g.objects(prop, SH.qualifiedValueShape):
            if g.value(prop, SH.qualifiedValueShapesDisjoint) == Literal(True):
                raise ShapeCompileError(f"{prop}: sh:qualifiedValueShapesDisjoint")
            minimum = g.value(prop, SH.qualifiedMinCount)
            maximum = g.value(prop, SH.qualifiedMaxCount)
            if minimum is not None:
                parts.append(self._at_least(int(minimum), var, path, qualified, prop))
            if maximum is not None:
                parts.append(self._at_most(int(maximum), var, path, qualified, prop))
        for unique in g.objects(prop, SH.uniqueLang):
            if unique == Literal(True):
                a, b = self._fresh(), self._fresh()
                parts.append(
                    f"NOT EXISTS {{ {var} {path} {a} . {var} {path} {b} . "
                    f'FILTER(!sameTerm({a}, {b}) && LANG({a}) != "" '
                    f"&& LCASE(LANG({a})) = LCASE(LANG({b}))) }}"
                )
        for value in g.objects(prop, SH.hasValue):
            parts.append(f"EXISTS {{ {var} {path} {_term(value)} }}")
        if not parts:
            return None
        return " && ".join(parts)

    def _at_least(self, n: int, var: str, path: str, qualified: Node | None, prop: Node) -> str:
        if n == 0:
            return "true"
        if n != 1:
            raise ShapeCompileError(f"{prop}: counts other than 0 and 1 are not compiled")
        v = self._fresh()
        condition = f" FILTER({self._conforms(qualified, v)})" if qualified is not None else ""
        return f"EXISTS {{ {var} {path} {v} .{condition} }}"

    def _at_most(self, n: int, var: str, path: str, qualified: Node | None, prop: Node) -> str:
        if n == 0:
            v = self._fresh()
            condition = f" FILTER({self._conforms(qualified, v)})" if qualified is not None else ""
            return f"NOT EXISTS {{ {var} {path} {v} .{condition} }}"
        if n != 1:
            raise ShapeCompileError(f"{prop}: counts other than 0 and 1 are not compiled")
        a, b = self._fresh(), self._fresh()
        condition = f"!sameTerm({a}, {b})"
        if qualified is not None:
            condition += f" && {self._conforms(qualified, a)} && {self._conforms(qualified, b)}"
        return f"NOT EXISTS {{ {var} {path} {a} . {var} {path} {b} . FILTER({condition}) }}"

    def _conforms(self, shape: Node, var: str, seen: frozenset = frozenset()) -> str:
        """Whether the term in ``var`` conforms to ``shape``, its property shapes included."""
        if shape in seen:
            raise ShapeCompileError(f"{shape}: a recursive shape")
        self._refuse_unknown(shape)
        if (shape, SH.sparql, None) in self.shapes:
            raise ShapeCompileError(f"{shape}: SPARQL rules in a shape used by sh:node or sh:or")
        parts = []
        own = self._value_expression(shape, var)
        if own is not None:
            parts.append(own)
        for prop in self.shapes.objects(shape, SH.property):
            self._refuse_unknown(prop)
            path = self._path(self.shapes.value(prop, SH.path))
            value = self._fresh()
            each = self._value_expression(prop, value)
            if each is not None:
                parts.append(f"NOT EXISTS {{ {var} {path} {value} . FILTER(!({each})) }}")
            counts = self._focus_expression(prop, var, path)
            if counts is not None:
                parts.append(counts)
        return f"({' && '.join(parts) or 'true'})"

    # --- helpers -----------------------------------------------------------------------

    def _refuse_unknown(self, shape: Node) -> None:
        known = VALUE_COMPONENTS | FOCUS_COMPONENTS | COMPANION_PARAMETERS | NON_VALIDATING
        unknown = {p for p in self.shapes.predicates(shape) if p not in known}
        unknown.discard(SH.qualifiedValueShapesDisjoint)
        if unknown:
            names = ", ".join(sorted(str(p) for p in unknown))
            raise ShapeCompileError(f"{shape}: constraint components not compiled: {names}")
        if (shape, SH.deactivated, None) in self.shapes:
            raise ShapeCompileError(f"{shape}: sh:deactivated is not compiled")

    def _require_message(self, shape: Node) -> None:
        if (shape, SH.message, None) not in self.shapes:
            raise ShapeCompileError(
                f"{shape}: no sh:message; results are worded only by the shapes' own messages"
            )

    def _add_check(self, shape, path, kind, component, select, keys, messages=None) -> None:
        restriction = _focus_of(keys)
        severity = self.shapes.value(shape, SH.severity) or SH.Violation
        self.compiled.checks.append(
            Check(
                name=f"{_local(shape, self.shapes)} ({kind})",
                shape=shape,
                path=path,
                messages=messages or tuple(self.shapes.objects(shape, SH.message)),
                severity=severity,
                select=lambda s=select, r=restriction: self.compiled.prefixes + s(r),
                kind=kind,
                component=component,
            )
        )

    def _fresh(self) -> str:
        self.counter += 1
        return f"?v{self.counter}"

    def _path(self, path: Node) -> str:
        g = self.shapes
        if isinstance(path, URIRef):
            return _iri(path)
        if (path, RDF.first, None) in g:
            return "(" + "/".join(self._path(p) for p in Collection(g, path)) + ")"
        alternatives = g.value(path, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self._path(p) for p in Collection(g, alternatives)) + ")"
        for operator, template in PATH_OPERATORS.items():
            inner = g.value(path, operator)
            if inner is not None:
                return template.format("(" + self._path(inner) + ")")
        raise ShapeCompileError(f"an unknown kind of path: {path}")


def _split_select(text: str, shape: Node) -> tuple[str, str]:
    """A SELECT query cut just inside the brace that opens its WHERE group."""
    opening = re.match(r"\s*SELECT\b[^{]*?\bWHERE\s*\{", text, re.IGNORECASE | re.DOTALL)
    if opening is None:
        raise ShapeCompileError(f"{shape}: a query that is not 'SELECT ... WHERE {{ ... }}'")
    return text[: opening.end()], text[opening.end() :]


def _focus_of(keys: list[str]) -> str:
    """The focus nodes of the node shapes ``keys``, as a sub-select binding ?this."""
    shapes = " ".join(f"<{key}>" for key in keys)
    return (
        f"{{ SELECT DISTINCT ?this WHERE {{ GRAPH <{FOCUS_GRAPH}> "
        f"{{ ?this <{FOCUS_OF}> ?focusShape }} VALUES ?focusShape {{ {shapes} }} }} }}"
    )


def _datatype_expression(datatype: Node, var: str) -> str:
    if datatype == RDF.langString:
        return f'(isLiteral({var}) && LANG({var}) != "")'
    if datatype == RDFS.Literal:
        return f"isLiteral({var})"
    typed = f'(isLiteral({var}) && LANG({var}) = "" && DATATYPE({var}) = {_iri(datatype)}'
    if datatype in PYTHON_VALUE_TYPES and datatype != XSD.string:
        # Oxigraph's cast decides most literals at once; where it refuses one, rdflib's
        # more lenient reading (pyshacl's) has the last word.
        cast = f'DATATYPE(COALESCE({_iri(datatype)}(STR({var})), "")) = {_iri(datatype)}'
        typed += f" && ({cast} || <{WELL_FORMED}>({var}))"
    return typed + ")"


def well_formed(term: ox.Literal) -> ox.Literal:
    """Whether rdflib reads ``term`` as a value of its datatype, as pyshacl requires."""
    datatype = URIRef(term.datatype.value)
    with _rdflib_silent():
        literal = Literal(term.value, datatype=datatype)
    expected = PYTHON_VALUE_TYPES.get(datatype)
    ok = literal.ill_typed is not True and (expected is None or isinstance(literal.value, expected))
    return ox.Literal("true" if ok else "false", datatype=ox.NamedNode(str(XSD.boolean)))


@contextmanager
def _rdflib_silent():
    """rdflib logs a traceback for each literal it cannot read; here that is the answer."""
    term_logger = logging.getLogger("rdflib.term")
    was = term_logger.disabled
    term_logger.disabled = True
    try:
        yield
    finally:
        term_logger.disabled = was


CUSTOM_FUNCTIONS = {ox.NamedNode(WELL_FORMED): well_formed}


def materialize_focus(
    store: ox.Store, compiled: CompiledShapes, nodes: Iterable[Node] | None = None
) -> dict[str, float]:
    """Write the focus nodes of every targeted shape into the focus graph; seconds per shape.

    With ``nodes``, only those nodes (IRIs) that a shape targets become its focus nodes.
    """
    store.update(f"DROP SILENT GRAPH <{FOCUS_GRAPH}>")
    restriction = ""
    if nodes is not None:
        restriction = f"VALUES ?this {{ {' '.join(_focus_term(n) for n in nodes)} }} "
    seconds = {}
    for target in compiled.targets:
        started = perf_counter()
        # Into each branch, so that a restricted run never computes a whole target.
        store.update(
            compiled.prefixes
            + f"INSERT {{ GRAPH <{FOCUS_GRAPH}> {{ ?this <{FOCUS_OF}> <{target.key}> }} }} "
            + f"WHERE {{ {target.pattern(restriction)} }}"
        )
        seconds[_local(target.shape, compiled.shapes)] = perf_counter() - started
    return seconds


def run_check(store: ox.Store, check: Check) -> Iterator[Result]:
    """The results of one check: its rows, worded as pyshacl words them."""
    solutions = store.query(check.select(), custom_functions=CUSTOM_FUNCTIONS)
    variables = [v.value for v in solutions.variables]
    for row in solutions:
        bound = {name: to_rdflib(row[name]) for name in variables if row[name] is not None}
        focus = bound.pop("this")
        value = None if check.kind == "focus" else bound.pop("value", None)
        if check.kind == "sparql":
            if value is None:
                value = focus
            messages = tuple(
                _substitute(str(m), {**bound, "this": focus, "value": value})
                for m in check.messages
            )
        else:
            messages = tuple(str(m) for m in check.messages)
        yield Result(
            focus=focus,
            path=check.path,
            value=value,
            messages=messages,
            severity=check.severity,
            shape=check.shape,
            component=check.component,
        )


def _substitute(message: str, bindings: dict[str, Node]) -> str:
    """{?name} and {$name} replaced by the bound term's lexical form or IRI, as pyshacl does."""
    for name, term in bindings.items():
        message = message.replace("{?" + name + "}", str(term)).replace(
            "{$" + name + "}", str(term)
        )
    return message


def _focus_term(node: Node) -> str:
    if not isinstance(node, URIRef):
        raise ValueError(f"focus nodes to validate must be IRIs, not {node!r}")
    return _iri(node)


def to_ox(term: Node):
    """rdflib term -> pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib(term) -> Node:
    """pyoxigraph term -> rdflib term; a plain string comes back without datatype, as rdflib
    reads it from Turtle."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"not an RDF term: {term!r}")


def _iri(node: Node) -> str:
    if not isinstance(node, URIRef):
        raise ShapeCompileError(f"an IRI was expected, not {node!r}")
    text = str(node)
    if any(c in text for c in '<>"{}|^`\\ '):
        raise ShapeCompileError(f"an IRI that cannot be written in SPARQL: {text!r}")
    return f"<{text}>"


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _term(node: Node) -> str:
    if isinstance(node, URIRef):
        return _iri(node)
    if isinstance(node, Literal):
        body = _string(str(node))
        if node.language:
            return f"{body}@{node.language}"
        if node.datatype is not None:
            return f"{body}^^{_iri(node.datatype)}"
        return body
    raise ShapeCompileError(f"a blank node where a constant is expected: {node!r}")


def _local(shape: Node, shapes: Graph) -> str:
    if isinstance(shape, URIRef):
        return str(shape).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    holders = [s for p in (SH.property, SH.sparql) for s in shapes.subjects(p, shape)]
    path = shapes.value(shape, SH.path)
    owner = _local(holders[0], shapes) if holders else "shape"
    if isinstance(path, URIRef):
        return f"{owner}/{str(path).rsplit('#', 1)[-1].rsplit('/', 1)[-1]}"
    return owner
