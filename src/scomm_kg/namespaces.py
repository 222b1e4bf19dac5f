"""Prefixes and vocabularies, declared once for the whole package."""

from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace

#: Where the graph's own resources and named graphs live unless settings say otherwise.
DEFAULT_BASE_IRI = "https://w3id.org/scomm-kg/"
#: The ontology keeps this IRI whatever the base: vocabularies do not move with a deployment.
ONTOLOGY_IRI = URIRef("https://w3id.org/scomm-kg/ontology")


class SCOMM(DefinedNamespace):
    """The scomm-kg ontology; a misspelt term raises instead of minting a new IRI."""

    _fail = True
    _NS = Namespace("https://w3id.org/scomm-kg/ontology#")

    # classes
    Backgrounder: URIRef
    Brochure: URIRef
    City: URIRef
    County: URIRef
    CuratorGraph: URIRef
    FederalDistrict: URIRef
    Jurisdiction: URIRef
    Letter: URIRef
    Mechanism: URIRef
    MechanismStep: URIRef
    Memo: URIRef
    OptOutAttempt: URIRef
    Program: URIRef
    ProgramLaunch: URIRef
    GraphChange: URIRef
    Proposition: URIRef
    SourceGraph: URIRef
    State: URIRef
    Statement: URIRef
    Statistic: URIRef
    Write: URIRef
    # object properties
    affirms: URIRef
    baselinePeriod: URIRef
    changeDirection: URIRef
    citedSource: URIRef
    constituency: URIRef
    datedRelativeTo: URIRef
    denies: URIRef
    evidence: URIRef
    graphChange: URIRef
    measure: URIRef
    mechanism: URIRef
    period: URIRef
    prioritizes: URIRef
    reportedBy: URIRef
    step: URIRef
    subtotalOf: URIRef
    suggests: URIRef
    textKind: URIRef
    unit: URIRef
    valueQualifier: URIRef
    # datatype and annotation properties
    aim: URIRef
    changedGraph: URIRef
    earliestDate: URIRef
    inputSha256: URIRef
    latestDate: URIRef
    statedValue: URIRef
    stancePolarity: URIRef
    triplesAdded: URIRef
    triplesRemoved: URIRef
    writeChannel: URIRef
    # concept schemes and concepts
    ChangeDirections: URIRef
    Count: URIRef
    Decrease: URIRef
    AsStated: URIRef
    Increase: URIRef
    MoreThan: URIRef
    Negative: URIRef
    Paraphrase: URIRef
    Percent: URIRef
    Positive: URIRef
    StancePolarities: URIRef
    Units: URIRef
    ValueQualifiers: URIRef
    Verbatim: URIRef
    WordingKinds: URIRef


#: Every prefix the project writes or accepts, in the order files declare them (sorted).
PREFIXES: dict[str, str] = {
    "cito": "http://purl.org/spar/cito/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "oa": "http://www.w3.org/ns/oa#",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "https://schema.org/",
    "scomm": "https://w3id.org/scomm-kg/ontology#",
    "scommsh": "https://w3id.org/scomm-kg/shapes#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "sh": "http://www.w3.org/ns/shacl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "time": "http://www.w3.org/2006/time#",
    "vann": "http://purl.org/vocab/vann/",
    "void": "http://rdfs.org/ns/void#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

OA = Namespace(PREFIXES["oa"])
ORG = Namespace(PREFIXES["org"])
SCHEMA = Namespace(PREFIXES["schema"])
SD = Namespace(PREFIXES["sd"])
TIME = Namespace(PREFIXES["time"])
VANN = Namespace(PREFIXES["vann"])
VOID = Namespace(PREFIXES["void"])


def short_iri(iri: str, base_iri: str = DEFAULT_BASE_IRI) -> str:
    """prefix:local for known vocabularies, the path for the graph's own IRIs, else the IRI."""
    if iri.startswith(base_iri) and not iri.startswith(PREFIXES["scomm"]):
        return iri[len(base_iri) :]
    for name, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{name}:{iri[len(namespace) :]}"
    return iri


def sparql_prefixes() -> str:
    """The PREFIX lines of every known prefix, for queries that want them all."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
