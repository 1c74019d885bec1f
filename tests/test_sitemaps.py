"""Sitemaps list exactly the live URLs, absolute under SITE_URL, with lastmod."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from articles.sitemaps import ArticleSitemap, _newest_change, news_language
from articles.syndication import last_changed
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db

SITE = "https://news.example.com"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
STATES = ("live", "draft", "scheduled", "expired")


@pytest.fixture(autouse=True)
def _site_url(settings):
    """A site URL other than the test client's host: locations must come from it."""
    settings.SITE_URL = SITE


@pytest.fixture
def articles() -> dict[str, Article]:
    return {
        state: make_article(
            title=f"{state} story",
            state=state,
            source=make_source(f"{state.title()} Wire"),
            tags=[f"{state}-tag", "shared"],
        )
        for state in STATES
    }


def get_xml(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    return ET.fromstring(response.content)


def url_entries(client, url: str) -> dict[str, ET.Element]:
    root = get_xml(client, url)
    assert root.tag == f"{SM}urlset"
    return {entry.findtext(f"{SM}loc"): entry for entry in root.findall(f"{SM}url")}


def index_locations(client) -> list[str]:
    root = get_xml(client, "/sitemap.xml")
    assert root.tag == f"{SM}sitemapindex"
    return [entry.findtext(f"{SM}loc") for entry in root.findall(f"{SM}sitemap")]


def test_the_index_lists_every_section_under_site_url_with_lastmod(client, articles):
    root = get_xml(client, "/sitemap.xml")
    assert [entry.findtext(f"{SM}loc") for entry in root.findall(f"{SM}sitemap")] == [
        f"{SITE}/sitemap-articles.xml",
        f"{SITE}/sitemap-tags.xml",
        f"{SITE}/sitemap-sources.xml",
        f"{SITE}/sitemap-news.xml",
    ]
    for entry in root.findall(f"{SM}sitemap"):
        assert dt.datetime.fromisoformat(entry.findtext(f"{SM}lastmod")).tzinfo is not None


def test_each_index_entry_carries_its_own_sections_lastmod(client, articles):
    now = timezone.now()
    untagged = make_article(title="Untagged", publish_at=now - dt.timedelta(minutes=30))
    Article.objects.filter(pk=untagged.pk).update(updated_at=now - dt.timedelta(minutes=30))
    Article.objects.filter(pk=articles["live"].pk).update(updated_at=now - dt.timedelta(hours=4))
    # Edited just now, but not live: moves no lastmod.
    for state in ("draft", "scheduled", "expired"):
        hidden = make_article(title=f"Hidden {state}", state=state, tags=["energy"])
        Article.objects.filter(pk=hidden.pk).update(updated_at=now)
    root = get_xml(client, "/sitemap.xml")
    lastmods = {
        entry.findtext(f"{SM}loc").removeprefix(f"{SITE}/"): dt.datetime.fromisoformat(
            entry.findtext(f"{SM}lastmod")
        )
        for entry in root.findall(f"{SM}sitemap")
    }
    assert lastmods["sitemap-articles.xml"] == now - dt.timedelta(minutes=30)
    assert lastmods["sitemap-sources.xml"] == now - dt.timedelta(minutes=30)
    # The newest tagged live article went live an hour ago, after its last edit.
    assert lastmods["sitemap-tags.xml"] == articles["live"].publish_at


def test_the_article_sitemap_lists_exactly_the_live_articles(client, articles):
    entries = url_entries(client, "/sitemap-articles.xml")
    live = articles["live"]
    assert set(entries) == {f"{SITE}{live.path}"}
    lastmod = dt.datetime.fromisoformat(entries[f"{SITE}{live.path}"].findtext(f"{SM}lastmod"))
    assert lastmod == live.updated_at


def test_a_scheduled_article_enters_the_sitemaps_when_its_time_comes(client, articles):
    scheduled = articles["scheduled"]
    with mock.patch("django.utils.timezone.now", return_value=scheduled.publish_at):
        articles_map = url_entries(client, "/sitemap-articles.xml")
        news = url_entries(client, "/sitemap-news.xml")
        tags = url_entries(client, "/sitemap-tags.xml")
    assert f"{SITE}{scheduled.path}" in articles_map
    assert f"{SITE}{scheduled.path}" in news
    assert f"{SITE}/tags/scheduled-tag/" in tags
    # It went live after its last edit: that is when its page changed.
    lastmod = articles_map[f"{SITE}{scheduled.path}"].findtext(f"{SM}lastmod")
    assert dt.datetime.fromisoformat(lastmod) == scheduled.publish_at


def test_tag_and_source_sitemaps_list_only_those_with_live_articles(client, articles):
    tags = url_entries(client, "/sitemap-tags.xml")
    sources = url_entries(client, "/sitemap-sources.xml")
    assert set(tags) == {f"{SITE}/tags/live-tag/", f"{SITE}/tags/shared/"}
    assert set(sources) == {f"{SITE}/sources/live-wire/"}
    # Changed when their live article last did: the shared tag's drafts, scheduled and
    # expired articles, saved after it, leave its date alone.
    live_changed = last_changed(Article.objects.get(pk=articles["live"].pk))
    for entry in [*tags.values(), *sources.values()]:
        assert dt.datetime.fromisoformat(entry.findtext(f"{SM}lastmod")) == live_changed


def test_the_article_sitemap_is_paginated_and_the_index_lists_every_page(
    client, monkeypatch, articles
):
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    now = timezone.now()
    newer = [
        make_article(title=f"Story {n}", publish_at=now - dt.timedelta(minutes=n)) for n in (1, 2)
    ]
    locations = index_locations(client)
    assert f"{SITE}/sitemap-articles.xml?p=2" in locations
    assert f"{SITE}/sitemap-articles.xml?p=3" not in locations
    first = url_entries(client, "/sitemap-articles.xml")
    second = url_entries(client, "/sitemap-articles.xml?p=2")
    # Oldest first: earlier pages stay put as new articles arrive.
    assert list(first) == [f"{SITE}{articles['live'].path}", f"{SITE}{newer[1].path}"]
    assert list(second) == [f"{SITE}{newer[0].path}"]
    for page in ("3", "0", "abc"):
        assert client.get(f"/sitemap-articles.xml?p={page}").status_code == 404


def test_unknown_sections_are_404(client):
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_the_news_sitemap_lists_live_articles_of_the_last_48_hours(client, articles, settings):
    settings.SITE_NAME = "Daily <Wire> & Co"
    now = timezone.now()
    fresh = make_article(title="Fresh & <bold> news", publish_at=now - dt.timedelta(hours=47))
    old = make_article(title="Old news", publish_at=now - dt.timedelta(hours=49))
    response = client.get("/sitemap-news.xml")
    assert 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' in response.text
    assert "Fresh &amp; &lt;bold&gt; news" in response.text
    entries = url_entries(client, "/sitemap-news.xml")
    assert set(entries) == {f"{SITE}{articles['live'].path}", f"{SITE}{fresh.path}"}
    assert f"{SITE}{old.path}" in url_entries(client, "/sitemap-articles.xml")

    news = entries[f"{SITE}{fresh.path}"].find(f"{NEWS}news")
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Daily <Wire> & Co"
    assert news.findtext(f"{NEWS}publication/{NEWS}language") == "en"
    assert news.findtext(f"{NEWS}title") == "Fresh & <bold> news"
    published = dt.datetime.fromisoformat(news.findtext(f"{NEWS}publication_date"))
    assert published == fresh.publish_at.replace(microsecond=0)


def test_news_titles_drop_characters_xml_cannot_hold(client):
    make_article(title="Bad\x0bbyte")
    entries = url_entries(client, "/sitemap-news.xml")
    (entry,) = entries.values()
    assert entry.findtext(f"{NEWS}news/{NEWS}title") == "Badbyte"


@pytest.mark.parametrize(
    ("code", "expected"), [("en-us", "en"), ("fr", "fr"), ("zh-TW", "zh-tw"), ("pt-br", "pt")]
)
def test_news_language_is_an_iso_639_code(code, expected):
    assert news_language(code) == expected


@pytest.mark.parametrize("count", [5, 40])
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # Per section a count and the newest edit and go-live, each a short index walk.
        ("/sitemap.xml", 8),
        ("/sitemap-articles.xml", 2),
        ("/sitemap-tags.xml", 1),
        ("/sitemap-sources.xml", 1),
        ("/sitemap-news.xml", 2),
    ],
)
def test_sitemap_query_count_does_not_grow_with_articles(
    client, django_assert_num_queries, count, url, queries
):
    for number in range(count):
        make_article(
            title=f"Story {number}",
            source=make_source(f"Wire {number % 4}"),
            tags=["energy", f"t{number}"],
        )
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_sitemaps_are_kept_out_of_search_results(client, articles):
    for url in ["/sitemap.xml", "/sitemap-articles.xml", "/sitemap-news.xml"]:
        assert client.get(url)["X-Robots-Tag"] == "noindex, noodp, noarchive"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's index for a table count")
