"""The ontology's documentation: pyLODE's page for the ontology graph, with an example per term.

pyLODE (a kept tool) writes the page from the ontology's triples, offline: the vocabularies it
names terms from ship inside its package. Its output is then finished here, so that the page
fits the site: each term's section takes the local name of its IRI as its id (so that the term
IRI ``…/ontology#Statement`` lands on it), links to IRIs this server serves go to local paths,
and each term gets an "Example" row, a triple of the data that uses it. The web layer renders
those rows; this module knows nothing of HTTP.
"""

from __future__ import annotations

import gc
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape, unescape

from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from . import describe, queries, resources
from .namespaces import ONTOLOGY_IRI, PREFIXES
from .results import GRAPH_FORMATS
from .store import GraphStore, Term

_ONTOLOGY = str(ONTOLOGY_IRI)
_TURTLE = next(fmt for fmt in GRAPH_FORMATS if fmt.name == "turtle")

# pyLODE writes one <div class="property entity" id="…"> per term, its IRI in the first <code>.
_TERM_SECTION = re.compile(
    r'<div class="property entity" id="(?P<id>[^"]*)">(?P<body>.*?)</table>', re.DOTALL
)
_TERM_IRI = re.compile(r"<th>IRI</th>\s*<td>\s*<code>(?P<iri>[^<]*)</code>")
_HREF = re.compile(r'href="(?P<href>[^"]*)"')
_BODY_OPEN = re.compile(r"<body[^>]*>")


class OntologyDocsError(RuntimeError):
    """The documentation tool's output is not what this module knows how to finish."""


@dataclass(frozen=True)
class Example:
    """One triple of the data that uses a term, and the named graph that holds it."""

    term: str
    subject: Term
    predicate: str
    object: Term
    graph: str


def ontology_turtle(store: GraphStore) -> str:
    """The ontology graph as the store holds it, in Turtle (what the docs are made from)."""
    quads = describe.graph_contents(store, _ONTOLOGY)
    if not quads:
        raise OntologyDocsError(f"the store holds no ontology graph <{_ONTOLOGY}>")
    return describe.serialize_quads(quads, _TURTLE).decode("utf-8")


def generate(turtle: str) -> str:
    """pyLODE's HTML page for the ontology in ``turtle``."""
    from pylode import OntPub  # slow to import, and only the docs page needs it

    graph = Graph(bind_namespaces="core").parse(data=turtle, format="turtle")
    # pyLODE takes every concept scheme for the ontology itself (its title and IRI then mix
    # with the schemes'), and documents no concepts: the schemes have their own section.
    for kind in (SKOS.ConceptScheme, SKOS.Concept):
        for subject in set(graph.subjects(RDF.type, kind)):
            graph.remove((subject, None, None))
    # pyLODE reads its stylesheet with open(...).read() and leaves the closing to the garbage
    # collector, which warns: the file is its own, read once, and nothing of ours leaks.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        page = OntPub(graph).make_html(include_css=True)
        gc.collect()
    return page


def term_examples(store: GraphStore) -> dict[str, Example]:
    """One use in the data of each class and property the ontology mints, by term IRI.

    The query returns every use by the first subject (by IRI) that uses the term; the first
    row is kept so that the same data always gives the same example.
    """
    examples: dict[str, Example] = {}
    query = queries.get("term-examples", resources.queries_dir() / "resource")
    for row in store.query(query.text, bindings={}, prefixes=PREFIXES).rows:
        term = row["term"].value
        examples.setdefault(
            term,
            Example(
                term=term,
                subject=row["subject"],
                predicate=row["predicate"].value,
                object=row["object"],
                graph=row["graph"].value,
            ),
        )
    return examples


@dataclass(frozen=True)
class ConceptScheme:
    """A value vocabulary of the ontology: its concepts, each (IRI, local name, label, comment)."""

    iri: str
    label: str
    comment: str
    concepts: tuple[tuple[str, str, str, str], ...]


