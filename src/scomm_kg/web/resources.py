"""Dereferenceable IRIs: every IRI under the base answers here, as a page or as data.

The hash-less 303 pattern of the W3C note "Cool URIs for the Semantic Web":

- ``/id/X`` names a thing (a person, an organisation, a statement, a proposition, and also a
  document the sources talk about, which this service does not hold): it answers 303 See Other,
  to ``/page/X`` for a browser and to ``/data/X.EXT`` (the format Accept asks for) otherwise.
- ``/page/X`` (HTML) and ``/data/X`` (RDF by content negotiation, or ``/data/X.EXT``) are the
  documents about it; ``X.EXT`` is one of .ttl .jsonld .nt .rdf .trig .nq.
- ``/graph/X`` names a named graph, which is itself a document (a set of triples): it answers
  200, a page or the graph with its provenance description, and ``/graph/X.EXT`` likewise.
- ``/ontology`` (whose terms are ``/ontology#Term``) answers 200 with the ontology, and so
  does its version IRI ``/ontology/VERSION``.
- ``/source/NAME`` (sources.py) is a source text, served as it is.

An IRI is ``base_iri`` followed by the local path without its leading slash: the base's path
maps to the server's root, so that the IRIs dereference on this server whatever host serves
it, and pages link to local paths. The ontology keeps its own IRI and is always at /ontology.
"""

from __future__ import annotations

import difflib
import json
from functools import partial
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup

from .. import dates, describe, ontology_docs, queries
from ..cache import PerVersion
from ..namespaces import ONTOLOGY_IRI, PREFIXES, short_iri
from ..results import GRAPH_FORMATS, Format, term_text
from . import context
from .negotiation import choose, prefers_html

bp = Blueprint("resources", __name__, template_folder="pages")

ALTERNATES: dict[str, Format] = {fmt.extension: fmt for fmt in GRAPH_FORMATS}
_RDF_TYPE = PREFIXES["rdf"] + "type"
_ONTOLOGY = str(ONTOLOGY_IRI)

# Whole-dataset lookups (labels, graph sources), kept per data version: pages read them often.
_by_version = PerVersion()


# --- Routes --------------------------------------------------------------------------------


@bp.route("/id/<path:name>")
def thing(name: str):
    """303 See Other to the page or to the data about the thing."""
    iri = _base() + "id/" + name
    if not _describe(iri).found:
        return _not_found(iri, "id/" + name)
    accept = request.headers.get("Accept")
    if prefers_html(accept, GRAPH_FORMATS, "graph"):
        target = url_for(".page", name=name)
    else:
        fmt = choose(accept, GRAPH_FORMATS, "graph")
        target = url_for(".data", name=f"{name}.{fmt.extension}")
    response = redirect(target, 303)
    response.vary.add("Accept")
    return response


@bp.route("/page/<path:name>")
def page(name: str):
    iri = _base() + "id/" + name
    described = _describe(iri)
    if not described.found:
        return _not_found(iri, "page/" + name)
    return _page(described, data_path=url_for(".data", name=name))


@bp.route("/data/<path:name>")
def data(name: str):
    stem, fmt = _split_alternate(name, lambda stem: _describe(_base() + "id/" + stem).found)
    described = _describe(_base() + "id/" + stem)
    if not described.found:
        return _not_found(_base() + "id/" + name, "data/" + name)
    return _rdf(described.quads, fmt, url_for(".data", name=stem))


@bp.route("/graph/<path:name>")
def graph(name: str):
    stem, fmt = _split_alternate(name, lambda stem: _graph_quads(_base() + "graph/" + stem))
    iri = _base() + "graph/" + stem
    contents = _graph_quads(iri)
    if not contents:
        return _not_found(_base() + "graph/" + name, "graph/" + name)
    about = _describe(iri)
    if fmt is None and _wants_html():
        writes = describe.graph_writes(context.service().store, iri)
        return _page(
            about, contents=contents, writes=writes, data_path=url_for(".graph", name=stem)
        )
    quads = list(dict.fromkeys([*about.outgoing, *contents]))
    return _rdf(quads, fmt, url_for(".graph", name=stem))


@bp.route("/ontology")
def ontology():
    """The ontology: its documentation for browsers (a term IRI, /ontology#Term, lands on the
    term's section), its triples for RDF clients."""
    if _wants_html():
        return _ontology_docs()
    return _rdf(_graph_quads(_ONTOLOGY), None, url_for(".ontology"))


