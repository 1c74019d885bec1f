"""Open Graph, Twitter cards and JSON-LD on article pages; canonical and prev/next on listings."""

from __future__ import annotations

import datetime as dt
import json

import html5lib
import pytest

from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db


def parse(response):
    return html5lib.parse(response.content, namespaceHTMLElements=False)


def meta_values(document, attribute: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for meta in document.iter("meta"):
        if meta.get(attribute):
            found.setdefault(meta.get(attribute), []).append(meta.get("content"))
    return found


def json_ld(document) -> list[dict]:
    return [
        json.loads(script.text)
        for script in document.iter("script")
        if script.get("type") == "application/ld+json"
    ]


def head_links(document) -> dict[str, str]:
    return {link.get("rel"): link.get("href") for link in document.find("head").iter("link")}


@pytest.fixture
def article():
    source = make_source("Acme Wire", homepage="https://acme.example/")
    return make_article(
        title="Acme finds lithium",
        summary="A big find.",
        source=source,
        tags=["energy", "mining"],
        image_url="https://cdn.acme.example/find.jpg",
        image_alt="The drill site",
        source_link="https://acme.example/news/1",
        publish_at=dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC),
    )


def test_open_graph_describes_the_article(client, article):
    og = meta_values(parse(client.get(article.path)), "property")
    assert og["og:type"] == ["article"]
    assert og["og:title"] == ["Acme finds lithium"]
    assert og["og:description"] == ["A big find."]
    assert og["og:url"] == [f"http://testserver{article.path}"]
    assert og["og:image"] == ["https://cdn.acme.example/find.jpg"]
    assert og["og:site_name"] == ["Newsroom"]
    assert og["article:section"] == ["Acme Wire"]
    assert sorted(og["article:tag"]) == ["energy", "mining"]
    published = dt.datetime.fromisoformat(og["article:published_time"][0])
    assert published == article.publish_at
    assert dt.datetime.fromisoformat(og["article:modified_time"][0]) == article.updated_at


def test_twitter_card_is_large_with_an_image_and_plain_without(client, article):
    twitter = meta_values(parse(client.get(article.path)), "name")
    assert twitter["twitter:card"] == ["summary_large_image"]
    assert twitter["twitter:image"] == ["https://cdn.acme.example/find.jpg"]
    plain = make_article(title="No picture")
    document = parse(client.get(plain.path))
    assert meta_values(document, "name")["twitter:card"] == ["summary"]
    assert "og:image" not in meta_values(document, "property")


def test_json_ld_is_a_news_article(client, article, settings):
    settings.SITE_NAME = "The Daily Wire Desk"
    [data] = json_ld(parse(client.get(article.path)))
    canonical = f"http://testserver{article.path}"
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Acme finds lithium"
    assert data["description"] == "A big find."
    assert dt.datetime.fromisoformat(data["datePublished"]) == article.publish_at
    assert dt.datetime.fromisoformat(data["dateModified"]) == article.updated_at
    acme = {"@type": "Organization", "name": "Acme Wire", "url": "https://acme.example/"}
    assert data["author"] == acme
    assert data["sourceOrganization"] == acme
    assert data["publisher"]["@type"] == "Organization"
    assert data["publisher"]["name"] == "The Daily Wire Desk"
    assert data["image"] == "https://cdn.acme.example/find.jpg"
    assert data["mainEntityOfPage"] == canonical
    assert sorted(data["keywords"].split(", ")) == ["energy", "mining"]


def test_uploaded_image_is_given_as_an_absolute_url(client):
    article = make_article(title="Uploaded", image="articles/2024/05/pic.jpg")
    document = parse(client.get(article.path))
    expected = "http://testserver/media/articles/2024/05/pic.jpg"
    assert meta_values(document, "property")["og:image"] == [expected]
    assert json_ld(document)[0]["image"] == expected


def test_a_title_cannot_break_out_of_the_json_ld_script(client):
    title = 'Breaking </script><script>alert("x")</script> & <!-- news'
    article = make_article(title=title, summary="</SCRIPT> in the summary")
    response = client.get(article.path)
    content = response.content.decode()
    assert "<script>alert" not in content
    assert content.count("</script>") == 1
    [data] = json_ld(parse(response))
    assert data["headline"] == title
    assert data["description"] == "</SCRIPT> in the summary"
    assert meta_values(parse(response), "property")["og:title"] == [title]


def test_listing_pages_carry_canonical_and_prev_next_links(client, settings):
    settings.NEWSROOM_PAGE_SIZE = 2
    source = make_source("Acme Wire")
    for number in range(5):
        make_article(title=f"A{number}", source=source, tags=["energy"])
    for path in ("/articles/", "/tags/energy/", "/sources/acme-wire/"):
        first = head_links(parse(client.get(path)))
        assert first["canonical"] == f"http://testserver{path}"
        assert first["next"] == f"http://testserver{path}?page=2"
        assert "prev" not in first
        middle = head_links(parse(client.get(path, {"page": 2})))
        assert middle["canonical"] == f"http://testserver{path}?page=2"
        assert middle["prev"] == f"http://testserver{path}"
        assert middle["next"] == f"http://testserver{path}?page=3"
        last = head_links(parse(client.get(path, {"page": 3})))
        assert "next" not in last


def test_archive_pages_carry_canonical_links(client):
    article = make_article(publish_at=dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC))
    assert article.path.startswith("/202405/")
    for path in ("/archive/", "/archive/2024/", "/archive/2024/05/"):
        assert head_links(parse(client.get(path)))["canonical"] == f"http://testserver{path}"
