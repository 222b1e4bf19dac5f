"""The SHACL shapes, one curator's mistake at a time.

Every file in tests/fixtures/invalid/ adds a few triples to the shipped data, with IRIs of its
own, that break exactly one rule of shapes/*.ttl; its first lines say which mistake it stands
for. The shipped data and all the fixtures are validated together, once, and the report must
hold, for each fixture, the violation it was written to cause: on the right resource, with the
right message, traced back to the fixture's file.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH

from scomm_kg import cli, loader, resources, validate
from scomm_kg.namespaces import PREFIXES

FIXTURES = Path(__file__).parent / "fixtures" / "invalid"
FIXTURE_SUFFIXES = {".trig", ".ttl"}
SHAPES_NS = PREFIXES["scommsh"]
BACKGROUNDER_TEXT = resources.project_root() / "data/sources/secure-communities-backgrounder.txt"


def kg(path: str) -> str:
    """A resource of the graph as the report prints its focus node."""
    return f"<https://w3id.org/scomm-kg/{path}>"


# (fixture file, focus node as the report prints it, part of the expected message, the shape
# it exercises: the local name of a node shape or of a shared property shape in scommsh:)
CASES = [
    # shared property shapes
    (
        "alt-label-without-language.trig",
        kg("id/organization/fixture-alt-label-without-language"),
        "skos:altLabel values must be non-empty language-tagged strings",
        "altLabel",
    ),
    (
        "date-month-that-does-not-exist.trig",
        kg("id/document/fixture-month-13"),
        "dcterms:date must be one xsd:date (YYYY-MM-DD), xsd:gYearMonth (YYYY-MM)",
        "date",
    ),
    (
        "date-day-that-does-not-exist.trig",
        kg("id/document/fixture-february-30"),
        "dcterms:date must be one xsd:date (YYYY-MM-DD), xsd:gYearMonth (YYYY-MM)",
        "date",
    ),
    (
        "earliest-date-without-datatype.trig",
        kg("id/document/fixture-untyped-earliest-date"),
        "scomm:earliestDate must be a single xsd:date",
        "earliestDate",
    ),
    (
        "latest-date-with-time.trig",
        kg("id/document/fixture-latest-date-with-time"),
        "scomm:latestDate must be a single xsd:date",
        "latestDate",
    ),
    (
        "evidence-not-a-passage.trig",
        kg("id/organization/fixture-evidence-not-a-passage"),
        "needs scomm:evidence: at least one passage (oa:SpecificResource)",
        "evidence",
    ),
    (
        "label-missing.trig",
        kg("id/role/fixture-label-missing"),
        "needs exactly one non-empty English rdfs:label",
        "label",
    ),
    (
        "label-not-english.trig",
        kg("id/role/fixture-label-not-english"),
        "needs exactly one non-empty English rdfs:label",
        "label",
    ),
    (
        "label-two-in-english.trig",
        kg("id/role/fixture-label-two-in-english"),
        "needs exactly one non-empty English rdfs:label",
        "label",
    ),
    (
        "required-date-statement-without-date.trig",
        kg("id/statement/fixture-without-date"),
        "needs a dcterms:date at the precision the source gives",
        "requiredDate",
    ),
    # documents
    (
        "document-creator-not-an-agent.trig",
        kg("id/document/fixture-creator-not-an-agent"),
        "dcterms:creator must be a foaf:Person or an org:Organization",
        "DocumentShape",
    ),
    (
        "document-format-not-a-media-type.trig",
        kg("id/document/fixture-format-not-a-media-type"),
        "dcterms:format must be one media type",
        "DocumentShape",
    ),
    (
        "document-publisher-not-an-organization.trig",
        kg("id/document/fixture-publisher-not-an-organization"),
        "dcterms:publisher must be one org:Organization",
        "DocumentShape",
    ),
    (
        "document-reported-by-not-a-document.trig",
        kg("id/document/fixture-reported-by-not-a-document"),
        "a report (scomm:reportedBy) must be a foaf:Document",
        "DocumentShape",
    ),
    (
        "document-title-without-language.trig",
        kg("id/document/fixture-title-without-language"),
        "dcterms:title is the document's own title, verbatim, once, language-tagged",
        "DocumentShape",
    ),
    (
        "document-from-elsewhere-relied-on-without-kind.trig",
        "<https://news.example/fixture-article-of-no-kind>",
        "a document needs exactly one kind",
        "DocumentShape",
    ),
    (
        "document-two-kinds.trig",
        kg("id/document/fixture-two-kinds"),
        "a document needs exactly one kind",
        "DocumentShape",
    ),
    (
        "document-without-kind.trig",
        kg("id/document/fixture-without-kind"),
        "a document needs exactly one kind",
        "DocumentShape",
    ),
    (
        "brochure-without-publisher.trig",
        kg("id/document/fixture-brochure-without-publisher"),
        "a brochure needs the organization that issued it",
        "BrochureShape",
    ),
    (
        "letter-without-author.trig",
        kg("id/document/fixture-letter-without-author"),
        "a letter needs exactly one author",
        "LetterShape",
    ),
    (
        "letter-without-recipient.trig",
        kg("id/document/fixture-letter-without-recipient"),
        "a letter needs its addressee",
        "LetterShape",
    ),
    (
        "memo-without-publisher.trig",
        kg("id/document/fixture-memo-without-publisher"),
        "a memo needs the organization that issued it",
        "MemoShape",
    ),
    (
        "news-article-published-by-an-agency.trig",
        kg("id/document/fixture-news-article-by-an-agency"),
        "a news article needs its outlet",
        "NewsArticleShape",
    ),
    (
        "titled-article-without-title.trig",
        kg("id/document/fixture-article-without-title"),
        "an article listed by its title needs that dcterms:title",
        "TitledArticleShape",
    ),
    # dates and their bounds
    (
        "date-bounds-month-too-short.trig",
        kg("id/statement/fixture-october-too-short"),
        "dcterms:date 2010-10 admits 2010-10-01 to 2010-10-31",
        "DateBoundsShape",
    ),
    (
        "date-bounds-year-taken-for-half-year.trig",
        kg("id/document/fixture-year-taken-for-half-year"),
        "dcterms:date 2010 admits 2010-01-01 to 2010-12-31",
        "DateBoundsShape",
    ),
    (
        "date-bounds-february-of-a-leap-year.trig",
        kg("id/document/fixture-february-2012"),
        "dcterms:date 2012-02 admits 2012-02-01 to 2012-02-29",
        "DateBoundsShape",
    ),
    (
        "date-bounds-missing.trig",
        kg("id/document/fixture-bounds-missing"),
        "dcterms:date 2011-06 admits 2011-06-01 to 2011-06-30",
        "DateBoundsShape",
    ),
    (
        "bounds-order-earliest-after-latest.trig",
        kg("id/document/fixture-swapped-date-bounds"),
        "scomm:earliestDate 2011-05-31 is after scomm:latestDate 2011-05-01",
        "BoundsOrderShape",
    ),
    (
        "report-after-reported-report-predates-event.trig",
        kg("id/event/opt-out-attempt/fixture-reported-too-early"),
        "which is dated (latest 2011-05-31) before this happened (earliest 2011-06-01)",
        "ReportAfterReportedShape",
    ),
    # concepts
    (
        "concept-scheme-without-label.trig",
        kg("id/concept/fixture-unlabelled-scheme"),
        "needs exactly one non-empty English rdfs:label",
        "ConceptSchemeShape",
    ),
    (
        "concept-broader-not-a-concept.trig",
        kg("id/concept/fixture-broader-not-a-concept"),
        "skos:broader must point to a skos:Concept",
        "ConceptShape",
    ),
    (
        "concept-without-scheme.trig",
        kg("id/concept/fixture-concept-without-scheme"),
        "a concept needs its skos:inScheme",
        "ConceptShape",
    ),
    # agents, posts and places
    (
        "group-without-evidence.trig",
        kg("id/organization/fixture-group-without-evidence"),
        "needs scomm:evidence",
        "GroupShape",
    ),
    (
        "organization-sub-organization-of-a-string.trig",
        kg("id/organization/fixture-parent-is-a-string"),
        "org:subOrganizationOf must point to an org:Organization",
        "OrganizationShape",
    ),
    (
        "person-without-name.trig",
        kg("id/person/fixture-without-name"),
        "a person needs exactly one foaf:name",
        "PersonShape",
    ),
    (
        "person-membership-not-a-membership.trig",
        kg("id/person/fixture-membership-is-a-role"),
        "org:hasMembership must point to an org:Membership",
        "PersonShape",
    ),
    (
        "role-without-evidence.trig",
        kg("id/role/fixture-role-without-evidence"),
        "needs scomm:evidence",
        "RoleShape",
    ),
    (
        "membership-without-member.trig",
        kg("id/membership/fixture-without-member"),
        "a membership needs exactly one org:member, a foaf:Person",
        "MembershipShape",
    ),
    (
        "membership-without-organization.trig",
        kg("id/membership/fixture-without-organization"),
        "a membership needs exactly one org:organization",
        "MembershipShape",
    ),
    (
        "membership-role-not-a-role.trig",
        kg("id/membership/fixture-role-not-a-role"),
        "org:role must be one org:Role",
        "MembershipShape",
    ),
    (
        "membership-constituency-not-a-jurisdiction.trig",
        kg("id/membership/fixture-constituency-not-a-jurisdiction"),
        "scomm:constituency must be one scomm:Jurisdiction",
        "MembershipShape",
    ),
    (
        "jurisdiction-without-kind.trig",
        kg("id/place/fixture-jurisdiction-without-kind"),
        "a jurisdiction needs exactly one kind",
        "JurisdictionShape",
    ),
    (
        "jurisdiction-contained-in-a-city.trig",
        kg("id/place/fixture-county-in-a-city"),
        "schema:containedInPlace of a jurisdiction must be its one scomm:State",
        "JurisdictionShape",
    ),
    (
        "local-jurisdiction-without-state.trig",
        kg("id/place/fixture-city-without-state"),
        "a county or city needs its state",
        "LocalJurisdictionShape",
    ),
    (
        "state-or-district-contained-in-a-state.trig",
        kg("id/place/fixture-district-in-a-state"),
        "a state or federal district lies in no state",
        "StateOrDistrictShape",
    ),
    # the program, its launch, its mechanism and the opt-out attempts
    (
        "program-without-provider.trig",
        kg("id/program/fixture-without-provider"),
        "a program needs the one agency that runs it",
        "ProgramShape",
    ),
    (
        "program-aim-without-language.trig",
        kg("id/program/fixture-aim-without-language"),
        "scomm:aim must be language-tagged text",
        "ProgramShape",
    ),
    (
        "program-mechanism-not-a-mechanism.trig",
        kg("id/program/fixture-mechanism-is-a-step"),
        "scomm:mechanism must be a scomm:Mechanism",
        "ProgramShape",
    ),
    (
        "program-prioritizes-a-string.trig",
        kg("id/program/fixture-prioritizes-a-string"),
        "scomm:prioritizes must be a skos:Concept",
        "ProgramShape",
    ),
    (
        "program-launch-without-agency.trig",
        kg("id/event/fixture-launch-without-agency"),
        "a launch needs the agency that launched the program",
        "ProgramLaunchShape",
    ),
    (
        "program-launch-without-program.trig",
        kg("id/event/fixture-launch-without-program"),
        "a launch needs the one scomm:Program it started",
        "ProgramLaunchShape",
    ),
    (
        "mechanism-without-steps.trig",
        kg("id/mechanism/fixture-mechanism-without-steps"),
        "a mechanism needs its steps",
        "MechanismShape",
    ),
    (
        "mechanism-step-agent-not-an-agent.trig",
        kg("id/mechanism/fixture-step-agent-as-text"),
        "a step's schema:agent, where the source names one, is one organization",
        "MechanismStepShape",
    ),
    (
        "mechanism-step-position-zero.trig",
        kg("id/mechanism/fixture-step-position-zero"),
        "a step's place in the sequence, where the source gives an order, is one schema:position",
        "MechanismStepShape",
    ),
    (
        "mechanism-order-duplicate-position.trig",
        kg("id/mechanism/fixture-duplicate-position"),
        "two of its steps share position 1",
        "MechanismOrderShape",
    ),
    (
        "mechanism-order-position-out-of-range.trig",
        kg("id/mechanism/fixture-position-gap"),
        "position 3 is out of range",
        "MechanismOrderShape",
    ),
    (
        "opt-out-attempt-without-jurisdiction.trig",
        kg("id/event/opt-out-attempt/fixture-without-jurisdiction"),
        "an opt-out attempt needs the one scomm:Jurisdiction that made it",
        "OptOutAttemptShape",
    ),
    (
        "opt-out-attempt-without-program.trig",
        kg("id/event/opt-out-attempt/fixture-without-program"),
        "an opt-out attempt needs the one scomm:Program it tried to leave",
        "OptOutAttemptShape",
    ),
    (
        "opt-out-attempt-without-report.trig",
        kg("id/event/opt-out-attempt/fixture-without-report"),
        "an opt-out attempt needs the document that reported it",
        "OptOutAttemptShape",
    ),
    (
        "opt-out-after-launch-before-2008.trig",
        kg("id/event/opt-out-attempt/fixture-before-launch"),
        "is dated (latest 2007-09-30) before the program it tries to leave was launched "
        "(earliest 2008-01-01)",
        "OptOutAfterLaunchShape",
    ),
    # propositions and statements
    (
        "proposition-appearance-not-a-document.trig",
        kg("id/proposition/fixture-appearance-not-a-document"),
        "schema:appearance must be the foaf:Document that asserts the proposition",
        "PropositionShape",
    ),
    (
        "proposition-in-use-orphan.trig",
        kg("id/proposition/fixture-orphan"),
        "is neither asserted by a document (schema:appearance) nor affirmed",
        "PropositionInUseShape",
    ),
    (
        "statement-without-stance.trig",
        kg("id/statement/fixture-without-stance"),
        "a statement needs a stance (scomm:affirms, scomm:denies or scomm:suggests)",
        "StatementShape",
    ),
    (
        "statement-medium-not-a-document.trig",
        kg("id/statement/fixture-medium-is-a-passage"),
        "the medium of a statement (dcterms:isPartOf) must be one foaf:Document",
        "StatementShape",
    ),
    (
        "statement-without-speaker.trig",
        kg("id/statement/fixture-without-speaker"),
        "a statement needs exactly one speaker (prov:wasAttributedTo)",
        "StatementShape",
    ),
    (
        "statement-recipient-not-an-agent.trig",
        kg("id/statement/fixture-recipient-is-a-string"),
        "the addressee (schema:recipient) must be a foaf:Person or an org:Organization",
        "StatementShape",
    ),
    (
        "statement-text-without-language.trig",
        kg("id/statement/fixture-text-without-language"),
        "a statement needs its words: exactly one language-tagged schema:text",
        "StatementShape",
    ),
    (
        "statement-reported-by-not-a-document.trig",
        kg("id/statement/fixture-reported-by-a-newspaper"),
        "a report (scomm:reportedBy) must be a foaf:Document",
        "StatementShape",
    ),
    (
        "statement-without-text-kind.trig",
        kg("id/statement/fixture-without-text-kind"),
        "scomm:textKind must say whether the text is scomm:Verbatim or a scomm:Paraphrase",
        "StatementShape",
    ),
    (
        "attribution-without-role.trig",
        kg("id/statement/fixture-attribution-without-role"),
        "prov:qualifiedAttribution must name the speaker (prov:agent) and the office",
        "AttributionShape",
    ),
    (
        "attribution-agent-not-the-speaker.trig",
        kg("id/statement/fixture-attribution-names-someone-else"),
        "names https://w3id.org/scomm-kg/id/person/zoe-lofgren, who is not its speaker",
        "AttributionAgentShape",
    ),
    (
        "stance-consistency-affirms-and-denies.trig",
        kg("id/statement/fixture-affirms-and-denies"),
        "both holds https://w3id.org/scomm-kg/id/proposition/local-jurisdictions-can-opt-out "
        "true and denies it",
        "StanceConsistencyShape",
    ),
    (
        "statement-in-its-medium-dated-after-the-letter.trig",
        kg("id/statement/fixture-dated-after-its-letter"),
        "is dated 2010-10-01..2010-10-31, outside the dates of the document it was made in",
        "StatementInItsMediumShape",
    ),
    # statistics and periods
    (
        "statistic-without-measure.trig",
        kg("id/statistic/fixture-without-measure"),
        "a statistic needs what it counts",
        "StatisticShape",
    ),
    (
        "statistic-without-period.trig",
        kg("id/statistic/fixture-without-period"),
        "a statistic needs the one period it covers",
        "StatisticShape",
    ),
    (
        "statistic-value-as-printed-text.trig",
        kg("id/statistic/fixture-value-as-text"),
        "a statistic needs one non-negative scomm:statedValue",
        "StatisticShape",
    ),
    (
        "statistic-without-unit.trig",
        kg("id/statistic/fixture-without-unit"),
        "a statistic needs one scomm:unit: scomm:Count or scomm:Percent",
        "StatisticShape",
    ),
    (
        "statistic-without-value-qualifier.trig",
        kg("id/statistic/fixture-without-value-qualifier"),
        "a statistic needs one scomm:valueQualifier",
        "StatisticShape",
    ),
    (
        "statistic-baseline-not-a-period.trig",
        kg("id/statistic/fixture-baseline-is-a-string"),
        "scomm:baselinePeriod must be one time:ProperInterval",
        "StatisticShape",
    ),
    (
        "statistic-direction-typed-as-a-word.trig",
        kg("id/statistic/fixture-direction-is-a-word"),
        "scomm:changeDirection must be scomm:Increase or scomm:Decrease",
        "StatisticShape",
    ),
    (
        "statistic-subtotal-of-not-a-statistic.trig",
        kg("id/statistic/fixture-subtotal-of-a-concept"),
        "scomm:subtotalOf must be one scomm:Statistic",
        "StatisticShape",
    ),
    (
        "statistic-change-baseline-without-direction.trig",
        kg("id/statistic/fixture-baseline-without-direction"),
        "a change between periods needs both scomm:baselinePeriod and scomm:changeDirection",
        "StatisticChangeShape",
    ),
    (
        "statistic-change-decrease-above-100-percent.trig",
        kg("id/statistic/fixture-decrease-above-100-percent"),
        "a decrease of 230 percent is impossible",
        "StatisticChangeShape",
    ),
    (
        "statistic-change-subtotal-exceeds-exact-total.trig",
        kg("id/statistic/fixture-subtotal-exceeds-total"),
        "states more (28000) than that total (7700) as stated",
        "StatisticChangeShape",
    ),
    (
        "statistic-change-baseline-after-period.trig",
        kg("id/statistic/fixture-baseline-after-period"),
        "its baseline period ends (2010-09-30) after its period begins (2007-10-01)",
        "StatisticChangeShape",
    ),
    (
        "period-beginning-without-datatype.trig",
        kg("id/period/fixture-untyped-beginning"),
        "a period's beginning must be one time:Instant with one xsd:date",
        "PeriodShape",
    ),
    (
        "period-two-ends.trig",
        kg("id/period/fixture-two-ends"),
        "a period's end must be one time:Instant with one xsd:date",
        "PeriodShape",
    ),
    (
        "period-order-ends-before-it-begins.trig",
        kg("id/period/fixture-swapped-bounds"),
        "begins (2009-09-30) after it ends (2008-10-01)",
        "PeriodOrderShape",
    ),
    # evidence: passages and the source texts they quote
    (
        "passage-without-selector.trig",
        kg("id/passage/fixture-without-selector"),
        "a passage needs exactly one oa:TextQuoteSelector",
        "PassageShape",
    ),
    (
        "passage-source-is-the-document.trig",
        kg("id/passage/fixture-source-is-the-document"),
        "a passage needs exactly one oa:hasSource: the schema:MediaObject of the source text",
        "PassageShape",
    ),
    (
        "text-quote-selector-without-exact.trig",
        kg("id/passage/fixture-selector-without-exact"),
        "a passage needs exactly one oa:TextQuoteSelector whose oa:exact is the quoted text",
        "TextQuoteSelectorShape",
    ),
    (
        "passage-in-source-misquoted.trig",
        kg("id/passage/fixture-misquoted"),
        "quotes text that is not verbatim in its source: "
        "Immigration and Customs Enforcement launched Secure Communities in 2007",
        "PassageInSourceShape",
    ),
    (
        "source-text-malformed-checksum.trig",
        kg("source/fixture-upper-case-checksum.txt"),
        "a source text needs the schema:sha256 of its shipped file (64 lower-case hex digits)",
        "SourceTextShape",
    ),
    (
        "source-text-not-shipped.trig",
        kg("source/fixture-not-shipped.txt"),
        "the source text is not shipped: no file in data/sources/ matches",
        "SourceTextShape",
    ),
    (
        "source-checksum-mismatch.trig",
        kg("source/secure-communities-backgrounder.txt"),
        "not the declared e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855: "
        "the source text was changed",
        "SourceChecksumShape",
    ),
    # the dataset, its named graphs and their provenance
    (
        "dataset-triple-in-default-graph.ttl",
        "<urn:scomm-kg:dataset-under-validation>",
        "triples outside any named graph have no source",
        "DatasetShape",
    ),
    (
        "named-graph-without-provenance.trig",
        kg("graph/fixture-undescribed"),
        "this named graph has no provenance: describe it in data/graphs/provenance.trig",
        "NamedGraphShape",
    ),
    (
        "named-graph-without-license.trig",
        kg("graph/fixture-unlicensed"),
        "this named graph needs one dcterms:license (an IRI)",
        "NamedGraphShape",
    ),
    (
        "named-graph-generated-on-a-date.trig",
        kg("graph/fixture-generated-on-a-date"),
        "this named graph needs one prov:generatedAtTime (xsd:dateTime)",
        "NamedGraphShape",
    ),
    (
        "source-graph-empty.trig",
        kg("graph/fixture-empty"),
        "describes a graph that holds no triples in the dataset",
        "SourceGraphShape",
    ),
    (
        "source-graph-cited-source-not-a-document.trig",
        kg("graph/fixture-cited-source-is-an-outlet"),
        "scomm:citedSource must be a foaf:Document",
        "SourceGraphShape",
    ),
    (
        "source-graph-without-read-document.trig",
        kg("graph/fixture-without-cited-source"),
        "a source graph needs the one document the curators read for it",
        "SourceGraphShape",
    ),
    (
        "source-graph-derived-from-unread-document.trig",
        kg("graph/fixture-derived-from-unread-article"),
        "which its curation did not read (no prov:used)",
        "SourceGraphShape",
    ),
    (
        "source-graph-cited-source-not-referenced.trig",
        kg("graph/fixture-cited-source-not-referenced"),
        "the document it was derived from, does not reference it (dcterms:references)",
        "SourceGraphShape",
    ),
    (
        "source-graph-cited-source-read.trig",
        kg("graph/fixture-cited-source-read"),
        "as only cited, but its curation read it (prov:used)",
        "SourceGraphShape",
    ),
    (
        "curator-graph-derived-from-a-document.trig",
        kg("graph/fixture-curators-derived"),
        "a curators' graph states what no source does: it has no prov:wasDerivedFrom",
        "CuratorGraphShape",
    ),
    (
        "curator-graph-citing-a-source.trig",
        kg("graph/fixture-curators-citing"),
        "a curators' graph cites no source (scomm:citedSource)",
        "CuratorGraphShape",
    ),
    (
        "source-graph-without-curation.trig",
        kg("graph/fixture-without-curation"),
        "a source graph needs the curation that produced it",
        "SourceGraphShape",
    ),
    (
        "resource-misspelt-iri.trig",
        kg("id/program/secure-comunities"),
        "is used but never described (no rdf:type): a misspelt IRI or an undefined term?",
        "ResourceShape",
    ),
    (
        "resource-misspelt-predicate.trig",
        "scomm:evidance",
        "is used but never described (no rdf:type): a misspelt IRI or an undefined term?",
        "ResourceShape",
    ),
    # the ontology
    (
        "ontology-header-without-created.trig",
        kg("ontology/fixture-without-created"),
        "the ontology needs one dcterms:created date",
        "OntologyHeaderShape",
    ),
    (
        "ontology-header-without-creator.trig",
        kg("ontology/fixture-without-creator"),
        "the ontology needs a dcterms:creator",
        "OntologyHeaderShape",
    ),
    (
        "ontology-header-description-without-language.trig",
        kg("ontology/fixture-description-without-language"),
        "the ontology needs a dcterms:description",
        "OntologyHeaderShape",
    ),
    (
        "ontology-header-license-as-text.trig",
        kg("ontology/fixture-license-as-text"),
        "the ontology needs one dcterms:license IRI",
        "OntologyHeaderShape",
    ),
    (
        "ontology-header-without-modified.trig",
        kg("ontology/fixture-without-modified"),
        "the ontology needs one dcterms:modified date",
        "OntologyHeaderShape",
    ),
    (
        "ontology-header-without-title.trig",
        kg("ontology/fixture-without-title"),
        "the ontology needs a dcterms:title",
        "OntologyHeaderShape",
    ),
    (
        "ontology-header-version-iri-as-text.trig",
        kg("ontology/fixture-version-iri-as-text"),
        "the ontology needs one owl:versionIRI",
        "OntologyHeaderShape",
    ),
    (
        "ontology-header-without-version-info.trig",
        kg("ontology/fixture-without-version-info"),
        "the ontology needs one owl:versionInfo",
        "OntologyHeaderShape",
    ),
    (
        "ontology-header-without-preferred-prefix.trig",
        kg("ontology/fixture-without-preferred-prefix"),
        "the ontology needs its vann:preferredNamespacePrefix",
        "OntologyHeaderShape",
    ),
    (
        "ontology-header-without-preferred-namespace.trig",
        kg("ontology/fixture-without-preferred-namespace"),
        "the ontology needs its vann:preferredNamespaceUri",
        "OntologyHeaderShape",
    ),
    (
        "ontology-term-without-comment.trig",
        "scomm:FixtureUncommentedClass",
        "an ontology term needs a non-empty English rdfs:comment",
        "OntologyTermShape",
    ),
    (
        "ontology-term-without-defining-ontology.trig",
        "scomm:fixtureUndefinedProperty",
        "an ontology term needs rdfs:isDefinedBy its ontology",
        "OntologyTermShape",
    ),
    (
        "label-two-english-variants.trig",
        kg("id/role/fixture-label-two-english-variants"),
        "needs exactly one non-empty English rdfs:label",
        "label",
    ),
    (
        "period-beginning-without-instant.trig",
        kg("id/period/fixture-beginning-without-instant"),
        "a period's beginning must be one time:Instant with one xsd:date",
        "PeriodShape",
    ),
    (
        "instant-without-date.trig",
        kg("id/period/fixture-instant-without-date"),
        "a period's end must be one time:Instant with one xsd:date",
        "InstantShape",
    ),
    (
        "statement-words-not-in-evidence.trig",
        kg("id/statement/fixture-words-not-in-evidence"),
        "occur in none of its evidence passages",
        "StatementWordsShape",
    ),
    (
        "revision-by-another-speaker.trig",
        kg("id/statement/fixture-revision-by-another-speaker"),
        "which someone else said: a revision restates its own speaker",
        "RevisionShape",
    ),
    (
        "revision-dated-before-original.trig",
        kg("id/statement/fixture-revision-before-original"),
        "but is dated (latest 2010-08-31) before it (earliest 2010-09-01)",
        "RevisionShape",
    ),
    (
        "statistic-change-share-above-100-percent.trig",
        kg("id/statistic/fixture-share-above-100-percent"),
        "a share of 230 percent is impossible",
        "StatisticChangeShape",
    ),
    (
        "statistic-change-subtotal-other-period.trig",
        kg("id/statistic/fixture-subtotal-other-period"),
        "but covers another period",
        "StatisticChangeShape",
    ),
    (
        "letter-recipient-not-an-agent.trig",
        kg("id/document/fixture-letter-recipient-as-text"),
        "a letter needs its addressee (schema:recipient), a foaf:Person or an org:Organization",
        "LetterShape",
    ),
    (
        "ontology-term-rdfs-class-without-comment.trig",
        "scomm:FixturePlainRdfsClass",
        "an ontology term needs a non-empty English rdfs:comment",
        "OntologyTermShape",
    ),
]

# Mistakes the shapes should catch, by their own messages, but do not (yet). Each is a strict
# xfail: once the shape is fixed the test passes, fails as XPASS, and the entry moves to CASES.
KNOWN_GAPS: list[tuple[str, str, str, str, str]] = []

CASE_BY_FILE = {case[0]: case for case in CASES}

# Only a shipped source text has a file whose checksum can disagree with the graph.
SHIPPED_RESOURCES_TOUCHED = {
    "source-checksum-mismatch.trig": URIRef(
        "https://w3id.org/scomm-kg/source/secure-communities-backgrounder.txt"
    ),
}


# --- helpers -------------------------------------------------------------------------------


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.suffix in FIXTURE_SUFFIXES)


def display_name(path: Path) -> str:
    """The file name as reports print it: relative to the project root."""
    return path.resolve().relative_to(resources.project_root()).as_posix()


def node_of(focus: str) -> URIRef | None:
    """The node a printed focus stands for (None for a blank node)."""
    if focus.startswith("<") and focus.endswith(">"):
        return URIRef(focus[1:-1])
    prefix, sep, local = focus.partition(":")
    if sep and prefix in PREFIXES:
        return URIRef(PREFIXES[prefix] + local)
    return None


@cache
def subjects_described_in(name: str) -> frozenset:
    """The subjects that one fixture file describes (blank nodes left out)."""
    loaded = loader.load([FIXTURES / name])
    return frozenset(node for node in loaded.origins if not isinstance(node, BNode))


def violations_of(report: validate.ValidationReport, focus: str, message: str) -> list:
    return [v for v in report.violations if v.focus == focus and message in v.message]


def pattern_of(template: str) -> re.Pattern:
    """A message template of the shapes, with its {?variables} standing for any text."""
    parts = re.split(r"\{\?\w+\}", template)
    return re.compile(".+?".join(re.escape(part) for part in parts), re.DOTALL)


def kebab(name: str) -> str:
    """StateOrDistrictShape -> state-or-district, altLabel -> alt-label."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name.removesuffix("Shape")).lower()


