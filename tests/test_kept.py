"""Values kept in the process until they may change (articles/kept.py): the sources
with a live article, which every /articles/ page offers, and the tallies a filtered
listing is planned by.

On PostgreSQL a kept list is read again after any committed write, whoever makes it,
and once the next publish or expiry time passes; never within a transaction. The
tests' SQLite database is in memory, where nothing is kept; SQLite's count of writes
is tested in test_sqlite_backend.py.
"""

from __future__ import annotations

import datetime as dt
import select

import psycopg
import pytest
from django.core.signals import request_started
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.directory import live_source_counts
from articles.filters import tally_sizes
from articles.kept import KeptUntilWrite
from articles.models import Article, ArticleTally, Source
from tests.factories import make_article, make_source

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's notifications"
)


def source_names(now: dt.datetime) -> list[str]:
    return [name for _pk, name, *_ in live_source_counts(now)]


def queries_of(read) -> tuple[object, int]:
    """What ``read()`` returns, and how many queries it ran."""
    with CaptureQueriesContext(connection) as queries:
        value = read()
    return value, len(queries)


def write_elsewhere(sql: str, params: list) -> None:
    """Commit a write from a session of its own, as another server process or a
    script would, and wait until the notification reaches this connection's socket."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute(sql, params)
    readable, _, _ = select.select([connection.connection.fileno()], [], [], 5)
    assert readable, "no notification arrived"


@pytest.fixture
def site():
    acme = make_source("Acme Wire")
    make_article(source=acme)
    return acme


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_sources_are_read_once_until_another_session_writes(site):
    now = timezone.now()
    assert source_names(now) == ["Acme Wire"]
    assert queries_of(lambda: source_names(now)) == (["Acme Wire"], 0)

    write_elsewhere("UPDATE articles_source SET name = %s WHERE id = %s", ["Acme News", site.pk])
    assert queries_of(lambda: source_names(now)) == (["Acme News"], 2)  # and the transition
    assert queries_of(lambda: source_names(now)) == (["Acme News"], 0)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_write_of_this_session_is_heard_as_it_commits_even_without_signals(site):
    now = timezone.now()
    other = make_source("Other Wire")
    make_article(source=other)
    assert source_names(now) == ["Acme Wire", "Other Wire"]

    Article.objects.filter(source=other).update(status=Article.Status.DRAFT)  # no signal
    assert source_names(now) == ["Acme Wire"]
    Source.objects.filter(pk=site.pk).update(name="Acme News")
    assert source_names(now) == ["Acme News"]
    Article.objects.all().delete()
    assert source_names(now) == []


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_is_not_heard_and_the_list_stays_kept(site):
    now = timezone.now()
    assert source_names(now) == ["Acme Wire"]
    with pytest.raises(RuntimeError), transaction.atomic():
        Article.objects.update(status=Article.Status.DRAFT)
        raise RuntimeError
    assert queries_of(lambda: source_names(now)) == (["Acme Wire"], 0)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_kept_list_ends_when_an_article_goes_live_or_expires(site):
    """No write happens in between: only the clock moves."""
    now = timezone.now()
    make_article(source=make_source("Soon Wire"), publish_at=now + dt.timedelta(hours=1))
    make_article(source=make_source("Ending Wire"), expires_at=now + dt.timedelta(hours=2))
    assert source_names(now) == ["Acme Wire", "Ending Wire"]
    assert queries_of(lambda: source_names(now + dt.timedelta(minutes=59))) == (
        ["Acme Wire", "Ending Wire"],
        0,
    )
    assert source_names(now + dt.timedelta(hours=1)) == ["Acme Wire", "Ending Wire", "Soon Wire"]
    assert source_names(now + dt.timedelta(hours=2)) == ["Acme Wire", "Soon Wire"]
    # A clock that goes back is not trusted with a list read later.
    assert source_names(now) == ["Acme Wire", "Ending Wire"]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_new_session_reads_again(site):
    now = timezone.now()
    assert source_names(now) == ["Acme Wire"]
    connection.close()
    assert queries_of(lambda: source_names(now))[1] > 0


@pytest.mark.django_db(transaction=True)
def test_within_a_transaction_its_own_writes_are_read(site):
    now = timezone.now()
    assert source_names(now) == ["Acme Wire"]
    with transaction.atomic():
        Article.objects.update(status=Article.Status.DRAFT)
        assert source_names(now) == []
        assert queries_of(lambda: source_names(now))[1] > 0
    assert source_names(now) == []


@pytest.mark.django_db(transaction=True)
def test_without_notifications_the_list_is_read_every_time(site, settings):
    """SQLite, or PostgreSQL told not to listen (DATABASE_NOTIFICATIONS=false)."""
    connection.settings_dict["CONTENT_NOTIFICATIONS"] = False
    try:
        now = timezone.now()
        assert source_names(now) == ["Acme Wire"]
        assert queries_of(lambda: source_names(now)) == (["Acme Wire"], 1)
    finally:
        connection.settings_dict["CONTENT_NOTIFICATIONS"] = connection.vendor == "postgresql"


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_tallies_are_read_once_until_a_tagging(site):
    article = make_article(source=site, tags=["energy"])
    sizes, queries = queries_of(lambda: tally_sizes(None, ["energy", "crypto"]))
    assert (sizes[ArticleTally.Scope.TAG], sizes[ArticleTally.Scope.ALL], queries) == (1, 2, 1)
    assert queries_of(lambda: tally_sizes(None, ["energy", "crypto"]))[1] == 0

    article.tags.add("crypto")
    sizes = tally_sizes(None, ["energy", "crypto"])
    assert sizes[ArticleTally.Scope.TAG] == 2
    assert len(sizes.tag_ids) == 2


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_flood_of_keys_is_forgotten_not_kept():
    reads = []
    doubled = KeptUntilWrite(lambda number: reads.append(number) or 2 * number, size=2)
    assert [doubled(1), doubled(2), doubled(1)] == [2, 4, 2]
    assert reads == [1, 2]
    assert [doubled(3), doubled(1)] == [6, 2]  # the third key made room by forgetting all
    assert reads == [1, 2, 3, 1]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_direct_write_to_the_tallies_is_heard(site):
    """As when the tallies are rebuilt (README: migrate articles 0008, then migrate)."""
    before = tally_sizes(None, ["energy"])[ArticleTally.Scope.ALL]
    write_elsewhere(
        "UPDATE articles_articletally SET articles = articles + 5 WHERE scope = %s",
        [ArticleTally.Scope.ALL],
    )
    assert tally_sizes(None, ["energy"])[ArticleTally.Scope.ALL] == before + 5


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_session_the_server_ended_keeps_nothing(site):
    """The server's last words on the socket are not a notification: what was kept
    under the ended session is not trusted, and a new session reads afresh."""
    now = timezone.now()
    assert source_names(now) == ["Acme Wire"]
    version = connection.content_version()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    write_elsewhere("SELECT pg_terminate_backend(%s)", [pid])
    assert connection.content_version() != version
    request_started.send(sender=None)  # the next request checks it and opens another
    assert queries_of(lambda: source_names(now)) == (["Acme Wire"], 2)
