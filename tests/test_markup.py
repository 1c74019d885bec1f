"""Every reader-facing page is valid HTML5, accessible, responsive and free of CDNs."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import html5lib
import pytest
from django.conf import settings as django_settings

from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db

CSS = Path(django_settings.BASE_DIR) / "static" / "css" / "newsroom.css"
LANDMARKS = ("header", "nav", "main", "footer")


def strict_parse(response):
    """Parse as HTML5 with every parse error an exception (html5lib's strict mode)."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(response.content)


@pytest.fixture
def pages(client, settings):
    settings.NEWSROOM_PAGE_SIZE = 1
    source = make_source("Acme & Sons Wire", homepage="https://acme.example/")
    publish_at = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)
    main = make_article(
        title="Acme <finds> lithium & more",
        summary="A big find.",
        body="<h2>Detail</h2><p>Text with <a href='https://example.com'>a link</a>.</p>"
        "<table><tr><td>1</td></tr></table>",
        source=source,
        tags=["energy", "Élan"],
        image_url="https://cdn.acme.example/find.jpg",
        source_link="https://acme.example/news/1",
        publish_at=publish_at,
    )
    make_article(title="Second", source=source, tags=["energy"], publish_at=publish_at)
    return reader_pages(source.slug, main.path)


def reader_pages(source_slug: str, article_path: str) -> dict[str, str]:
    """Every kind of reader page, by name, for a site with the source ``source_slug``,
    the tag "energy" and articles in May 2024 (the browser tests use them too)."""
    return {
        "home": "/",
        "home page 2": "/?page=2",
        "list": "/articles/",
        "filtered": "/articles/?tag=energy&order=oldest&per_page=1&page=2",
        "form errors": "/articles/?published_after=nope&source=nobody",
        "empty result": "/articles/?q=nothing-matches",
        "tag": "/tags/energy/",
        "source": f"/sources/{source_slug}/",
        "topics": "/tags/",
        "sources": "/sources/",
        "archive": "/archive/",
        "year": "/archive/2024/",
        "month": "/archive/2024/05/",
        "article": article_path,
        "not found": "/tags/no-such-tag/",
        "search": "/search/?q=lithium",
    }


def test_pages_are_valid_html5(client, pages):
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code in (200, 400, 404), name
        try:
            strict_parse(response)
        except html5lib.html5parser.ParseError as error:
            pytest.fail(f"{name} ({url}) is not valid HTML5: {error}")


def test_pages_have_landmarks_skip_link_and_language(client, pages):
    for name, url in pages.items():
        document = strict_parse(client.get(url))
        assert document.get("lang") == "en", name
        body = document.find("body")
        for landmark in LANDMARKS:
            assert body.find(f".//{landmark}") is not None, (name, landmark)
        assert len(body.findall("./main")) == 1, name
        skip = body.find("./a")
        assert skip.get("class") == "skip-link" and skip.get("href") == "#main", name
        assert body.find("./main").get("id") == "main", name
        for nav in body.iter("nav"):
            assert nav.get("aria-label"), (name, "nav without a label")
        assert document.find(".//h1") is not None, name
        ids = [element.get("id") for element in document.iter() if element.get("id")]
        assert len(ids) == len(set(ids)), (name, "duplicate ids")


def test_the_header_marks_the_section_a_reader_is_in(client, pages):
    sections = {"/": "Latest", "/tags/": "Topics", "/search/": "Search"}
    for url, label in {**sections, pages["article"]: None}.items():
        header_nav = strict_parse(client.get(url)).find(".//header//nav")
        current = [link.text for link in header_nav.iter("a") if link.get("aria-current")]
        assert current == ([label] if label else []), url
        assert [link.text for link in header_nav.iter("a")][:2] == ["Latest", "All articles"]


def test_images_have_alt_text_and_controls_have_labels(client, pages):
    for name, url in pages.items():
        document = strict_parse(client.get(url))
        for image in document.iter("img"):
            assert image.get("alt"), (name, image.get("src"))
        labelled = {label.get("for") for label in document.iter("label")}
        controls = [*document.iter("input"), *document.iter("select"), *document.iter("textarea")]
        for control in controls:
            if control.get("type") in ("hidden", "submit"):
                continue
            assert control.get("id") in labelled or control.get("aria-label"), (name, control)


def test_article_page_keeps_what_it_always_showed(client, pages):
    document = strict_parse(client.get(pages["article"]))
    article = document.find(".//article")
    assert article.find(".//h1").text == "Acme <finds> lithium & more"
    assert article.find(".//time").get("datetime").startswith("2024-05-01T12:00:00")
    source = article.find(".//a[@class='source']")
    assert source.get("rel") == "nofollow" and source.get("href") == "https://acme.example/news/1"
    assert article.find(".//p[@class='lede']").text == "A big find."
    assert article.find(".//div[@class='body']/h2").text == "Detail"
    images = {image.get("alt"): image.get("src") for image in article.iter("img")}
    assert images["Acme <finds> lithium & more"] == "https://cdn.acme.example/find.jpg"
    [qr_alt] = [alt for alt in images if alt.startswith("QR code")]
    assert images[qr_alt].startswith("/qr/")
    head = document.find("head")
    assert head.find("./meta[@name='description']").get("content") == "A big find."
    assert head.find("./link[@rel='canonical']") is not None


def test_pages_are_responsive_and_use_no_cdn(client, pages):
    for name, url in pages.items():
        document = strict_parse(client.get(url))
        viewport = document.find(".//meta[@name='viewport']")
        assert "width=device-width" in viewport.get("content"), name
        for element in (*document.iter("link"), *document.iter("script")):
            reference = element.get("href") or element.get("src") or ""
            if element.tag == "link" and element.get("rel") in ("canonical", "prev", "next"):
                continue
            assert not reference.startswith(("http:", "https:", "//")), (name, reference)


def test_print_stylesheet_puts_the_qr_code_beside_the_article():
    css = CSS.read_text()
    print_blocks = re.findall(r"@media print\s*{(.*?)\n}", css, flags=re.DOTALL)
    assert print_blocks
    rules = "\n".join(print_blocks)
    assert re.search(r"\.article\s*{[^}]*display:\s*grid", rules)
    assert re.search(r"\.qr\s*{[^}]*grid-column:\s*2;[^}]*grid-row:\s*1", rules)
    assert re.search(r"\.article-footer\s*{[^}]*display:\s*contents", rules)
