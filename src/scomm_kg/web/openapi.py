"""/openapi.json: an OpenAPI 3 description of every route, for people and for API tools.

Written here by hand as data, except what the project declares elsewhere, which it is made
from so that it cannot drift: each canned query gets its own paths with its own parameters
(from its .rq header), the media types come from the format tables, the source texts from the
shipped files. A test checks it against the app's routes, and a schemathesis run checks a live
server against it.
"""

from __future__ import annotations

import re

from flask import Blueprint, jsonify, request

from .. import __version__, dataset_description, queries, resources, search
from ..curation import uploads
from ..results import GRAPH_FORMATS, TABULAR_FORMATS
from . import assets
from . import search as search_pages

bp = Blueprint("openapi", __name__)

TABULAR = [f.media_type for f in TABULAR_FORMATS]
GRAPH = [f.media_type for f in GRAPH_FORMATS]
SUFFIXES = ["json", "csv", "tsv", "xml"]  # the /queries/NAME.SUFFIX forms (see canned.py)


@bp.route("/openapi.json")
def description():
    return jsonify(document(request.host_url.rstrip("/") + request.script_root))


def document(server: str) -> dict:
    """The OpenAPI description of the service at ``server`` (its root URL)."""
    paths = {
        "/": {"get": _home()},
        "/sparql": {"get": _sparql_get(), "post": _sparql_post(), "options": _preflight()},
        "/queries": {"get": _catalogue(["text/html", "application/json"])},
        "/queries.json": {"get": _catalogue(["application/json"])},
    }
    for query in queries.catalogue().values():
        paths[f"/queries/{query.name}"] = {"get": _canned(query, suffixed=False)}
        paths[f"/queries/{query.name}.{{suffix}}"] = {"get": _canned(query, suffixed=True)}
    paths["/search"] = {"get": _search(suffixed=False)}
    paths["/search.{suffix}"] = {"get": _search(suffixed=True)}
    paths["/source/{name}"] = {"get": _source()}
    paths["/assets/yasgui/{version}/{name}"] = {"get": _yasgui_asset()}
    paths.update(_dereferencing())
    paths.update(_dumps())
    paths.update(_timeline())
    paths["/graph-store"] = _graph_store()
    paths["/openapi.json"] = {"get": _self()}
    for path in paths.values():
        for operation in path.values():
            operation["responses"] |= _FRONT_REFUSALS
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "scomm-kg",
            "version": __version__,
            "description": (
                "A provenance knowledge graph of ICE's Secure Communities program (2008-2011): "
                "a SPARQL 1.1 endpoint and canned provenance queries, open to read; holders of "
                "a write token (SCOMM_WRITE_TOKENS) write through SPARQL Update and the Graph "
                "Store Protocol, every write checked by the project's shapes. Every answer "
                "carries an ETag and a Last-Modified (a GET or HEAD that holds it gets 304) and "
                "is compressed (br, gzip) when asked; errors are JSON, or a page for a browser."
            ),
            "license": {"name": "MIT (code); CC BY 4.0 (data and ontology)"},
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": _components(),
    }


# --- Operations ----------------------------------------------------------------------------


def _home() -> dict:
    return {
        "summary": "What this service is and where to start",
        "operationId": "home",
        "responses": {"200": _ok(["text/html"]), "304": _ref("NotModified")},
    }


def _sparql_get() -> dict:
    return {
        "summary": "Run a SPARQL query; without one, the service description (or the editor)",
        "description": (
            "The SPARQL 1.1 Protocol, read-only. SELECT and ASK answer in the results formats, "
            "CONSTRUCT and DESCRIBE (and the service description) in the RDF formats. A format "
            "parameter (format, output or results) wins over Accept. The project's prefixes "
            "are predeclared; SERVICE, LOAD and updates are refused. Without a query, a client "
            "that prefers text/html to every RDF format and names no format gets the SPARQL "
            "editor (YASGUI), with the canned queries as example tabs."
        ),
        "operationId": "sparqlQuery",
        "parameters": [
            {
                "name": "query",
                "in": "query",
                "description": "The SPARQL query; leave it out for the service description.",
                "schema": {"type": "string"},
                "example": "SELECT ?s WHERE { ?s a scomm:OptOutAttempt }",
            },
            *_dataset_parameters("query"),
            *_format_parameters(),
        ],
        "responses": _query_responses(
            [*TABULAR, *GRAPH, "text/html"], refusals=("400", "403", "406")
        ),
    }


