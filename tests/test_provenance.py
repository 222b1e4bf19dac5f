"""What a fact-checker reads in the provenance: what was read, what was only cited, and what
the curators added from their own knowledge, each kept apart and each true to the text."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from scomm_kg.namespaces import OA, PREFIXES, SCHEMA, SCOMM

from helpers import iri

PROV = PREFIXES["prov"]
BACKGROUNDER = iri("id/document/secure-communities-backgrounder")
OPT_OUT_GRAPHS = {
    "wusa-washington-dc-opt-out": "wusa-article-washington-dc-opt-out",
    "tbd-arlington-county-opt-out": "tbd-article-arlington-county-opt-out",
    "kgo-tv-santa-clara-county-opt-out": "kgo-tv-article-santa-clara-county-opt-out",
    "fox-news-illinois-opt-out": "fox-news-article-illinois-opt-out",
    "sf-examiner-san-francisco-opt-out": "sf-examiner-article-san-francisco-opt-out",
    "wnyc-new-york-opt-out": "wnyc-article-new-york-opt-out",
    "boston-globe-boston-opt-out": "boston-globe-article-boston-opt-out",
}


def select(store, sparql: str, **bindings) -> list[dict[str, str]]:
    """Rows as plain strings; bound variables (which the engine needs projected) left out."""
    terms = {k: ox.NamedNode(v) for k, v in bindings.items()}
    result = store.query(sparql, bindings=terms)
    return [{k: v.value for k, v in row.items() if k not in bindings} for row in result.rows]


# --- Read apart from cited ------------------------------------------------------------------


@pytest.mark.parametrize(("graph", "article"), sorted(OPT_OUT_GRAPHS.items()))
def test_an_opt_out_graph_shows_the_backgrounder_as_read_and_the_article_as_cited(
    store, graph, article
):
    rows = select(
        store,
        """PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX scomm: <https://w3id.org/scomm-kg/ontology#>
        SELECT ?graph ?read ?cited ?curation WHERE {
          ?graph prov:wasDerivedFrom ?read ; scomm:citedSource ?cited ;
                 prov:wasGeneratedBy ?curation .
        }""",
        graph=iri(f"graph/{graph}"),
    )
    assert rows == [
        {
            "read": BACKGROUNDER,
            "cited": iri(f"id/document/{article}"),
            "curation": iri("id/activity/curation-of-secure-communities-backgrounder"),
        }
    ]


def test_what_was_read_is_what_the_curation_used_and_nothing_cited_was_read(store):
    read = select(
        store,
        """PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX foaf: <http://xmlns.com/foaf/0.1/>
        SELECT DISTINCT ?document WHERE {
          ?curation prov:used ?document . ?document a foaf:Document
        }""",
    )
    assert read == [{"document": BACKGROUNDER}]
    unread_yet_derived = select(
        store,
        """PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX scomm: <https://w3id.org/scomm-kg/ontology#>
        SELECT ?graph WHERE {
          { ?graph scomm:citedSource ?document } UNION { ?graph prov:hadPrimarySource ?document }
          UNION { ?graph prov:wasDerivedFrom ?document
                  FILTER NOT EXISTS { ?graph prov:wasGeneratedBy/prov:used ?document } }
          FILTER EXISTS { ?graph prov:wasDerivedFrom|prov:hadPrimarySource ?document }
        }""",
    )
    assert unread_yet_derived == []


def test_the_letter_is_known_only_through_the_report_the_backgrounder_cites(store):
    rows = select(
        store,
        """PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX scomm: <https://w3id.org/scomm-kg/ontology#>
        SELECT ?graph ?letter ?p WHERE { ?graph ?p ?letter }""",
        graph=iri("graph/los-angeles-times-napolitano-letter"),
        letter=iri("id/document/napolitano-letter-to-lofgren-2010-09"),
    )
    assert rows == []


# --- The curators' own knowledge, apart -------------------------------------------------------

# Every triple that no source states, in the curators' graph (subject, predicate, object), with
# IRIs under the base written as paths. A new one must be added here on purpose.
CURATORS_TRIPLES = {
    ("id/organization/ice", "org:subOrganizationOf", "id/organization/dhs"),
    (
        "id/document/ice-memo-2010-08-setting-the-record-straight",
        "dcterms:publisher",
        "id/organization/ice",
    ),
    ("id/place/san-francisco-ca", "rdf:type", "scomm:City"),
    ("id/place/boston-ma", "rdf:type", "scomm:City"),
    ("id/organization/fbi", "skos:altLabel", "Federal Bureau of Investigation"),
    ("id/organization/gao", "skos:altLabel", "U.S. Government Accountability Office"),
    ("id/organization/local-law-enforcement", "skos:altLabel", "police"),
    (
        "id/proposition/withholding-from-ice-requires-withholding-from-fbi",
        "skos:related",
        "id/proposition/local-jurisdictions-can-opt-out",
    ),
    ("id/period/fiscal-year-2008", "time:hasBeginning", "2007-10-01"),
    ("id/period/fiscal-year-2008", "time:hasEnd", "2008-09-30"),
    ("id/period/fiscal-year-2010", "time:hasBeginning", "2009-10-01"),
    ("id/period/fiscal-year-2010", "time:hasEnd", "2010-09-30"),
}


def short(term) -> str:
    text = str(term)
    for name, namespace in PREFIXES.items():
        if text.startswith(namespace):
            return f"{name}:{text[len(namespace) :]}"
    return text.removeprefix(iri(""))


def test_the_only_graphs_outside_the_sources_are_the_ontology_provenance_and_curators(loaded):
    dataset = loaded.dataset
    kinds = {}
    for graph in loaded.graph_names():
        kinds[short(graph)] = {
            short(t)
            for t in dataset.graph(URIRef(iri("graph/provenance"))).objects(graph, RDF.type)
        }
    outside = {name for name, types in kinds.items() if "scomm:SourceGraph" not in types}
    assert outside == {"ontology", "graph/provenance", "graph/curators-knowledge"}
    assert kinds["graph/curators-knowledge"] == {"scomm:CuratorGraph"}


def test_every_triple_the_curators_add_is_listed(loaded):
    graph = loaded.dataset.graph(URIRef(iri("graph/curators-knowledge")))
    facts = set()
    for s, p, o in graph:
        if p in (SKOS.note, SKOS.definition) or not isinstance(s, URIRef):
            continue  # notes are remarks, not facts; blank nodes are the period bounds' instants
        if p.startswith(PREFIXES["time"]):
            o = next(graph.objects(o, URIRef(PREFIXES["time"] + "inXSDDate")))
        facts.add((short(s), short(p), short(o)))
    assert facts == CURATORS_TRIPLES
    # Notes and definitions are the curators' words: none is left in a source graph.
    for name in loaded.graph_names():
        if name != URIRef(iri("graph/curators-knowledge")):
            assert not set(loaded.dataset.graph(name).triples((None, SKOS.note, None))), name


def test_no_order_is_given_to_the_steps_of_the_fingerprint_check(loaded):
    merged = loaded.merged()
    assert set(merged.triples((None, SCHEMA.position, None))) == set()


def test_what_the_sources_say_is_only_what_has_evidence_in_the_backgrounder(store):
    """Every described resource of a source graph has its evidence in that same graph."""
    rows = select(
        store,
        """PREFIX scomm: <https://w3id.org/scomm-kg/ontology#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX schema: <https://schema.org/>
        SELECT DISTINCT ?graph ?resource WHERE {
          ?graph a scomm:SourceGraph .
          GRAPH ?graph { ?resource ?p ?o }
          FILTER(isIRI(?resource))
          FILTER NOT EXISTS { GRAPH ?graph { ?resource scomm:evidence ?passage } }
          FILTER NOT EXISTS { GRAPH ?graph { ?resource a oa:SpecificResource } }
          FILTER NOT EXISTS { GRAPH ?graph { ?resource a schema:MediaObject } }
        }""",
    )
    assert rows == []
    sources = select(
        store,
        """PREFIX scomm: <https://w3id.org/scomm-kg/ontology#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT DISTINCT ?text WHERE {
          ?graph a scomm:SourceGraph .
          GRAPH ?graph { ?resource scomm:evidence ?passage }
          ?passage oa:hasSource ?text .
        }""",
    )
    assert sources == [{"text": iri("source/secure-communities-backgrounder.txt")}]


def test_leaving_out_the_curators_graph_leaves_ice_outside_dhs(store):
    statement = """PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX scomm: <https://w3id.org/scomm-kg/ontology#>
        ASK { GRAPH ?g { ?ice org:subOrganizationOf ?dhs } ?g a scomm:SourceGraph }"""
    assert not store.query(statement).value
    assert store.query("ASK { ?s <http://www.w3.org/ns/org#subOrganizationOf> ?o }").value


# --- Evidence contains what it is evidence for -------------------------------------------------

STOP_WORDS = frozenset(
    re.findall(
        r"\w+",
        "the a an of to in on by for and or its it is be as at that this with from was were has "
        "have had their they them his her she he not can could would which who what when than "
        "into per more",
    )
)
# The backgrounder's abbreviations, read as the words they stand for.
SAME_WORD = {
    "calif": "california",
    "va": "virginia",
    "mass": "massachusetts",
    "d": "democratic",
    "rep": "representative",
    "sept": "september",
    "aug": "august",
    "scomm": "secure",
    "tries": "tried",
}
MONTHS = re.findall(
    r"\w+", "january february march april may june july august september october november december"
)
NAMES = (RDFS.label, SKOS.altLabel, SKOS.hiddenLabel, SCHEMA.text, DCTERMS.title)
FACT_CLASSES = (SCOMM.Statement, SCOMM.Proposition, SCOMM.Statistic, SCOMM.OptOutAttempt)


def stem(word: str) -> str:
    """A crude stem, enough to match "removals" with "removal" and "tried" with "tries"."""
    word = SAME_WORD.get(word, word)
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def words(text: str) -> set[str]:
    """The words that matter, stemmed; a month date reads as its month's name and year."""
    text = re.sub(r"\b(\d{4})-(\d{2})\b", lambda m: f"{MONTHS[int(m[2]) - 1]} {m[1]}", text)
    return {stem(w) for w in re.findall(r"[a-z0-9]+", text.lower().replace(",", ""))} - {
        stem(w) for w in STOP_WORDS
    }


