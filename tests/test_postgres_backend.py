"""The PostgreSQL backend (newsroom/db/postgresql): Django's, its per-request health
check of a busy kept connection made without a round trip."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.core.signals import request_started
from django.db import DataError, connection

from newsroom.db.postgresql import base

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the kept connection, outside any atomic block
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend"),
]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def end_session(pid: int) -> None:
    """End session ``pid`` from another connection, as a server restart or an
    administrator would, and wait until it is gone."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):
            alive = other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
            if alive.fetchone() is None:
                return
            time.sleep(0.05)
    raise AssertionError(f"session {pid} did not end")


def test_postgres_urls_use_the_backend():
    assert connection.settings_dict["ENGINE"] == "newsroom.db.postgresql"
    assert connection.health_check_enabled


@pytest.fixture
def check_queries(monkeypatch) -> list:
    """A list that Django's ``SELECT 1`` check (``is_usable``) adds to when it runs."""
    checks = []
    real_check = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or real_check())
    return checks


def test_a_busy_kept_connection_serves_the_next_request_without_a_check_query(check_queries):
    pid = backend_pid()

    request_started.send(sender=None)
    assert backend_pid() == pid
    assert check_queries == []


def test_a_connection_idle_for_a_while_is_checked_with_a_query(check_queries):
    """A middlebox may have forgotten it without a word: only a query can tell."""
    pid = backend_pid()
    connection._checked_at -= base.QUIET_CHECK_SECONDS

    request_started.send(sender=None)
    assert backend_pid() == pid
    assert check_queries == [1]


def test_something_to_read_on_a_healthy_connection_costs_a_check_not_the_connection(
    check_queries,
):
    pid = backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("LISTEN newsroom_test")
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("NOTIFY newsroom_test")
    time.sleep(0.1)  # the notification reaches the idle connection's socket

    request_started.send(sender=None)
    assert backend_pid() == pid
    assert check_queries == [1]
    with connection.cursor() as cursor:
        cursor.execute("UNLISTEN *")


def test_a_connection_the_server_ended_is_replaced_before_the_next_request_queries():
    pid = backend_pid()
    end_session(pid)

    request_started.send(sender=None)
    assert backend_pid() != pid  # no OperationalError: a new connection answered


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def test_full_text_queries_are_planned_for_their_words_every_time():
    """Prepared, PostgreSQL would settle on one plan for any words, made as if they
    were rare (see the backend's docstring): full-text queries are never prepared."""
    assert isinstance(connection.cursor().cursor, base.ServerBindingCursor)
    match = "SELECT count(*) FROM articles_article WHERE search_vector @@ plainto_tsquery(%s)"
    plain = "SELECT count(*) FROM articles_article WHERE title = %s"
    with connection.cursor() as cursor:
        for word in ["osprey", "heron"] * 5:
            cursor.execute(match, [word])
            cursor.execute(plain, [word])
    statements = prepared_statements()
    assert not any("@@" in statement for statement in statements)
    assert any("title = $1" in statement for statement in statements)


@pytest.fixture
def conversions(monkeypatch) -> list[bytes]:
    """The statements psycopg converts without keeping the result (too long or with too
    many parameters for its cache), as they are converted."""
    from psycopg import _queries

    converted = []
    convert = _queries._query2pg_nocache

    def spy(query, encoding):
        converted.append(query)
        return convert(query, encoding)

    monkeypatch.setattr(_queries, "_query2pg_nocache", spy)
    return converted


def test_the_article_pages_query_is_converted_for_postgresql_once(client, conversions):
    """psycopg converts a statement's placeholders on every run unless it is short
    enough to keep; the article page's query is longer than psycopg's own limit."""
    from articles import lookup
    from tests.factories import make_article

    article = make_article(title="Main", tags=["energy"])
    assert client.get(article.path).status_code == 200
    statements = [compiled.sql.encode() for compiled in lookup._LIVE_BY_NUMBER._compiled.values()]
    assert max(map(len, statements)) > 4096
    assert conversions == []


def test_a_year_of_the_archive_is_converted_for_postgresql_once(client, conversions):
    """A year's month counts have more parameters than psycopg's own limit (50)."""
    from articles import archive_counts
    from tests.factories import make_article

    year = make_article(title="Main").publish_at.year
    assert client.get(f"/archive/{year}/").status_code == 200
    counts = archive_counts._PERIOD_COUNTS._compiled.values()
    assert max(len(compiled.params) for compiled in counts) > 50
    assert conversions == []


TIMES = [
    "2026-11-25 19:34:43.008199+00",
    "2026-11-25 19:34:43+00",
    "2024-03-31 01:59:59.5+05:45",  # given in another offset: read back in UTC
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
]


def read_times(cursor, texts: list[str]) -> list:
    columns = ", ".join(f"%s::timestamptz AS t{n}" for n in range(len(texts)))
    cursor.execute(f"SELECT {columns}", texts)
    return list(cursor.fetchone())


def test_times_are_read_as_djangos_own_loader_reads_them():
    """The times UtcIsoLoader reads equal what Django's loader reads, in UTC; a time
    Python cannot hold fails as it did, in Django's loader."""
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    with connection.cursor() as cursor:
        oid = cursor.cursor.adapters.types["timestamptz"].oid
        assert connection.connection.adapters.get_loader(oid, 0) is base.UtcIsoLoader
        read = read_times(cursor, TIMES)
        with pytest.raises(DataError) as ours:
            read_times(cursor, ["10000-01-01 00:00:00+00"])
        register_tzloader(connection.timezone, cursor.cursor)  # Django's, on this cursor
        expected = read_times(cursor, TIMES)
        with pytest.raises(DataError) as djangos:
            read_times(cursor, ["10000-01-01 00:00:00+00"])
    assert read == expected
    assert all(moment.tzinfo is expected[0].tzinfo for moment in read)
    assert str(ours.value) == str(djangos.value)