def _sparql_post() -> dict:
    fields = {
        "query": {"type": "string", "description": "The SPARQL query."},
        "update": {
            "type": "string",
            "description": "A SPARQL 1.1 Update (needs a write token), instead of a query.",
        },
        "default-graph-uri": _graphs("default"),
        "named-graph-uri": _graphs("named"),
        "using-graph-uri": _graphs("update's default (USING)"),
        "using-named-graph-uri": _graphs("update's named (USING NAMED)"),
        **{name: {"type": "string"} for name in _FORMAT_PARAMETERS},
    }
    responses = _query_responses(
        [*TABULAR, *GRAPH, "application/json"],
        refusals=("400", "403", "406", "413", "415"),
        cached=False,
    )
    responses |= {"401": _ref("Unauthorized"), "422": _ref("Unprocessable")}
    return {
        "summary": "Run a SPARQL query, or a SPARQL Update, sent in the body",
        "description": (
            "A query as a form (query=…) or directly (application/sparql-query, the dataset "
            "then in the URL). An update (update=… or application/sparql-update) needs a "
            "write token (Authorization: Bearer, or Basic with the token's name and the "
            "token); it answers JSON saying the triples added and removed per graph. The "
            "default graph is the union of the named graphs: an update reads it, and writes "
            "into named graphs only; CLEAR/DROP ALL spare the ontology, provenance and audit "
            "graphs. A query and an update in one request is 400. The body may hold at most "
            "SCOMM_MAX_REQUEST_BYTES; more is 413."
        ),
        "operationId": "sparqlQueryPost",
        "security": [{}, {"writeToken": []}, {"writeTokenBasic": []}],
        "parameters": [*_dataset_parameters("URL"), *_using_parameters()],
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["query"],
                        "properties": fields,
                    },
                    "encoding": {
                        "default-graph-uri": {"style": "form", "explode": True},
                        "named-graph-uri": {"style": "form", "explode": True},
                    },
                },
                "application/sparql-query": {
                    "schema": {"type": "string"},
                    "example": "ASK { ?s a scomm:OptOutAttempt }",
                },
                "application/sparql-update": {
                    "schema": {"type": "string"},
                    "example": (
                        "INSERT DATA { GRAPH <https://w3id.org/scomm-kg/graph/my-notes> { "
                        "<https://w3id.org/scomm-kg/id/note/n1> a prov:Entity ; "
                        'rdfs:label "A note"@en } }'
                    ),
                },
            },
        },
        "responses": responses,
    }


def _using_parameters() -> list[dict]:
    return [
        {
            "name": name,
            "in": "query",
            "description": (
                f"A graph of an update's {which} dataset (as {clause}; an absolute IRI, "
                f"checked for an update; a query does not read it)."
            ),
            "schema": {"type": "array", "items": {"type": "string"}},
            "style": "form",
            "explode": True,
        }
        for name, which, clause in (
            ("using-graph-uri", "default", "USING"),
            ("using-named-graph-uri", "named", "USING NAMED"),
        )
    ]