@bp.route("/ontology/<path:name>")
def ontology_version(name: str):
    """The ontology's version IRI (owl:versionIRI) names this version of the same document;
    /ontology/Term, a slash typed for the hash, goes to the term's place: 303 to /ontology#Term
    (where a browser gets the term's section and an RDF client the ontology)."""
    iri = f"{_ONTOLOGY}/{name}"
    contents = _graph_quads(_ONTOLOGY)
    version_iri = PREFIXES["owl"] + "versionIRI"
    if not any(q.predicate.value == version_iri and q.object.value == iri for q in contents):
        if _ONTOLOGY + "#" + name in _ontology_terms(contents):
            response = redirect(url_for(".ontology") + "#" + name, 303)
            response.vary.add("Accept")
            return response
        return _not_found(iri, "ontology/" + name, _nearest_terms(name, contents))
    if _wants_html():
        return _ontology_docs()
    return _rdf(contents, None, url_for(".ontology"))


@bp.route("/ontology.<suffix>")
def ontology_alternate(suffix: str):
    if suffix not in ALTERNATES:
        return _not_found(_ONTOLOGY + "." + suffix, "ontology." + suffix)
    return _rdf(_graph_quads(_ONTOLOGY), ALTERNATES[suffix], url_for(".ontology"))


# --- Answers -------------------------------------------------------------------------------


def _split_alternate(name: str, exists) -> tuple[str, Format | None]:
    """(stem, format) of ``X.EXT`` when X exists and EXT is an alternate, else (name, None)."""
    stem, dot, suffix = name.rpartition(".")
    if dot and suffix in ALTERNATES and exists(stem):
        return stem, ALTERNATES[suffix]
    return name, None


def _wants_html() -> bool:
    return prefers_html(request.headers.get("Accept"), GRAPH_FORMATS, "graph")


def _rdf(quads, fmt: Format | None, generic_path: str) -> Response:
    """The quads in ``fmt``, or in the format Accept asks for (with the alternate's location)."""
    negotiated = fmt is None
    if negotiated:
        fmt = choose(request.headers.get("Accept"), GRAPH_FORMATS, "graph")
    body = describe.serialize_quads(quads, fmt)
    response = Response(body, mimetype=fmt.media_type)
    if fmt.media_type.startswith("text/") or fmt.name in ("ntriples", "nquads", "trig"):
        response.headers["Content-Type"] = f"{fmt.media_type}; charset=utf-8"
    if negotiated:
        response.vary.add("Accept")
        response.headers["Content-Location"] = f"{generic_path}.{fmt.extension}"
    link = [
        f'<{generic_path}.{f.extension}>; rel="alternate"; type="{f.media_type}"'
        for f in GRAPH_FORMATS
    ]
    response.headers["Link"] = ", ".join(link)
    return response


def _not_found(iri: str, local: str, first: tuple[tuple[str, str], ...] = ()) -> Response:
    """404 naming the IRI, with the resources whose names come nearest it (``first`` first)."""
    service = context.service()
    nearest = dict(first)
    for found, label in queries.suggest(service.store, local, iri):
        nearest.setdefault(found, label)
    suggestions = [
        {"iri": found, "label": label, "page": local_href(found)}
        for found, label in nearest.items()
    ]
    message = f"nothing in the graph is <{iri}>"
    if prefers_html(request.headers.get("Accept"), (), "graph"):
        # The search box, filled with the IRI's last segment in words: a name to try.
        words = local.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")[:200]
        search = url_for("search.page", text=words) if words.strip() else url_for("search.page")
        page = render_template(
            "not-found.html", iri=iri, message=message, suggestions=suggestions, search=search
        )
        return Response(page, status=404, mimetype="text/html")
    response = jsonify(
        {"error": "not found", "message": message, "iri": iri, "suggestions": suggestions}
    )
    response.status_code = 404
    return response


# --- The ontology's documentation -----------------------------------------------------------

# pyLODE's page, by the ontology's Turtle; finished pages by data version and script root.
_generated_docs: dict[str, str] = {}
_finished_docs = PerVersion()


