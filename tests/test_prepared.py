"""Prepared queries: compiled once per shape, and always answering as the ORM would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from articles.models import Article, Source
from articles.prepared import PreparedQuery
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db

FIELDS = ("number", "title", "publish_at")


def live_numbers(now: dt.datetime, numbers: list[int]):
    return (
        Article.objects.live(now).filter(number__in=numbers).order_by("number").values_list(*FIELDS)
    )


def test_rows_are_what_the_orm_returns_for_the_same_values():
    articles = [make_article(title=f"Story {n}") for n in range(4)]
    make_article(title="Draft", state="draft")
    prepared = PreparedQuery(live_numbers)
    now = timezone.now()
    for chosen in (articles[:1], articles[1:3], articles):
        numbers = [article.number for article in chosen]
        assert prepared.rows(now=now, numbers=numbers) == list(live_numbers(now, numbers))


def test_datetimes_come_back_aware_and_equal_to_what_was_stored():
    article = make_article(publish_at=dt.datetime(2024, 5, 1, 9, 30, 15, 123456, tzinfo=dt.UTC))
    prepared = PreparedQuery(live_numbers)
    [(_number, _title, publish_at)] = prepared.rows(now=timezone.now(), numbers=[article.number])
    assert publish_at == article.publish_at
    assert timezone.is_aware(publish_at)


def test_each_shape_is_built_once_and_then_runs_with_new_values():
    builds = []

    def counted(now, numbers):
        builds.append(len(numbers))
        return live_numbers(now, numbers)

    first, second, third = (make_article(title=f"Story {n}") for n in range(3))
    prepared = PreparedQuery(counted)
    now = timezone.now()
    assert [row[0] for row in prepared.rows(now=now, numbers=[first.number])] == [first.number]
    assert [row[0] for row in prepared.rows(now=now, numbers=[second.number])] == [second.number]
    pair = prepared.rows(now=now, numbers=[second.number, third.number])
    assert [row[0] for row in pair] == [second.number, third.number]
    assert builds == [1, 1, 2, 2]  # each shape compiled with both sets of stand-ins, once


def test_the_time_is_a_parameter_so_a_scheduled_article_appears_when_its_time_comes():
    scheduled = make_article(state="scheduled")
    prepared = PreparedQuery(live_numbers)
    now = timezone.now()
    assert prepared.rows(now=now, numbers=[scheduled.number]) == []
    later = scheduled.publish_at + dt.timedelta(seconds=1)
    assert [row[0] for row in prepared.rows(now=later, numbers=[scheduled.number])] == [
        scheduled.number
    ]


def test_a_value_the_query_does_not_use_as_a_parameter_is_refused():
    def ignores_numbers(now, numbers):
        return Article.objects.live(now).values_list("number")

    with pytest.raises(ValueError, match="numbers"):
        PreparedQuery(ignores_numbers).rows(now=timezone.now(), numbers=[1])


def test_only_ints_datetimes_strings_and_lists_of_them_are_accepted():
    with pytest.raises(TypeError, match=r"not 1\.5"):
        PreparedQuery(live_numbers).rows(now=timezone.now(), numbers=1.5)


def test_strings_are_parameters_like_the_rest():
    make_source("Acme Wire")
    make_source("Other Wire")
    by_slug = PreparedQuery(lambda slug: Source.objects.filter(slug=slug).values_list("name"))
    assert by_slug.rows(slug="acme-wire") == [("Acme Wire",)]
    assert by_slug.rows(slug="other-wire") == [("Other Wire",)]
    assert by_slug.rows(slug="nobody") == []


def test_a_lookup_that_rewrites_its_string_is_refused():
    contains = PreparedQuery(
        lambda word: Source.objects.filter(name__contains=word).values_list("name")
    )
    with pytest.raises(ValueError, match="word"):
        contains.rows(word="Acme")


def test_a_query_whose_sql_depends_on_the_values_is_refused():
    def depends_on_numbers(now, numbers):
        articles = Article.objects.live(now)
        if numbers[0] % 3:  # a Python decision on a value: the SQL would differ per call
            articles = articles.filter(number__gt=numbers[0])
        return articles.filter(number__in=numbers).values_list("number")

    with pytest.raises(ValueError, match="depends on its values"):
        PreparedQuery(depends_on_numbers).rows(now=timezone.now(), numbers=[1])