@cache
def shapes_graph() -> Graph:
    return validate.load_shapes()


def local(node) -> str:
    return str(node).removeprefix(SHAPES_NS)


@cache
def named_shapes() -> frozenset[str]:
    """Every node shape and every shared (named) property shape of shapes/*.ttl."""
    shapes = shapes_graph()
    kinds = (SH.NodeShape, SH.PropertyShape)
    return frozenset(
        local(shape)
        for kind in kinds
        for shape in shapes.subjects(RDF.type, kind)
        if isinstance(shape, URIRef)
    )


@cache
def constraints() -> tuple[tuple[str, str, str, frozenset[str]], ...]:
    """(owning shape, kind, message template, shapes whose fixtures may raise it) of every
    constraint that has its own message.

    A property shape belongs to the node shape that lists it (a shared one to itself), a
    sh:sparql rule to the node shape that holds it. A property shape that checks its values
    against another node shape (sh:node) is also raised by that node shape's fixtures.
    """
    shapes = shapes_graph()
    found = set()
    for shape in map(URIRef, (SHAPES_NS + name for name in named_shapes())):
        for prop in [shape, *shapes.objects(shape, SH.property)]:
            owner = local(prop) if isinstance(prop, URIRef) else local(shape)
            via = frozenset({owner, *map(local, shapes.objects(prop, SH.node))})
            for message in shapes.objects(prop, SH.message):
                found.add((owner, "property", str(message), via))
        for rule in shapes.objects(shape, SH.sparql):
            for message in shapes.objects(rule, SH.message):
                found.add((local(shape), "sparql", str(message), frozenset({local(shape)})))
    return tuple(sorted(found, key=lambda c: c[:3]))


