"""Nothing that is not live ever reaches a reader, and scheduled articles go live on time.

One article in each state shares a distinctive tag and source. The walk covers every
public URL the project has (routes not registered yet are left out, found by
``resolve()``), asserts that no draft, scheduled or expired title or path appears on
any of them and that the live article appears on every listing. Then the clock moves
past the scheduled article's publish time and, with no job run, it appears everywhere.
The walk runs with the server-side page cache off and on.
"""

from __future__ import annotations

import datetime as dt
import re
from unittest.mock import patch
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.urls import Resolver404, resolve
from django.utils import timezone

from articles.models import Article, to_base36
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db

TAG = "zebracorn"
WORD = "Quillwort"
STATES = ("live", "draft", "scheduled", "expired")


@pytest.fixture(params=["page cache off", "page cache on"])
def page_cache(request, settings):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 300 if request.param == "page cache on" else 0
    settings.NEWSROOM_SHARED_CACHE = True  # one test process: its cache is shared
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def articles() -> dict[str, Article]:
    source = make_source("Marmoset Wire", homepage="https://marmoset.example/")
    return {
        state: make_article(title=f"{WORD} {state} story", state=state, source=source, tags=[TAG])
        for state in STATES
    }


def month_urls(article: Article) -> list[str]:
    if article.publish_at is None:
        return []
    local = timezone.localtime(article.publish_at)
    return [f"/archive/{local:%Y}/", f"/archive/{local:%Y}/{local:%m}/"]


def listing_urls(source_slug: str, live: Article) -> list[str]:
    """Pages that list articles: the live article must be on every one of them."""
    day = timezone.localtime(live.publish_at).date().isoformat()
    return [
        "/",
        "/articles/",
        f"/articles/?tag={TAG}",
        f"/articles/?source={source_slug}",
        f"/articles/?q={WORD}",
        f"/articles/?order=oldest&published_after={day}",
        f"/tags/{TAG}/",
        f"/sources/{source_slug}/",
        month_urls(live)[1],
        f"/search/?q={WORD}",
        "/feed/",
        "/feed/atom/",
        "/feed.json",
        f"/tags/{TAG}/feed/",
        f"/sources/{source_slug}/feed/",
    ]


def other_public_urls(articles: dict[str, Article]) -> list[str]:
    urls = ["/tags/", "/sources/", "/archive/", "/sitemap.xml", "/robots.txt"]
    for article in articles.values():
        urls += month_urls(article)
    return urls


def article_urls(article: Article) -> list[str]:
    return [
        article.path,
        f"/s/{to_base36(article.number)}",
        f"/qr/{article.number}.png",
        f"/qr/{article.number}.svg",
    ]


def registered(url: str) -> bool:
    try:
        resolve(urlsplit(url).path)
    except Resolver404:
        return False
    return True


def sitemap_sections(client) -> list[str]:
    """The section URLs the sitemap index points to."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and b"<sitemapindex" in response.content
    return [urlsplit(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", response.text)]


def hidden_markers(articles: dict[str, Article], visible: set[str]) -> dict[str, list[str]]:
    return {
        state: [article.title, article.path]
        for state, article in articles.items()
        if state not in visible
    }


def walk(client, articles: dict[str, Article], visible: set[str]) -> dict[str, str]:
    """GET every public URL; assert what is hidden is nowhere and what is visible is listed."""
    source_slug = articles["live"].source.slug
    listings = listing_urls(source_slug, articles["live"])
    others = [
        url for url in other_public_urls(articles) + sitemap_sections(client) if url not in listings
    ]
    hidden = hidden_markers(articles, visible)
    pages: dict[str, str] = {}
    for url in dict.fromkeys(listings + others):
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        pages[url] = response.content.decode()
    for state, article in articles.items():
        for url in article_urls(article):
            response = client.get(url)
            expected = (200, 301) if state in visible else (404,)
            assert response.status_code in expected, (state, url, response.status_code)
            pages[url] = response.content.decode(errors="replace")
    for url, content in pages.items():
        for state, markers in hidden.items():
            for marker in markers:
                assert marker not in content, f"{state} article leaks on {url}: {marker!r}"
    for url in listings:
        for state in visible:
            assert articles[state].title in pages[url], f"{state} article missing on {url}"
    sitemap = "".join(content for url, content in pages.items() if "sitemap" in url)
    if sitemap:
        for state in visible:
            assert articles[state].path in sitemap, f"{state} article missing from the sitemap"
    return pages


def test_only_live_articles_reach_readers_and_scheduled_ones_go_live_on_time(
    client, page_cache, articles
):
    pages = walk(client, articles, visible={"live"})
    assert "1 article matches" in pages[f"/articles/?tag={TAG}"]
    assert "<dd>1</dd>" in pages[f"/sources/{articles['live'].source.slug}/"]
    assert f'{TAG}</a> <span class="count">(1 article)</span>' in pages["/tags/"]
    assert 'Marmoset Wire</a> <span class="count">(1 article)</span>' in pages["/sources/"]
    assert {"/", "/articles/", f"/tags/{TAG}/", "/archive/"} <= set(pages)

    later = articles["scheduled"].publish_at + dt.timedelta(minutes=1)
    with patch("django.utils.timezone.now", return_value=later):
        pages = walk(client, articles, visible={"live", "scheduled"})
    assert "2 articles match" in pages[f"/articles/?tag={TAG}"]
    assert "<dd>2</dd>" in pages[f"/sources/{articles['live'].source.slug}/"]
    assert f'{TAG}</a> <span class="count">(2 articles)</span>' in pages["/tags/"]
    assert 'Marmoset Wire</a> <span class="count">(2 articles)</span>' in pages["/sources/"]


def test_every_address_the_walk_visits_is_a_route(articles):
    """Guard against a walk that asks for addresses nothing answers (a renamed route)."""
    live = articles["live"]
    urls = listing_urls(live.source.slug, live) + other_public_urls(articles)
    assert [url for url in urls + article_urls(live) if not registered(url)] == []
