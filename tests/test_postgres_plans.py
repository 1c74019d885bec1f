"""PostgreSQL plans a listing's prepared query once, not again on every view.

psycopg prepares a query on the server from its fifth run. PostgreSQL then plans it for
the next five runs' values, and afterwards keeps one plan for all values (a generic
plan) if that plan's estimate is no worse; if not, it plans the query on every run,
which cost a source page more than its count (see ``models.not_live_terms``).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from articles.models import Article
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db

VIEWS = 20
ARTICLES = 3000
BUSY_SITE_ARTICLES = 30_000


def prepared_plans(*fragments: str) -> list[tuple[int, int]]:
    """(generic plans, custom plans) of each prepared query whose text holds every one
    of ``fragments``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return [
            (generic, custom)
            for statement, generic, custom in cursor.fetchall()
            if all(fragment in statement for fragment in fragments)
        ]


@pytest.fixture
def busy_source():
    """A source with as many articles as a busy one has, all tagged "energy", and one
    article of each kind that is not live: with a few dozen, any plan looks cheap."""
    return make_busy_source(ARTICLES)


@pytest.fixture
def busy_site():
    """As ``busy_source``, with as many articles as a site holds after some months: with
    3,000, PostgreSQL kept one plan for the statements it replanned at 100,000."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plans of prepared queries")
    return make_busy_source(BUSY_SITE_ARTICLES)


def bulk_live_articles(source, title: str, first_number: int, times) -> list[Article]:
    """Published articles of ``source``, one at each of ``times``, in one bulk insert
    (which the database's triggers count as any write)."""
    return Article.objects.bulk_create(
        Article(
            title=f"{title} {n}",
            number=first_number + n,
            path=f"/{title.lower()}/{n}",
            source=source,
            status=Article.Status.PUBLISHED,
            publish_at=moment,
        )
        for n, moment in enumerate(times)
    )


def make_busy_source(count: int):
    source = make_source("Planned Wire")
    now = timezone.now()
    times = (now - dt.timedelta(minutes=n) for n in range(count))
    articles = bulk_live_articles(source, "Live", 700_000, times)
    energy = Tag.objects.create(name="energy", slug="energy")
    article_type = ContentType.objects.get_for_model(Article)
    TaggedItem.objects.bulk_create(
        TaggedItem(content_type=article_type, object_id=article.pk, tag=energy)
        for article in articles
    )
    for state in ("draft", "scheduled", "expired"):
        make_article(title=state.title(), state=state, source=source, tags=["energy", "power"])
    make_article(title="Power", source=source, tags=["power"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return source


@pytest.mark.parametrize(
    ("page", "query_holds"),
    [
        # The page's cards, with the source's tally minus what is not live.
        ("/sources/planned-wire/", ("articles_articletally", "LIMIT")),
        # The tag, with its tally minus its copies that are not live.
        ("/tags/energy/", ("taggit_tag", "articles_articletally")),
    ],
)
def test_a_listing_is_planned_once_for_all_its_views(client, busy_source, page, query_holds):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plans of prepared queries")
    for _ in range(VIEWS):
        assert client.get(page).status_code == 200
    [(generic, custom)] = prepared_plans(*query_holds)
    assert generic > 0, f"planned on every run: {custom} custom plans, no generic one"


# The pages readers and crawlers ask for most, filtered or not.
BUSY_PAGES = [
    "/",
    "/articles/",
    "/articles/?source=planned-wire",
    "/articles/?tag=energy",
    "/articles/?source=planned-wire&tag=energy",
    "/articles/?tag=energy,power",
    "/tags/",
    "/sources/",
    "/feed/",
]


def test_the_busy_pages_statements_are_each_planned_once(client, busy_site):
    """No statement of these pages is planned again on every run: not the count of all
    articles, nor the sources with a live article, nor the tallies a filter reads,
    whose estimates once looked cheaper for each run's present moment."""
    for _ in range(VIEWS):
        for page in BUSY_PAGES:
            assert client.get(page).status_code == 200, page
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        prepared = cursor.fetchall()
    # Planned for each run's values, run after run (the setup's few inserts aside).
    replanned = [statement for statement, generic, custom in prepared if not generic and custom > 4]
    assert replanned == []
    # Among them: the count of all articles, the sources with a live article, the tags'
    # tallies, and the first copies of each of several tags.
    for fragments in [
        ("(-COUNT(*))", '"articles_articletally"."articles" AS "n"'),
        ('"articles_source"."homepage"', "UNION ALL"),
        ('"articles_articletally"."subject" AS "subject"', "UNION ALL"),
        ('"articles_taggedarticle"', "UNION ALL", "LIMIT 21"),
    ]:
        assert any(all(part in statement for part in fragments) for statement, *_ in prepared)


@pytest.fixture
def years_of_articles():
    """Articles every few hours over five years, as an archive holds them."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plans of prepared queries")
    start = timezone.now() - dt.timedelta(days=5 * 365)
    times = (start + dt.timedelta(hours=4 * n) for n in range(5 * 365 * 6))
    bulk_live_articles(make_source("Archived Wire"), "Archived", 800_000, times)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def test_the_archive_is_planned_once_in_a_zone_off_utc(client, settings, years_of_articles):
    """Off UTC, each period's edges are ranges of the day tallies and of the articles.
    As one OR, PostgreSQL kept a plan that read every article of the years between
    (16 ms for the index at 100,000 articles); seeing each run's ranges, it planned the
    statement again on every run."""
    settings.TIME_ZONE = "Europe/Berlin"
    year = timezone.localtime().year - 1
    for _ in range(VIEWS):
        for page in ("/archive/", f"/archive/{year}/"):
            assert client.get(page).status_code == 200, page
    plans = prepared_plans('"articles_articletally"', "UNION ALL", '"articles_article"')
    assert len(plans) == 2  # the index's counts and the year's
    assert all(generic > 0 for generic, _custom in plans), plans
