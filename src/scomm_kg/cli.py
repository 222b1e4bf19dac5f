"""The scomm-kg command: parses arguments, calls the package, prints what it returns."""

from __future__ import annotations

import io
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import click

from . import __version__, build, canonical, curation, export, loader, queries, synth, validate
from .curation import additions, sheets
from .curation import input as curation_input
from .namespaces import PREFIXES
from .results import (
    GRAPH_FORMATS,
    TABULAR_FORMATS,
    AskResult,
    GraphResult,
    format_by_name,
    serialize,
    term_text,
)
from .service import QueryRequest, QueryService, formats_for, result_kind
from .serving.isolation import IsolationUnavailable
from .serving.pool import AnswerTooLarge, PoolBusy, PoolStartFailed, QueryTimeout, WorkerCrashed
from .settings import Settings
from .store import GraphStore, LoadSummary, QueryError, StoreUnavailable

TABLE_CELL_WIDTH = 60
KIND_NAMES = {"select": "a SELECT", "ask": "an ASK", "graph": "a CONSTRUCT or DESCRIBE"}

# One --format option for `query` and `sparql`: a table for people, or any result format.
format_option = click.option(
    "--format",
    "output",
    type=click.Choice(
        ["table", *(f.name for f in TABULAR_FORMATS + GRAPH_FORMATS)], case_sensitive=False
    ),
    default="table",
    show_default=True,
    help="A table, or a result format: "
    f"{' '.join(f.name for f in TABULAR_FORMATS)} for SELECT and ASK, "
    f"{' '.join(f.name for f in GRAPH_FORMATS)} for CONSTRUCT and DESCRIBE.",
)


# One --store option for every command that reads the graph.
store_option = click.option(
    "--store",
    default=None,
    metavar="STORE",
    help="'memory', a directory (on-disk store) or a SPARQL endpoint's http(s):// URL "
    "[SCOMM_STORE; memory].",
)


def _settings(**overrides) -> Settings:
    try:
        return Settings.from_env(**overrides)
    except ValueError as error:
        raise click.UsageError(str(error)) from error


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scomm-kg")
def main() -> None:
    """A provenance knowledge graph of ICE's Secure Communities program."""


@main.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "turtle"]),
    default="text",
    show_default=True,
    help="How to print the report.",
)
@click.option(
    "--engine",
    type=click.Choice(validate.ENGINES),
    default=validate.ENGINES[0],
    show_default=True,
    help="oxigraph: the shapes compiled to SPARQL, fast; pyshacl: the reference, slow.",
)
@store_option
def validate_command(paths: tuple[Path, ...], output: str, engine: str, store: str | None) -> None:
    """Validate the shipped ontology and data, plus PATHS, against the SHACL shapes.

    With --store, validate what that store holds instead (plus PATHS). Exits 0 when the data
    conforms, 1 when any shape is violated, 2 when a file or the store cannot be read.
    """
    settings = _settings(store=store)
    files = loader.default_files(settings.data_dir) + list(paths)
    _say_validation(build.ValidationStep("started", len(files)))
    started = time.perf_counter()
    try:
        if store is None:
            with build.curated_data_read(settings):
                loaded = loader.load(files, settings.base_iri)
            report = validate.validate(
                loaded, settings.base_iri, extra_sources=settings.source_folders, engine=engine
            )
        else:
            report = build.validate_held(settings, list(paths), engine)
    except (loader.LoadError, StoreUnavailable) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    seconds = time.perf_counter() - started
    _say_validation(build.ValidationStep("finished", len(files), seconds, report.conforms))
    click.echo(
        {"text": report.text, "json": report.json, "turtle": report.turtle}[output](), nl=False
    )
    sys.exit(0 if report.conforms else 1)


