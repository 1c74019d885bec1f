"""The SQLite backend (newsroom/db/sqlite3): Django's, its placeholder conversion kept."""

from __future__ import annotations

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