def _ontology_docs() -> Response:
    """pyLODE's page for the ontology, with each term's example from the data; made on the
    first request for each data version and kept for the process."""
    store = context.service().store

    def make() -> str:
        turtle = ontology_docs.ontology_turtle(store)
        if turtle not in _generated_docs:
            _generated_docs.clear()
            _generated_docs[turtle] = ontology_docs.generate(turtle)
        labels = all_labels()
        rows = {
            term: render_template(
                "ontology-example.html",
                example=example,
                link=partial(_link, labels),
                value=partial(_value, labels),
            )
            for term, example in ontology_docs.term_examples(store).items()
        }
        header = render_template("ontology-header.html", alternates=GRAPH_FORMATS)
        footer = render_template(
            "ontology-concepts.html", schemes=ontology_docs.concept_schemes(store)
        )
        return ontology_docs.finish(
            _generated_docs[turtle],
            href=local_href,
            example_rows=rows,
            header=header,
            footer=footer,
        )

    response = Response(_finished_docs.get(store, request.script_root, make), mimetype="text/html")
    response.vary.add("Accept")
    return response


def _ontology_terms(contents) -> dict[str, str]:
    """The terms the ontology mints (IRIs in its namespace that it says anything of), with
    their labels (or local names)."""
    label = PREFIXES["rdfs"] + "label"
    terms: dict[str, str] = {}
    for q in contents:
        subject = q.subject.value
        if subject.startswith(_ONTOLOGY + "#") and not _is_blank(q.subject):
            local = subject[len(_ONTOLOGY) + 1 :]
            if q.predicate.value == label:
                terms[subject] = q.object.value
            else:
                terms.setdefault(subject, local)
    return terms


def _nearest_terms(name: str, contents) -> tuple[tuple[str, str], ...]:
    """The ontology's terms whose local names or labels are most like ``name``."""
    terms = _ontology_terms(contents)
    by_name: dict[str, str] = {}
    for iri, label in terms.items():
        by_name.setdefault(iri[len(_ONTOLOGY) + 1 :].lower(), iri)
        by_name.setdefault(label.lower(), iri)
    close = difflib.get_close_matches(name.lower(), by_name, n=5, cutoff=0.6)
    nearest = dict.fromkeys(by_name[match] for match in close)
    return tuple((iri, terms[iri]) for iri in nearest)


# --- Pages ---------------------------------------------------------------------------------


def _page(described: describe.Description, *, data_path: str, contents=(), writes=()) -> str:
    labels = all_labels()
    sources = _graph_sources()
    name = partial(_name, labels)
    iri = described.iri
    evidence: dict[str, list] = {}
    for item in described.evidence:
        evidence.setdefault(item.graph, []).append(item)
    facts = _facts(described, iri, labels, sources, evidence)
    inverse = [
        {"subject": q.subject, "predicate": q.predicate.value, "graph": q.graph_name.value}
        for q in described.incoming
        if q.object.value == iri and not _is_blank(q.subject)
    ]
    via_blank = [
        {
            "parent": parent.subject,
            "via": parent.predicate.value,
            "predicate": q.predicate.value,
            "graph": q.graph_name.value,
        }
        for q in described.incoming
        if q.object.value == iri and _is_blank(q.subject)
        for parent in described.incoming
        if parent.object == q.subject
    ]
    body = render_template(
        "resource.html",
        iri=iri,
        label=labels.get(iri) or short_iri(iri, _base()),
        kinds=described.kinds(),
        facts=facts,
        inverse=inverse,
        via_blank=via_blank,
        contents=_group_contents(contents),
        writes=writes,
        graph_source=sources.get(iri),
        data_path=data_path,
        alternates=GRAPH_FORMATS,
        name=name,
        link=partial(_link, labels),
        value=partial(_value, labels),
        json_ld=_json_ld(described, labels),
        statement=_statement(described),
        said=_said(described),
        when=date_at_precision,
        in_context=in_context,
    )
    return body


def date_at_precision(term) -> str:
    """A date literal as precisely as the source gives it: 2010, September 2010, 14 September
    2010."""
    return dates.spoken(term.value, term.datatype.value)


