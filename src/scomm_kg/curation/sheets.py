"""Claim sheets: a curator's CSV of statements and events, turned into a curation change.

One row is one statement (or one opt-out attempt) as one source gives it. The row names its
speaker, date, words, proposition and stance, and the source document: what it is, whether the
curators READ it or only saw it CITED by another document, the text file they read and the
sentence of it the row rests on. `read_sheet` looks every name up in the store (by IRI, label,
alternative label, title or name), mints what is new under stable slugs, and returns the whole
new content of each named graph the sheet touches: one graph per source, its PROV-O description
in the provenance graph, and the curators' links between two sources' accounts of one fact in
the curators' graph. Nothing is written here; every problem of the sheet is found first and
raised at once (`SheetError`), each naming its row and column.

Two sources, one fact: a row whose ``same_as`` names an existing statement or event describes
a new node, this source's account of it, in this source's graph with this source's date; the
curators' judgement that both are accounts of the same fact is ``prov:alternateOf`` in the
curators' graph, never in either source's graph. Neither account is changed or merged.

See docs/claim-sheets.md for the columns.
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from .. import dates, queries, resources
from ..namespaces import PREFIXES
from ..settings import Settings
from ..store import GraphStore
from . import Change

_XSD = PREFIXES["xsd"]
_RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")


def _term(prefix: str, local: str) -> ox.NamedNode:
    return ox.NamedNode(PREFIXES[prefix] + local)


RDFS_LABEL = _term("rdfs", "label")
DCT_DATE = _term("dcterms", "date")
DCT_TITLE = _term("dcterms", "title")
DCT_PUBLISHER = _term("dcterms", "publisher")
DCT_CREATOR = _term("dcterms", "creator")
DCT_REFERENCES = _term("dcterms", "references")
DCT_HAS_FORMAT = _term("dcterms", "hasFormat")
DCT_IS_PART_OF = _term("dcterms", "isPartOf")
DCT_FORMAT = _term("dcterms", "format")
DCT_LICENSE = _term("dcterms", "license")
SCOMM_EARLIEST = _term("scomm", "earliestDate")
SCOMM_LATEST = _term("scomm", "latestDate")
SCOMM_EVIDENCE = _term("scomm", "evidence")
SCOMM_REPORTED_BY = _term("scomm", "reportedBy")
SCOMM_TEXT_KIND = _term("scomm", "textKind")
SCOMM_CITED_SOURCE = _term("scomm", "citedSource")
SCHEMA_TEXT = _term("schema", "text")
SCHEMA_RECIPIENT = _term("schema", "recipient")
SCHEMA_OBJECT = _term("schema", "object")
SCHEMA_URL = _term("schema", "url")
SCHEMA_SHA256 = _term("schema", "sha256")
SCHEMA_ENCODING = _term("schema", "encodingFormat")
FOAF_NAME = _term("foaf", "name")
OA_HAS_SOURCE = _term("oa", "hasSource")
OA_HAS_SELECTOR = _term("oa", "hasSelector")
OA_EXACT = _term("oa", "exact")
PROV_ATTRIBUTED = _term("prov", "wasAttributedTo")
PROV_QUALIFIED = _term("prov", "qualifiedAttribution")
PROV_AGENT = _term("prov", "agent")
PROV_HAD_ROLE = _term("prov", "hadRole")
PROV_ASSOCIATED = _term("prov", "wasAssociatedWith")
PROV_DERIVED = _term("prov", "wasDerivedFrom")
PROV_GENERATED_BY = _term("prov", "wasGeneratedBy")
PROV_GENERATED_AT = _term("prov", "generatedAtTime")
PROV_ENDED_AT = _term("prov", "endedAtTime")
PROV_USED = _term("prov", "used")
PROV_ALTERNATE_OF = _term("prov", "alternateOf")

PERSON = _term("foaf", "Person")
ORGANIZATION = _term("org", "Organization")
DOCUMENT = _term("foaf", "Document")
ROLE = _term("org", "Role")
PROPOSITION = _term("scomm", "Proposition")
STATEMENT = _term("scomm", "Statement")
OPT_OUT_ATTEMPT = _term("scomm", "OptOutAttempt")
JURISDICTION = _term("scomm", "Jurisdiction")
PROGRAM = _term("scomm", "Program")
NEWS_OUTLET = _term("schema", "NewsMediaOrganization")

#: The data's licence, as every graph of the shipped data declares it.
DATA_LICENSE = ox.NamedNode("https://creativecommons.org/licenses/by/4.0/")
CURATORS = "id/agent/scomm-kg-curators"
PROVENANCE_GRAPH = "graph/provenance"
CURATORS_GRAPH = "graph/curators-knowledge"


@dataclass(frozen=True)
class Column:
    name: str
    required: str  # "yes", "no", or when it is required
    help: str


#: The columns of a claim sheet, in the template's order; docs/claim-sheets.md explains each.
COLUMNS = (
    Column("kind", "no", "`statement` (the default) or `opt-out attempt`"),
    Column("same_as", "no", "an existing statement or event this row is another account of"),
    Column("speaker", "yes", "who spoke; for an opt-out attempt, the jurisdiction"),
    Column("speaker_kind", "to add a new speaker", "`person` or `organization`"),
    Column("role", "no", "the office the speaker spoke in (an org:Role)"),
    Column("date", "yes", "`YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as precise as the source"),
    Column("words", "statements", "the words, as the source gives them"),
    Column("wording", "statements", "`verbatim` or `paraphrase`"),
    Column("addressee", "no", "to whom it was said"),
    Column("addressee_kind", "to add a new addressee", "`person` or `organization`"),
    Column("proposition", "statements", "what it affirms or denies (label or IRI)"),
    Column("stance", "statements", "`affirms`, `suggests` or `denies`"),
    Column("program", "opt-out attempts", "the program the jurisdiction tried to leave"),
    Column("medium", "no", "`source`, or the document the statement was made in"),
    Column("source", "yes", "the source document (its name or IRI)"),
    Column("source_title", "no", "the source's own title, verbatim"),
    Column("source_kind", "to add a new source", "letter, memo, news article, …"),
    Column("source_publisher", "no", "the organization that published the source"),
    Column("source_author", "no", "the source's author (a letter needs one)"),
    Column("source_addressee", "no", "the source's addressee (a letter needs one)"),
    Column("source_date", "no", "`YYYY`, `YYYY-MM` or `YYYY-MM-DD`"),
    Column("source_url", "no", "where the source can be found (http or https)"),
    Column("source_same_as", "no", "an existing document this source is another record of"),
    Column("read_or_cited", "yes", "`read` or `cited`"),
    Column("cited_by", "cited sources", "the document the curators read that cites the source"),
    Column("text_file", "yes", "the plain-text copy of the document read, beside the sheet"),
    Column("evidence", "yes", "the sentence of the text file the row rests on, verbatim"),
    Column("curated_on", "yes", "the day the curators read the source (`YYYY-MM-DD`)"),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
ALWAYS_REQUIRED = tuple(c.name for c in COLUMNS if c.required == "yes")

KINDS = {"statement": STATEMENT, "opt-out attempt": OPT_OUT_ATTEMPT}
WORDINGS = {"verbatim": _term("scomm", "Verbatim"), "paraphrase": _term("scomm", "Paraphrase")}
STANCES = {name: _term("scomm", name) for name in ("affirms", "suggests", "denies")}
AGENT_KINDS = ("person", "organization")
SOURCE_KINDS = {
    "letter": _term("scomm", "Letter"),
    "memo": _term("scomm", "Memo"),
    "brochure": _term("scomm", "Brochure"),
    "backgrounder": _term("scomm", "Backgrounder"),
    "report": _term("schema", "Report"),
    "news article": _term("schema", "NewsArticle"),
    "web page": _term("schema", "WebPage"),
    "article": _term("schema", "Article"),
}
HOW_KNOWN = ("read", "cited")
_TEXT_FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*\.txt$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_SLUG_WORDS = 8
_SLUG_LENGTH = 60


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a sheet: where (row as a spreadsheet counts it, header = 1; the
    column's name) and what."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


class SheetError(Exception):
    """A sheet that cannot be turned into a change; ``problems`` lists every reason."""

    def __init__(self, path: Path | str, problems: list[Problem]):
        self.path = str(path)
        self.problems = sorted(problems, key=lambda p: (p.row, _column_order(p.column)))
        super().__init__(self.path, self.problems)

    def __str__(self) -> str:
        lines = [f"{self.path}: {len(self.problems)} problem(s), nothing was written:"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)

    def json(self) -> list[dict]:
        return [{"row": p.row, "column": p.column, "message": p.message} for p in self.problems]


def _column_order(name: str) -> int:
    return COLUMN_NAMES.index(name) if name in COLUMN_NAMES else len(COLUMN_NAMES)


@dataclass(frozen=True)
class Origin:
    """Where a node of the change came from: a row and the column that named it."""

    row: int
    column: str


@dataclass
class SheetChange:
    """What a sheet changes: the whole new content of each graph it touches (as the curation
    contract wants it), the new source texts, and where each node it describes came from."""

    graphs: dict[str, list[ox.Quad]]
    source_texts: dict[str, bytes]
    input_sha256: str
    origins: dict[str, list[Origin]]
    minted: list[str] = field(default_factory=list)

    def as_change(self, agent: str = "cli"):
        """The curation.Change to hand to curation.apply."""
        return Change(
            graphs={iri: quads for iri, quads in self.graphs.items()},
            source_texts=dict(self.source_texts),
            via="sheet",
            agent=agent,
            input_sha256=self.input_sha256,
        )

    def locate(self, focus: str, path: str | None = None) -> list[Origin]:
        """The rows (and columns) behind a validation result on ``focus`` along ``path``: the
        column of the property where the sheet has one, else the column that named the node."""
        found = self.origins.get(focus.strip("<>"), [])
        column = _PROPERTY_COLUMNS.get(_local(path or ""))
        if column:
            return [Origin(o.row, column) for o in found]
        return found

    def explain(self, violations: Iterable) -> list[str]:
        """Validation results told back as rows and columns: "row 7, column date: …"."""
        lines = []
        for violation in violations:
            places = self.locate(violation.focus, violation.path)
            where = ", ".join(f"row {o.row}, column {o.column}" for o in places)
            lines.append(f"{where or violation.focus}: {violation.message}")
        return lines


# The column a property of a described node comes from, for telling SHACL results back.
_PROPERTY_COLUMNS = {
    "date": "date",
    "earliestDate": "date",
    "latestDate": "date",
    "text": "words",
    "textKind": "wording",
    "wasAttributedTo": "speaker",
    "qualifiedAttribution": "role",
    "recipient": "addressee",
    "affirms": "stance",
    "suggests": "stance",
    "denies": "stance",
    "isPartOf": "medium",
    "reportedBy": "source",
    "evidence": "evidence",
    "wasAssociatedWith": "speaker",
    "object": "program",
}


def _local(path: str) -> str:
    return re.split(r"[:/#]", path.strip("<>"))[-1] if path else ""


def read_sheet(path: Path | str, store: GraphStore, settings: Settings) -> SheetChange:
    """Turn the claim sheet at ``path`` into a change against what ``store`` holds.

    Raises SheetError naming every problem (row and column) before anything is built."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        problem = Problem(0, "-", f"cannot read the sheet: {error.strerror}")
        raise SheetError(path, [problem]) from None
    return _Reader(path, data, store, settings).read()


