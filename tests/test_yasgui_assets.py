"""The SPARQL editor's files (YASGUI), vendored by scripts/vendor-yasgui and served by the app
under a versioned path, cached for a year, with their licence notice and the record of the
npm package they came from."""

from __future__ import annotations

import json
import re

import pytest

from scomm_kg.settings import Settings
from scomm_kg.web import create_app
from scomm_kg.web.assets import YASGUI_DIR, yasgui_version

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(store):
    return create_app(Settings(), store=store, isolate_queries=False).test_client()


# --- The vendored files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("yasgui.min.js", "text/javascript"),
        ("yasgui.min.css", "text/css"),
        ("LICENSE", "text/plain"),
        ("SOURCE", "text/plain"),
        ("package.json", "application/json"),
    ],
)
def test_each_vendored_file_is_served_with_its_type_and_kept_for_a_year(client, name, media_type):
    url = f"/assets/yasgui/{yasgui_version()}/{name}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.data == (YASGUI_DIR / name).read_bytes()
    cache = response.cache_control
    assert cache.public and cache.immutable and cache.max_age == 365 * 24 * 3600
    etag = response.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_a_files_tag_follows_its_bytes_not_the_data(client):
    version = yasgui_version()
    tags = {
        client.get(f"/assets/yasgui/{version}/{n}").headers["ETag"] for n in ("LICENSE", "SOURCE")
    }
    assert len(tags) == 2


def test_the_record_names_the_package_version_and_integrity_of_the_files(client):
    record = client.get(f"/assets/yasgui/{yasgui_version()}/SOURCE").text
    manifest = json.loads((YASGUI_DIR / "package.json").read_text(encoding="utf-8"))
    assert f"package: {manifest['name']}\n" in record
    assert f"version: {manifest['version']}\n" in record
    assert re.search(r"^integrity: sha512-[A-Za-z0-9+/]{86}==$", record, re.M)
    assert manifest["license"] == "MIT"


@pytest.mark.parametrize(
    "path",
    [
        "/assets/yasgui/{version}/yasgui.js",
        "/assets/yasgui/{version}/yasgui.min.js.map",
        "/assets/yasgui/{version}/..%2F..%2F__init__.py",
        "/assets/yasgui/0.0.1/yasgui.min.js",
    ],
    ids=["unknown-file", "source-map-not-shipped", "outside-the-folder", "other-version"],
)
def test_an_unknown_file_or_version_is_a_404_in_json(client, path):
    response = client.get(path.format(version=yasgui_version()))
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == "not found"


def test_a_browser_asking_for_an_unknown_file_gets_a_page_that_names_the_known_ones(client):
    response = client.get(
        f"/assets/yasgui/{yasgui_version()}/yasgui.js", headers={"Accept": BROWSER}
    )
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "yasgui.min.js" in response.text


def test_another_version_is_refused_with_the_one_served(client):
    body = client.get("/assets/yasgui/0.0.1/yasgui.min.js").get_json()
    assert yasgui_version() in body["message"]