def _graph_store() -> dict:
    """The Graph Store HTTP Protocol: reads open, writes with a token."""
    target = [
        {
            "name": "graph",
            "in": "query",
            "description": "The named graph (an absolute IRI); or give `default` instead.",
            "schema": {"type": "string", "format": "uri"},
        },
        {
            "name": "default",
            "in": "query",
            "description": "The default graph: the union of the named graphs (read only).",
            "schema": {"type": "string"},
            "allowEmptyValue": True,
        },
    ]
    body = {
        "required": False,
        "content": {
            media_type: {"schema": {"type": "string"}}
            for media_type in uploads.accepted_media_types()
        },
    }
    written = {
        "201": {"description": "The graph did not exist and now does."},
        "204": {"description": "The graph was changed (or already held that content)."},
        "400": _ref("BadRequest"),
        "401": _ref("Unauthorized"),
        "403": _ref("Forbidden"),
        "405": _ref("MethodNotAllowed"),
        "413": _ref("TooLarge"),
        "415": _ref("UnsupportedMediaType"),
        "422": _ref("Unprocessable"),
    }
    security = [{"writeToken": []}, {"writeTokenBasic": []}]

    def write(summary: str, ident: str, with_body: bool) -> dict:
        operation = {
            "summary": summary,
            "operationId": ident,
            "parameters": target,
            "security": security,
            "responses": dict(written),
        }
        if with_body:
            operation["requestBody"] = body
        else:
            del operation["responses"]["201"]
            operation["responses"]["404"] = _ref("NotFound")
        return operation

    return {
        "get": {
            "summary": "A graph's triples (the default graph: the union of all)",
            "operationId": "graphStoreGet",
            "parameters": target,
            "responses": {
                "200": {
                    "description": "The graph.",
                    "content": {m: {"schema": {"type": "string"}} for m in GRAPH},
                },
                "400": _ref("BadRequest"),
                "404": _ref("NotFound"),
                "406": _ref("NotAcceptable"),
            },
        },
        "put": write("Replace a named graph with the body", "graphStorePut", True),
        "post": write("Add the body's triples to a named graph", "graphStorePost", True),
        "delete": write("Drop a named graph", "graphStoreDelete", False),
    }


def _preflight() -> dict:
    return {
        "summary": "CORS preflight: any origin may read",
        "operationId": "sparqlPreflight",
        "responses": {"204": {"description": "The methods and headers a page may use."}},
    }


def _catalogue(media_types: list[str]) -> dict:
    json_only = media_types == ["application/json"]
    return {
        "summary": "The canned queries: name, title, summary, parameters and URLs",
        "description": "JSON."
        if json_only
        else "A page for a browser (Accept: text/html), or JSON.",
        "operationId": "catalogueJson" if json_only else "catalogue",
        "responses": {
            "200": _ok(media_types, {"application/json": _ref_schema("Catalogue")}),
            "304": _ref("NotModified"),
        },
    }


def _canned(query: queries.CannedQuery, *, suffixed: bool) -> dict:
    parameters = [_canned_parameter(p) for p in query.params]
    if suffixed:
        parameters.insert(
            0,
            {
                "name": "suffix",
                "in": "path",
                "required": True,
                "description": "The results format: SPARQL JSON or XML results, CSV or TSV.",
                "schema": {"type": "string", "enum": SUFFIXES},
            },
        )
        media_types = TABULAR
    else:
        parameters += _format_parameters()
        media_types = ["text/html", *TABULAR]
    description = (
        "Results as the suffix says."
        if suffixed
        else "A page for a browser (Accept: text/html), results else (by format or Accept)."
    )
    return {
        "summary": query.title,
        "description": f"{query.summary}\n\n{description}",
        "operationId": _operation_id(query.name, "results" if suffixed else "page"),
        "tags": ["canned queries"],
        "parameters": parameters,
        "responses": _query_responses(media_types, refusals=("400", "404", "406")),
    }


