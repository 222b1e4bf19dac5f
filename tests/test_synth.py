"""`scomm-kg synth`: a benchmarker generates a synthetic graph in the project's own model."""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from scomm_kg import loader, resources, synth, validate
from scomm_kg.cli import main
from scomm_kg.namespaces import DEFAULT_BASE_IRI

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCTERMS_DATE = "http://purl.org/dc/terms/date"
DESCRIPTION = "http://purl.org/dc/terms/description"
SHA256 = "https://schema.org/sha256"
XSD = "http://www.w3.org/2001/XMLSchema#"
SCOMM = "https://w3id.org/scomm-kg/ontology#"
SMALL = 3000
# Classes of which the shipped data has one resource, the one national program and how the
# curators read the backgrounder; the synthetic graph refers to the shipped program instead.
ONE_OF_A_KIND = {
    SCOMM + "Program",
    SCOMM + "ProgramLaunch",
    SCOMM + "Mechanism",
    SCOMM + "MechanismStep",
    SCOMM + "Backgrounder",
    SCOMM + "CuratorGraph",
}


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synthetic")
    synth.write(SMALL, 7, out)
    return out


@pytest.fixture(scope="module")
def small_quads(small) -> list[ox.Quad]:
    return list(ox.parse(path=str(small / synth.NQUADS_NAME), format=ox.RdfFormat.N_QUADS))


@pytest.fixture(scope="module")
def shipped_quads() -> list[ox.Quad]:
    dump = loader.load(resources.data_files()).nquads()
    return list(ox.parse(dump, format=ox.RdfFormat.N_QUADS))


def objects(quads, predicate: str) -> dict[str, list]:
    """{subject IRI or blank node: [objects]} for one predicate."""
    found = defaultdict(list)
    for quad in quads:
        if quad.predicate.value == predicate:
            found[str(quad.subject)].append(quad.object)
    return found


def named(quads) -> tuple[set[str], set[str]]:
    """The IRIs the quads describe (as subjects), and the names of their graphs."""
    subjects = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)}
    graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    return subjects, graphs


def test_the_same_triples_and_seed_give_the_same_bytes(runner, tmp_path):
    for folder in ("first", "second", "other-seed"):
        seed = "5" if folder == "other-seed" else "4"
        result = runner.invoke(
            main, ["synth", "--triples", "4000", "--seed", seed, "--out", str(tmp_path / folder)]
        )
        assert result.exit_code == 0, result.output
        assert "synthetic triples" in result.output
    first, second = (tmp_path / "first"), (tmp_path / "second")
    assert (first / "synthetic.nq").read_bytes() == (second / "synthetic.nq").read_bytes()
    names = sorted(p.name for p in (first / "sources").iterdir())
    assert names == sorted(p.name for p in (second / "sources").iterdir())
    for name in names:
        assert (first / "sources" / name).read_bytes() == (second / "sources" / name).read_bytes()
    other = (tmp_path / "other-seed" / "synthetic.nq").read_bytes()
    assert other != (first / "synthetic.nq").read_bytes()


def test_the_lines_are_written_sorted(small):
    lines = (small / synth.NQUADS_NAME).read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)


def test_a_small_synthetic_graph_passes_validation_beside_the_shipped_data(small):
    loaded = loader.load([*loader.default_files(), small / synth.NQUADS_NAME])
    report = validate.validate(loaded, extra_sources=[small / synth.SOURCES_DIR])
    assert report.conforms, report.text()


def test_without_its_source_texts_the_synthetic_graph_does_not_validate(small):
    loaded = loader.load([*loader.default_files(), small / synth.NQUADS_NAME])
    report = validate.validate(loaded)
    assert not report.conforms
    assert any("the source text is not shipped" in v.message for v in report.violations)


def test_every_class_the_shipped_data_uses_appears(small_quads, shipped_quads):
    shipped_classes = {o.value for objs in objects(shipped_quads, RDF_TYPE).values() for o in objs}
    synthetic_classes = {o.value for objs in objects(small_quads, RDF_TYPE).values() for o in objs}
    assert shipped_classes - ONE_OF_A_KIND <= synthetic_classes
    assert shipped_classes >= ONE_OF_A_KIND, "a class listed as one of a kind is not shipped"


