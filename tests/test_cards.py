"""Listing cards: prepared listings show exactly the live articles, and cards escape text."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.template import Context, Template
from django.utils import timezone

from articles import cards, formatting
from articles.cards import (
    FROM_SOURCE,
    LATEST,
    PUBLISHED_BETWEEN,
    TAG_PAGE,
    TAGGED,
    latest_first_is_cheaper,
)
from articles.markup import CardWriter
from articles.models import Article
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db

LISTINGS = ["/", "/articles/", "/tags/energy/", "/sources/acme-wire/"]


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def titles(card_list, start=0, stop=100) -> list[str]:
    return [card.title for card in card_list[start:stop]]


@pytest.fixture
def every_state():
    source = make_source("Acme Wire")
    return {
        state: make_article(title=f"The {state} one", state=state, source=source, tags=["energy"])
        for state in ("live", "draft", "scheduled", "expired")
    }


def test_each_listing_counts_and_lists_only_live_articles(every_state):
    live = every_state["live"]
    tag_id = live.tags.get().id
    month = timezone.localtime(live.publish_at).replace(day=1, hour=0, minute=0, second=0)
    for listing, values in [
        (LATEST, {}),
        (TAGGED, {"tag_ids": [tag_id]}),
        (FROM_SOURCE, {"source_id": live.source_id}),
        (PUBLISHED_BETWEEN, {"start": month, "end": month + dt.timedelta(days=40)}),
    ]:
        card_list = listing.cards(**values)
        assert card_list.count() == 1
        assert titles(card_list) == ["The live one"]


def test_a_source_counted_from_its_tally_counts_its_live_articles(every_state):
    source = every_state["live"].source
    make_article(title="Another live one", source=source)
    make_article(title="Elsewhere", source=make_source("Other Wire"))
    now = timezone.now()
    terms = cards._source_count_terms(now, source.pk)
    assert sum(n for (n,) in terms.values_list("n")) == 2
    assert sum(n for (n,) in terms.values_list("n")) == cards.from_source(now, source.pk).count()


@pytest.mark.parametrize("listing", ["LATEST", "FROM_SOURCE", "PUBLISHED_BETWEEN"])
def test_a_page_read_with_its_count_is_the_page_and_count_read_apart(every_state, listing):
    source = every_state["live"].source
    now = timezone.now()
    for hours in range(4):
        make_article(title=f"{hours}h", source=source, publish_at=now - dt.timedelta(hours=hours))
    values = {
        "LATEST": {},
        "FROM_SOURCE": {"source_id": source.pk},
        "PUBLISHED_BETWEEN": {"start": now - dt.timedelta(days=3), "end": now + dt.timedelta(1)},
    }[listing]
    card_list = getattr(cards, listing).cards(**values)
    assert card_list.count() == 5  # four and the live one of every_state; none not live
    for start, stop in [(0, 2), (2, 4), (4, 6)]:
        page, count = card_list.counted_slice(start, stop)
        assert [card.title for card in page] == titles(card_list, start, stop)
        assert count == 5
    assert card_list.counted_slice(5, 7) is None  # past the end: only a count tells


@pytest.mark.parametrize("url", LISTINGS)
def test_a_scheduled_article_appears_when_its_time_comes(client, every_state, url):
    scheduled = every_state["scheduled"]
    assert b"The scheduled one" not in client.get(url).content
    with at(scheduled.publish_at + dt.timedelta(seconds=1)):
        assert b"The scheduled one" in client.get(url).content
    assert b"The scheduled one" not in client.get(url).content


def test_a_tag_page_reads_the_tag_its_page_and_its_count_at_once(
    every_state, django_assert_num_queries
):
    make_article(title="Another", tags=["energy", "mining"])
    make_article(title="Mining only", tags=["mining"])
    tag_id = every_state["live"].tags.get().id
    card_list = TAG_PAGE.cards(slug="energy")
    with django_assert_num_queries(1):
        page, count = card_list.counted_slice(0, 20)
    assert [card.title for card in page] == ["Another", "The live one"]
    assert card_list.subject == [tag_id, "energy", "energy"]
    assert count == card_list.count() == TAGGED.cards(tag_ids=[tag_id]).count() == 2
    assert TAG_PAGE.cards(slug="no-such-tag").counted_slice(0, 20) is None
    assert TAG_PAGE.cards(slug="no-such-tag").count() == 0


def test_a_tag_lists_and_counts_its_live_articles_newest_first():
    now = timezone.now()
    for hours in range(5):
        make_article(
            title=f"{hours} hours ago", publish_at=now - dt.timedelta(hours=hours + 1), tags=["t"]
        )
    for state in ("draft", "scheduled", "expired"):
        make_article(title=f"The {state} one", state=state, tags=["t"])
    make_article(title="Untagged", publish_at=now - dt.timedelta(minutes=5))
    make_article(title="Tagged otherwise", publish_at=now - dt.timedelta(minutes=5), tags=["u"])
    tag_id = Article.tags.through.objects.filter(tag__slug="t").values("tag_id")[:1].get()["tag_id"]
    card_list = TAGGED.cards(tag_ids=[tag_id])
    assert card_list.count() == 5
    assert titles(card_list, 0, 3) == ["0 hours ago", "1 hours ago", "2 hours ago"]
    assert titles(card_list, 3, 20) == ["3 hours ago", "4 hours ago"]
    assert [tag.slug for tag in card_list[0:1][0].tags] == ["t"]
    Article.objects.filter(title="2 hours ago").update(status=Article.Status.DRAFT)
    assert titles(TAGGED.cards(tag_ids=[tag_id]), 0, 3) == [
        "0 hours ago",
        "1 hours ago",
        "3 hours ago",
    ]


@pytest.mark.parametrize("firsts", [True, False], ids=["first of each tag", "all of them"])
def test_several_tags_list_and_count_each_live_article_with_any_of_them_once(monkeypatch, firsts):
    monkeypatch.setattr(cards, "firsts_are_cheaper", lambda *sizes: firsts)
    now = timezone.now()
    tag_sets = [["a"], ["a", "b"], ["b"], ["b", "c"], ["c"]]
    for hours, tags in enumerate(tag_sets):
        make_article(
            title="+".join(tags), publish_at=now - dt.timedelta(hours=hours + 1), tags=tags
        )
    for state in ("draft", "scheduled", "expired"):
        make_article(title=f"The {state} one", state=state, tags=["a", "b"])
    tag_ids = dict(Article.tags.through.objects.values_list("tag__slug", "tag_id").distinct())
    card_list = TAGGED.cards(tag_ids=[tag_ids["b"], tag_ids["a"]])
    assert card_list.count() == 4
    assert titles(card_list, 0, 2) == ["a", "a+b"]
    assert titles(card_list, 2, 20) == ["b", "b+c"]
    assert [tag.slug for tag in card_list[1:2][0].tags] == ["a", "b"]


@pytest.mark.parametrize("firsts", [True, False], ids=["first of each tag", "all of them"])
@pytest.mark.parametrize("oldest_first", [False, True], ids=["newest first", "oldest first"])
def test_every_page_of_several_tags_is_the_matching_slice_of_all_their_live_articles(
    monkeypatch, firsts, oldest_first
):
    """One tag has all the newest articles and the other all the oldest, some have
    both, and some are not live: each page, read on its own, is that page of the
    articles with either tag, in order, each once."""
    monkeypatch.setattr(cards, "firsts_are_cheaper", lambda *sizes: firsts)
    now = timezone.now()
    for hours in range(14):
        tags = ["new"] if hours < 6 else ["old"] if hours > 8 else ["new", "old"]
        make_article(title=f"{hours}", publish_at=now - dt.timedelta(hours=hours + 1), tags=tags)
    for state in ("draft", "scheduled", "expired"):
        make_article(title=state, state=state, tags=["new", "old"])
    make_article(title="untagged")
    tag_ids = list(Article.tags.through.objects.values_list("tag_id", flat=True).distinct())
    expected = [str(hours) for hours in range(14)]
    if oldest_first:
        expected.reverse()
    card_list = TAGGED.cards(tag_ids=tag_ids, oldest_first=oldest_first)
    pages = [titles(card_list, start, start + 4) for start in range(0, 16, 4)]
    assert pages == [expected[0:4], expected[4:8], expected[8:12], expected[12:14]]


@pytest.mark.parametrize(
    ("stop", "tags", "tagged", "vendor", "firsts"),
    [
        (21, 2, 12_700, "postgresql", True),  # two popular tags' first page: 42 rows
        (501, 2, 12_700, "postgresql", True),  # their 25th page
        (1_001, 2, 12_700, "postgresql", False),  # their 50th: all their copies, sorted
        (21, 2, 300, "postgresql", False),  # two rare tags: all 300 rows, sorted
        (21, 2, 12_700, "sqlite", False),  # SQLite reads the sorted copies as far as the page
    ],
)
def test_several_tags_are_read_from_their_firsts_unless_a_page_is_deep(
    stop, tags, tagged, vendor, firsts
):
    assert cards.firsts_are_cheaper(stop, tags, tagged, vendor) is firsts


def test_a_tag_with_no_live_article_counts_zero_and_reads_no_rows(django_assert_num_queries):
    make_article(state="draft", tags=["t"])
    tag_id = Article.tags.through.objects.get().tag_id
    card_list = TAGGED.cards(tag_ids=[tag_id])
    with django_assert_num_queries(1):  # the counts, then nothing to read
        assert card_list.count() == 0
        assert card_list[0:20] == []


@pytest.mark.parametrize(
    ("stop", "tagged", "articles", "latest_first"),
    [
        (20, 6_500, 100_000, True),  # a popular tag's first page: ~300 articles walked
        (2_000, 6_500, 100_000, False),  # its 100th page: ~31,000 walked
        (20, 50, 100_000, False),  # a rare tag: ~40,000 walked for 50 rows
        (20, 300, 1_000, True),  # a tag on a third of a small site
    ],
)
def test_a_tag_page_is_read_from_the_cheaper_end(stop, tagged, articles, latest_first):
    assert latest_first_is_cheaper(stop, tagged, articles) is latest_first


def test_slices_are_newest_first_and_any_slice_can_be_read_once_the_prepared_are_full(
    monkeypatch,
):
    monkeypatch.setattr(cards, "MAX_PREPARED_SLICES", 2)
    now = timezone.now()
    for hours in range(6):
        make_article(title=f"{hours} hours ago", publish_at=now - dt.timedelta(hours=hours + 1))
    latest = cards.Listing(cards.latest)
    card_list = latest.cards()
    assert titles(card_list, 0, 2) == ["0 hours ago", "1 hours ago"]
    assert titles(card_list, 2, 5) == ["2 hours ago", "3 hours ago", "4 hours ago"]
    assert titles(card_list, 5, 8) == ["5 hours ago"]
    assert titles(card_list, 3, 3) == []
    assert titles(card_list, 0, 1) == ["0 hours ago"]
    assert list(latest._slices[False]) == [(0, 2, False), (2, 5, False)]  # the first two
    assert titles(latest.cards(oldest_first=True), 0, 2) == ["5 hours ago", "4 hours ago"]


def test_a_page_past_the_end_takes_no_place_among_the_prepared_slices():
    """Crawlers ask for page numbers far past the end: their slices are not kept, so
    they never crowd out the pages readers ask for. The first page's is kept even
    when it is empty, as every listing with nothing in it reads it."""
    latest = cards.Listing(cards.latest)
    assert titles(latest.cards(), 0, 2) == []
    assert list(latest._slices[False]) == [(0, 2, False)]
    make_article(title="Only one")
    card_list = latest.cards()
    assert titles(card_list, 0, 2) == ["Only one"]
    assert titles(card_list, 1960, 1980) == []
    assert list(latest._slices[False]) == [(0, 2, False)]


def test_a_card_escapes_what_it_shows(settings):
    settings.TIME_ZONE = "America/New_York"
    article = make_article(
        title="Fish & <Chips>",
        summary='"Quoted" <b>summary</b>',
        source=make_source("A & B <Wire>"),
        tags=["r&d"],
        publish_at=dt.datetime(2024, 1, 5, 3, 7, tzinfo=dt.UTC),
    )
    [card] = LATEST.cards()[0:1]
    html = CardWriter().card(card)
    assert "Fish &amp; &lt;Chips&gt;" in html
    assert "&quot;Quoted&quot; &lt;b&gt;summary&lt;/b&gt;" in html
    assert "A &amp; B &lt;Wire&gt;" in html
    assert ">r&amp;d</a>" in html
    assert f'href="{article.path}"' in html
    assert '<time datetime="2024-01-04T22:07:00-05:00">4 January 2024, 22:07</time>' in html


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2024, 1, 5, 3, 7, tzinfo=dt.UTC),  # the day before, in New York
        dt.datetime(2024, 7, 1, 16, 30, 15, 123456, tzinfo=dt.UTC),  # summer time, microseconds
    ],
)
def test_time_formats_show_what_the_date_filter_shows(settings, moment):
    settings.TIME_ZONE = "America/New_York"
    django_template = Template(
        '{{ t|date:"c" }}|{{ t|date:"j F Y, H:i T" }}|{{ t|date:"j F Y" }}|{{ t|date:"F" }}'
    )
    shown_by_django = django_template.render(Context({"t": moment})).split("|")
    ours = [
        formatting.iso_time(moment),
        formatting.long_time(moment),
        formatting.long_date(moment),
        formatting.month_name(moment),
    ]
    assert ours == shown_by_django