@cache
def templates_of(name: str) -> tuple[str, ...]:
    """The messages a shape can produce: its own constraints, its shared property shapes,
    and the property shapes elsewhere that check their values against it (sh:node)."""
    shapes = shapes_graph()
    shape = URIRef(SHAPES_NS + name)
    templates = {template for owner, _, template, _ in constraints() if owner == name}
    for prop in shapes.objects(shape, SH.property):
        templates.update(str(m) for m in shapes.objects(prop, SH.message))
    for prop in shapes.subjects(SH.node, shape):
        templates.update(str(m) for m in shapes.objects(prop, SH.message))
    return tuple(sorted(templates))


def gap_params():
    return [
        pytest.param(*case, marks=pytest.mark.xfail(strict=True, reason=reason), id=case[0])
        for *case, reason in KNOWN_GAPS
    ]


# --- the combined run ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def report() -> validate.ValidationReport:
    """The shipped data and every fixture, validated together in a single run."""
    return validate.validate(loader.load(loader.default_files() + fixture_files()))


def test_the_shipped_data_conforms():
    shipped = validate.validate(loader.load())
    assert shipped.violations == [], shipped.text()
    assert shipped.conforms


@pytest.mark.parametrize(
    ("name", "focus", "message", "shape"),
    [pytest.param(*case, id=case[0]) for case in CASES] + gap_params(),
)
def test_each_mistake_is_reported_on_its_resource_with_its_message(
    report, name, focus, message, shape
):
    found = violations_of(report, focus, message)
    assert found, f"{name}: no violation on {focus} saying {message!r}"

    templates = [pattern_of(t) for t in templates_of(shape)]
    assert any(p.fullmatch(v.message) for v in found for p in templates), (
        f"{name}: the violation does not come from {shape}: {[v.message for v in found]}"
    )

    node = node_of(focus)
    if node is not None and node in subjects_described_in(name):
        file = display_name(FIXTURES / name)
        assert any(file in v.files for v in found), f"{file} missing from {found[0].files}"


