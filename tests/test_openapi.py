"""/openapi.json, as an API tool reads it: a valid OpenAPI 3 description of exactly the routes
the app has, with their methods, each canned query with its own parameters."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from scomm_kg import queries
from scomm_kg.settings import Settings
from scomm_kg.web import create_app

OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@pytest.fixture(scope="module")
def app(store):
    return create_app(Settings(), store=store, isolate_queries=False)


@pytest.fixture(scope="module")
def described(app):
    response = app.test_client().get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.json


def concrete(path: str, operation: dict) -> str:
    """The path with each parameter replaced by a value it may take (its first enum value)."""
    values = {
        p["name"]: p.get("schema", {}).get("enum", ["x"])[0]
        for p in operation.get("parameters", ())
        if p["in"] == "path"
    }
    return re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], path)


def test_the_description_is_valid_openapi_3(described):
    validate(described)
    assert described["openapi"].startswith("3.")


def test_every_route_is_described_with_exactly_its_methods_and_nothing_else(app, described):
    routes = app.url_map.bind("localhost")
    seen: dict[str, set[str]] = {}
    for path, item in described["paths"].items():
        for method, operation in item.items():
            if method not in OPERATIONS:
                continue
            # Raises NotFound or MethodNotAllowed for a path or method the app does not have.
            rule, _ = routes.match(concrete(path, operation), method.upper(), return_rule=True)
            seen.setdefault(rule.rule, set()).add(method.upper())
    expected = {}
    for rule in app.url_map.iter_rules():
        methods = set(rule.methods) - {"HEAD"}  # HEAD goes with GET, in HTTP as in OpenAPI
        if rule.provide_automatic_options:
            methods.discard("OPTIONS")  # Flask's own answer, not the route's
        expected[rule.rule] = methods
    assert seen == expected


def test_each_canned_query_is_described_with_its_own_parameters(described):
    catalogue = queries.catalogue()
    named = {
        m.group(1) for p in described["paths"] if (m := re.fullmatch(r"/queries/([^/.{]+)", p))
    }
    assert named == set(catalogue)
    for name, query in catalogue.items():
        for path in (f"/queries/{name}", f"/queries/{name}.{{suffix}}"):
            parameters = {
                p["name"]: p["required"]
                for p in described["paths"][path]["get"]["parameters"]
                if p["in"] == "query" and p["name"] not in ("format", "output", "results")
            }
            assert parameters == {p.name: p.required for p in query.params}, path


def test_the_server_named_is_never_a_spoofed_host(app):
    client = app.test_client()
    assert client.get("/openapi.json").json["servers"] == [{"url": "http://localhost"}]
    spoofed = client.get("/openapi.json", headers={"Host": "evil.example"}).json
    assert spoofed["servers"] == [{"url": "http://127.0.0.1:8080"}]
