"""The article page's query does bounded work on SQLite, whatever the site holds.

SQLite picks its plan from its statistics: a query it reads by index on a large site
may be read by scanning on a small one. A list subquery that refers to an outer row
(``CORRELATED LIST SUBQUERY``) is built again wherever it is tested, so inside a scan
it is built once per row: the article page's related articles cost 35 ms at 300
articles that way. The first tests look at the plan of the query (``EXPLAIN QUERY
PLAN``) on a small site, with and without statistics; the last counts the work SQLite
does (its virtual machine's steps, through a progress handler) with a large site's
statistics, which must not grow with articles an untagged article shares nothing with.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection

from articles.lookup import live_article
from tests.factories import make_article, make_source

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query planner"),
]

REBUILT_LIST = re.compile(r"\bCORRELATED LIST SUBQUERY\b")


def plan_of_article_query(number: int) -> list[str]:
    """The lines of ``EXPLAIN QUERY PLAN`` for the query that reads article ``number``."""
    queries = []

    def record(execute, sql, params, many, context):
        queries.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert live_article(number) is not None
    [(sql, params)] = queries
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [row[-1] for row in cursor.fetchall()]


@pytest.fixture
def small_site():
    """Forty articles of two sources, sharing tags: a site just started."""
    sources = [make_source("Wire One"), make_source("Wire Two")]
    articles = [
        make_article(
            title=f"Story {index}",
            source=sources[index % 2],
            tags=["markets", f"topic-{index % 5}"],
        )
        for index in range(40)
    ]
    return articles[-1]


def forget_statistics() -> None:
    """Drop the planner's statistics: the rows are rolled back with the test, but the
    connection keeps what it read until it reads them again."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_stat1")
        cursor.execute("ANALYZE sqlite_schema")


@pytest.fixture
def own_statistics():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    yield
    forget_statistics()


# sqlite_stat1 of a site of 100,000 generated articles (bench/generate_wire.py), for
# the tables the article page reads: SQLite then plans as it does for such a site.
LARGE_SITE_STATISTICS = [
    ("articles_article", "article_live_idx", "100000 100000 1 1 1"),
    ("articles_article", "article_source_live_idx", "100000 2500 2500 1 1 1"),
    ("articles_article", "articles_article_source_id_9a8869ea", "100000 2500"),
    ("articles_article", "sqlite_autoindex_articles_article_1", "100000 1"),
    ("articles_article", "sqlite_autoindex_articles_article_2", "100000 1"),
    ("articles_source", "sqlite_autoindex_articles_source_1", "40 1"),
    ("articles_source", "sqlite_autoindex_articles_source_2", "40 1"),
    ("taggit_tag", "sqlite_autoindex_taggit_tag_1", "20 1"),
    ("taggit_tag", "sqlite_autoindex_taggit_tag_2", "20 1"),
    ("taggit_taggeditem", "sqlite_autoindex_taggit_taggeditem_1", "124824 124824 3 1"),
    ("taggit_taggeditem", "taggeditem_tag_type_idx", "124824 6242 6242"),
    ("taggit_taggeditem", "taggit_tagg_content_8fc721_idx", "124824 124824 3"),
    ("taggit_taggeditem", "taggit_taggeditem_object_id_e2d7d1df", "124824 3"),
    ("taggit_taggeditem", "taggit_taggeditem_tag_id_f4f5b767", "124824 6242"),
]


@pytest.fixture
def large_site_statistics():
    """A large site's statistics (SQLite plans by hand-written ones as by its own)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # makes sqlite_stat1
        cursor.execute("DELETE FROM sqlite_stat1")
        cursor.executemany("INSERT INTO sqlite_stat1 VALUES (%s, %s, %s)", LARGE_SITE_STATISTICS)
        cursor.execute("ANALYZE sqlite_schema")  # reads them
    yield
    forget_statistics()


def test_the_article_query_builds_each_list_once(small_site):
    plan = plan_of_article_query(small_site.number)

    assert any("LIST SUBQUERY" in line for line in plan)  # the lists are in the plan
    assert [line for line in plan if REBUILT_LIST.search(line)] == []


def test_the_article_query_builds_each_list_once_with_statistics(small_site, own_statistics):
    plan = plan_of_article_query(small_site.number)

    assert any("LIST SUBQUERY" in line for line in plan)
    assert [line for line in plan if REBUILT_LIST.search(line)] == []


def steps_of(function) -> int:
    """How many hundreds of steps SQLite's virtual machine takes to run ``function``."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0  # go on

    connection.ensure_connection()
    connection.connection.set_progress_handler(count, 100)
    try:
        function()
    finally:
        connection.connection.set_progress_handler(None, 100)
    return steps


def test_an_untagged_articles_page_does_not_read_the_other_articles_tags(
    large_site_statistics,
):
    # The walk for articles sharing a tag reads taggit's rows down from the highest
    # article id: the tagged articles sit below the untagged one, on its way. Live
    # articles of another source are there to be tested against the related lists,
    # which SQLite builds only when it has a row to test.
    untagged = make_article(title="Untagged", source=make_source("Quiet Wire"), id=10**6)
    for index in range(5):
        make_article(title=f"Other {index}", source=make_source("Other Wire"), id=500 + index)
    busy = make_source("Busy Wire")
    tagged_ids = iter(range(1000, 10**6))

    def tag_more(count: int) -> None:
        for index in range(count):
            make_article(
                title=f"Tagged {index}",
                state="draft",
                source=busy,
                tags=["markets", "energy"],
                id=next(tagged_ids),
            )

    tag_more(20)
    live_article(untagged.number)  # compiles the query
    before = steps_of(lambda: live_article(untagged.number))
    tag_more(100)
    after = steps_of(lambda: live_article(untagged.number))

    assert after <= before + 2  # 200 more tagging rows: no more work