def concept_schemes(store: GraphStore) -> list[ConceptScheme]:
    """The ontology's SKOS concept schemes and their concepts, in IRI order."""
    query = queries.get("ontology-concepts", resources.queries_dir() / "resource")
    schemes: dict[str, tuple[str, str, dict]] = {}
    for row in store.query(query.text, bindings={}, prefixes=PREFIXES).rows:
        scheme = row["scheme"].value
        label, comment = (
            row[k].value if row.get(k) else "" for k in ("schemeLabel", "schemeComment")
        )
        _, _, concepts = schemes.setdefault(scheme, (label, comment, {}))
        concept = row["concept"].value
        concepts.setdefault(
            concept,
            (
                concept,
                concept.rpartition("#")[2],
                row["label"].value if row.get("label") else "",
                row["comment"].value if row.get("comment") else "",
            ),
        )
    return [
        ConceptScheme(iri, label, comment, tuple(concepts.values()))
        for iri, (label, comment, concepts) in schemes.items()
    ]


def finish(
    page: str,
    *,
    href: Callable[[str], str],
    example_rows: Mapping[str, str],
    header: str = "",
    footer: str = "",
) -> str:
    """pyLODE's ``page`` with term ids, local links, example rows, a site ``header`` and a
    ``footer`` (put at the end of pyLODE's content).

    ``href`` maps an IRI to where a link to it goes; ``example_rows`` holds, by term IRI, the
    HTML of the table row that shows the term's example (a term without one gets none).
    """
    renamed: dict[str, str] = {}
    seen_terms: set[str] = set()

    def finish_section(match: re.Match) -> str:
        found = _TERM_IRI.search(match["body"])
        if found is None:
            raise OntologyDocsError(f"pyLODE's section {match['id']!r} names no IRI")
        iri = unescape(found["iri"])
        if not iri.startswith(_ONTOLOGY + "#"):
            return match[0]  # a term of another vocabulary that the ontology describes
        local = iri[len(_ONTOLOGY) + 1 :]
        renamed[match["id"]] = local
        seen_terms.add(iri)
        row = example_rows.get(iri, "")
        return f'<div class="property entity" id="{escape(local)}">{match["body"]}{row}</table>'

    page = _TERM_SECTION.sub(finish_section, page)

    def relink(match: re.Match) -> str:
        target = unescape(match["href"])
        if target.startswith("#"):
            target = "#" + renamed.get(target[1:], target[1:])
        elif target == _ONTOLOGY or target.startswith((_ONTOLOGY + "#", _ONTOLOGY + "/")):
            target = href(target)
        return f'href="{escape(target)}"'

    page = _HREF.sub(relink, page)
    opened = _BODY_OPEN.search(page)
    closed = page.rfind("</body>")
    if opened is None or closed < 0:
        raise OntologyDocsError("pyLODE's page has no <body>")
    page = page[: opened.end()] + header + page[opened.end() : closed] + footer + page[closed:]
    page = _accessible(page)
    ids = re.findall(r'\bid="([^"]*)"', page)
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise OntologyDocsError(f"two sections of the ontology docs share ids {duplicates}")
    return page


# pyLODE's logo text is grey on white, under WCAG's contrast ratio; and it names no language.
_CONTRAST = "<style>#pylode p, #pylode span { color: #1d1d1f !important; opacity: 1; }</style>"


def _accessible(page: str) -> str:
    """The page with its language declared and legible colours (axe-core checks both)."""
    if not re.search(r"<html[^>]*\blang=", page):
        page = re.sub(r"<html\b", '<html lang="en"', page, count=1)
    head_end = page.find("</head>")
    if head_end < 0:
        raise OntologyDocsError("pyLODE's page has no </head>")
    return page[:head_end] + _CONTRAST + page[head_end:]


def documented_terms(page: str) -> set[str]:
    """The local names of the terms the page has a section for (for checks)."""
    return set(re.findall(r'<div class="property entity" id="([^"]*)">', page))