def vocabulary(graph, node) -> set[str]:
    """The names and values of a resource, of what it points to, and of their kinds."""

    def names(n) -> list[str]:
        kinds = [re.sub(r"^.*[/#]", "", str(t)) for t in graph.objects(n, RDF.type)]
        return [str(o) for p in NAMES for o in graph.objects(n, p)] + kinds

    parts = names(node)
    for predicate, value in graph.predicate_objects(node):
        if isinstance(value, Literal):
            parts.append(str(value))
        elif isinstance(value, URIRef) and predicate not in (SCOMM.evidence, SCHEMA.appearance):
            parts += names(value)
    # A concept scheme is named by the concepts in it.
    for member in graph.subjects(SKOS.inScheme, node):
        parts += names(member)
    return words(" ".join(parts))


def sources_only(loaded):
    """What the source graphs (and the ontology's names of kinds) say, without the curators'."""
    said = Graph()
    curators = URIRef(iri("graph/curators-knowledge"))
    for s, p, o, g in loaded.dataset.quads((None, None, None, None)):
        if g != curators:
            said.add((s, p, o))
    return said


def test_every_evidence_passage_speaks_of_what_it_is_evidence_for(loaded):
    merged = sources_only(loaded)
    unrelated = []
    for node, passage in merged.subject_objects(SCOMM.evidence):
        if not speaks_of(merged, node, passage):
            unrelated.append((short(node), short(passage)))
    assert unrelated == []


