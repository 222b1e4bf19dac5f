"""The data tells what the backgrounder says, with its evidence, and nothing more."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from needs_shared import SHARED
from scomm_kg import resources
from scomm_kg.namespaces import OA, SCHEMA, SCOMM, TIME

from helpers import iri

SOURCE = Path(resources.project_root(), "data/sources/secure-communities-backgrounder.txt")
ORIGINAL = SHARED / "sources" / "secure-communities-backgrounder.txt"


def source_text() -> str:
    with open(SOURCE, encoding="utf-8", newline="") as handle:
        return handle.read()


ABBREVIATIONS = ("Rep.", "Sept.", "Aug.", "D.C.", "Va.", "Calif.", "Mass.")


def factual_sentences() -> list[str]:
    """The sentences and list items of the backgrounder, without its section headings."""
    sentences = []
    for line in source_text().splitlines():
        line = line.strip().removeprefix("- ").strip()
        if not line or (line.endswith(":") and len(line.split()) <= 6):
            continue
        pieces = re.split(r'(?<=[.!?])\s+(?=[A-Z])|(?<=[.!?]")\s+(?=[A-Z])', line)
        merged: list[str] = []
        for piece in pieces:
            # "Rep. Zoe" or "Sept. 2010": an abbreviation, not the end of a sentence.
            if merged and merged[-1].endswith(ABBREVIATIONS):
                merged[-1] += " " + piece
            else:
                merged.append(piece)
        sentences.extend(merged)
    return sentences


def evidence_strings(merged) -> list[str]:
    return [str(o) for o in merged.objects(None, OA.exact)]


@pytest.fixture(scope="module")
def merged(loaded):
    return loaded.merged()


@pytest.mark.needs_shared("sources/secure-communities-backgrounder.txt", "the original text")
def test_the_project_ships_the_source_text_unchanged():
    assert SOURCE.read_bytes() == ORIGINAL.read_bytes()


def test_the_source_text_has_the_declared_checksum(merged):
    media = URIRef(iri("source/secure-communities-backgrounder.txt"))
    declared = str(merged.value(media, SCHEMA.sha256))
    assert hashlib.sha256(SOURCE.read_bytes()).hexdigest() == declared


def test_every_evidence_string_occurs_verbatim_in_the_source(merged):
    text = source_text()
    strings = evidence_strings(merged)
    assert len(strings) == len(set(merged.subjects(RDF.type, OA.SpecificResource))) >= 25
    missing = [s for s in strings if s not in text]
    assert missing == []


def test_every_factual_sentence_is_evidence_of_some_fact(merged):
    strings = evidence_strings(merged)
    sentences = factual_sentences()
    assert len(sentences) >= 25, sentences
    uncovered = [s for s in sentences if not any(s in e or e in s for e in strings)]
    assert uncovered == []


def test_the_sentence_splitter_keeps_abbreviations_inside_sentences():
    assert (
        "In Sept. 2010, DHS Secretary Janet Napolitano said that local jurisdictions could opt "
        "out, in a letter she wrote to Rep. Zoe Lofgren (D-Calif.), as reported by the Los "
        "Angeles Times."
    ) in factual_sentences()


def test_every_evidence_passage_is_used_by_a_fact(merged):
    passages = set(merged.subjects(RDF.type, OA.SpecificResource))
    used = set(merged.objects(None, SCOMM.evidence))
    assert passages - used == set()


def test_a_month_stays_a_month(merged):
    """No month of the source is given an invented day."""
    dates = {
        str(s): o
        for s, o in merged.subject_objects(DCTERMS.date)
        if "opt-out-attempt" in str(s) or "/statement/" in str(s)
    }
    assert dates, "no dated statements or attempts"
    for subject, value in dates.items():
        assert value.datatype in (XSD.gYearMonth, XSD.gYear), (subject, value)
    attempt = merged.value(URIRef(iri("id/event/opt-out-attempt/boston-ma-2011-07")), DCTERMS.date)
    assert attempt == Literal("2011-07", datatype=XSD.gYearMonth)
    launch = merged.value(URIRef(iri("id/event/secure-communities-launch")), DCTERMS.date)
    assert launch == Literal("2008", datatype=XSD.gYear)


def test_no_dcterms_date_claims_a_day_the_source_does_not_give(merged):
    datatypes = {o.datatype for o in merged.objects(None, DCTERMS.date)}
    assert datatypes <= {XSD.gYear, XSD.gYearMonth}
    # The one day the source states is the end of the cumulative period, "April 30, 2011".
    period = URIRef(iri("id/period/through-2011-04-30"))
    end = merged.value(merged.value(period, TIME.hasEnd), TIME.inXSDDate)
    assert end == Literal("2011-04-30", datatype=XSD.date)


def test_a_lower_bound_stays_a_lower_bound(merged):
    for path, value in [
        ("id/statistic/convicted-immigrants-deported-through-2011-04-30", 77000),
        ("id/statistic/level-1-convicts-deported-through-2011-04-30", 28000),
    ]:
        statistic = URIRef(iri(path))
        assert merged.value(statistic, SCOMM.statedValue).toPython() == value
        assert merged.value(statistic, SCOMM.valueQualifier) == SCOMM.MoreThan


def test_the_typo_san_franciscio_becomes_the_label_san_francisco(merged):
    city = URIRef(iri("id/place/san-francisco-ca"))
    assert merged.value(city, RDFS.label) == Literal("San Francisco", lang="en")
    assert Literal("San Franciscio", lang="en") in set(merged.objects(city, SKOS.hiddenLabel))
    assert not any("Franciscio" in str(o) for o in merged.objects(None, RDFS.label))


def test_no_outlet_is_named_that_the_source_does_not_name(merged):
    outlets = {
        str(merged.value(o, RDFS.label))
        for o in merged.subjects(RDF.type, SCHEMA.NewsMediaOrganization)
    }
    assert outlets == {
        "Los Angeles Times",
        "WUSA",
        "TBD",
        "KGO-TV",
        "Fox News",
        "San Francisco Examiner",
        "WNYC",
        "Boston Globe",
    }
    for outlet in outlets - {"San Francisco Examiner"}:
        assert outlet in source_text()
    assert "SF Examiner" in source_text()


def test_documents_without_a_stated_publisher_or_date_have_none(merged):
    for path in (
        "id/document/secure-communities-backgrounder",
        "id/document/secure-communities-info-page",
        "id/document/los-angeles-times-report-on-napolitano-letter",
    ):
        assert merged.value(URIRef(iri(path)), DCTERMS.date) is None
    for path in (
        "id/document/secure-communities-monthly-statistics-report-2011-05",
        "id/document/secure-communities-info-page",
        "id/document/secure-communities-backgrounder",
    ):
        assert merged.value(URIRef(iri(path)), DCTERMS.publisher) is None


def test_every_cited_source_has_its_own_named_graph(loaded):
    graphs = {str(g) for g in loaded.graph_names()}
    assert len([g for g in graphs if g.startswith(iri("graph/"))]) == 13
    for name in (
        "curators-knowledge",
        "backgrounder",
        "ice-memo-2010-08",
        "ice-brochure-2010",
        "los-angeles-times-napolitano-letter",
        "wusa-washington-dc-opt-out",
        "boston-globe-boston-opt-out",
        "provenance",
    ):
        assert iri(f"graph/{name}") in graphs


def test_nothing_lives_in_the_default_graph(loaded):
    assert loaded.default_graph_size() == 0