# --- stories the table cannot tell ---------------------------------------------------------


def test_a_web_document_no_graph_rests_on_is_not_judged_by_the_dataset_rules(tmp_path):
    """The W3C protocol tests type a document of theirs foaf:Document and say nothing more of
    it: not the dataset's to describe, and no graph names it as its source (the fixture
    document-from-elsewhere-relied-on-without-kind.trig is one that a graph does)."""
    elsewhere = tmp_path / "elsewhere.trig"
    elsewhere.write_text(
        "BASE <https://w3id.org/scomm-kg/>\n"
        "PREFIX ex: <http://example.org/>\n"
        "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
        "<graph/backgrounder> {\n"
        "  <http://kasei.us/2009/09/sparql/data/data1.rdf> a foaf:Document .\n"
        "  <http://kasei.us/2009/09/sparql/data/data1.rdf> ex:in\n"
        "      <http://kasei.us/2009/09/sparql/data/data1.rdf> .\n"
        "}\n",
        encoding="utf-8",
    )
    loaded = loader.load([*loader.default_files(), elsewhere])
    for engine in validate.ENGINES:
        found = validate.validate(loaded, engine=engine)
        assert found.violations == [], f"{engine}: {found.text()}"


def test_a_month_that_does_not_exist_is_rejected_though_rdflib_accepts_it(report):
    [violation] = violations_of(
        report, kg("id/document/fixture-month-13"), "dcterms:date must be one xsd:date"
    )
    assert violation.value == '"2010-13"^^xsd:gYearMonth'


