"""Article rules that hold whatever writes the row: numbers, paths, constraints, sanitizing."""

from __future__ import annotations

import datetime as dt
import threading
import time
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from articles.models import LOCAL_NUMBER_START, WIRE_NUMBER_MAX, Article
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def write_local(title: str = "Written in the newsroom", **fields) -> Article:
    """An article typed by an editor: no number given, so save() allocates one."""
    values = {
        "title": title,
        "body": "<p>Text</p>",
        "source": make_source(),
        "status": Article.Status.PUBLISHED,
        "publish_at": NOW - dt.timedelta(hours=1),
        **fields,
    }
    return Article.objects.create(**values)


# Numbers -----------------------------------------------------------------------------


def test_newsroom_numbers_start_above_every_wire_number():
    make_article(number=WIRE_NUMBER_MAX)
    first, second = write_local("One"), write_local("Two")
    assert first.number == LOCAL_NUMBER_START == WIRE_NUMBER_MAX + 1
    assert second.number == LOCAL_NUMBER_START + 1


def test_wire_numbers_do_not_move_the_newsroom_counter():
    local = write_local()
    make_article(number=123)
    make_article(number=WIRE_NUMBER_MAX)
    assert write_local("Next").number == local.number + 1


def test_two_saves_that_compute_the_same_number_both_get_saved_with_distinct_numbers():
    """The race: the second editor's lookup runs before the first editor's insert lands."""
    first = write_local("First editor")
    stale = mock.patch.object(
        Article, "_highest_local_number", return_value=first.number - 1, autospec=True
    )
    with stale as lookup:
        second = write_local("Second editor")
    assert lookup.called
    assert second.pk is not None
    assert {first.number, second.number} == {LOCAL_NUMBER_START, LOCAL_NUMBER_START + 1}
    stored = dict(Article.objects.values_list("title", "number"))
    assert stored == {"First editor": first.number, "Second editor": second.number}
    assert Article.objects.get(pk=second.pk).path.split("/")[2].startswith(f"{second.number}-")


