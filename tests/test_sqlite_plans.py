"""SQLite never builds a list of candidates again for each row it reads.

SQLite picks its plan from its statistics: a query it reads by index on a large site
may be read by scanning on a small one. A list subquery that refers to an outer row
(``CORRELATED LIST SUBQUERY``) is built again wherever it is tested, so inside a scan
it is built once per row: the article page's related articles cost 32 ms at 300
articles that way. These tests look at the plan of the article page's query
(``EXPLAIN QUERY PLAN``) on a small site, with and without statistics.
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


@pytest.mark.parametrize("analyzed", [False, True], ids=["no statistics", "analyzed"])
def test_the_article_query_builds_each_list_once(small_site, analyzed):
    if analyzed:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    plan = plan_of_article_query(small_site.number)

    assert [line for line in plan if REBUILT_LIST.search(line)] == []