def slug(text: str) -> str:
    """A stable lower-case slug: words of letters and digits joined by hyphens, at most
    eight words and sixty characters, cut at a word."""
    words = re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))[:_SLUG_WORDS]
    made = ""
    for word in words:
        longer = f"{made}-{word}" if made else word
        if len(longer) > _SLUG_LENGTH:
            break
        made = longer
    return made


@dataclass(frozen=True)
class ParsedDate:
    lexical: str
    datatype: str
    earliest: str
    latest: str

    def terms(self) -> list[tuple[ox.NamedNode, ox.Literal]]:
        xsd_date = ox.NamedNode(_XSD + "date")
        return [
            (DCT_DATE, ox.Literal(self.lexical, datatype=ox.NamedNode(self.datatype))),
            (SCOMM_EARLIEST, ox.Literal(self.earliest, datatype=xsd_date)),
            (SCOMM_LATEST, ox.Literal(self.latest, datatype=xsd_date)),
        ]

    def spoken(self) -> str:
        return dates.spoken(self.lexical, self.datatype)


def parse_date(text: str) -> ParsedDate:
    """A date at the precision written (year, month or day) with the first and last day it
    admits; ValueError saying what is wrong otherwise."""
    match = _DATE.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    if month is None:
        return ParsedDate(year, _XSD + "gYear", f"{year}-01-01", f"{year}-12-31")
    if not 1 <= int(month) <= 12:
        raise ValueError(f"{text!r} has no month {month}")
    last = calendar.monthrange(int(year), int(month))[1]
    if day is None:
        return ParsedDate(
            f"{year}-{month}", _XSD + "gYearMonth", f"{year}-{month}-01", f"{year}-{month}-{last}"
        )
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"{text!r} is not a day of the calendar") from None
    day_text = f"{year}-{month}-{day}"
    return ParsedDate(day_text, _XSD + "date", day_text, day_text)


