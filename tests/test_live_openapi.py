"""A real server keeps to its OpenAPI description: schemathesis sends it requests made from
the description (valid and invalid values, unexpected methods) and checks every answer: no
server error but a deliberate 503, only the status codes and media types described, bodies
and headers as described. Bounded and derandomized: the same requests on every run."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

from live_server import LiveServer
from scomm_kg.web.openapi import document

# What /openapi.json describes, made here so that the tests exist before the server does; the
# first test checks that the live server serves this very description.
DESCRIBED = document("http://127.0.0.1")
schema = schemathesis.openapi.from_dict(DESCRIBED)
# A query sent directly (application/sparql-query) is its text, as text/plain would be; so
# are an update and a Graph Store body.
for text_type in (
    "application/sparql-query",
    "application/sparql-update",
    "text/turtle",
    "application/n-triples",
    "application/trig",
    "application/n-quads",
):
    schemathesis.serializer.alias(text_type, "text/plain")


@pytest.fixture(scope="module")
def server():
    with LiveServer() as live:
        yield live


def test_the_live_server_serves_this_description(server):
    served = requests.get(server.url + "/openapi.json", timeout=10).json()
    assert served == {**DESCRIBED, "servers": [{"url": server.url}]}


def no_server_error_but_a_deliberate_503(ctx, response, case):
    """A 5xx is a fault, save 503: a query stopped at its deadline, or no worker free (that
    it is described, with its JSON body, the other checks see to)."""
    if response.status_code >= 500 and response.status_code != 503:
        raise AssertionError(f"{response.status_code} for {case.method} {case.formatted_path}")


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_live_server_keeps_to_its_description(case, server):
    case.call_and_validate(
        base_url=server.url,
        additional_checks=[no_server_error_but_a_deliberate_503],
        excluded_checks=[
            not_a_server_error,  # in favour of the check above, which lets a 503 be
            # Whether a SPARQL text parses, or an IRI names something in the graph, no schema
            # can say: valid-looking values may well be refused with 400, as they should.
            positive_data_acceptance,
        ],
    )