def test_a_day_that_does_not_exist_is_rejected_though_it_looks_like_a_date(report):
    [violation] = violations_of(
        report, kg("id/document/fixture-february-30"), "dcterms:date must be one xsd:date"
    )
    assert violation.value == '"2010-02-30"^^xsd:date'


def test_a_fact_outside_any_named_graph_is_counted_and_blamed_on_no_file(report):
    [violation] = violations_of(report, "<urn:scomm-kg:dataset-under-validation>", "outside")
    assert violation.value == '"3"^^xsd:integer'  # the three triples of the .ttl fixture
    assert violation.files == ()


def test_a_misspelt_iri_is_reported_though_no_file_describes_it(report):
    found = violations_of(report, kg("id/program/secure-comunities"), "never described")
    assert [v.files for v in found] == [()]


def test_a_changed_source_text_is_told_by_the_checksum_of_the_shipped_file(report):
    actual = hashlib.sha256(BACKGROUNDER_TEXT.read_bytes()).hexdigest()
    [violation] = violations_of(
        report, kg("source/secure-communities-backgrounder.txt"), "the source text was changed"
    )
    assert violation.message.startswith(f"the shipped file's SHA-256 is {actual}, not the")


def test_the_fixtures_break_nothing_in_the_shipped_data(report):
    """Every violation lies on something a fixture added or touched, or on no file at all."""
    fixtures = {display_name(path) for path in fixture_files()}
    stray = [v for v in report.violations if v.files and not fixtures.intersection(v.files)]
    assert stray == []


