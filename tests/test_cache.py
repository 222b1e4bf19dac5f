"""The result cache, as readers of the endpoint meet it: a question many people ask is run once.

The app here runs queries in-process, over a store that counts what reaches its engine, so a
test sees exactly which requests ran a query and which were answered from the cache.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from scomm_kg import loader
from scomm_kg.cache import PerVersion, ResultCache
from scomm_kg.settings import Settings
from scomm_kg.store import DataVersion
from scomm_kg.web import create_app

from helpers import CountingStore

NAPOLITANO = "id/person/janet-napolitano"
ATTEMPTS = "SELECT ?a WHERE { ?a a scomm:OptOutAttempt } ORDER BY ?a"
BOSTON_GLOBE = "https://w3id.org/scomm-kg/graph/boston-globe-boston-opt-out"


@pytest.fixture(scope="module")
def nquads():
    return loader.load().nquads()


@pytest.fixture
def store(nquads):
    counting = CountingStore()
    counting.replace_all(nquads)
    return counting


def app_over(store, **settings):
    return create_app(Settings(**settings), store=store, isolate_queries=False)


@pytest.fixture
def client(store):
    return app_over(store).test_client()


def test_a_canned_query_asked_by_many_readers_is_run_once(client, store):
    first = client.get("/queries/statistics.json")
    assert first.status_code == 200 and store.calls == 1
    for _ in range(5):
        again = client.get("/queries/statistics.json")
        assert again.status_code == 200 and again.data == first.data
    assert store.calls == 1


def test_a_cached_answer_needs_no_check_of_its_iri_parameter_either(client, store):
    # The first request asks the engine whether the speaker names anything, then runs the query.
    url = f"/queries/statements-by-speaker.json?speaker={NAPOLITANO}"
    assert client.get(url).status_code == 200
    ran = store.calls
    assert ran >= 2
    assert client.get(url).status_code == 200
    assert store.calls == ran, "a cache hit touched the engine"


def test_the_page_of_a_canned_query_is_served_from_the_cache_too(client, store):
    browser = {"Accept": "text/html"}
    first = client.get(f"/queries/statements-by-speaker?speaker={NAPOLITANO}", headers=browser)
    assert first.status_code == 200 and b"Napolitano" in first.data
    ran = store.calls
    client.get(f"/queries/statements-by-speaker?speaker={NAPOLITANO}", headers=browser)
    assert store.calls == ran


def test_the_same_sparql_query_sent_again_is_not_run_again(client, store):
    for _ in range(3):
        response = client.get("/sparql", query_string={"query": ATTEMPTS})
        assert response.status_code == 200
    assert store.calls == 1


@pytest.mark.parametrize(
    "other",
    [
        {"query": ATTEMPTS + " LIMIT 3"},
        {"query": ATTEMPTS, "format": "csv"},
        {"query": ATTEMPTS, "default-graph-uri": BOSTON_GLOBE},
        {"query": ATTEMPTS, "named-graph-uri": BOSTON_GLOBE},
    ],
    ids=["other text", "other format", "other default graph", "other named graph"],
)
def test_what_makes_the_answer_differ_is_a_different_entry(client, store, other):
    for _ in range(2):
        first = client.get("/sparql", query_string={"query": ATTEMPTS})
        second = client.get("/sparql", query_string=other)
        assert first.status_code == second.status_code == 200
        assert first.data != second.data
    assert store.calls == 2


def test_other_bindings_of_a_canned_query_are_a_different_entry(client, store):
    for _ in range(2):
        texts = [client.get(f"/queries/search.json?text={t}").data for t in ("Boston", "Ramsey")]
        assert texts[0] != texts[1]
    assert store.calls == 2


def test_new_data_is_never_answered_from_the_old(client, store, nquads):
    for _ in range(2):
        before = client.get("/sparql", query_string={"query": ATTEMPTS, "format": "csv"})
        assert before.data.count(b"\n") == 8  # the header and seven attempts
    assert store.calls == 1
    store.replace_all(
        b"<http://ex.org/a> <http://ex.org/p> <http://ex.org/o> <http://ex.org/g> .\n"
    )
    after = client.get("/sparql", query_string={"query": ATTEMPTS, "format": "csv"})
    assert after.data.count(b"\n") == 1, "the old answer was served for new data"
    assert store.calls == 2


def test_errors_are_not_kept(store):
    client = app_over(store, row_limit=3).test_client()
    for _ in range(2):
        assert (
            client.get("/sparql", query_string={"query": ATTEMPTS + " LIMIT 3"}).status_code == 200
        )
        assert client.get("/sparql", query_string={"query": ATTEMPTS}).status_code == 400
    assert store.calls == 3, "the answer kept, the error (too many rows) asked again"
    unknown = "/queries/statements-by-speaker.json?speaker=id/person/nobody"
    assert client.get(unknown).status_code == 400
    ran = store.calls
    assert client.get(unknown).status_code == 400
    assert store.calls > ran, "an unknown speaker was answered from memory"


def test_a_cache_of_zero_bytes_keeps_nothing(store):
    client = app_over(store, result_cache_mb=0).test_client()
    for _ in range(2):
        assert client.get("/queries/statistics.json").status_code == 200
    assert store.calls == 2


def test_the_cache_setting_is_read_from_the_environment():
    assert Settings.from_env({"SCOMM_RESULT_CACHE_MB": "8"}).result_cache_mb == 8
    with pytest.raises(ValueError, match="result_cache_mb"):
        Settings(result_cache_mb=-1).check()


# --- The cache itself: a byte budget, least recently used out first ------------------------


def test_the_cache_holds_no_more_bytes_than_its_budget_dropping_the_least_recently_used():
    cache = ResultCache(1000)
    for name in "abcd":
        cache.put(name, name.upper(), 250)
    assert cache.get("a") == "A"  # a is now the most recently used; b the least
    cache.put("e", "E", 250)
    assert cache.get("b") is None
    assert [cache.get(n) for n in "acde"] == ["A", "C", "D", "E"]
    assert cache.stats.bytes == 1000 and cache.stats.entries == 4


def test_an_answer_larger_than_a_quarter_of_the_budget_is_not_kept():
    cache = ResultCache(1000)
    cache.put("small", "s", 10)
    cache.put("huge", "h", 251)
    assert cache.get("huge") is None and cache.get("small") == "s"


def test_readers_asking_at_once_share_one_evaluation():
    cache = ResultCache(1000)
    evaluations = []

    def slow():
        evaluations.append(1)
        time.sleep(0.2)
        return "answer"

    answers = []
    readers = [
        threading.Thread(target=lambda: answers.append(cache.get_or_compute("k", slow, len)))
        for _ in range(8)
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert answers == ["answer"] * 8
    assert len(evaluations) == 1
    assert cache.stats.misses == 1 and cache.stats.hits == 7


def test_readers_waiting_on_a_failed_evaluation_get_its_error_and_nothing_is_kept():
    cache = ResultCache(1000)
    started = threading.Event()

    def failing():
        started.set()
        time.sleep(0.2)
        raise ValueError("the query failed")

    errors = []

    def ask():
        try:
            cache.get_or_compute("k", failing, len)
        except ValueError as error:
            errors.append(str(error))

    leader = threading.Thread(target=ask)
    leader.start()
    started.wait()
    follower = threading.Thread(target=ask)
    follower.start()
    leader.join()
    follower.join()
    assert errors == ["the query failed"] * 2
    assert cache.get("k") is None
    assert cache.get_or_compute("k", lambda: "now it works", len) == "now it works"


# --- Values kept per data version -------------------------------------------------------------


class _Store:
    """A store as PerVersion sees it: only its data version."""

    def __init__(self, digest: str):
        self.version = DataVersion(digest, datetime(2026, 1, 1, tzinfo=UTC))


def test_a_value_is_computed_once_per_data_version_and_key():
    kept, calls = PerVersion(), []

    def compute(name):
        calls.append(name)
        return name.upper()

    first = _Store("a")
    assert kept.get(first, "labels", lambda: compute("labels")) == "LABELS"
    assert kept.get(first, "labels", lambda: compute("labels")) == "LABELS"
    assert kept.get(first, "names", lambda: compute("names")) == "NAMES"
    assert kept.get(_Store("b"), "labels", lambda: compute("labels")) == "LABELS"
    assert calls == ["labels", "names", "labels"]  # new data, new value


def test_values_of_old_data_versions_are_dropped_beyond_the_limit():
    kept, calls = PerVersion(versions=2), []
    for digest in ("a", "b", "c", "a"):
        kept.get(_Store(digest), "x", lambda digest=digest: calls.append(digest))
    # "c" came when two versions were held: both went, so "a" is computed again.
    assert calls == ["a", "b", "c", "a"]