def test_sqlite_does_not_count_the_table_from_the_edited_index():
    """SQLite counts a whole table (the live count of /articles/) from the index it
    estimates narrowest; a plain updated_at index would be that, and is wider on disk
    (1 ms instead of 0.01 at 100,000 articles). Led by status, it is not."""
    with connection.cursor() as cursor:
        cursor.execute('EXPLAIN QUERY PLAN SELECT COUNT(*) FROM "articles_article"')
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "article_edited_idx" not in plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_sqlite_finds_the_newest_edit_by_walking_the_edited_index():
    with CaptureQueriesContext(connection) as queries:
        _newest_change(Article.objects.live())
    edit_walk = queries.captured_queries[0]["sql"]
    assert "updated_at" in edit_walk
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {edit_walk}")
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "article_edited_idx" in plan
    assert "TEMP B-TREE" not in plan


def test_a_tag_or_source_page_changes_when_an_article_on_its_first_page_does(client, settings):
    settings.NEWSROOM_PAGE_SIZE = 2
    now = timezone.now()
    source = make_source("Paged Wire")
    oldest, older, newest = (
        make_article(
            title=f"Story {hours}",
            source=source,
            tags=["paged"],
            publish_at=now - dt.timedelta(hours=hours),
        )
        for hours in (30, 20, 10)
    )
    Article.objects.filter(pk=oldest.pk).update(updated_at=now - dt.timedelta(minutes=5))
    Article.objects.filter(pk=older.pk).update(updated_at=now - dt.timedelta(minutes=9))
    Article.objects.filter(pk=newest.pk).update(updated_at=now - dt.timedelta(hours=10))

    # The first page holds the two newest; the oldest's edit is on page two.
    expected = now - dt.timedelta(minutes=9)
    for url, location in (
        ("/sitemap-tags.xml", f"{SITE}/tags/paged/"),
        ("/sitemap-sources.xml", f"{SITE}/sources/paged-wire/"),
    ):
        entry = url_entries(client, url)[location]
        assert dt.datetime.fromisoformat(entry.findtext(f"{SM}lastmod")) == expected