def _search(*, suffixed: bool) -> dict:
    """web/search.py: the search box's answers, as a page or as the rows of the search query."""
    text = {
        "name": "text",
        "in": "query",
        "required": suffixed,
        "description": (
            "Part of a name, in any case, misspelt or not; at most "
            f"{search.MAX_TEXT} characters. The page without it shows the search box."
        ),
        "schema": {"type": "string", "maxLength": search.MAX_TEXT},
    }
    parameters = [text]
    if suffixed:
        formats = [f.name for f in search_pages.DOWNLOADS]
        parameters.insert(
            0,
            {
                "name": "suffix",
                "in": "path",
                "required": True,
                "description": "The results format: SPARQL JSON results, CSV or TSV.",
                "schema": {"type": "string", "enum": formats},
            },
        )
        media_types = [f.media_type for f in search_pages.DOWNLOADS]
        refusals = {"400": _ref("BadRequest"), "406": _ref("NotAcceptable")}
    else:
        media_types = ["text/html"]
        refusals = {"400": _ref("BadRequest")}
    return {
        "summary": "Resources by name: labels, alternative and hidden labels, misspellings",
        "description": (
            "The rows of the `search` canned query for the text; when no name contains it, "
            "for the names nearest it (a misspelling). "
            + ("Results as the suffix says." if suffixed else "A page of links.")
        ),
        "operationId": "searchBoxResults" if suffixed else "searchBoxPage",
        "tags": ["search"],
        "parameters": parameters,
        "responses": {
            "200": _ok(
                media_types, {"application/sparql-results+json": _ref_schema("SparqlResults")}
            ),
            "304": _ref("NotModified"),
            **refusals,
        },
    }


def _source() -> dict:
    names = sorted(path.name for path in resources.source_texts())
    return {
        "summary": "A source text, verbatim: what the graph's evidence passages quote",
        "operationId": "sourceText",
        "parameters": [
            {
                "name": "name",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "enum": names},
            }
        ],
        "responses": {
            "200": _ok(["text/plain"]),
            "304": _ref("NotModified"),
            "404": _ref("NotFound"),
        },
    }


def _yasgui_asset() -> dict:
    return {
        "summary": "The SPARQL editor's files (YASGUI, vendored) and their licence notice",
        "description": (
            "Served with Cache-Control: public, max-age of a year, immutable, and an ETag of "
            "the file's bytes: the version in the path changes when the files do. SOURCE "
            "records the npm package, version and sha512 integrity they came from."
        ),
        "operationId": "yasguiAsset",
        "parameters": [
            {
                "name": "version",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "enum": [assets.yasgui_version()]},
            },
            {
                "name": "name",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "enum": list(assets.MEDIA_TYPES)},
            },
        ],
        "responses": {
            "200": _ok(
                sorted({t.split(";")[0] for t in assets.MEDIA_TYPES.values()}),
                {"application/json": {"type": "object"}},  # the package's manifest
            ),
            "304": _ref("NotModified"),
            "404": _ref("NotFound"),
        },
    }