def test_a_conflict_on_something_else_than_the_number_is_raised_not_retried():
    first = write_local("First")
    with pytest.raises(IntegrityError), transaction.atomic():
        # A published article without a publish time: refused, and not a number clash.
        write_local("Broken", publish_at=None)
    assert Article.objects.count() == 1
    assert first.number == LOCAL_NUMBER_START


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_in_separate_transactions_get_distinct_numbers():
    """Two threads (two connections) read the same highest number, then both insert."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a database with concurrent writers (PostgreSQL)")
    source = make_source()
    real_lookup = Article._highest_local_number.__func__
    both_looked = threading.Barrier(2, timeout=10)
    calls = []

    def racing_lookup(cls):
        highest = real_lookup(cls)
        calls.append(highest)
        if len(calls) <= 2:
            both_looked.wait()  # both threads have now computed the same number
        return highest

    saved, errors = [], []

    def editor(title: str) -> None:
        try:
            # Like the admin: the save runs inside a longer transaction, so the other
            # editor's insert of the same number waits for this commit, then fails.
            with transaction.atomic():
                saved.append(write_local(title, source=source))
                time.sleep(0.2)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    with mock.patch.object(Article, "_highest_local_number", classmethod(racing_lookup)):
        threads = [threading.Thread(target=editor, args=(f"Editor {n}",)) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert not errors
    assert calls[0] == calls[1] == LOCAL_NUMBER_START - 1  # the race really happened
    numbers = sorted(Article.objects.values_list("number", flat=True))
    assert numbers == [LOCAL_NUMBER_START, LOCAL_NUMBER_START + 1]
    assert sorted(a.number for a in saved) == numbers


# Database constraints ----------------------------------------------------------------


def refused_by_database(**changes) -> bool:
    article = make_article()
    try:
        with transaction.atomic():
            Article.objects.filter(pk=article.pk).update(**changes)
    except IntegrityError:
        return True
    return False


def test_database_refuses_published_without_publish_time():
    assert refused_by_database(publish_at=None)


def test_database_accepts_a_draft_without_publish_time():
    assert not refused_by_database(status=Article.Status.DRAFT, publish_at=None)


def test_database_refuses_expiry_before_publish():
    assert refused_by_database(expires_at=NOW - dt.timedelta(days=3))


def test_database_refuses_expiry_equal_to_publish():
    article = make_article()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(expires_at=article.publish_at)


def test_database_refuses_number_zero():
    assert refused_by_database(number=0)


def test_database_refuses_unknown_status():
    assert refused_by_database(status="archived")


def test_orm_create_of_a_published_article_without_publish_time_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(
            number=7, title="No time", source=make_source(), status="published", publish_at=None
        )
    assert not Article.objects.exists()


def test_orm_create_with_number_zero_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(number=0)


# Sanitizing --------------------------------------------------------------------------


def test_body_is_sanitized_on_a_plain_orm_save():
    article = make_article(
        body=(
            '<p onclick="steal()" style="color:red">Hello <b>world</b></p>'
            "<script>alert(1)</script>"
            '<iframe src="https://evil.example/"></iframe>'
            '<a href="javascript:alert(2)">bad</a> <a href="https://ok.example/">good</a>'
        )
    )
    stored = Article.objects.get(pk=article.pk).body
    for forbidden in ("<script", "alert(1)", "onclick", "style=", "<iframe", "javascript:"):
        assert forbidden not in stored
    assert "<p>Hello <b>world</b></p>" in stored
    assert 'href="https://ok.example/"' in stored
    assert ">bad</a>" in stored  # the text stays, the dangerous href goes


def test_body_is_sanitized_again_when_updated_through_save():
    article = make_article()
    article.body = '<p>ok</p><img src="x" onerror="alert(1)">'
    article.save()
    article.refresh_from_db()
    assert "onerror" not in article.body
    assert article.body.startswith("<p>ok</p>")


# Paths -------------------------------------------------------------------------------


def test_path_month_comes_from_the_publish_time_in_the_newsroom_time_zone(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    # 23:30 UTC on 30 November is 08:30 on 1 December in Tokyo.
    publish_at = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)
    article = make_article(title="Late news", number=4242, publish_at=publish_at)
    assert article.path == "/202612/4242-late-news"


def test_path_month_in_utc_for_the_same_moment(settings):
    settings.TIME_ZONE = "UTC"
    publish_at = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)
    article = make_article(title="Late news", number=4243, publish_at=publish_at)
    assert article.path == "/202611/4243-late-news"


@pytest.mark.parametrize("title", ["🎉🚀✨", "東京の天気", "!!! ??? ***", "—"])
def test_title_without_a_slug_falls_back_to_the_number(title):
    article = write_local(title)
    segment = article.path.rsplit("/", 1)[1]
    assert segment == f"{article.number}-{article.number}"
    assert "None" not in article.path
    assert "//" not in article.path
    assert not article.path.endswith("-")


def test_slug_truncated_to_200_characters_never_ends_with_a_dash():
    article = make_article(title="word " * 59)
    assert len(article.slug) <= 200
    assert not article.slug.endswith("-")
    assert not article.path.endswith("-")


def test_changed_slug_changes_the_path_but_keeps_the_month():
    article = make_article(title="Old title", number=5150)
    old_path = article.path
    article.slug = "new-title"
    article.publish_at = article.publish_at + dt.timedelta(days=60)
    article.save()
    assert article.path == f"{old_path.rsplit('/', 1)[0]}/5150-new-title"


def test_draft_takes_its_month_when_first_published(settings):
    settings.TIME_ZONE = "UTC"
    article = make_article(title="Planned", number=5151, state="draft")
    article.status = Article.Status.PUBLISHED
    article.publish_at = dt.datetime(2031, 3, 3, 12, 0, tzinfo=dt.UTC)
    article.save()
    assert article.path == "/203103/5151-planned"


def test_imported_article_keeps_the_wire_url_exactly(tmp_path):
    wire = tmp_path / "wire"
    wire.mkdir()
    (wire / "story.md").write_text(
        "+++\n"
        'title = "A Story From The Wire"\n'
        'date = "2026-11-20T09:30:00Z"\n'
        'summary = "Short."\n'
        'source_link = "https://wire.example.org/items/1/"\n'
        "article_id = 77001\n"
        'url = "/202510/77001-an-older-address"\n'
        'source = "Wire Press"\n'
        "+++\n\n<p>Body.</p>\n",
        encoding="utf-8",
    )
    call_command("import_wire", str(wire), verbosity=0)
    article = Article.objects.get(number=77001)
    assert article.path == "/202510/77001-an-older-address"
    article.summary = "Edited"
    article.save()
    assert Article.objects.get(number=77001).path == "/202510/77001-an-older-address"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's statement re-planning")
def test_no_partial_index_names_a_column_that_live_binds():
    """SQLite re-plans a statement on every run when a value bound to it meets a column
    that a partial index's condition names, in case the index now applies. live() binds
    status, publish_at and expires_at in every public query, so a partial index on one
    of them would cost each of those queries a fresh plan (25 µs and more a query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s",
            [Article._meta.db_table],
        )
        partial = {
            name: sql.split("WHERE", 1)[1]
            for name, sql in cursor.fetchall()
            if sql and "WHERE" in sql
        }
    for name, condition in partial.items():
        for column in ("status", "publish_at", "expires_at"):
            assert column not in condition, f"{name} is partial on {column}"