def speaks_of(graph, node, passage) -> bool:
    """Whether the passage shares words that matter with the resource: two for a fact (one
    shared word, such as "program", is chance), one for a name or a short heading."""
    said = words(str(graph.value(graph.value(passage, OA.hasSelector), OA.exact)))
    is_fact = any((node, RDF.type, cls) in graph for cls in FACT_CLASSES)
    needed = 2 if is_fact and len(said) >= 3 else 1
    return len(said & vocabulary(graph, node)) >= needed


def test_the_evidence_of_every_fact_holds_most_words_of_its_label(loaded):
    merged = loaded.merged()
    weak = []
    facts = {n for cls in FACT_CLASSES for n in merged.subjects(RDF.type, cls)}
    assert len(facts) >= 20
    for node in sorted(facts):
        said = set()
        for passage in merged.objects(node, SCOMM.evidence):
            said |= words(str(merged.value(merged.value(passage, OA.hasSelector), OA.exact)))
        label = words(str(merged.value(node, RDFS.label)))
        if len(label & said) < len(label) / 2:
            weak.append((short(node), sorted(label - said)))
    assert weak == []


def test_the_evidence_check_catches_a_passage_about_something_else(loaded):
    """The check that failed on the proposition citing Napolitano's clarification."""
    merged = sources_only(loaded)
    proposition = URIRef(iri("id/proposition/withholding-from-ice-requires-withholding-from-fbi"))
    clarification = URIRef(iri("id/passage/napolitano-clarification"))
    assert not speaks_of(merged, proposition, clarification)
    opt_out = URIRef(iri("id/proposition/local-jurisdictions-can-opt-out"))
    assert speaks_of(merged, opt_out, clarification)
    assert clarification not in set(merged.objects(proposition, SCOMM.evidence))