def _dereferencing() -> dict:
    """The routes of web/resources.py: IRIs under the base, the documents about them."""
    # JSON-LD is a JSON document (an array of nodes, or an object); the others are text.
    json_ld = {"application/ld+json": {"oneOf": [{"type": "array"}, {"type": "object"}]}}
    rdf = _ok(GRAPH, json_ld)
    html_or_rdf = _ok(["text/html", *GRAPH], json_ld)
    name = [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}]
    suffix = [
        {
            "name": "suffix",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "enum": [f.extension for f in GRAPH_FORMATS]},
        }
    ]
    missing = _ref("NotFound")

    def operation(summary: str, ident: str, params: list, answers: dict) -> dict:
        responses = {
            **answers,
            "304": _ref("NotModified"),
            "404": missing,
            "406": _ref("NotAcceptable"),
        }
        return {
            "get": {
                "summary": summary,
                "operationId": ident,
                "parameters": params,
                "responses": responses,
            }
        }

    see_other = {
        "description": "See Other: the page (for HTML) or the data in the format asked for.",
        "headers": {"Location": {"schema": {"type": "string"}}},
    }
    return {
        "/id/{name}": operation(
            "A thing's IRI: 303 to its page or its data (Cool URIs, hash-less)",
            "resource",
            name,
            {"303": see_other},
        ),
        "/page/{name}": operation(
            "The page about a thing: its facts, each with its graph, documents and evidence",
            "resourcePage",
            name,
            {"200": _ok(["text/html"])},
        ),
        "/data/{name}": operation(
            "The data about a thing, by Accept, or NAME.EXT (.ttl .jsonld .nt .rdf .trig .nq); "
            "TriG and N-Quads keep each triple's named graph",
            "resourceData",
            name,
            {"200": rdf},
        ),
        "/graph/{name}": operation(
            "A named graph and its provenance description, as a page or data (or NAME.EXT)",
            "graph",
            name,
            {"200": html_or_rdf},
        ),
        "/ontology": operation(
            "The ontology: its documentation (pyLODE, with an example from the data for each "
            "term; a term IRI /ontology#Term is its section) or its triples, by Accept",
            "ontology",
            [],
            {"200": html_or_rdf},
        ),
        "/ontology/{name}": operation(
            "The ontology at its version IRI, as at /ontology; a term's name (/ontology/Term) "
            "answers 303 to /ontology#Term, an unknown name 404 with the nearest terms",
            "ontologyVersion",
            [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            {"200": html_or_rdf, "303": see_other},
        ),
        "/ontology.{suffix}": operation(
            "The ontology in one RDF format", "ontologyAlternate", suffix, {"200": rdf}
        ),
    }


def _dumps() -> dict:
    """The routes of web/dumps.py: the dataset's downloads and its VoID/DCAT description."""
    json_ld = {"application/ld+json": {"oneOf": [{"type": "array"}, {"type": "object"}]}}
    dumps = dataset_description.DUMPS
    return {
        "/dumps/": {
            "get": {
                "summary": "The dumps of the whole dataset, with the counts of each graph",
                "operationId": "dumps",
                "responses": {
                    "200": _ok(
                        ["text/html", "application/json"],
                        {"application/json": {"type": "object"}},
                    ),
                    "304": _ref("NotModified"),
                },
            }
        },
        "/dumps/{name}": {
            "get": {
                "summary": "One dump of the whole dataset (every named graph and the dataset's "
                "description), as an attachment",
                "operationId": "dump",
                "parameters": [
                    {
                        "name": "name",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": [d.file_name for d in dumps]},
                    }
                ],
                "responses": {
                    "200": _ok(sorted({d.media_type for d in dumps}), json_ld),
                    "304": _ref("NotModified"),
                    "404": _ref("NotFound"),
                },
            }
        },
        "/.well-known/void": {
            "get": {
                "summary": "The dataset's VoID and DCAT description: licence, sources, counts "
                "per graph, example resources, endpoint, vocabularies, dumps",
                "operationId": "datasetDescription",
                "parameters": _format_parameters(),
                "responses": {
                    "200": _ok(["text/html", *GRAPH], json_ld),
                    "304": _ref("NotModified"),
                    "400": _ref("BadRequest"),
                    "406": _ref("NotAcceptable"),
                },
            }
        },
    }


def _timeline() -> dict:
    """The routes of web/timeline.py: the statements and opt-out attempts in time."""
    return {
        "/timeline": {
            "get": {
                "summary": "The timeline page: every statement and opt-out attempt as the "
                "interval its date admits, one lane per speaker or jurisdiction, with sources",
                "operationId": "timeline",
                "responses": {"200": _ok(["text/html"]), "304": _ref("NotModified")},
            }
        },
        "/timeline.{suffix}": {
            "get": {
                "summary": "The timeline as an SVG image (svg) or as TimelineJS JSON (json)",
                "operationId": "timelineAlternate",
                "parameters": [
                    {
                        "name": "suffix",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": ["svg", "json"]},
                    }
                ],
                "responses": {
                    "200": _ok(
                        ["image/svg+xml", "application/json"],
                        {"application/json": {"type": "object"}},
                    ),
                    "304": _ref("NotModified"),
                    "404": _ref("NotFound"),
                },
            }
        },
    }


def _self() -> dict:
    return {
        "summary": "This description",
        "operationId": "openapi",
        "responses": {
            "200": _ok(["application/json"], {"application/json": {"type": "object"}}),
            "304": _ref("NotModified"),
        },
    }


# --- Parts ---------------------------------------------------------------------------------

_FORMAT_PARAMETERS = ("format", "output", "results")
_REFUSALS = {
    "400": "BadRequest",
    "403": "Forbidden",
    "404": "NotFound",
    "406": "NotAcceptable",
    "413": "TooLarge",
    "415": "UnsupportedMediaType",
}

# What the HTTP front (front.py) answers itself, on any route, before the app sees the request.
_FRONT_REFUSALS = {
    "408": {"$ref": "#/components/responses/RequestTimeout"},
    "414": {"$ref": "#/components/responses/UriTooLong"},
    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
}


def _query_responses(media_types: list[str], refusals: tuple[str, ...], cached=True) -> dict:
    """A query's answer, its refusals, and the server's own: 429 (a client over its budget)
    and 503 (a query stopped at its deadline, or no worker free)."""
    schemas = {"application/sparql-results+json": _ref_schema("SparqlResults")}
    responses = {"200": _ok(media_types, schemas)}
    if cached:
        responses["304"] = _ref("NotModified")
    responses |= {status: _ref(_REFUSALS[status]) for status in refusals}
    responses |= {"429": _ref("TooManyRequests"), "503": _ref("Unavailable")}
    return responses


def _ok(media_types: list[str], schemas: dict | None = None) -> dict:
    schemas = schemas or {}
    return {
        "description": "The answer.",
        "headers": {
            "ETag": {"$ref": "#/components/headers/ETag"},
            "Last-Modified": {"$ref": "#/components/headers/LastModified"},
        },
        "content": {m: {"schema": schemas.get(m, {"type": "string"})} for m in media_types},
    }


def _dataset_parameters(where: str) -> list[dict]:
    return [
        {
            "name": name,
            "in": "query",
            "description": f"{what} (an absolute IRI; repeat for more); wins over the {where}'s.",
            "schema": {"type": "array", "items": {"type": "string"}},
            "style": "form",
            "explode": True,
        }
        for name, what in (
            ("default-graph-uri", "A graph of the default graph"),
            ("named-graph-uri", "A named graph the query may see"),
        )
    ]


def _graphs(which: str) -> dict:
    return {
        "type": "array",
        "items": {"type": "string"},
        "description": f"The {which} graphs (absolute IRIs).",
    }


def _format_parameters() -> list[dict]:
    return [
        {
            "name": name,
            "in": "query",
            "description": (
                "A format name (json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml, trig, "
                "nquads) or media type; one that does not fit leaves the choice to Accept."
            ),
            "schema": {"type": "string"},
        }
        for name in _FORMAT_PARAMETERS
    ]


_PATTERNS = {"date": "[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?", "integer": "[+-]?[0-9]+"}


def _canned_parameter(param: queries.Param) -> dict:
    """A canned query's parameter; an optional one given empty counts as not given."""
    schema: dict = {"type": "string"}
    if param.required:
        schema["minLength"] = 1
    if param.kind in _PATTERNS:
        schema["pattern"] = f"^({_PATTERNS[param.kind]}){'' if param.required else '?'}$"
    described = {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "description": f"{param.help} ({param.kind})",
        "schema": schema,
    }
    example = re.search(r"e\.g\. (\S+)", param.help)
    if example:
        described["example"] = example.group(1)
    return described


def _operation_id(name: str, kind: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", name)
    return words[0] + "".join(w.capitalize() for w in words[1:]) + kind.capitalize()


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def _ref_schema(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str, retry: bool = False) -> dict:
    answer: dict = {
        "description": description,
        "content": {
            "application/json": {"schema": _ref_schema("Error")},
            "text/html": {"schema": {"type": "string"}},
        },
    }
    if retry:
        answer["headers"] = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
    return answer


def _front_error(description: str) -> dict:
    """A refusal of the HTTP front: always JSON, since it has not read an Accept header."""
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref_schema("Error")}},
    }