def test_dates_come_at_all_three_precisions_with_their_exact_bounds(small_quads):
    earliest_of = objects(small_quads, SCOMM + "earliestDate")
    latest_of = objects(small_quads, SCOMM + "latestDate")
    precisions = set()
    dates = objects(small_quads, DCTERMS_DATE)
    for subject, (date,) in dates.items():
        (earliest,) = (datetime.date.fromisoformat(d.value) for d in earliest_of[subject])
        (latest,) = (datetime.date.fromisoformat(d.value) for d in latest_of[subject])
        kind = date.datatype.value
        precisions.add(kind)
        if kind == XSD + "date":
            assert earliest == latest == datetime.date.fromisoformat(date.value)
        elif kind == XSD + "gYearMonth":
            year, month = map(int, date.value.split("-"))
            assert earliest == datetime.date(year, month, 1)
            assert latest.month == month and (latest + datetime.timedelta(days=1)).day == 1
        else:
            assert kind == XSD + "gYear"
            year = int(date.value)
            assert (earliest, latest) == (datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    assert len(dates) > 10
    assert precisions == {XSD + "date", XSD + "gYearMonth", XSD + "gYear"}


def test_no_iri_it_describes_or_names_a_graph_with_is_the_shipped_datas(small_quads, shipped_quads):
    shipped_subjects, shipped_graphs = named(shipped_quads)
    described, graphs = named(small_quads)
    assert not described & shipped_subjects
    assert not graphs & shipped_graphs
    for node in described | graphs:
        assert node.startswith((synth.BASE, DEFAULT_BASE_IRI + "source/synthetic-")), node


def test_every_named_graph_says_it_is_synthetic(small_quads):
    _, graphs = named(small_quads)
    described = objects(small_quads, DESCRIPTION)
    assert len(graphs) > 50
    for graph in graphs:
        texts = [o.value for o in described[f"<{graph}>"]]
        assert any(text.startswith("SYNTHETIC") for text in texts), graph


def test_each_source_text_has_its_sha256_in_the_graph(small, small_quads):
    declared = objects(small_quads, SHA256)
    texts = sorted((small / synth.SOURCES_DIR).glob("synthetic-*.txt"))
    assert len(texts) == len(declared) > 50
    for path in texts:
        (digest,) = declared[f"<{DEFAULT_BASE_IRI}source/{path.name}>"]
        assert digest.value == hashlib.sha256(path.read_bytes()).hexdigest(), path


def test_more_triples_asked_give_more_triples_and_jurisdictions_up_to_three_thousand():
    small_lines, _ = synth.generate(3000, 1)
    larger_lines, _ = synth.generate(30_000, 1)
    assert 3000 <= len(small_lines) < len(larger_lines)
    assert len(larger_lines) < 30_000 * 1.1
    assert synth.jurisdiction_count(3000) < synth.jurisdiction_count(30_000)
    assert synth.jurisdiction_count(1_000_000) == synth.jurisdiction_count(10_000_000) == 3000


@pytest.mark.parametrize(
    ("triples", "message"),
    [
        ("0", "at least 2000"),
        ("-5", "at least 2000"),
        ("1999", "at least 2000"),
        ("many", "'many' is not a valid integer"),
        ("2.5e3", "is not a valid integer"),
    ],
)
def test_a_bad_number_of_triples_is_a_clear_error(runner, tmp_path, triples, message):
    result = runner.invoke(main, ["synth", "--triples", triples, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "o").exists()


def test_an_output_folder_that_cannot_be_written_is_a_clear_error(runner, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way\n")
    result = runner.invoke(main, ["synth", "--triples", "3000", "--out", str(blocker / "out")])
    assert result.exit_code == 2
    assert "cannot write the synthetic graph" in result.output
    assert blocker.read_text() == "in the way\n"


def test_generate_refuses_what_is_not_a_whole_number():
    with pytest.raises(synth.SynthError, match="whole number"):
        synth.generate(3000.0, 1)
    with pytest.raises(synth.SynthError, match="whole number"):
        synth.generate(True, 1)