def _statement(described: describe.Description) -> list[dict] | None:
    """Speaker, role, date, addressee, words and stances of a statement, and the statements
    on the same proposition with the opposite stance; None for anything else."""
    if PREFIXES["scomm"] + "Statement" not in described.kinds():
        return None
    iri = described.iri
    store = context.service().store
    own = [q for q in described.outgoing if q.subject.value == iri]
    speakers = [
        q.object.value for q in own if q.predicate.value == PREFIXES["prov"] + "wasAttributedTo"
    ]
    roles = {
        q.subject: q.object.value
        for q in described.outgoing
        if q.predicate.value == PREFIXES["prov"] + "hadRole"
    }
    agents = {
        q.object.value: roles.get(q.subject)
        for q in described.outgoing
        if q.predicate.value == PREFIXES["prov"] + "agent"
    }
    views = []
    for speaker in dict.fromkeys(speakers):
        rows = [r for r in describe.said_by(store, speaker) if r["statement"].value == iri]
        if not rows:
            continue
        first = rows[0]
        stances = list(dict.fromkeys((r["stance"].value, r["proposition"].value) for r in rows))
        views.append(
            {
                "speaker": speaker,
                "role": agents.get(speaker),
                "row": first,
                "stances": stances,
                "opposite": [
                    other
                    for proposition in dict.fromkeys(p for _, p in stances)
                    for other in describe.opposite_stances(store, iri, proposition)
                ],
                "chain": _report_chain(own),
            }
        )
    return views


def _report_chain(own: list) -> list[tuple[str, str]]:
    """How the statement reached this graph, as (step, document IRI): the document it was made
    in, each report that relays it, and the document the curators read, in that order; a graph
    that only cites what it was read from adds its read document last."""
    steps = [
        (step, q.object.value)
        for predicate, step in (
            (PREFIXES["dcterms"] + "isPartOf", "made in"),
            (PREFIXES["scomm"] + "reportedBy", "reported by"),
        )
        for q in own
        if q.predicate.value == predicate
    ]
    sources = _graph_sources()
    for graph in dict.fromkeys(q.graph_name.value for q in own if q.graph_name.value in sources):
        source = sources[graph]
        if source.cited and source.cited not in {iri for _, iri in steps}:
            steps.append(("cited by its source as", source.cited))
        if source.read:
            steps.append(("read by the curators in", source.read))
    return list(dict.fromkeys(steps))


def _said(described: describe.Description) -> tuple:
    """What the resource said, oldest first, when it is the speaker of any statement."""
    spoke = PREFIXES["prov"] + "wasAttributedTo"
    if not any(
        q.predicate.value == spoke and q.object.value == described.iri for q in described.incoming
    ):
        return ()
    return describe.said_by(context.service().store, described.iri)


def _facts(described, iri, labels, sources, evidence) -> list[dict]:
    """The resource's own facts, property by property, each with its source and evidence."""
    blanks: dict = {}
    for q in described.outgoing:
        if q.subject.value != iri:
            blanks.setdefault(q.subject, []).append(q)
    facts = []
    for q in described.outgoing:
        if q.subject.value != iri:
            continue
        graph = q.graph_name.value
        facts.append(
            {
                "predicate": q.predicate.value,
                "object": q.object,
                "parts": [(p.predicate.value, p.object) for p in blanks.get(q.object, ())]
                if _is_blank(q.object)
                else [],
                "graph": graph,
                "source": sources.get(graph),
                "evidence": evidence.get(graph, []),
            }
        )
    facts.sort(key=lambda f: (f["predicate"] != _RDF_TYPE, _name(labels, f["predicate"])))
    return facts


def _group_contents(quads) -> list[tuple]:
    """A graph's triples, subject by subject, blank subjects left to their parents' rows."""
    by_subject: dict = {}
    for q in quads:
        if not _is_blank(q.subject):
            by_subject.setdefault(q.subject.value, []).append((q.predicate.value, q.object))
    return sorted(by_subject.items())


def _is_blank(term) -> bool:
    return type(term).__name__ == "BlankNode"


def local_href(iri: str) -> str:
    """Where a link to ``iri`` goes: this server's page when it serves the IRI, else the IRI."""
    base = _base()
    if iri == _ONTOLOGY or iri.startswith((_ONTOLOGY + "#", _ONTOLOGY + "/")):
        return url_for("resources.ontology") + iri[len(_ONTOLOGY) :]
    if iri.startswith(base):
        local = iri[len(base) :]
        if local.startswith("id/") and len(local) > 3:
            return url_for("resources.page", name=local[3:])
        if local.startswith(("graph/", "source/", "dumps/", ".well-known/")) or local == "sparql":
            return request.script_root + "/" + local
    return iri


