"""The date archive: years and months in the newsroom's time zone, live articles only."""

from __future__ import annotations

import datetime as dt
import itertools
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.browse_views import period_counts
from articles.cards import PUBLISHED_BETWEEN
from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def at(year, month, day, hour=12) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


def month_counts(response) -> dict[str, int]:
    return {
        entry["month"].strftime("%Y-%m"): entry["count"] for entry in response.context["months"]
    }


@pytest.fixture
def new_york(settings):
    settings.TIME_ZONE = "America/New_York"


def test_year_counts_live_articles_per_month(client):
    make_article(title="Jan a", publish_at=at(2024, 1, 5))
    make_article(title="Jan b", publish_at=at(2024, 1, 20))
    make_article(title="Mar", publish_at=at(2024, 3, 1))
    make_article(title="Expired in Jan", publish_at=at(2024, 1, 6), expires_at=at(2024, 2, 1))
    make_article(title="Draft in Jan", publish_at=at(2024, 1, 7), status="draft")
    response = client.get("/archive/2024/")
    assert response.status_code == 200
    assert month_counts(response) == {"2024-01": 2, "2024-03": 1}
    assert response.context["total"] == 3
    assert b'href="/archive/2024/01/"' in response.content
    assert b"(2 articles)" in response.content


def test_months_are_computed_in_the_newsroom_time_zone(client, new_york):
    # 1 February 03:00 UTC is still 31 January in New York; 1 January 02:00 UTC is 2023.
    make_article(title="End of January", publish_at=at(2024, 2, 1, 3))
    make_article(title="New Year's Eve", publish_at=at(2024, 1, 1, 2))
    assert month_counts(client.get("/archive/2024/")) == {"2024-01": 1}
    assert month_counts(client.get("/archive/2023/")) == {"2023-12": 1}
    january = client.get("/archive/2024/01/")
    assert [a.title for a in january.context["articles"]] == ["End of January"]
    assert client.get("/archive/2024/02/").status_code == 404


def test_month_lists_live_articles_newest_first(client):
    make_article(title="Early", publish_at=at(2024, 5, 1))
    make_article(title="Late", publish_at=at(2024, 5, 30))
    make_article(title="Next month", publish_at=at(2024, 6, 1))
    make_article(title="Expired", publish_at=at(2024, 5, 2), expires_at=at(2024, 5, 3))
    response = client.get(reverse("articles:archive_month", kwargs={"year": 2024, "month": "05"}))
    assert [a.title for a in response.context["articles"]] == ["Late", "Early"]
    assert b"Expired" not in response.content


@pytest.mark.parametrize(
    "url", ["/archive/2024/13/", "/archive/2024/00/", "/archive/0000/", "/archive/2019/"]
)
def test_invalid_or_empty_periods_are_404(client, url):
    make_article(publish_at=at(2024, 5, 1))
    assert client.get(url).status_code == 404


def test_pages_past_the_end_are_404(client):
    make_article(publish_at=at(2024, 5, 1))
    assert client.get("/archive/2024/05/", {"page": 2}).status_code == 404


def test_archive_index_lists_years_with_live_articles(client):
    make_article(publish_at=at(2023, 5, 1))
    make_article(publish_at=at(2024, 5, 1))
    make_article(publish_at=at(2022, 5, 1), status="draft")
    response = client.get("/archive/")
    assert [entry["year"] for entry in response.context["years"]] == [2024, 2023]
    assert b'href="/archive/2024/"' in response.content
    assert b'href="/archive/2022/"' not in response.content


def _queries(client, url: str, count: int) -> int:
    Article.objects.all().delete()
    for number in range(count):
        make_article(title=f"A{number}", publish_at=at(2024, 1 + number % 12, 10), tags=["x"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, {"page": 1}).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("url", "limit"), [("/archive/", 3), ("/archive/2024/", 1), ("/archive/2024/01/", 1)]
)
def test_query_count_does_not_grow_with_the_articles(client, url, limit):
    few, many = _queries(client, url, 5), _queries(client, url, 40)
    assert few == many <= limit