@main.command("load")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--store",
    required=True,
    metavar="STORE",
    help="A directory (on-disk store) or a SPARQL endpoint's http(s):// URL to load into.",
)
@click.option(
    "--update-url",
    default=None,
    help="A remote store's SPARQL Update URL, if not its query URL [SCOMM_STORE_UPDATE_URL].",
)
def load_command(paths: tuple[Path, ...], store: str, update_url: str | None) -> None:
    """Validate the shipped ontology and data plus PATHS and load them into STORE.

    Idempotent: a file the store already holds unchanged is skipped, and a file loaded again
    after a change replaces the graphs it filled, never adds to them. Prints a summary.
    """
    if store == "memory":
        raise click.UsageError(
            "--store memory holds nothing after the command ends; name a "
            "directory or a SPARQL endpoint's URL"
        )
    settings = _settings(store=store, store_update_url=update_url, data=paths or None)
    loading: dict = {}
    with _refusing_bad_data("nothing was loaded"), _store_errors():
        build.build_store(
            settings,
            on_validation=lambda step: _say_validation(step, loading),
            on_load=lambda sources: _progress(sources, loading),
        ).close()
    if "bar" in loading:
        loading["bar"].close()
    sources = loading.get("sources", [])
    files = len(loader.default_files(settings.data_dir)) + len(settings.data)
    if not sources:
        click.echo(f"{target_label(store)} holds all {files} files unchanged: nothing to load")
        return
    done = LoadSummary.of(sources, time.perf_counter() - loading["started"])
    checked = loading.get("validated")
    click.echo(
        f"loaded {done.sources} file(s) into {target_label(store)}: {done.graphs} graphs, "
        f"{done.triples} triples in {done.seconds:.1f}s ({done.rate:,.0f} triples/s)"
        + (f", validated in {checked:.1f}s" if checked is not None else "")
        + f"; {files - len(sources)} file(s) unchanged, skipped"
    )


def target_label(store: str) -> str:
    return store if "://" in store else f"the store in {store}"


def _progress(sources, loading: dict):
    """A progress bar over the triples of ``sources``, on stderr; its update callback."""
    from tqdm import tqdm

    loading["sources"] = sources
    loading["started"] = time.perf_counter()
    total = sum(source.triples for source in sources)
    bar = tqdm(total=total, unit=" triples", unit_scale=True, desc="loading", file=sys.stderr)
    loading["bar"] = bar
    return bar.update


@contextmanager
def _store_errors():
    """Exit 2 with the reason when the store cannot be opened, reached or written."""
    try:
        yield
    except (StoreUnavailable, ValueError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)


@main.command("queries")
def queries_command() -> None:
    """List the canned queries with their parameters."""
    for query in queries.catalogue().values():
        click.echo(f"{query.name}\n  {query.title}")
        for param in query.params:
            need = "required" if param.required else "optional"
            click.echo(f"  -p {param.name}=…  ({param.kind}, {need}) {param.help}")


@main.command("query")
@click.argument("name")
@click.option(
    "-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="A parameter (repeatable)."
)
@format_option
@store_option
def query_command(name: str, params: tuple[str, ...], output: str, store: str | None) -> None:
    """Run the canned query NAME (see `scomm-kg queries`) on the validated graph.

    Exits 2 when a parameter is wrong, including an IRI that names nothing in the graph (with
    the nearest names found), rather than printing an empty table.
    """
    values: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.UsageError(f"parameters are KEY=VALUE, not {item!r}")
        if key in values:
            raise click.UsageError(f"give each parameter once: {key} came more than once")
        values[key] = value
    settings = _settings(store=store)
    try:
        query = queries.get(name)
        bindings = queries.bind(query, values, settings.base_iri)
    except (queries.QueryNotFound, queries.BadParameter) as error:
        raise click.UsageError(str(error.args[0])) from error
    store = _store(settings)
    try:
        queries.require_known(store, query, values, bindings, settings.base_iri)
    except queries.UnknownResource as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    text, sent = queries.for_store(store, query, bindings)
    _run_and_print(settings, QueryRequest(text, bindings=sent), output, store)


@main.command("sparql")
@click.argument("query")
@format_option
@store_option
def sparql_command(query: str, output: str, store: str | None) -> None:
    """Run a SPARQL QUERY (or '-' to read it from standard input) on the validated graph."""
    text = sys.stdin.read() if query == "-" else query
    _run_and_print(_settings(store=store), QueryRequest(text), output)


def _run_and_print(
    settings: Settings, request: QueryRequest, output: str, store: GraphStore | None = None
) -> None:
    """Run a query under the settings' time, row and memory limits and print its result."""
    try:
        kind = result_kind(request.sparql)
    except QueryError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    fitting = formats_for(kind)
    if output != "table" and format_by_name(output) not in fitting:
        names = ", ".join(f.name for f in fitting)
        raise click.UsageError(
            f"--format {output} cannot carry {KIND_NAMES[kind]} result; use table or {names}"
        )
    try:
        service = QueryService(store or _store(settings), settings)
    except (IsolationUnavailable, PoolStartFailed) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    try:
        result = service.result(request)
    except (QueryError, QueryTimeout, WorkerCrashed, PoolBusy, AnswerTooLarge) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    finally:
        service.close()
    text = _render(result, output)
    # Every output ends with a line end, whatever its serializer does (JSON, RDF/XML do not).
    click.echo(text if not text or text.endswith("\n") else text + "\n", nl=False)


