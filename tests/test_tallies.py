"""The article tallies: kept by the database's triggers, exact after every kind of write."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from taggit.models import Tag, TaggedItem

from articles.archive_counts import day_number, month_number
from articles.ingest.runner import import_wire, wire_files
from articles.models import Article, ArticleTally
from tests.concurrently import needs_concurrent_writers, run_concurrently
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db

ALL, TAG, SOURCE = ArticleTally.Scope.ALL, ArticleTally.Scope.TAG, ArticleTally.Scope.SOURCE
DAY, MONTH = ArticleTally.Scope.DAY, ArticleTally.Scope.MONTH


def stored_tallies() -> dict[tuple[int, int], int]:
    """The tallies as the triggers left them; a tally of zero is the same as none."""
    rows = ArticleTally.objects.values_list("scope", "subject", "articles")
    return {(scope, subject): articles for scope, subject, articles in rows if articles}


def counted_tallies() -> dict[tuple[int, int], int]:
    """The same figures, counted from the tables: a tag's, from the rows tagging
    articles that exist."""
    counted = {(ALL, 0): Article.objects.count()}
    article_type = ContentType.objects.get_for_model(Article)
    per_tag = (
        TaggedItem.objects.filter(
            content_type=article_type, object_id__in=Article.objects.values("pk")
        )
        .values_list("tag_id")
        .annotate(articles=Count("id"))
    )
    counted.update({(TAG, tag_id): articles for tag_id, articles in per_tag})
    per_source = Article.objects.values_list("source_id").annotate(articles=Count("id"))
    counted.update({(SOURCE, source_id): articles for source_id, articles in per_source})
    for publish_at in Article.objects.exclude(publish_at=None).values_list("publish_at", flat=True):
        for period in ((DAY, day_number(publish_at)), (MONTH, month_number(publish_at))):
            counted[period] = counted.get(period, 0) + 1
    return {key: articles for key, articles in counted.items() if articles}


def assert_exact() -> None:
    assert stored_tallies() == counted_tallies()


def test_every_write_path_keeps_the_tallies_exact():
    assert stored_tallies() == {}
    first = make_article(title="First", tags=["energy", "markets"])
    second = make_article(title="Second", state="draft", tags=["energy"])
    make_article(title="Third", state="scheduled")
    assert_exact()
    energy = Tag.objects.get(slug="energy")
    assert stored_tallies()[ALL, 0] == 3
    assert stored_tallies()[TAG, energy.pk] == 2

    source = make_source()
    bulk = Article.objects.bulk_create(
        Article(title=f"Bulk {n}", number=900_000 + n, source=source, path=f"/bulk/{n}")
        for n in range(5)
    )
    article_type = ContentType.objects.get_for_model(Article)
    TaggedItem.objects.bulk_create(
        TaggedItem(content_type=article_type, object_id=article.pk, tag=energy) for article in bulk
    )
    assert_exact()
    assert stored_tallies()[TAG, energy.pk] == 7

    first.tags.add("ai")
    first.tags.remove("markets")
    second.tags.set(["markets", "ai"])
    bulk[0].tags.clear()
    assert_exact()

    first.delete()  # its tagged rows go with it
    Article.objects.filter(pk__in=[article.pk for article in bulk[1:3]]).delete()
    assert_exact()

    markets = Tag.objects.get(slug="markets")
    TaggedItem.objects.filter(object_id=second.pk, tag=markets).update(tag=energy)
    assert_exact()

    elsewhere = make_source("Elsewhere")  # articles moved to another source
    second.source = elsewhere
    second.save()
    Article.objects.filter(pk__in=[bulk[3].pk, bulk[4].pk]).update(source=elsewhere)
    Article.objects.filter(pk=bulk[4].pk).update(title="Renamed")  # no source changed
    assert stored_tallies()[SOURCE, elsewhere.pk] == 3
    assert_exact()

    with connection.cursor() as cursor:  # raw SQL goes through the triggers too
        cursor.execute("DELETE FROM articles_article WHERE id = %s", [bulk[3].pk])
    assert not TaggedItem.objects.filter(object_id=bulk[3].pk).exists()  # taken with it
    assert_exact()


def test_a_publish_time_moved_to_another_day_moves_its_day_tally():
    late_evening = dt.datetime(2024, 5, 1, 23, 30, tzinfo=dt.UTC)
    article = make_article(title="Moved", publish_at=late_evening)
    make_article(title="Draft without a time", state="draft", publish_at=None)
    assert stored_tallies()[DAY, 20240501] == 1
    article.publish_at = late_evening + dt.timedelta(hours=1)  # past midnight
    article.save()
    assert (DAY, 20240501) not in stored_tallies()
    assert stored_tallies()[DAY, 20240502] == 1
    Article.objects.filter(pk=article.pk).update(publish_at=late_evening.replace(hour=9))
    Article.objects.filter(pk=article.pk).update(title="Renamed")  # no time moved
    withdrawn = Article.objects.filter(pk=article.pk)
    withdrawn.update(status=Article.Status.DRAFT, publish_at=None)  # on no day now
    assert_exact()
    withdrawn.update(status=Article.Status.PUBLISHED, publish_at=late_evening)
    assert stored_tallies()[DAY, 20240501] == 1
    article.delete()
    assert_exact()


def test_a_publish_time_moved_to_another_month_moves_its_month_tally():
    last_evening = dt.datetime(2024, 4, 30, 23, 30, tzinfo=dt.UTC)
    article = make_article(title="Moved", publish_at=last_evening)
    assert stored_tallies()[MONTH, 202404] == 1
    article.publish_at = last_evening + dt.timedelta(hours=1)  # into May
    article.save()
    assert (MONTH, 202404) not in stored_tallies()
    assert stored_tallies()[MONTH, 202405] == 1
    Article.objects.filter(pk=article.pk).update(publish_at=last_evening.replace(day=2))
    assert stored_tallies()[MONTH, 202404] == 1
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT, publish_at=None)
    assert (MONTH, 202404) not in stored_tallies()
    assert_exact()


def test_tags_on_other_models_are_not_counted():
    article = make_article(tags=["energy"])
    energy = Tag.objects.get(slug="energy")
    user = User.objects.create_user("someone")
    tagged_user = TaggedItem.objects.create(content_object=user, tag=energy)
    assert stored_tallies()[TAG, energy.pk] == 1

    tagged_user.content_type = ContentType.objects.get_for_model(Article)  # now an article's
    tagged_user.object_id = article.pk + 1
    tagged_user.save()
    assert stored_tallies()[TAG, energy.pk] == 2
    tagged_user.delete()
    assert stored_tallies()[TAG, energy.pk] == 1
    assert_exact()


def test_an_import_keeps_the_tallies_exact():
    make_article(title="Written here", tags=["energy"])
    report = import_wire(wire_files(["tests/data/wire"]))
    assert report.created
    assert stored_tallies()[ALL, 0] == report.created + 1
    assert_exact()


def test_a_rolled_back_write_leaves_the_tallies_as_they_were():
    make_article(tags=["energy"])
    before = stored_tallies()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_article(title="Never kept", tags=["energy", "ai"])
        assert stored_tallies() != before
        raise RuntimeError("the write fails")
    assert stored_tallies() == before


def test_rows_deleted_after_their_tallies_leave_no_tally_below_zero():
    # SQLite's flush empties the tables one by one, in no fixed order: the tagged rows
    # and articles it deletes after the tallies must not leave negative tallies behind.
    make_article(tags=["energy", "markets"])
    with connection.cursor() as cursor:
        for table in ("articles_articletally", "taggit_taggeditem", "articles_article"):
            cursor.execute(f"DELETE FROM {table}")
    assert ArticleTally.objects.count() == 0
    make_article(tags=["energy"])
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_starts_counting_again():
    make_article(tags=["energy", "markets"])
    call_command("flush", "--no-input", verbosity=0)
    assert stored_tallies() == {}
    make_article(tags=["energy"])
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_articles_already_there():
    make_article(title="Before", tags=["energy", "markets"])
    make_article(title="Also before", state="expired", tags=["energy"])
    call_command("migrate", "articles", "0011", verbosity=0)
    assert not ArticleTally.objects.filter(scope=SOURCE).exists()
    make_article(title="Without the source triggers")
    call_command("migrate", "articles", verbosity=0)
    assert_exact()
    call_command("migrate", "articles", "0008", verbosity=0)
    assert "articles_articletally" not in connection.introspection.table_names()
    make_article(title="Without triggers", tags=["markets"])
    call_command("migrate", "articles", verbosity=0)
    assert stored_tallies()[ALL, 0] == 4
    assert_exact()
    make_article(title="After", tags=["energy"])
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_the_migration_removes_the_tags_of_articles_deleted_in_sql():
    kept = make_article(title="Kept", tags=["energy"])
    call_command("migrate", "articles", "0013", verbosity=0)
    gone = make_article(title="Deleted in SQL", tags=["energy", "markets"])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM articles_article WHERE id = %s", [gone.pk])
    energy = Tag.objects.get(slug="energy")
    assert stored_tallies()[TAG, energy.pk] == 2  # the rows left behind still count
    call_command("migrate", "articles", verbosity=0)
    assert stored_tallies()[TAG, energy.pk] == 1
    assert list(TaggedItem.objects.values_list("object_id", flat=True)) == [kept.pk]
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_crossing_tag_changes_wait_for_each_other_rather_than_deadlock():
    """Two editors tag two articles with the same two tags, in opposite orders.

    Each tally writer first locks the tally of all articles, so the second waits for
    the first to commit. Without that, each would hold one tag's tally and wait for
    the other's: PostgreSQL would end one transaction with a deadlock error.
    """
    needs_concurrent_writers()
    make_article(title="Holds both tags", tags=["energy", "markets"])
    first, second = make_article(title="First"), make_article(title="Second")
    both_tagged_once = threading.Barrier(2)

    def editor(article: Article, tags: tuple[str, str]) -> Callable[[], None]:
        def tag_both() -> None:
            with transaction.atomic():
                article.tags.add(tags[0])
                # The other editor, waiting for this one's commit, never comes.
                with contextlib.suppress(threading.BrokenBarrierError):
                    both_tagged_once.wait(timeout=2)
                article.tags.add(tags[1])

        return tag_both

    errors = run_concurrently(
        editor(first, ("energy", "markets")), editor(second, ("markets", "energy"))
    )
    assert errors == []
    assert set(second.tags.names()) == set(first.tags.names()) == {"energy", "markets"}
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_an_edited_article_tagged_meanwhile_waits_rather_than_deadlocks():
    """An editor's save updates the article, then its tags; meanwhile a batch tags the
    same article. The update first locks the tally of all articles, as every tagging
    does: without it, the save held the article and waited for the tally, and the
    batch held the tally and waited for the article, and PostgreSQL ended one."""
    needs_concurrent_writers()
    article = make_article(title="Edited", tags=["energy"])
    updated = threading.Event()

    def edit() -> None:
        with transaction.atomic():
            Article.objects.filter(pk=article.pk).update(title="Edited again")
            updated.set()
            threading.Event().wait(0.5)  # the batch tags the article meanwhile
            article.tags.add("markets")

    def tag() -> None:
        updated.wait(5)
        with transaction.atomic():
            article.tags.add("ai")

    assert run_concurrently(edit, tag) == []
    assert set(article.tags.names()) == {"energy", "markets", "ai"}
    assert_exact()