@dataclass
class _Found:
    """A resource a cell names, found or minted."""

    node: ox.NamedNode
    label: str
    minted: bool


class _Problems(Exception):
    """A cell that cannot be used; caught per cell so that the sheet's other cells are read."""

    def __init__(self, column: str, message: str):
        super().__init__(column, message)
        self.column = column
        self.message = message


@dataclass
class _Graph:
    """The quads a sheet adds to one named graph, and the subjects it describes there."""

    iri: str
    quads: list[ox.Quad] = field(default_factory=list)
    described: set = field(default_factory=set)

    def add(self, subject, predicate, obj, describes: bool = True) -> None:
        if describes:
            self.described.add(subject)
        self.quads.append(ox.Quad(subject, predicate, obj, ox.NamedNode(self.iri)))


def _en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


class _Reader:
    def __init__(self, path: Path, data: bytes, store: GraphStore, settings: Settings):
        self.path = path
        self.data = data
        self.store = store
        self.base = settings.base_iri
        self.problems: list[Problem] = []
        self.graphs: dict[str, _Graph] = {}
        self.origins: dict[str, list[Origin]] = {}
        self.minted_nodes: dict[tuple[str, str], _Found] = {}  # (kind, name) -> minted here
        self.minted: list[str] = []
        self.source_texts: dict[str, bytes] = {}
        self.texts: dict[str, str] = {}  # file name -> its text, read once
        self.documents: dict[str, dict] = {}  # minted document IRI -> describing cells, row
        self.graph_days: dict[str, tuple[str, int]] = {}
        self.cache: dict[tuple, object] = {}

    # -- reading ---------------------------------------------------------------------------

    def read(self) -> SheetChange:
        rows = self._rows()
        for number, row in rows:
            try:
                self._row(number, row)
            except _Problems as problem:
                for each in getattr(problem, "problems", [problem]):
                    self._problem(number, each.column, each.message)
        if self.problems:
            raise SheetError(self.path, self.problems)
        graphs = {iri: self._whole(graph) for iri, graph in sorted(self.graphs.items())}
        return SheetChange(
            graphs=graphs,
            source_texts=dict(sorted(self.source_texts.items())),
            input_sha256=hashlib.sha256(self.data).hexdigest(),
            origins=self.origins,
            minted=sorted(set(self.minted)),
        )

    def _problem(self, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(row, column, message))

    def _rows(self) -> list[tuple[int, dict[str, str]]]:
        try:
            text = self.data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise SheetError(
                self.path, [Problem(0, "-", f"the sheet is not UTF-8 text ({error.reason})")]
            ) from None
        records = list(csv.reader(io.StringIO(text, newline="")))
        header_at = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), None)
        if header_at is None:
            raise SheetError(self.path, [Problem(1, "-", "the sheet is empty: no header row")])
        header = [c.strip().lower().replace(" ", "_") for c in records[header_at]]
        problems = []
        for name in header:
            if name and name not in COLUMN_NAMES:
                problems.append(
                    Problem(header_at + 1, name, "unknown column (see docs/claim-sheets.md)")
                )
        for name in ALWAYS_REQUIRED:
            if name not in header:
                problems.append(Problem(header_at + 1, name, "required column missing"))
        duplicated = sorted({n for n in header if n and header.count(n) > 1})
        problems += [Problem(header_at + 1, n, "column given twice") for n in duplicated]
        if problems:
            raise SheetError(self.path, problems)
        rows = []
        for index, record in enumerate(records[header_at + 1 :], start=header_at + 2):
            if not any(cell.strip() for cell in record):
                continue
            if record[0].lstrip().startswith("#"):  # a comment row, e.g. the template's example
                continue
            if len(record) > len(header):
                self._problem(index, "-", f"{len(record)} cells for {len(header)} columns")
                continue
            cells = {name: "" for name in COLUMN_NAMES}
            cells.update(
                {name: cell.strip() for name, cell in zip(header, record, strict=False) if name}
            )
            rows.append((index, cells))
        if not rows and not self.problems:
            self._problem(header_at + 1, "-", "the sheet has no rows below its header")
        return rows

    def _row(self, number: int, cells: dict[str, str]) -> None:
        errors: list[tuple[str, str]] = []

        def attempt(column, make, *args):
            try:
                return make(*args)
            except _Problems as problem:
                errors.append((problem.column, problem.message))
            except ValueError as error:
                errors.append((column, str(error)))
            return None

        kind_text = (cells["kind"] or "statement").lower()
        if kind_text not in KINDS:
            errors.append(("kind", f"unknown kind {cells['kind']!r}; use {_choices(KINDS)}"))
        is_statement = kind_text != "opt-out attempt"
        for name in ALWAYS_REQUIRED:
            if not cells[name]:
                errors.append((name, "required, but empty"))
        for name in ("words", "wording", "proposition", "stance"):
            if is_statement and not cells[name]:
                errors.append((name, "a statement needs it, but it is empty"))
            if not is_statement and cells[name]:
                errors.append((name, "an opt-out attempt has none: leave it empty"))
        if not is_statement and not cells["program"]:
            errors.append(("program", "an opt-out attempt needs it, but it is empty"))
        if is_statement and cells["program"]:
            errors.append(("program", "only an opt-out attempt has one: leave it empty"))
        how = cells["read_or_cited"].lower()
        if cells["read_or_cited"] and how not in HOW_KNOWN:
            errors.append(("read_or_cited", f"{cells['read_or_cited']!r}: use read or cited"))
        if how == "cited" and not cells["cited_by"]:
            errors.append(("cited_by", "a cited source needs the document that cites it"))
        if how == "read" and cells["cited_by"]:
            errors.append(
                (
                    "cited_by",
                    "the source is marked read, yet cited by another document: a document "
                    "the curators read is not only cited; empty cited_by or mark it cited",
                )
            )
        day = attempt("date", parse_date, cells["date"]) if cells["date"] else None
        if cells["source_date"]:
            attempt("source_date", parse_date, cells["source_date"])
        if cells["curated_on"]:
            curated = attempt("curated_on", parse_date, cells["curated_on"])
            if curated and curated.datatype != _XSD + "date":
                errors.append(("curated_on", "give the day (YYYY-MM-DD)"))
        if cells["wording"] and cells["wording"].lower() not in WORDINGS:
            errors.append(("wording", f"{cells['wording']!r}: use {_choices(WORDINGS)}"))
        if cells["stance"] and cells["stance"].lower() not in STANCES:
            errors.append(
                ("stance", f"unknown stance {cells['stance']!r}; use affirms, suggests or denies")
            )
        for column in ("speaker_kind", "addressee_kind"):
            if cells[column] and cells[column].lower() not in AGENT_KINDS:
                errors.append((column, f"{cells[column]!r}: use person or organization"))
        if cells["source_url"] and not re.match(
            r"^https?://[^\s<>\"{}|\\^`]+$", cells["source_url"]
        ):
            errors.append(("source_url", f"{cells['source_url']!r} is not an http(s) URL"))
        text = None
        if cells["text_file"]:
            text = attempt("text_file", self._text, cells["text_file"])
        if text is not None and cells["evidence"]:
            if cells["evidence"] not in text:
                errors.append(
                    (
                        "evidence",
                        f"not found verbatim in {cells['text_file']}: copy the "
                        "sentence exactly as the file has it",
                    )
                )
            elif is_statement and cells["words"] and cells["words"] not in cells["evidence"]:
                errors.append(
                    (
                        "words",
                        "not in the evidence sentence: the words must be the source's "
                        "own, quoted from that sentence",
                    )
                )
        if errors:
            for column, message in errors:
                self._problem(number, column, message)
            return
        self._build(number, cells, day, is_statement)

    # -- files -----------------------------------------------------------------------------

    def _text(self, name: str) -> str:
        file_name = Path(name).name
        if not _TEXT_FILE_NAME.match(file_name):
            raise ValueError(
                f"{name!r}: a text file's name is lower-case letters, digits, '.', '_' or "
                "'-', ending in .txt"
            )
        location = (self.path.parent / name).resolve()
        try:
            content = location.read_bytes()
        except OSError as error:
            raise ValueError(f"cannot read {location}: {error.strerror}") from None
        if file_name in self.texts:
            if self.texts[file_name].encode("utf-8") != content:
                raise ValueError(
                    f"another row names a different text of the same name, {file_name}: one "
                    "name, one text"
                )
            return self.texts[file_name]
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{name} is not UTF-8 text") from None
        declared = self._declared_sha256(file_name)
        actual = hashlib.sha256(content).hexdigest()
        if declared is not None and declared != actual:
            raise ValueError(
                f"the graph already holds a different source/{file_name} (SHA-256 "
                f"{declared[:12]}…): name this text differently"
            )
        if declared is None:
            self.source_texts[file_name] = content
        self.texts[file_name] = text
        return text

    def _declared_sha256(self, file_name: str) -> str | None:
        rows = self._select("source-text", text=ox.NamedNode(f"{self.base}source/{file_name}"))
        return rows[0]["sha256"].value if rows else None

    # -- the store -------------------------------------------------------------------------

    def _select(self, name: str, **bindings) -> list[dict]:
        key = (name, tuple(sorted((k, str(v)) for k, v in bindings.items())))
        if key not in self.cache:
            query = queries.get(name, resources.queries_dir() / "curation")
            text, bound = queries.for_store(self.store, query, bindings)
            result = self.store.query(text, bindings=bound, prefixes=PREFIXES)
            self.cache[key] = list(result.rows)
        return self.cache[key]

    def _types(self, iri: str) -> tuple[set[str], str | None]:
        rows = self._select("kinds", resource=ox.NamedNode(iri))
        labels = [r["label"].value for r in rows if r.get("label") is not None]
        return {r["type"].value for r in rows}, (labels[0] if labels else None)

    def _named(self, name: str) -> dict[str, set[str]]:
        rows = self._select(
            "named", englishName=ox.Literal(name, language="en"), plainName=ox.Literal(name)
        )
        found: dict[str, set[str]] = {}
        for row in rows:
            types = found.setdefault(row["resource"].value, set())
            if row.get("type") is not None:
                types.add(row["type"].value)
        return found

    def _exists(self, iri: str) -> bool:
        return bool(self._types(iri)[0])

    # -- finding what a cell names ----------------------------------------------------------

    def _is_iri(self, cell: str) -> bool:
        if cell.startswith(("http://", "https://", "<", "id/")):
            return True
        prefix, colon, local = cell.partition(":")
        return bool(colon) and prefix in PREFIXES and bool(re.match(r"^[A-Za-z]", local))

    def _find(
        self, column: str, cell: str, classes: Iterable[ox.NamedNode], what: str
    ) -> _Found | None:
        """The resource ``cell`` names, if the graph or this sheet has one of ``classes``;
        None when it names nothing; _Problems when it is ambiguous or of another kind."""
        wanted = {c.value for c in classes}
        if self._is_iri(cell):
            try:
                iri = queries.expand_iri(cell, self.base, column)
            except queries.BadParameter as error:
                raise _Problems(column, str(error)) from None
            for (kind, _), found in self.minted_nodes.items():
                if found.node.value == iri and kind in wanted:
                    return found
            types, label = self._types(iri)
            if not types:
                raise _Problems(
                    column,
                    f"<{iri}> is not in the graph, and an IRI has no label "
                    "to add it by: give its label instead",
                )
            if not types & wanted:
                raise _Problems(column, f"<{iri}> is not {what}")
            return _Found(ox.NamedNode(iri), label or cell, False)
        for kind in wanted:
            if (kind, cell) in self.minted_nodes:
                return self.minted_nodes[(kind, cell)]
        candidates = {iri: types for iri, types in self._named(cell).items() if types & wanted}
        if len(candidates) > 1:
            names = ", ".join(f"<{iri}>" for iri in sorted(candidates))
            raise _Problems(
                column,
                f"{cell!r} is ambiguous: {len(candidates)} resources are {what} of that "
                f"name ({names}); give the IRI of the one meant",
            )
        if candidates:
            (iri,) = candidates
            # Its own label, not the alternative one the cell used: what the sheet writes
            # about it (labels, slugs) is the same whichever of its names the curator chose.
            return _Found(ox.NamedNode(iri), self._types(iri)[1] or cell, False)
        return None

    def _mint(self, kind: ox.NamedNode, path: str, name: str, column: str) -> _Found:
        iri = f"{self.base}{path}"
        if self._exists(iri) and not self._describes_own(iri):
            raise _Problems(
                column,
                f"would add <{iri}> for {name!r}, but the graph holds that IRI under another "
                "name: give its IRI or its label",
            )
        found = _Found(ox.NamedNode(iri), name, True)
        self.minted_nodes[(kind.value, name)] = found
        self.minted.append(iri)
        return found

    def _describes_own(self, iri: str) -> bool:
        """Whether ``iri`` is described by a graph this sheet rewrites anyway (a sheet read
        again, or a second sheet for the same source)."""
        node = ox.NamedNode(iri)
        return any(node in self._subjects(g.iri) for g in self.graphs.values())

    def _subjects(self, graph_iri: str) -> set:
        """The subjects the graph describes now."""
        key = ("subjects", graph_iri)
        if key not in self.cache:
            self.cache[key] = {quad.subject for quad in self._current(graph_iri)}
        return self.cache[key]

    def _current(self, graph_iri: str) -> list[ox.Quad]:
        key = ("graph", graph_iri)
        if key not in self.cache:
            self.cache[key] = self.store.graph_quads(graph_iri)
        return self.cache[key]

    # -- building --------------------------------------------------------------------------

    def _graph(self, path: str) -> _Graph:
        iri = f"{self.base}{path}"
        if iri not in self.graphs:
            self.graphs[iri] = _Graph(iri)
        return self.graphs[iri]

    def _origin(self, node: ox.NamedNode, row: int, column: str) -> None:
        places = self.origins.setdefault(node.value, [])
        if Origin(row, column) not in places:
            places.append(Origin(row, column))

    def _iri(self, path: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}{path}")

    def _build(self, row: int, cells: dict[str, str], day: ParsedDate, is_statement: bool):
        errors: list[_Problems] = []

        def attempt(make, *args):
            try:
                return make(*args)
            except _Problems as problem:
                errors.append(problem)
            return None

        read = cells["read_or_cited"].lower() == "read"
        source = attempt(self._document, row, cells, "source", cells["source"])
        citing = None
        if not read:
            citing = attempt(self._find, "cited_by", cells["cited_by"], [DOCUMENT], "a document")
            if citing is None and not errors:
                errors.append(_Problems("cited_by", f"no document is called {cells['cited_by']!r}"))
        if errors:
            raise errors[0] if len(errors) == 1 else _Many(errors)
        read_document = source if read else citing
        graph_slug = source.node.value.rsplit("/", 1)[-1]
        graph = self._graph(f"graph/{graph_slug}")
        self._current(graph.iri)
        day_of_curation = cells["curated_on"]
        earlier = self.graph_days.setdefault(graph.iri, (day_of_curation, row))
        if earlier[0] != day_of_curation:
            raise _Problems(
                "curated_on",
                f"row {earlier[1]} gives {earlier[0]} for the same source: one curation per source",
            )
        passage = self._passage(graph, row, cells, read_document)
        speaker_classes = [JURISDICTION] if not is_statement else [PERSON, ORGANIZATION]
        speaker = attempt(self._agent, graph, passage, row, cells, "speaker", speaker_classes)
        addressee = None
        if cells["addressee"]:
            addressee = attempt(
                self._agent, graph, passage, row, cells, "addressee", [PERSON, ORGANIZATION]
            )
        role = None
        if cells["role"]:
            role = attempt(
                self._concept,
                graph,
                passage,
                row,
                "role",
                cells["role"],
                ROLE,
                "id/role/",
                "a role (org:Role)",
            )
        proposition = program = None
        if is_statement:
            proposition = attempt(
                self._concept,
                graph,
                passage,
                row,
                "proposition",
                cells["proposition"],
                PROPOSITION,
                "id/proposition/",
                "a proposition",
            )
        else:
            program = attempt(self._find, "program", cells["program"], [PROGRAM], "a program")
            if program is None and not any(e.column == "program" for e in errors):
                errors.append(_Problems("program", f"no program is called {cells['program']!r}"))
        same_as = None
        if cells["same_as"]:
            kind = STATEMENT if is_statement else OPT_OUT_ATTEMPT
            what = "a statement" if is_statement else "an opt-out attempt"
            same_as = attempt(self._find, "same_as", cells["same_as"], [kind], what)
            if same_as is not None and not same_as.minted:
                same_as = self._first_account(same_as)
            if same_as is None and not any(e.column == "same_as" for e in errors):
                errors.append(
                    _Problems("same_as", f"no {what[2:].lstrip()} is called {cells['same_as']!r}")
                )
        medium = None
        if cells["medium"]:
            if cells["medium"].lower() == "source":
                medium = source
            else:
                medium = attempt(self._find, "medium", cells["medium"], [DOCUMENT], "a document")
                if medium is None and not any(e.column == "medium" for e in errors):
                    errors.append(_Problems("medium", f"no document is called {cells['medium']!r}"))
        if errors:
            raise errors[0] if len(errors) == 1 else _Many(errors)

        self._describe_source(graph, row, cells, source, citing, read_document, passage)
        if is_statement:
            node = self._statement(
                graph,
                row,
                cells,
                day,
                speaker,
                role,
                addressee,
                proposition,
                medium,
                source,
                same_as,
                passage,
            )
        else:
            node = self._opt_out(graph, row, cells, day, speaker, program, source, same_as, passage)
        if same_as is not None:
            curators = self._graph(CURATORS_GRAPH)
            self._current(curators.iri)
            curators.add(node, PROV_ALTERNATE_OF, same_as.node)
            self._origin(node, row, "same_as")

    def _first_account(self, account: _Found) -> _Found:
        """The first account of the fact ``account`` is an account of (itself if it is the
        first): every later account is linked to the first, one step away."""
        facts = [r["fact"] for r in self._select("account-of", account=account.node)]
        if not facts:
            return account
        return _Found(facts[0], self._types(facts[0].value)[1] or facts[0].value, False)

    def _document(self, row: int, cells: dict[str, str], column: str, name: str) -> _Found:
        found = self._find(column, name, [DOCUMENT], "a document")
        describing = {
            c: cells[c]
            for c in (
                "source_title",
                "source_kind",
                "source_publisher",
                "source_author",
                "source_addressee",
                "source_date",
                "source_url",
                "source_same_as",
            )
            if cells[c]
        }
        if found is not None and not found.minted and self._own_document(found, name):
            found = _Found(found.node, name, True)  # the sheet read again: describe it anew
            self.minted_nodes[(DOCUMENT.value, name)] = found
            self.minted.append(found.node.value)
            self.documents[found.node.value] = {"cells": describing, "row": row, "described": False}
            self._origin(found.node, row, column)
            return found
        if found is not None and not found.minted:
            if describing:
                first = min(describing, key=_column_order)
                raise _Problems(
                    first,
                    f"the graph already describes the document {name!r}; "
                    "leave the source_… columns empty to use it as it is",
                )
            self._origin(found.node, row, column)
            return found
        if found is not None:  # minted by an earlier row: it must describe it the same way
            earlier = self.documents[found.node.value]
            for key, value in describing.items():
                if earlier["cells"].get(key, value) != value:
                    raise _Problems(
                        key,
                        f"row {earlier['row']} gives {earlier['cells'][key]!r} for the same source",
                    )
            self._origin(found.node, row, column)
            return found
        if "source_kind" not in describing:
            raise _Problems(
                "source_kind",
                f"no document is called {name!r}; give its kind "
                f"({_choices(SOURCE_KINDS)}) to add it",
            )
        if describing["source_kind"].lower() not in SOURCE_KINDS:
            raise _Problems(
                "source_kind",
                f"unknown kind {describing['source_kind']!r}; use {_choices(SOURCE_KINDS)}",
            )
        made = self._mint(DOCUMENT, f"id/document/{slug(name)}", name, column)
        self.documents[made.node.value] = {"cells": describing, "row": row, "described": False}
        self._origin(made.node, row, column)
        return made

    def _own_document(self, found: _Found, name: str) -> bool:
        """Whether an existing document is one this sheet (or one like it) added: it has the
        IRI the sheet would mint for its name and is described in that source's graph."""
        local = slug(name)
        if found.node.value != f"{self.base}id/document/{local}":
            return False
        return found.node in self._subjects(f"{self.base}graph/{local}")

    def _passage(self, graph: _Graph, row: int, cells: dict[str, str], read_document: _Found):
        file_name = Path(cells["text_file"]).name
        text_node = self._iri(f"source/{file_name}")
        exact = cells["evidence"]
        existing = [
            r["passage"].value
            for r in self._select("passage", source=text_node, exact=ox.Literal(exact))
        ]
        minted_here = self.minted_nodes.get(("passage", f"{file_name}\n{exact}"))
        if minted_here is not None:
            node = minted_here.node
        elif existing:
            node = ox.NamedNode(existing[0])
        else:
            stem = slug(file_name.removesuffix(".txt"))
            path = f"id/passage/{stem}-{slug(exact)}"
            if self._exists(f"{self.base}{path}") and not self._describes_own(f"{self.base}{path}"):
                path += "-" + hashlib.sha256(exact.encode()).hexdigest()[:8]
            node = self._iri(path)
            self.minted_nodes[("passage", f"{file_name}\n{exact}")] = _Found(node, exact, True)
            self.minted.append(node.value)
            selector = ox.BlankNode("selector-" + _digest(node.value))
            graph.add(node, _RDF_TYPE, _term("oa", "SpecificResource"))
            graph.add(node, RDFS_LABEL, _en(f"{read_document.label}: {_cut(exact)}"))
            graph.add(node, OA_HAS_SELECTOR, selector)
            graph.add(node, OA_HAS_SOURCE, text_node)
            graph.add(selector, _RDF_TYPE, _term("oa", "TextQuoteSelector"))
            graph.add(selector, OA_EXACT, ox.Literal(exact))
        self._origin(node, row, "evidence")
        if file_name in self.source_texts and not self.minted_nodes.get(("text", file_name)):
            self.minted_nodes[("text", file_name)] = _Found(text_node, file_name, True)
            sha = hashlib.sha256(self.source_texts[file_name]).hexdigest()
            graph.add(text_node, _RDF_TYPE, _term("schema", "MediaObject"))
            graph.add(text_node, RDFS_LABEL, _en(f"Plain-text copy of {read_document.label}"))
            graph.add(text_node, DCT_FORMAT, ox.Literal("text/plain"))
            graph.add(text_node, SCHEMA_ENCODING, ox.Literal("text/plain; charset=utf-8"))
            graph.add(text_node, SCHEMA_SHA256, ox.Literal(sha))
            self._origin(text_node, row, "text_file")
        if file_name in self.source_texts or read_document.node.value in self.documents:
            graph.add(read_document.node, DCT_HAS_FORMAT, text_node, describes=False)
        return node

    def _agent(self, graph, passage, row, cells, column, classes) -> _Found:
        name = cells[column]
        what = "a jurisdiction" if classes == [JURISDICTION] else "a person or organization"
        found = self._find(column, name, classes, what)
        if found is not None:
            self._origin(found.node, row, column)
            return found
        kind = cells.get(f"{column}_kind", "").lower()
        if classes == [JURISDICTION] or not kind or self._is_iri(name):
            hint = (
                ""
                if classes == [JURISDICTION]
                else (f"; give {column}_kind (person or organization) to add it")
            )
            raise _Problems(column, f"no {what[2:]} is called {name!r}{hint}")
        if kind == "person":
            made = self._mint(PERSON, f"id/person/{slug(name)}", name, column)
            graph.add(made.node, _RDF_TYPE, PERSON)
            graph.add(made.node, _RDF_TYPE, _term("prov", "Person"))
            graph.add(made.node, FOAF_NAME, ox.Literal(name))
        else:
            made = self._mint(ORGANIZATION, f"id/organization/{slug(name)}", name, column)
            graph.add(made.node, _RDF_TYPE, ORGANIZATION)
            graph.add(made.node, _RDF_TYPE, _term("org", "FormalOrganization"))
            graph.add(made.node, _RDF_TYPE, _term("prov", "Organization"))
        graph.add(made.node, RDFS_LABEL, _en(name))
        graph.add(made.node, SCOMM_EVIDENCE, passage)
        self._origin(made.node, row, column)
        return made

    def _concept(self, graph, passage, row, column, name, cls, path, what) -> _Found:
        found = self._find(column, name, [cls], what)
        if found is None:
            if self._is_iri(name):
                raise _Problems(
                    column,
                    f"no {what[2:].lstrip()} has that IRI, and an IRI has no label to add it by",
                )
            found = self._mint(cls, f"{path}{slug(name)}", name, column)
            graph.add(found.node, _RDF_TYPE, cls)
            if cls == ROLE:
                graph.add(found.node, _RDF_TYPE, _term("prov", "Role"))
            graph.add(found.node, RDFS_LABEL, _en(name))
            graph.add(found.node, SCOMM_EVIDENCE, passage)
        self._origin(found.node, row, column)
        return found

    def _describe_source(self, graph, row, cells, source, citing, read_document, passage):
        entry = self.documents.get(source.node.value)
        if entry is not None and not entry["described"]:
            entry["described"] = True
            self._describe_document(graph, row, source, entry["cells"], passage)
        if citing is not None:
            graph.add(citing.node, DCT_REFERENCES, source.node, describes=False)
        provenance = self._graph(PROVENANCE_GRAPH)
        self._current(provenance.iri)
        graph_node = ox.NamedNode(graph.iri)
        if graph_node in provenance.described:
            return
        when = ox.Literal(
            f"{cells['curated_on']}T00:00:00Z", datatype=ox.NamedNode(_XSD + "dateTime")
        )
        curators = self._iri(CURATORS)
        activities = [
            r["activity"] for r in self._select("curation-of", document=read_document.node)
        ]
        if activities:
            activity = activities[0]
        else:
            activity = self._iri(
                f"id/activity/curation-of-{read_document.node.value.rsplit('/', 1)[-1]}"
            )
            provenance.add(activity, _RDF_TYPE, _term("prov", "Activity"))
            provenance.add(
                activity, RDFS_LABEL, _en(f"Curation of {read_document.label} into scomm-kg")
            )
            provenance.add(activity, PROV_ENDED_AT, when)
            provenance.add(activity, PROV_USED, read_document.node)
            text_node = self._iri(f"source/{Path(cells['text_file']).name}")
            provenance.add(activity, PROV_USED, text_node)
            provenance.add(activity, PROV_ASSOCIATED, curators)
        if citing is None:
            label = f"What {source.label} says, as the curators read it"
        else:
            label = f"{source.label}, as {citing.label} reports it, citing it"
        provenance.add(graph_node, _RDF_TYPE, _term("scomm", "SourceGraph"))
        provenance.add(graph_node, RDFS_LABEL, _en(label))
        provenance.add(graph_node, DCT_LICENSE, DATA_LICENSE)
        provenance.add(graph_node, PROV_GENERATED_AT, when)
        provenance.add(graph_node, PROV_ATTRIBUTED, curators)
        provenance.add(graph_node, PROV_DERIVED, read_document.node)
        provenance.add(graph_node, PROV_GENERATED_BY, activity)
        if citing is not None:
            provenance.add(graph_node, SCOMM_CITED_SOURCE, source.node)
        self._origin(graph_node, row, "source")

    def _describe_document(self, graph, row, document, described, passage):
        node = document.node
        kind = SOURCE_KINDS[described["source_kind"].lower()]
        graph.add(node, _RDF_TYPE, DOCUMENT)
        graph.add(node, _RDF_TYPE, kind)
        graph.add(node, RDFS_LABEL, _en(document.label))
        graph.add(node, SCOMM_EVIDENCE, passage)
        if described.get("source_title"):
            graph.add(node, DCT_TITLE, _en(described["source_title"]))
        if described.get("source_date"):
            for predicate, value in parse_date(described["source_date"]).terms():
                graph.add(node, predicate, value)
        if described.get("source_url"):
            graph.add(node, SCHEMA_URL, ox.NamedNode(described["source_url"]))
        for column, predicate in (
            ("source_publisher", DCT_PUBLISHER),
            ("source_author", DCT_CREATOR),
            ("source_addressee", SCHEMA_RECIPIENT),
        ):
            if described.get(column):
                agent = self._named_agent(
                    graph,
                    passage,
                    row,
                    column,
                    described[column],
                    news=kind.value.endswith("NewsArticle") and column == "source_publisher",
                )
                graph.add(node, predicate, agent.node)
        if described.get("source_same_as"):
            other = self._find(
                "source_same_as", described["source_same_as"], [DOCUMENT], "a document"
            )
            if other is None:
                raise _Problems(
                    "source_same_as", f"no document is called {described['source_same_as']!r}"
                )
            curators = self._graph(CURATORS_GRAPH)
            self._current(curators.iri)
            curators.add(node, PROV_ALTERNATE_OF, other.node)

    def _named_agent(self, graph, passage, row, column, name, news: bool) -> _Found:
        """A publisher, author or addressee of a new source: found, or (a publisher only)
        added as an organization, a news outlet for a news article."""
        found = self._find(column, name, [PERSON, ORGANIZATION], "a person or organization")
        if found is None:
            if column != "source_publisher" or self._is_iri(name):
                raise _Problems(
                    column,
                    f"no person or organization is called {name!r}; name "
                    "one the graph or the speaker/addressee columns have",
                )
            found = self._mint(ORGANIZATION, f"id/organization/{slug(name)}", name, column)
            graph.add(found.node, _RDF_TYPE, ORGANIZATION)
            if news:
                graph.add(found.node, _RDF_TYPE, NEWS_OUTLET)
            else:
                graph.add(found.node, _RDF_TYPE, _term("org", "FormalOrganization"))
                graph.add(found.node, _RDF_TYPE, _term("prov", "Organization"))
            graph.add(found.node, RDFS_LABEL, _en(name))
            graph.add(found.node, SCOMM_EVIDENCE, passage)
        self._origin(found.node, row, column)
        return found

    def _account(self, path: str, same_as: _Found | None, graph: _Graph, column: str):
        """The IRI of a statement or event: minted from what it is, or, for another source's
        account of an existing one, from that one and this source's graph."""
        if same_as is not None:
            path = (
                f"{same_as.node.value[len(self.base) :]}-according-to-"
                f"{graph.iri.rsplit('/', 1)[-1]}"
            )
        iri = f"{self.base}{path}"
        if self._exists(iri) and ox.NamedNode(iri) not in self._subjects(graph.iri):
            raise _Problems(
                column,
                f"<{iri}> is in the graph already, from another source: if this row is "
                "another account of it, name it in same_as",
            )
        if ox.NamedNode(iri) in graph.described:
            raise _Problems(column, f"an earlier row of this sheet describes <{iri}> already")
        self.minted.append(iri)
        return ox.NamedNode(iri)

    def _statement(
        self,
        graph,
        row,
        cells,
        day,
        speaker,
        role,
        addressee,
        proposition,
        medium,
        source,
        same_as,
        passage,
    ) -> ox.NamedNode:
        path = f"id/statement/{slug(speaker.label)}-{day.lexical}-{slug(cells['words'])}"
        node = self._account(path, same_as, graph, "words")
        graph.add(node, _RDF_TYPE, STATEMENT)
        graph.add(node, RDFS_LABEL, _en(f"{speaker.label}: {cells['words']} ({day.spoken()})"))
        for predicate, value in day.terms():
            graph.add(node, predicate, value)
        graph.add(node, PROV_ATTRIBUTED, speaker.node)
        if role is not None:
            attribution = ox.BlankNode("attribution-" + _digest(node.value))
            graph.add(node, PROV_QUALIFIED, attribution)
            graph.add(attribution, _RDF_TYPE, _term("prov", "Attribution"))
            graph.add(attribution, PROV_AGENT, speaker.node)
            graph.add(attribution, PROV_HAD_ROLE, role.node)
        if addressee is not None:
            graph.add(node, SCHEMA_RECIPIENT, addressee.node)
        graph.add(node, SCHEMA_TEXT, _en(cells["words"]))
        graph.add(node, SCOMM_TEXT_KIND, WORDINGS[cells["wording"].lower()])
        graph.add(node, STANCES[cells["stance"].lower()], proposition.node)
        graph.add(node, SCOMM_EVIDENCE, passage)
        if medium is not None:
            graph.add(node, DCT_IS_PART_OF, medium.node)
        if medium is None or medium.node != source.node:
            graph.add(node, SCOMM_REPORTED_BY, source.node)
        self._origin(node, row, "words")
        return node

    def _opt_out(
        self, graph, row, cells, day, jurisdiction, program, source, same_as, passage
    ) -> ox.NamedNode:
        path = f"id/event/opt-out-attempt/{slug(jurisdiction.label)}-{day.lexical}"
        node = self._account(path, same_as, graph, "speaker")
        graph.add(node, _RDF_TYPE, OPT_OUT_ATTEMPT)
        graph.add(
            node,
            RDFS_LABEL,
            _en(f"{jurisdiction.label} tries to opt out of {program.label} ({day.spoken()})"),
        )
        for predicate, value in day.terms():
            graph.add(node, predicate, value)
        graph.add(node, PROV_ASSOCIATED, jurisdiction.node)
        graph.add(node, SCHEMA_OBJECT, program.node)
        graph.add(node, SCOMM_REPORTED_BY, source.node)
        graph.add(node, SCOMM_EVIDENCE, passage)
        self._origin(node, row, "speaker")
        return node

    # -- the whole new content of a graph --------------------------------------------------

    def _whole(self, graph: _Graph) -> list[ox.Quad]:
        """What the graph holds now, less the earlier description of every node the sheet
        describes (and the blank nodes only those reach), plus the sheet's quads: a sheet
        read twice describes each node once, never twice."""
        current = self._current(graph.iri)
        replaced = set(graph.described)
        by_subject: dict = {}
        for quad in current:
            by_subject.setdefault(quad.subject, []).append(quad)
        pending = [s for s in replaced]
        while pending:  # blank nodes hanging off a replaced description go with it
            for quad in by_subject.get(pending.pop(), []):
                if isinstance(quad.object, ox.BlankNode) and quad.object not in replaced:
                    replaced.add(quad.object)
                    pending.append(quad.object)
        kept = [q for q in current if q.subject not in replaced]
        seen = set()
        whole = []
        for quad in [*kept, *_same_blank_nodes(current, graph.quads)]:
            if quad not in seen:
                seen.add(quad)
                whole.append(quad)
        return sorted(whole, key=_quad_key)