@main.command("synth")
@click.option(
    "--triples", type=int, required=True, help="About how many triples to generate (>= 2000)."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the generator.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("synthetic"),
    show_default=True,
    help="Folder to write synthetic.nq and sources/ into.",
)
def synth_command(triples: int, seed: int, out: Path) -> None:
    """Write a SYNTHETIC graph in the project's model, for measuring scale.

    The same --triples and --seed always give the same bytes. Validate it with
    SCOMM_SOURCES=OUT/sources scomm-kg validate OUT/synthetic.nq
    """
    started = time.perf_counter()
    try:
        summary = synth.write(triples, seed, out)
    except synth.SynthError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    seconds = time.perf_counter() - started
    click.echo(
        f"wrote {summary.triples} synthetic triples in {summary.graphs} named graphs "
        f"({summary.jurisdictions} jurisdictions, {summary.sources} source texts) to "
        f"{summary.nquads} in {seconds:.1f}s\n"
        f"validate with: SCOMM_SOURCES={out / synth.SOURCES_DIR} scomm-kg validate "
        f"{summary.nquads}"
    )


@main.command("add")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--graph",
    default=None,
    metavar="IRI",
    help="The named graph that triples outside any named graph (all of a Turtle, N-Triples "
    "or RDF/XML file) go into.",
)
@click.option(
    "--format",
    "rdf_format",
    default=None,
    metavar="FORMAT",
    help="The file's format when its extension does not say it: turtle, n-triples, trig, "
    "n-quads, json-ld or rdf/xml (or an extension: ttl, nt, trig, nq, jsonld, rdf).",
)
@click.option(
    "--replace", is_flag=True, help="The file's graphs replace those graphs, not add to them."
)
@click.option("--dry-run", is_flag=True, help="Validate and say what would change; write nothing.")
@store_option
def add_command(
    path: Path,
    graph: str | None,
    rdf_format: str | None,
    replace: bool,
    dry_run: bool,
    store: str | None,
) -> None:
    """Add an RDF file (.ttl .trig .nt .nq .jsonld .rdf .owl) or a claim sheet (.csv) to the
    curated data, through the SHACL gate.

    The change is validated together with the graph; on any violation nothing changes and the
    report says what and where (exit 1). Otherwise the data files are rewritten atomically, the
    store (with --store) holds the new state, and the write is recorded in graph/audit.
    """
    settings = _settings(store=store)
    data = path.read_bytes()
    is_sheet = path.suffix.lower() == ".csv" and rdf_format is None  # docs/claim-sheets.md
    quads = None
    if not is_sheet:  # read before the store is built: a bad file is refused at once
        try:
            quads = curation_input.read_rdf_file(
                path,
                data,
                settings.base_iri,
                graph,
                rdf_format=rdf_format,
                max_bytes=settings.max_upload_bytes,
                max_triples=settings.max_upload_triples,
            )
        except curation_input.InputRefused as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)
    target = _store(settings)
    sheet = None
    try:
        if is_sheet:
            sheet = sheets.read_sheet(path, target, settings)
            change = sheet.as_change(agent="cli")
        else:
            change = additions.change_adding(
                target, quads, replace=replace, via="rdf-file", agent="cli", data=data
            )
        outcome = curation.apply(settings, target, change, dry_run=dry_run)
    except (curation.WriteRefused, sheets.SheetError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    except curation.Rejected as rejected:
        click.echo(rejected.report.text(), err=True)
        if sheet is not None:  # each result told back as the row and column it came from
            click.echo("\n".join(sheet.explain(rejected.report.violations)), err=True)
        click.echo(f"error: {path} breaks the shapes; nothing was changed", err=True)
        sys.exit(1)
    finally:
        target.close()
    _say_outcome(outcome)


def _say_outcome(outcome: curation.Outcome) -> None:
    if not outcome.changed:
        click.echo("nothing to change: the graph holds all of it already")
        return
    verb = "would change" if outcome.dry_run else "changed"
    for name in sorted({*outcome.added, *outcome.removed}):
        click.echo(
            f"{verb} <{name}>: +{outcome.added.get(name, 0)} -{outcome.removed.get(name, 0)} "
            f"triples"
        )
    click.echo(f"{verb} files: {', '.join(outcome.files)}")


@main.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--check", is_flag=True, help="Only report files not in canonical form; exit 1 if any."
)
def fmt_command(paths: tuple[Path, ...], check: bool) -> None:
    """Write the ontology, shapes and data (or PATHS) in canonical, sorted form."""
    try:
        changed = canonical.fmt(paths or None, check=check)
    except ValueError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    verb = "would rewrite" if check else "rewrote"
    for path in changed:
        click.echo(f"{verb} {path}")
    if check and changed:
        click.echo(f"{len(changed)} file(s) not in canonical form: run `scomm-kg fmt`", err=True)
        sys.exit(1)