def in_context(source: str, exact: str) -> str:
    """A link to the sentence in its source text: a text fragment (#:~:text=), which browsers
    that know it scroll to and highlight, and others ignore."""
    quoted = quote(exact, safe="").replace("-", "%2D")
    return f"{local_href(source)}#:~:text={quoted}"


def _name(labels: dict, iri: str) -> str:
    return labels.get(iri) or short_iri(iri, _base())


def _link(labels: dict, iri: str) -> Markup:
    return Markup('<a href="{0}" title="{1}">{2}</a>').format(
        local_href(iri), iri, _name(labels, iri)
    )


def _value(labels: dict, term) -> Markup:
    kind = type(term).__name__
    if kind == "NamedNode":
        return _link(labels, term.value)
    if kind == "Literal":
        text = Markup("{0}").format(term.value)
        datatype = term.datatype.value
        if term.language:
            return Markup('<span lang="{0}">{1}</span>').format(term.language, text)
        if datatype != PREFIXES["xsd"] + "string":
            return Markup('{0} <small class="note">({1})</small>').format(text, short_iri(datatype))
        return text
    return Markup("{0}").format(term_text(term))


# --- schema.org JSON-LD --------------------------------------------------------------------

_SCHEMA_TYPES = {
    PREFIXES["scomm"] + "Statement": "Claim",
    PREFIXES["foaf"] + "Person": "Person",
    PREFIXES["org"] + "Organization": "Organization",
    PREFIXES["foaf"] + "Organization": "Organization",
    PREFIXES["foaf"] + "Document": "CreativeWork",
    PREFIXES["schema"] + "Article": "Article",
    PREFIXES["scomm"] + "SourceGraph": "Dataset",
    PREFIXES["scomm"] + "CuratorGraph": "Dataset",
    PREFIXES["owl"] + "Ontology": "DefinedTermSet",
}


def _json_ld(described: describe.Description, labels: dict) -> Markup:
    """The page's data as schema.org JSON-LD; a statement is a Claim with its appearances."""
    iri = described.iri
    kinds = described.kinds()
    types = sorted({_SCHEMA_TYPES[k] for k in kinds if k in _SCHEMA_TYPES}) or ["Thing"]
    node: dict = {
        "@context": "https://schema.org",
        "@id": iri,
        "@type": types[0] if len(types) == 1 else types,
        "name": labels.get(iri, short_iri(iri, _base())),
        "url": request.host_url.rstrip("/") + local_href(iri),
    }
    own = [q for q in described.outgoing if q.subject.value == iri]

    def objects(prefix: str, local: str) -> list[str]:
        return [q.object.value for q in own if q.predicate.value == PREFIXES[prefix] + local]

    if "Claim" in types:
        appearances = objects("dcterms", "isPartOf") + objects("scomm", "reportedBy")
        node["appearance"] = [
            {"@type": "CreativeWork", "@id": doc, "name": labels.get(doc, doc)}
            for doc in dict.fromkeys(appearances)
        ]
        if appearances:
            node["firstAppearance"] = node["appearance"][0]
        speakers = objects("prov", "wasAttributedTo")
        if speakers:
            node["author"] = [{"@id": s, "name": labels.get(s, s)} for s in speakers]
        for text in objects("schema", "text"):
            node["text"] = text
        for when in objects("dcterms", "date"):
            node["dateCreated"] = when
    # "</" inside a script element would end it: JSON allows \u003c in its place.
    return Markup(json.dumps(node, ensure_ascii=False, indent=1).replace("<", "\\u003c"))


# --- Store lookups -------------------------------------------------------------------------


def _base() -> str:
    return context.settings().base_iri


def _describe(iri: str) -> describe.Description:
    return describe.describe(context.service().store, iri)


def _graph_quads(iri: str) -> list:
    return describe.graph_contents(context.service().store, iri)


def _per_version(what: str, compute):
    store = context.service().store
    return _by_version.get(store, what, lambda: compute(store))


def all_labels() -> dict[str, str]:
    """Every IRI's label, kept per data version."""
    return _per_version("labels", describe.labels)


def _graph_sources() -> dict:
    return _per_version("sources", describe.graph_sources)
