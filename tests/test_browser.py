"""The reader pages in a real browser (Chromium, driven by Playwright): laid out for a
phone's width, with readable contrast, a working skip link, and the QR code printed
beside the article.

The other markup tests read the HTML and the stylesheet; only a browser lays them
out. Chromium is Debian's package (``apt-get install chromium``); without it these
tests are skipped, unless ``NEWSROOM_TESTS_NEED_BROWSER`` is set (CI sets it).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest

from tests.factories import make_article, make_source
from tests.test_markup import reader_pages

CHROMIUM = os.environ.get("NEWSROOM_CHROMIUM") or shutil.which("chromium") or ""
REQUIRED = bool(os.environ.get("NEWSROOM_TESTS_NEED_BROWSER"))
PHONE = {"width": 360, "height": 740}
# WCAG 2.1 AA: 4.5:1 for text, 3:1 for large text (24px, or 18.66px bold).
MIN_CONTRAST, MIN_LARGE_TEXT_CONTRAST = 4.5, 3.0
# Pages that answer 200 (the others are error pages, checked by test_markup).
ANSWERED = (
    *("home", "filtered", "tag", "source", "topics", "sources"),
    *("archive", "year", "month", "article", "search"),
)

if REQUIRED:
    from playwright import sync_api as playwright  # CI: missing is a failure
else:
    playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the live server reads what the test wrote
    pytest.mark.skipif(
        not CHROMIUM and not REQUIRED, reason="Chromium is not installed (apt-get install chromium)"
    ),
]

# Every element with text of its own, whose colour against the first opaque
# background behind it falls short of WCAG AA: "tag.class ratio text".
LOW_CONTRAST_JS = """
([normal, large]) => {
  // Only rgb() and rgba() colours, as Chromium reports sRGB ones: any other format is
  // reported rather than guessed at.
  const rgba = (value) => {
    const match = value.match(/^rgba?\\(([^)]*)\\)$/);
    if (!match) throw new Error(`colour format not understood: ${value}`);
    const parts = match[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  };
  const over = (top, below) => ({  // top's colour laid over an opaque one
    r: top.r * top.a + below.r * (1 - top.a),
    g: top.g * top.a + below.g * (1 - top.a),
    b: top.b * top.a + below.b * (1 - top.a),
    a: 1,
  });
  const channel = (value) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  // The opaque colour behind an element: its ancestors' backgrounds blended from the
  // page's white up; a background image cannot be judged and is reported.
  const background = (element) => {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage !== "none") {
        throw new Error(`a background image behind ${element.tagName}`);
      }
      layers.push(rgba(style.backgroundColor));
    }
    const white = { r: 255, g: 255, b: 255, a: 1 };
    return layers.reverse().reduce((below, top) => over(top, below), white);
  };
  const failures = [];
  for (const element of document.body.querySelectorAll("*")) {
    const ownText = [...element.childNodes].some(
      (node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim()
    );
    const style = getComputedStyle(element);
    if (!ownText || style.visibility === "hidden" || !element.getClientRects().length) continue;
    const behind = background(element);
    const text = over(rgba(style.color), behind);
    const [fg, bg] = [luminance(text), luminance(behind)];
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize);
    const isLarge = size >= 24 || (parseInt(style.fontWeight, 10) >= 700 && size >= 18.66);
    if (ratio < (isLarge ? large : normal)) {
      const words = element.textContent.trim().slice(0, 40);
      const name = `${element.tagName.toLowerCase()}.${element.className}`;
      failures.push(`${name} ${ratio.toFixed(2)} ${words}`);
    }
  }
  return failures;
}
"""


@pytest.fixture
def site(live_server):
    """A small site, and the paths of its reader pages."""
    source = make_source("Acme & Sons Wire", homepage="https://acme.example/")
    publish_at = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)
    long_word = "Supercalifragilisticexpialidociousnesses" * 2
    main = make_article(
        title=f"Acme finds lithium in {long_word}",
        summary="A big find, and a summary long enough to wrap on a phone's narrow screen.",
        body="<h2>Detail</h2><p>Text with <a href='https://example.com'>a link</a>.</p>"
        "<table><tr><td>Quarter</td><td>Revenue</td><td>Margin</td><td>Outlook</td>"
        "<td>Guidance for the coming financial year</td></tr></table>"
        f"<p>{long_word}</p>",
        source=source,
        tags=["energy", "Élan", "mining"],
        publish_at=publish_at,
    )
    for number in range(3):
        make_article(
            title=f"Related {number}",
            source=source,
            tags=["energy"],
            publish_at=publish_at - dt.timedelta(days=number + 1),
        )
    pages = reader_pages(source.slug, main.path)
    paths = {name: pages[name] for name in ANSWERED}
    return live_server.url, paths


@pytest.fixture
def browser(site):
    """Chromium. After ``site``: once Playwright's loop runs, Django refuses database
    queries from this thread (they would block the loop)."""
    assert CHROMIUM, "Chromium not found: apt-get install chromium, or set NEWSROOM_CHROMIUM"
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def test_pages_fit_a_phone_without_scrolling_sideways(site, browser):
    base, paths = site
    page = browser.new_page(viewport=PHONE)
    for name, path in paths.items():
        assert page.goto(base + path).ok, name
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} is {overflow}px wider than a phone's screen"


def test_text_has_enough_contrast(site, browser):
    base, paths = site
    page = browser.new_page()
    for name, path in paths.items():
        assert page.goto(base + path).ok, name
        failures = page.evaluate(LOW_CONTRAST_JS, [MIN_CONTRAST, MIN_LARGE_TEXT_CONTRAST])
        assert failures == [], name


def test_the_skip_link_comes_first_and_moves_focus_to_the_content(site, browser):
    base, paths = site
    page = browser.new_page()
    assert page.goto(base + paths["article"]).ok
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    box = page.locator(".skip-link").bounding_box()  # on screen once focused
    viewport = page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_the_printed_article_has_its_qr_code_beside_it(site, browser):
    base, paths = site
    page = browser.new_page()
    assert page.goto(base + paths["article"]).ok
    page.emulate_media(media="print")
    title, qr = page.locator(".article-header h1"), page.locator(".qr img")
    title_box, qr_box = title.bounding_box(), qr.bounding_box()
    width = page.evaluate("document.documentElement.clientWidth")
    assert qr.is_visible()
    assert qr_box["x"] >= title_box["x"] + title_box["width"], "the code is right of the text"
    assert qr_box["y"] < title_box["y"] + title_box["height"], "and level with the title"
    assert qr_box["x"] + qr_box["width"] <= width, "and on the page, however long a word"
    for hidden in (".related", ".neighbours", ".site-footer"):
        assert not page.locator(hidden).first.is_visible(), hidden