@main.command("serve")
@click.option("--host", default=None, help="Address to listen on [SCOMM_HOST; 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port to listen on [SCOMM_PORT; 8080].")
@click.option("--workers", type=int, default=None, help="Worker processes [SCOMM_WORKERS; 4].")
@store_option
@click.option(
    "--base-iri", default=None, help="Base IRI of the graph's resources [SCOMM_BASE_IRI]."
)
@click.option(
    "--query-timeout", type=float, default=None, help="Seconds per query [SCOMM_QUERY_TIMEOUT]."
)
@click.option("--row-limit", type=int, default=None, help="Most rows per answer [SCOMM_ROW_LIMIT].")
@click.option(
    "--data",
    "data",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Extra RDF file to load and validate with the shipped data (repeatable) [SCOMM_DATA].",
)
def serve_command(data: tuple[Path, ...], **options) -> None:
    """Validate the graph and serve it: SPARQL endpoint, canned queries, pages.

    Refuses to start, printing the validation report, when the data does not conform; exits 2
    at once when the port is taken.
    """
    from .web.server import PortUnavailable, check_port, serve

    settings = _settings(data=data or None, **options)
    try:
        check_port(settings.host, settings.port)
    except PortUnavailable as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    store = _store(settings, "the server will not start")
    try:
        serve(settings, store)
    except (IsolationUnavailable, PoolStartFailed) as error:
        click.echo(f"error: {error}; the server will not start", err=True)
        sys.exit(2)


@main.command("export")
@click.option("--format", "output", type=click.Choice(export.FORMATS), default="trig")
@click.option(
    "--data-only",
    is_flag=True,
    help="Leave out the dataset's VoID/DCAT description (a graph of its own otherwise).",
)
@store_option
def export_command(output: str, data_only: bool, store: str | None) -> None:
    """Print the whole validated dataset (every named graph, and its VoID/DCAT description):
    TriG, N-Quads or JSON-LD; Turtle is the merge of the graphs, without their names."""
    settings = _settings(store=store)
    store = _store(settings)
    dump = export.dataset(store, output, settings.base_iri, with_description=not data_only)
    sys.stdout.buffer.write(dump)


def _store(settings: Settings, consequence: str = "fix it first (scomm-kg validate)"):
    """The validated store, saying on stderr what validation is doing meanwhile."""
    with _refusing_bad_data(consequence), _store_errors():
        return build.build_store(settings, on_validation=_say_validation, on_load=_say_loading)


def _say_loading(sources) -> None:
    """One line on stderr when a command loads many triples: it takes seconds."""
    triples = sum(source.triples for source in sources)
    if triples >= 100_000:
        click.echo(f"loading {triples} triples…", err=True)


def _say_validation(step: build.ValidationStep, heard: dict | None = None) -> None:
    """One progress line on stderr per validation step: it takes seconds."""
    if heard is not None and step.stage == "finished":
        heard["validated"] = step.seconds
    if step.stage == "cached":
        click.echo(
            f"{step.files} files already validated against the SHACL shapes (cached)", err=True
        )
    elif step.stage == "started":
        click.echo(f"validating {step.files} files against the SHACL shapes…", err=True)
    else:
        verdict = "valid" if step.conforms else "does not conform"
        click.echo(f"{verdict} ({step.seconds:.1f}s)", err=True)


@contextmanager
def _refusing_bad_data(consequence: str):
    """Exit 2 on an unreadable file, 1 with the validation report on data that does not conform."""
    try:
        yield
    except loader.LoadError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    except build.InvalidData as error:
        click.echo(error.report.text(), err=True)
        click.echo(f"error: the data does not conform; {consequence}", err=True)
        sys.exit(1)


def _render(result, output: str) -> str:
    if output == "table":
        return _table(result)
    try:
        return serialize(result, format_by_name(output)).decode("utf-8")
    except ValueError as error:
        raise click.UsageError(str(error)) from error


def _table(result) -> str:
    if isinstance(result, AskResult):
        return f"{'true' if result.value else 'false'}\n"
    if isinstance(result, GraphResult):
        return serialize(result, format_by_name("turtle"), PREFIXES).decode("utf-8")
    header = list(result.variables)
    rows = [[_cell(row.get(v)) for v in header] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    out = io.StringIO()
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    out.write(line.rstrip() + "\n" + "  ".join("-" * w for w in widths) + "\n")
    for row in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")
    return out.getvalue()


def _cell(term) -> str:
    if term is None:
        return ""
    text = " ".join(term_text(term).split())
    return text if len(text) <= TABLE_CELL_WIDTH else text[: TABLE_CELL_WIDTH - 1] + "…"
