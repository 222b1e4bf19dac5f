"""Every setting in one table: its name, default, type and help text.

Settings come, in rising order of precedence, from the defaults here, from ``SCOMM_*``
environment variables (``SCOMM_QUERY_TIMEOUT=10``), and from command-line options. The README's
settings table is checked against this one by a test, so none goes undocumented.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from .namespaces import DEFAULT_BASE_IRI


def _setting(default, help: str, env: bool = True, secret: bool = False):
    # A secret stays out of repr(settings), and so out of any log or traceback that shows it.
    return field(default=default, repr=not secret, metadata={"help": help, "env": env})


@dataclass(frozen=True)
class Settings:
    base_iri: str = _setting(
        DEFAULT_BASE_IRI,
        "Base IRI of the graph's resources and named graphs; must end with '/'.",
    )
    store: str = _setting(
        "memory",
        "Where the graph is kept: 'memory' (embedded, the default), a directory (an on-disk "
        "store, loaded once and ready at once afterwards), or the http(s):// URL of a SPARQL "
        "1.1 server's query endpoint.",
    )
    store_update_url: str = _setting(
        "",
        "A remote store's SPARQL Update endpoint, where `scomm-kg load` writes (default: the "
        "query URL).",
    )
    store_union: str = _setting(
        "dataset",
        "How a remote store's queries see the union of the project's graphs: 'dataset' names "
        "them in each request (any server); 'server' relies on a server whose default graph "
        "is that union (oxigraph serve --union-default-graph), which answers faster.",
    )
    store_timeout: float = _setting(
        60.0, "Seconds a remote store may take to answer one request before it fails."
    )
    union_default_graph: str = _setting(
        "auto",
        "How an embedded store holds the union default graph: 'view' (no copy; a triple that "
        "k graphs hold matches k times), 'merged' (a copy, each triple once) or 'auto' (merged "
        "when some triple sits in two graphs and the store holds at most 100,000 quads, view "
        "otherwise).",
    )
    data_dir: str = _setting(
        "",
        "The folder of curated data (graphs/*.trig and sources/*.txt) that `scomm-kg add` and "
        "HTTP writes rewrite; empty: the project's own data/ folder. Point it at a copy to "
        "curate without touching the shipped data.",
    )
    data: tuple[Path, ...] = _setting(
        (),
        "Extra RDF files loaded and validated with the shipped ontology and data "
        "(environment: paths separated by ':').",
    )
    sources: tuple[Path, ...] = _setting(
        (),
        "Extra folders of source texts (*.txt) that the extra data's evidence passages quote, "
        "e.g. the sources/ folder `scomm-kg synth` writes (environment: paths separated by ':').",
    )
    host: str = _setting("127.0.0.1", "Address the server listens on.")
    port: int = _setting(8080, "Port the server listens on.")
    workers: int = _setting(
        4,
        "Query workers of the general lane: processes started once, each running one query "
        "at a time.",
    )
    query_timeout: float = _setting(
        30.0, "Seconds a query may run before it is stopped and answered 503."
    )
    queue_length: int = _setting(
        16,
        "Queries that may wait for a general query worker; when that many wait, more are "
        "answered 503 with Retry-After at once.",
    )
    reserved_workers: int = _setting(
        1,
        "Query workers of the reserved lane, kept for cheap work (canned queries, ASK), so "
        "that it is answered while every general worker runs a long query.",
    )
    reserved_timeout: float = _setting(
        5.0, "Seconds a query of the reserved lane may run before it is stopped (503)."
    )
    reserved_queue_length: int = _setting(
        16, "Queries that may wait for a reserved query worker before more are answered 503."
    )
    query_isolation: str = _setting(
        "auto",
        "How query workers are cut off from the network: 'namespace' (an empty network "
        "namespace), 'seccomp' (a filter refusing every socket but AF_UNIX), 'auto' (the "
        "first that works here; the server refuses to start if neither does) or 'none' "
        "(UNSAFE: only the SERVICE guard stands between a query and the network).",
    )
    memory_budget_mb: int = _setting(
        4096,
        "MiB all query workers may use together: each worker's address space is capped at "
        "its size at start plus an even share of what the budget leaves beside the loaded "
        "data (0: no cap).",
    )
    max_answer_bytes: int = _setting(
        10_000_000,
        "Largest answer (serialized) one query may return; a larger one is refused with an "
        "error stating the limit before any of it is sent (0: no cap). Whole graphs are for "
        "`scomm-kg export`; every answer passes through the HTTP front, where a huge one "
        "holds up the others.",
    )
    http_workers: int = _setting(
        1,
        "HTTP front processes. Each answers many connections with its threads and keeps its "
        "own result cache; queries run in the query workers, not here.",
    )
    http_threads: int = _setting(
        32,
        "Threads of each HTTP front process: requests in progress at once (a query waiting "
        "for its worker holds one); idle keep-alive connections hold none.",
    )
    client_timeout: float = _setting(
        10.0,
        "Seconds a client may take to send a request's headers or body (between any two "
        "pieces of it) or to take the answer; a slower one is answered 408 and cut off.",
    )
    client_query_seconds: float = _setting(
        60.0,
        "Seconds of query evaluation each client (address; IPv6 /64) may use per minute; "
        "beyond, its queries are answered 429 with Retry-After until it has paid them back, "
        "while cached answers are still served (0: no limit).",
    )
    row_limit: int = _setting(
        100_000, "Most rows (or triples) a query may return before it is refused."
    )
    max_request_bytes: int = _setting(
        1_000_000, "Largest request body accepted; larger requests get 413."
    )
    max_upload_bytes: int = _setting(
        50_000_000,
        "Largest RDF file or upload a write reads (scomm-kg add, the Graph Store Protocol); "
        "a larger one is refused before it is parsed.",
    )
    max_upload_triples: int = _setting(
        1_000_000,
        "Most triples an RDF file or upload a write reads may hold; dense Turtle makes a "
        "triple of every few bytes, each held in memory until the write is checked.",
    )
    result_cache_mb: int = _setting(
        64,
        "MiB of finished answers each server process keeps, by data version, query, dataset, "
        "bindings and format, so that a repeated query is answered without running it (0: none).",
    )
    trust_proxy_headers: bool = _setting(
        False,
        "Trust one reverse proxy's X-Forwarded-For/-Proto/-Host/-Port headers (set it only "
        "behind a proxy that sets them), so that URLs the server writes are the public ones.",
    )
    public_url: str = _setting(
        "",
        "The server's public URL (https://kg.example.org/), written into the service "
        "description and every link when the Host header is not trusted; a request for its "
        "host is trusted and answered with it.",
    )
    allowed_hosts: str = _setting(
        "localhost,127.0.0.1,[::1]",
        "Host names (comma-separated; '.example.org' for it and its subdomains, '*' for any) "
        "whose Host header the server trusts to write URLs with; any other Host is replaced by "
        "the public URL, or else the address the server listens on.",
    )
    log_level: str = _setting("INFO", "Logging level: DEBUG, INFO, WARNING or ERROR.")
    cache_dir: str = _setting(
        "~/.cache/scomm-kg",
        "Where successful validations are remembered by a hash of their inputs, so that "
        "commands need not re-validate unchanged data; empty: always validate.",
    )
    write_tokens: str = _setting(
        "",
        "Who may write over HTTP (SPARQL Update, Graph Store Protocol): comma-separated "
        "name=token pairs (name: lower-case letters, digits, '-'; token: at least 16 characters); "
        "empty: every write is refused. The name is recorded in the audit trail; tokens are "
        "never logged. Needs http_workers=1 and store=memory.",
        secret=True,
    )

    @property
    def source_folders(self) -> tuple[Path, ...]:
        """Folders of source texts beside the shipped ones: the curated data's, then extras."""
        curated = (Path(self.data_dir).expanduser() / "sources",) if self.data_dir else ()
        return (*curated, *self.sources)

    @property
    def takes_writes(self) -> bool:
        """Whether HTTP writes are taken: at least one write token is configured."""
        return bool(write_tokens(self.write_tokens))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Defaults, then SCOMM_* variables, then ``overrides`` (None means 'not given')."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            name = f"SCOMM_{f.name.upper()}"
            if f.metadata.get("env") and name in environ:
                values[f.name] = _convert(f, environ[name], name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        if not self.base_iri.endswith("/"):
            raise ValueError(f"base_iri must end with '/': {self.base_iri!r}")
        positive = ("port", "workers", "reserved_workers", "http_workers", "http_threads")
        for name in (*positive, "row_limit", "max_request_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        for name in ("max_upload_bytes", "max_upload_triples"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        if self.public_url:
            parts = urlsplit(self.public_url)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
                raise ValueError(
                    f"public_url must be an http or https URL such as https://kg.example.org/, "
                    f"not {self.public_url!r}"
                )
        if self.result_cache_mb < 0:
            raise ValueError(f"result_cache_mb must not be negative, not {self.result_cache_mb}")
        if self.store_union not in ("dataset", "server"):
            raise ValueError(f"store_union must be dataset or server, not {self.store_union!r}")
        if self.union_default_graph not in ("auto", "merged", "view"):
            raise ValueError(
                f"union_default_graph must be auto, merged or view, not "
                f"{self.union_default_graph!r}"
            )
        for name in ("query_timeout", "reserved_timeout", "client_timeout", "store_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        not_negative = ("queue_length", "reserved_queue_length", "memory_budget_mb")
        for name in (*not_negative, "client_query_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, not {getattr(self, name)}")
        if self.max_answer_bytes < 0:
            raise ValueError(f"max_answer_bytes must not be negative, not {self.max_answer_bytes}")
        # write_tokens() raises ValueError on a malformed list: said at start, not at a write.
        # A write changes the store of the front process that takes it; the others (and a
        # disk or remote store's other readers) would not see it.
        if self.takes_writes and (self.http_workers > 1 or self.store != "memory"):
            raise ValueError(
                "write_tokens (HTTP writes) need http_workers=1 and store=memory: a write "
                "changes the data held by the one front process that takes it"
            )
        modes = ("auto", "namespace", "seccomp", "none")
        if self.query_isolation not in modes:
            raise ValueError(
                f"query_isolation must be one of {', '.join(modes)}, not {self.query_isolation!r}"
            )


def _convert(f, raw: str, name: str):
    kind = type(f.default)
    try:
        if kind is tuple:
            return tuple(Path(p) for p in raw.split(":") if p)
        if kind is bool:
            flag = raw.strip().lower()
            if flag not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                raise ValueError(raw)
            return flag in ("1", "true", "yes", "on")
        return kind(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a valid {kind.__name__}") from None


MIN_TOKEN_LENGTH = 16
# The name becomes the writer's agent IRI in the audit trail (curation/audit.py).
_TOKEN_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def write_tokens(raw: str) -> dict[str, str]:
    """The write_tokens setting as name → token; ValueError names the bad pair, not its token."""
    tokens: dict[str, str] = {}
    for position, pair in enumerate((p.strip() for p in raw.split(",")), start=1):
        if not pair:
            continue
        name, sep, token = pair.partition("=")
        name, token = name.strip(), token.strip()
        if not sep or not _TOKEN_NAME.match(name):
            raise ValueError(
                f"write_tokens: pair {position} is not name=token with a name of lower-case "
                f"letters, digits and single '-'"
            )
        if len(token) < MIN_TOKEN_LENGTH or any(c.isspace() or c == "," for c in token):
            raise ValueError(
                f"write_tokens: the token of {name!r} must be at least {MIN_TOKEN_LENGTH} "
                f"characters without spaces"
            )
        if name in tokens:
            raise ValueError(f"write_tokens: {name!r} is named twice")
        tokens[name] = token
    return tokens


def documented() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting, for docs and tests."""
    rows = []
    for f in fields(Settings):
        default = "(none)" if f.default in ((), "") else str(f.default)
        rows.append((f"SCOMM_{f.name.upper()}", default, f.metadata["help"]))
    return rows
