"""Every kind of page passes axe-core with no serious or critical violation, and works by keyboard.

A reader who cannot use a mouse tabs from the top of the home page: the first stop is a link that
skips to the content, every stop shows where the focus is, and the questions (and the search box,
once it is merged) are reached. axe-core runs in Chromium on a real server (tests/browser_tools.py).
"""

from __future__ import annotations

import pytest

from browser_tools import NOT_MERGED, PAGE_TYPES, axe_violations, route_absent, screenshot

# What a focused element shows: an outline or a ring, read from the computed style.
FOCUS_SHOWN = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const box = element.getBoundingClientRect();
  return {
    role: element.getAttribute('role') || element.tagName.toLowerCase(),
    type: element.getAttribute('type'),
    name: (element.getAttribute('aria-label') || element.textContent || '').trim(),
    visible: outline || style.boxShadow !== 'none',
    onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0,
  };
}"""


@pytest.mark.parametrize(
    ("what", "path", "from_another_branch"), PAGE_TYPES, ids=[p[0] for p in PAGE_TYPES]
)
def test_each_kind_of_page_has_no_serious_accessibility_violation(
    browser_server, page, what, path, from_another_branch
):
    if from_another_branch and route_absent(browser_server.url, path):
        pytest.skip(f"{NOT_MERGED}: {what} ({path})")
    page.goto(browser_server.url + path)
    screenshot(page, "axe", what)
    assert axe_violations(page) == []


def test_axe_reports_what_a_reader_would_stumble_on(page):
    """The check can fail: an unlabelled field and faint text are what it exists to catch."""
    page.set_content(
        '<!doctype html><html lang="en"><head><title>bad</title></head><body><main>'
        '<input type="text"><p style="color:#ccc;background:#fff">faint</p></main></body></html>'
    )
    found = axe_violations(page)
    assert any("label" in line for line in found), found
    assert any("color-contrast" in line for line in found), found


def test_the_home_page_works_by_keyboard_with_the_focus_always_visible(browser_server, page):
    page.goto(browser_server.url + "/")
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUS_SHOWN)
    assert first["name"] == "Skip to the content" and first["onScreen"], first
    screenshot(page, "keyboard", "01-skip link")

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"

    page.goto(browser_server.url + "/")
    stops = []
    for _ in range(60):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_SHOWN)
        if stop is None or stop in stops[:1]:
            break  # back at the start: the page has been tabbed through
        stops.append(stop)
    not_shown = [s for s in stops if not (s["visible"] and s["onScreen"])]
    assert not_shown == [], "focus not visible on these stops"
    names = [s["name"] for s in stops]
    assert "Canned queries" in names
    assert "Find resources by name" in names
    if not route_absent(browser_server.url, "/search?text=Napolitano"):
        assert any(s["type"] == "search" for s in stops), "the search box is not reached"
    page.get_by_role("link", name="Find resources by name").focus()
    screenshot(page, "keyboard", "02-a question focused")
