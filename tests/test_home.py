"""The home page: the latest live articles, newest first, paginated, in constant queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_article, make_source
from tests.test_article_page import parse

pytestmark = pytest.mark.django_db


def cards(response):
    return parse(response.content).find("main").find_all("article", class_="card")


def card_titles(response) -> list[str]:
    return [card.find("h2").text() for card in cards(response)]


def test_home_lists_live_articles_newest_first_with_date_source_and_summary(client):
    now = timezone.now()
    source = make_source("Coastal Press Service")
    older = make_article(title="Older", publish_at=now - dt.timedelta(days=2), source=source)
    newer = make_article(title="Newer", publish_at=now - dt.timedelta(hours=1), source=source)
    response = client.get("/")
    assert response.status_code == 200
    assert card_titles(response) == ["Newer", "Older"]
    first = cards(response)[0]
    assert first.find("h2").find("a").attrs["href"] == newer.path
    assert dt.datetime.fromisoformat(first.find("time").attrs["datetime"]) == newer.publish_at
    (credit,) = [node for node in first.iter() if "source" in node.attrs.get("class", "").split()]
    assert credit.text() == "Coastal Press Service"
    assert first.find("p", class_="summary").text() == "Summary of Newer"
    assert cards(response)[1].find("h2").find("a").attrs["href"] == older.path


def test_home_never_shows_drafts_scheduled_or_expired_articles(client):
    make_article(title="Live one")
    for state in ("draft", "scheduled", "expired"):
        make_article(title=f"Hidden {state}", state=state)
    response = client.get("/")
    assert card_titles(response) == ["Live one"]
    assert b"Hidden" not in response.content


def test_home_with_nothing_published_says_so(client):
    make_article(state="draft")
    response = client.get("/")
    assert response.status_code == 200
    assert not cards(response)
    assert "No articles have been published yet." in parse(response.content).find("main").text()


def test_home_is_paginated(client, settings):
    settings.NEWSROOM_PAGE_SIZE = 2
    now = timezone.now()
    for n in range(5):
        make_article(title=f"Story {n}", publish_at=now - dt.timedelta(hours=n + 1))
    first = client.get("/")
    assert card_titles(first) == ["Story 0", "Story 1"]
    assert parse(first.content).find("a", rel="next").attrs["href"].endswith("?page=2")
    assert card_titles(client.get("/?page=2")) == ["Story 2", "Story 3"]
    last = client.get("/?page=3")
    assert card_titles(last) == ["Story 4"]
    assert not parse(last.content).find_all("a", rel="next")
    assert parse(last.content).find("a", rel="prev").attrs["href"].endswith("?page=2")


NOT_PAGES = ["4", "0", "-1", "abc", "1.5", "99999999999999999999", "²", "\u0661"]


@pytest.mark.parametrize("page", NOT_PAGES)
def test_page_past_the_end_or_not_a_number_is_404(client, settings, page):
    settings.NEWSROOM_PAGE_SIZE = 2
    for n in range(5):
        make_article(title=f"Story {n}")
    assert client.get("/", {"page": page}).status_code == 404


def test_canonical_link_of_later_pages_names_the_page(client, settings):
    settings.NEWSROOM_PAGE_SIZE = 1
    settings.SITE_URL = "https://news.example.com"
    make_article(title="A")
    make_article(title="B")
    head = parse(client.get("/?page=2").content).find("head")
    assert head.find("link", rel="canonical").attrs["href"] == "https://news.example.com/?page=2"


def home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_home_query_count_is_the_same_for_5_and_50_articles_with_tags(
    client, settings, django_assert_max_num_queries
):
    settings.NEWSROOM_PAGE_SIZE = 50
    sources = [make_source(f"Source {n}") for n in range(5)]
    for n in range(5):
        make_article(title=f"Story {n}", source=sources[n % 5], tags=[f"t{n}", "shared"])
    few = home_queries(client)
    for n in range(5, 50):
        make_article(title=f"Story {n}", source=sources[n % 5], tags=[f"t{n}", "shared", "x"])
    with django_assert_max_num_queries(few):
        response = client.get("/")
    assert len(cards(response)) == 50
    assert home_queries(client) == few
    assert few == 1  # the page, with its tags


def test_home_never_counts_every_live_article(client, settings):
    """The busiest page reads one row more than it shows instead of a COUNT over all."""
    settings.NEWSROOM_PAGE_SIZE = 2
    for number in range(5):
        make_article(title=f"Story {number}")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/?page=2")
    assert not any("COUNT(" in query["sql"].upper() for query in queries)
    html = response.content.decode()
    assert 'rel="prev" href="http://testserver/"' in html
    assert 'rel="next" href="http://testserver/?page=3"' in html
    assert client.get("/?page=3").status_code == 200
    assert client.get("/?page=4").status_code == 404