# --- the table, the folder and the shapes agree --------------------------------------------


def test_every_fixture_file_is_in_the_table():
    tabled = {case[0] for case in CASES} | {gap[0] for gap in KNOWN_GAPS}
    assert [path.name for path in fixture_files() if path.name not in tabled] == []


def test_every_table_entry_has_its_fixture_file_and_only_one_entry():
    names = [case[0] for case in CASES] + [gap[0] for gap in KNOWN_GAPS]
    assert [name for name in names if not (FIXTURES / name).is_file()] == []
    assert len(names) == len(set(names))


def test_every_fixture_says_first_what_mistake_it_represents():
    assert [p.name for p in fixture_files() if not p.read_text().startswith("# ")] == []


def test_every_fixture_is_named_after_the_shape_it_exercises():
    for name, _, _, shape in CASES + [gap[:4] for gap in KNOWN_GAPS]:
        assert name.startswith(kebab(shape) + "-"), f"{name} should start with {kebab(shape)}-"


def test_each_fixture_adds_resources_of_its_own():
    """Fresh IRIs per fixture, so fixtures validated together cannot set each other off."""
    owners: dict = {}
    for path in fixture_files():
        for node in subjects_described_in(path.name):
            if "fixture" not in str(node).lower():
                assert node == SHIPPED_RESOURCES_TOUCHED.get(path.name), (
                    f"{path.name} describes {node}, which is not a resource of its own"
                )
                continue
            assert owners.setdefault(node, path.name) == path.name, (
                f"{node} is described by both {owners[node]} and {path.name}"
            )


