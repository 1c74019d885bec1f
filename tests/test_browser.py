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

CHROMIUM = os.environ.get("NEWSROOM_CHROMIUM") or shutil.which("chromium") or ""
PHONE = {"width": 360, "height": 740}
# WCAG 2.1 AA: 4.5:1 for text, 3:1 for large text (24px, or 18.66px bold).
MIN_CONTRAST, MIN_LARGE_TEXT_CONTRAST = 4.5, 3.0

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the live server reads what the test wrote
    pytest.mark.skipif(
        not CHROMIUM and not os.environ.get("NEWSROOM_TESTS_NEED_BROWSER"),
        reason="Chromium is not installed (apt-get install chromium)",
    ),
]

# Every element with text of its own, whose colour against the first opaque
# background behind it falls short of WCAG AA: "tag.class ratio text".
LOW_CONTRAST_JS = """
([normal, large]) => {
  const rgba = (value) => {
    const parts = value.match(/[\\d.]+/g).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  };
  const channel = (value) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = rgba(getComputedStyle(node).backgroundColor);
      if (colour.a > 0) return colour;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const failures = [];
  for (const element of document.body.querySelectorAll("*")) {
    const ownText = [...element.childNodes].some(
      (node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim()
    );
    const style = getComputedStyle(element);
    if (!ownText || style.visibility === "hidden" || !element.getClientRects().length) continue;
    const [fg, bg] = [luminance(rgba(style.color)), luminance(background(element))];
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize);
    const isLarge = size >= 24 || (parseInt(style.fontWeight, 10) >= 700 && size >= 18.66);
    if (ratio < (isLarge ? large : normal)) {
      const text = element.textContent.trim().slice(0, 40);
      const name = `${element.tagName.toLowerCase()}.${element.className}`;
      failures.push(`${name} ${ratio.toFixed(2)} ${text}`);
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
    paths = {
        "home": "/",
        "list": "/articles/?tag=energy&per_page=2",
        "tag": "/tags/energy/",
        "source": f"/sources/{source.slug}/",
        "topics": "/tags/",
        "sources": "/sources/",
        "archive": "/archive/",
        "year": "/archive/2024/",
        "month": "/archive/2024/05/",
        "article": main.path,
        "search": "/search/?q=lithium",
    }
    return live_server.url, paths


@pytest.fixture
def browser():
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def test_pages_fit_a_phone_without_scrolling_sideways(site, browser):
    base, paths = site
    page = browser.new_page(viewport=PHONE)
    for name, path in paths.items():
        page.goto(base + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} is {overflow}px wider than a phone's screen"


def test_text_has_enough_contrast(site, browser):
    base, paths = site
    page = browser.new_page()
    for name, path in paths.items():
        page.goto(base + path)
        failures = page.evaluate(LOW_CONTRAST_JS, [MIN_CONTRAST, MIN_LARGE_TEXT_CONTRAST])
        assert failures == [], name


def test_the_skip_link_comes_first_and_moves_focus_to_the_content(site, browser):
    base, paths = site
    page = browser.new_page()
    page.goto(base + paths["article"])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    assert page.evaluate("getComputedStyle(document.activeElement).visibility") == "visible"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_the_printed_article_has_its_qr_code_beside_it(site, browser):
    base, paths = site
    page = browser.new_page()
    page.goto(base + paths["article"])
    page.emulate_media(media="print")
    title, qr = page.locator(".article-header h1"), page.locator(".qr img")
    title_box, qr_box = title.bounding_box(), qr.bounding_box()
    assert qr.is_visible()
    assert qr_box["x"] >= title_box["x"] + title_box["width"], "the code is right of the text"
    assert qr_box["y"] < title_box["y"] + title_box["height"], "and level with the title"
    for hidden in (".related", ".neighbours", ".site-footer"):
        assert not page.locator(hidden).first.is_visible(), hidden