def test_period_counts_match_live_at_every_edge():
    """Each period's count is all its articles minus those not live: it must equal
    counting live() in the period, whatever the state, at the periods' very edges,
    in past, current and future periods."""
    now = dt.datetime(2024, 6, 15, 12, tzinfo=dt.UTC)
    bounds = [dt.datetime(2024, month, 1, tzinfo=dt.UTC) for month in range(4, 10)]
    tick = dt.timedelta(microseconds=1)
    moments = [bound + shift for bound in bounds for shift in (-tick, dt.timedelta(0), tick)] + [
        now - tick,
        now,
        now + tick,
    ]
    for publish_at in moments:
        make_article(publish_at=publish_at)  # live, or scheduled after now
        make_article(publish_at=publish_at, status="draft")
        expires_at = max(publish_at, now - dt.timedelta(days=1)) + tick
        make_article(publish_at=publish_at, expires_at=expires_at)  # expired unless later
        if publish_at < now:
            make_article(publish_at=publish_at, expires_at=now)  # expires at now exactly
    with mock.patch("django.utils.timezone.now", return_value=now):
        counts = period_counts(bounds)
        # A month page's count, alone and read with its first page.
        listings = [
            PUBLISHED_BETWEEN.cards(start=start, end=end)
            for start, end in itertools.pairwise(bounds)
        ]
        listing_counts = [listing.count() for listing in listings]
        counted_with_page = [(listing.counted_slice(0, 20) or ([], 0))[1] for listing in listings]
    live = Article.objects.live(now)
    expected = [
        live.filter(publish_at__gte=start, publish_at__lt=end).count()
        for start, end in itertools.pairwise(bounds)
    ]
    assert counts == expected
    assert listing_counts == expected
    assert counted_with_page == expected
    assert sum(expected) > 0 and max(expected) != min(expected)


LOCAL_MONTHS = [(2024, month) for month in range(2, 6)]
LOCAL_YEARS = [(year, 1) for year in range(2023, 2026)]


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/New_York", "UTC"])
@pytest.mark.parametrize("periods", [LOCAL_MONTHS, LOCAL_YEARS], ids=["months", "years"])
def test_period_counts_add_the_edges_of_days_a_period_only_partly_covers(zone, periods):
    """Whole UTC months are counted from the month tallies, the other whole UTC days
    from the day tallies, the hours of the days a period shares with the next from the
    articles: a period of local months or years counts exactly, in a zone half an hour
    off UTC and across a daylight-saving change."""
    local = ZoneInfo(zone)
    bounds = [dt.datetime(year, month, 1, tzinfo=local) for year, month in periods]
    tick = dt.timedelta(microseconds=1)
    moments = []
    for bound in bounds:
        utc_midnight = bound.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        utc_month = utc_midnight.replace(day=1)
        next_utc_month = (utc_month + dt.timedelta(days=32)).replace(day=1)
        edges = (bound, utc_midnight, utc_midnight + dt.timedelta(days=1), utc_month)
        for edge in (*edges, next_utc_month):
            moments += [edge - tick, edge, edge + tick]
    moments += [bound + dt.timedelta(days=45) for bound in bounds[:-1]]  # inside a period
    now = bounds[1].astimezone(dt.UTC) + dt.timedelta(hours=12)  # past and future periods
    for publish_at in moments:
        make_article(publish_at=publish_at)  # live, or scheduled after now
        make_article(publish_at=publish_at, status="draft")
        make_article(publish_at=publish_at, expires_at=publish_at + tick)  # expired, or not yet
    with mock.patch("django.utils.timezone.now", return_value=now):
        counts = period_counts(bounds)
    live = Article.objects.live(now)
    expected = [
        live.filter(publish_at__gte=start, publish_at__lt=end).count()
        for start, end in itertools.pairwise(bounds)
    ]
    assert counts == expected
    in_periods = [moment for moment in moments if bounds[0] <= moment < bounds[-1]]
    assert 0 < sum(expected) < 2 * len(in_periods)  # some are live, some are not