def test_every_node_shape_and_shared_property_shape_is_exercised():
    exercised = {case[3] for case in CASES}
    assert sorted(named_shapes() - exercised) == []
    assert sorted(exercised - named_shapes()) == [], "the table names shapes that do not exist"


@pytest.mark.parametrize(
    ("owner", "kind", "template", "via"),
    [
        pytest.param(*constraint, id=f"{constraint[0]}-{constraint[1]}-{constraint[2][:40]}")
        for constraint in constraints()
    ],
)
def test_every_rule_and_every_message_of_the_shapes_is_raised_by_a_fixture(
    report, owner, kind, template, via
):
    """Each property shape with its own sh:message and each sh:sparql rule fires on a fixture
    listed under its shape."""
    pattern = pattern_of(template)
    raised = [
        name
        for name, focus, message, shape in CASES
        if shape in via
        and any(pattern.fullmatch(v.message) for v in violations_of(report, focus, message))
    ]
    assert raised, f"no fixture listed under {owner} makes it ({kind}) say: {template}"


# --- through the command line --------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "stance-consistency-affirms-and-denies.trig",
        "date-month-that-does-not-exist.trig",
        "passage-in-source-misquoted.trig",
    ],
)
def test_the_command_line_names_the_mistake_the_file_and_the_resource(name):
    _, focus, message, _ = CASE_BY_FILE[name]
    result = CliRunner().invoke(cli.main, ["validate", str(FIXTURES / name)])
    assert result.exit_code == 1, result.output
    assert message in result.stdout
    assert display_name(FIXTURES / name) in result.stdout
    assert f"Violation: {focus}" in result.stdout
    assert "The data does not conform" in result.stdout


def test_the_command_line_says_the_shipped_data_conforms():
    result = CliRunner().invoke(cli.main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "The data conforms to the shapes: no violations." in result.stdout


def test_the_command_line_prints_the_report_as_json():
    name = "opt-out-after-launch-before-2008.trig"
    _, focus, message, _ = CASE_BY_FILE[name]
    result = CliRunner().invoke(cli.main, ["validate", "--format", "json", str(FIXTURES / name)])
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    assert body["conforms"] is False
    assert [
        r
        for r in body["results"]
        if r["focus"] == focus
        and message in r["message"]
        and display_name(FIXTURES / name) in r["files"]
    ]


def test_a_file_that_does_not_parse_stops_the_command_with_exit_code_2(tmp_path):
    broken = tmp_path / "unparseable.trig"
    broken.write_text(
        "# A graph whose closing brace was lost.\n"
        "BASE <https://w3id.org/scomm-kg/>\n"
        "<graph/backgrounder> {\n"
        "<id/role/unparseable> a\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli.main, ["validate", str(broken)])
    assert result.exit_code == 2, result.output
    assert "error:" in result.stderr
    assert "unparseable.trig" in result.stderr
    assert "conform" not in result.stdout