def _components() -> dict:
    return {
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "message"],
                "properties": {
                    "error": {"type": "string", "description": "What went wrong, in a word."},
                    "message": {"type": "string", "description": "Why, and what would do."},
                },
                "additionalProperties": True,
            },
            "SparqlResults": {
                "type": "object",
                "required": ["head"],
                "properties": {
                    "head": {
                        "type": "object",
                        "properties": {"vars": {"type": "array", "items": {"type": "string"}}},
                    },
                    "results": {
                        "type": "object",
                        "required": ["bindings"],
                        "properties": {"bindings": {"type": "array", "items": {"type": "object"}}},
                    },
                    "boolean": {"type": "boolean"},
                },
            },
            "Catalogue": {
                "type": "object",
                "required": ["queries"],
                "properties": {
                    "queries": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["name", "title", "summary", "parameters", "url"],
                            "properties": {
                                "name": {"type": "string"},
                                "title": {"type": "string"},
                                "summary": {"type": "string"},
                                "parameters": {"type": "array", "items": {"type": "object"}},
                                "url": {"type": "string"},
                                "json": {"type": "string"},
                                "csv": {"type": "string"},
                            },
                        },
                    }
                },
            },
        },
        "headers": {
            "ETag": {
                "description": "A strong validator of this representation.",
                "required": True,
                "schema": {"type": "string"},
            },
            "LastModified": {
                "description": "When the data was loaded.",
                "required": True,
                "schema": {"type": "string"},
            },
            "RetryAfter": {
                "description": "Seconds to wait before asking again.",
                "schema": {"type": "string"},
            },
        },
        "securitySchemes": {
            "writeToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "A write token of SCOMM_WRITE_TOKENS; reads need none.",
            },
            "writeTokenBasic": {
                "type": "http",
                "scheme": "basic",
                "description": "The token's name as the user, the token as the password.",
            },
        },
        "responses": {
            "NotModified": {"description": "The client holds this answer already (no body)."},
            "BadRequest": _error(
                "A malformed request or query (with line, column and snippet), a parameter "
                "that is wrong or names nothing in the graph, or a result over the row limit."
            ),
            "Forbidden": _error(
                "A write with a token this server does not accept, or with writes disabled "
                "(no token configured)."
            ),
            "Unauthorized": {
                **_error("A write without credentials: send Authorization: Bearer <token>."),
                "headers": {
                    "WWW-Authenticate": {
                        "description": "Bearer, the scheme a write must use.",
                        "schema": {"type": "string"},
                    }
                },
            },
            "Unprocessable": {
                "description": (
                    "The write breaks the project's shapes; nothing was changed. The SHACL "
                    "validation report, as JSON (conforms, results: severity, focus, path, "
                    "value, message, shape) or as Turtle when Accept prefers it."
                ),
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "text/turtle": {"schema": {"type": "string"}},
                },
            },
            "MethodNotAllowed": _error(
                "A write to the default graph, which is the union of the named graphs."
            ),
            "NotFound": _error(
                "No such query, source text, resource or graph; suggestions for an IRI."
            ),
            "NotAcceptable": _error(
                "No format the answer comes in is acceptable; 'formats' lists those it does."
            ),
            "TooLarge": _error("The body is larger than the limit; 'limit' gives it in bytes."),
            "UnsupportedMediaType": _error(
                "The body is neither a form nor application/sparql-query, or not UTF-8."
            ),
            "TooManyRequests": _error(
                "This client has used its query seconds for the minute (a cached answer is "
                "still served); Retry-After says when enough are paid back.",
                retry=True,
            ),
            "RequestTimeout": _front_error(
                "The request (its headers or its body) did not arrive within the client timeout."
            ),
            "UriTooLong": _front_error("The request line is longer than the server accepts."),
            "HeadersTooLarge": _front_error(
                "The request's header fields are too many or too large."
            ),
            "Unavailable": _error(
                "The query ran past the time limit, or no query worker is free.", retry=True
            ),
        },
    }
