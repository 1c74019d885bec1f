"""The SQLite backend (newsroom/db/sqlite3): Django's, its placeholder conversion kept."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection

from newsroom.db.sqlite3 import base

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend"),
]


def test_sqlite_urls_use_the_backend():
    assert connection.settings_dict["ENGINE"] == "newsroom.db.sqlite3"


def test_a_remembered_query_runs_as_django_converts_it():
    query = "SELECT %s, '100%%', %s"
    with connection.cursor() as cursor:
        for values in ([1, "a"], [2, "b"]):  # the second run uses the kept conversion
            cursor.execute(query, values)
            assert cursor.fetchone() == (values[0], "100%", values[1])
    assert base._converted[query] == "SELECT ?, '100%', ?"


def test_named_parameters_and_long_queries_are_converted_each_time():
    long_query = "SELECT %s" + " " * base.MAX_REMEMBERED_LENGTH
    with connection.cursor() as cursor:
        cursor.execute("SELECT %(a)s + %(b)s", {"a": 2, "b": 3})
        assert cursor.fetchone() == (5,)
        cursor.execute(long_query, [7])
        assert cursor.fetchone() == (7,)
    assert long_query not in base._converted


def test_the_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(base, "MAX_REMEMBERED", 3)
    with connection.cursor() as cursor:
        for number in range(10):
            cursor.execute(f"SELECT {number} + %s", [1])
            assert cursor.fetchone() == (number + 1,)
    assert len(base._converted) <= 3


@pytest.fixture
def file_database(tmp_path):
    """A connection of this backend to an SQLite file of its own, with one table."""
    settings_dict = {**connection.settings_dict, "NAME": str(tmp_path / "own.sqlite3")}
    own = base.DatabaseWrapper(settings_dict, alias="own")
    with own.cursor() as cursor:
        cursor.execute("CREATE TABLE note (text TEXT)")
    yield own
    own.close()


def test_the_content_version_moves_with_any_write_and_only_then(file_database):
    """What lets values be kept in the process (articles/kept.py) on SQLite."""
    first = file_database.content_version()
    assert file_database.content_version() == first  # nothing written

    with file_database.cursor() as cursor:  # this connection's own write
        cursor.execute("INSERT INTO note VALUES ('mine')")
    own_write = file_database.content_version()
    assert own_write != first

    other = sqlite3.connect(file_database.settings_dict["NAME"])  # another process's
    other.execute("INSERT INTO note VALUES ('theirs')")
    other.commit()
    other.close()
    assert file_database.content_version() != own_write

    file_database.close()
    fresh = file_database.content_version()
    file_database.close()  # each connection counts afresh: never equal to another's
    assert file_database.content_version() != fresh


def test_no_content_version_inside_a_transaction_or_in_memory(file_database):
    file_database.in_atomic_block = True  # as transaction.atomic() sets it
    try:
        assert file_database.content_version() is None
    finally:
        file_database.in_atomic_block = False
    assert file_database.content_version() is not None
    assert connection.is_in_memory_db() and connection.content_version() is None
