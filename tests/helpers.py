"""Small helpers the tests share."""

BASE = "https://w3id.org/scomm-kg/"


def iri(path: str) -> str:
    """The full IRI of one of the graph's resources, from its path under the base."""
    return BASE + path