def _same_blank_nodes(current: list[ox.Quad], quads: list[ox.Quad]) -> list[ox.Quad]:
    """``quads`` with each blank node the graph already holds in the same place (the same
    subject and property point at it, and it has the same properties and values) named as the
    graph names it: a sheet read again then describes exactly what the graph holds, and the
    write changes nothing."""

    def places(among: list[ox.Quad]) -> dict:
        parents: dict = {}
        properties: dict = {}
        for quad in among:
            if isinstance(quad.object, ox.BlankNode) and not isinstance(quad.subject, ox.BlankNode):
                parents.setdefault(quad.object, (quad.subject, quad.predicate))
            if isinstance(quad.subject, ox.BlankNode):
                properties.setdefault(quad.subject, set()).add((quad.predicate, quad.object))
        return {
            node: (parents.get(node), frozenset(properties.get(node, ())))
            for node in {*parents, *properties}
        }

    held = {place: node for node, place in places(current).items()}
    renamed = {node: held[place] for node, place in places(quads).items() if place in held}
    if not renamed:
        return quads
    return [
        ox.Quad(
            renamed.get(q.subject, q.subject),
            q.predicate,
            renamed.get(q.object, q.object),
            q.graph_name,
        )
        for q in quads
    ]


class _Many(_Problems):
    def __init__(self, problems: list[_Problems]):
        super().__init__(problems[0].column, problems[0].message)
        self.problems = problems


def _quad_key(quad: ox.Quad) -> tuple:
    return (str(quad.subject), str(quad.predicate), str(quad.object))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _cut(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def _choices(options: Mapping | Iterable) -> str:
    names = list(options)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
