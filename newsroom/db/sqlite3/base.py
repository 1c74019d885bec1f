"""Django's SQLite backend, converting each query's placeholders once, not every run.

Django writes queries with ``%s`` placeholders, and its SQLite cursor turns them into
SQLite's ``?`` with a regular expression on every execute: 16 µs for a 1 KB query,
several times that for the article page's related-articles query. The public pages
run the same few query strings again and again (prepared.py compiles each shape
once), so Django's conversion of each is kept, by query string, for the process.
Only queries up to ``MAX_REMEMBERED_LENGTH`` are kept (a bulk insert's text is long
and rarely repeats), and at most ``MAX_REMEMBERED`` of them.
"""

from __future__ import annotations

from django.db.backends.sqlite3 import base

MAX_REMEMBERED_LENGTH = 8192
MAX_REMEMBERED = 512

_converted: dict[str, str] = {}


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query, *, param_names=None):
        if param_names is not None or len(query) > MAX_REMEMBERED_LENGTH:
            return super().convert_query(query, param_names=param_names)
        converted = _converted.get(query)
        if converted is None:
            if len(_converted) >= MAX_REMEMBERED:
                _converted.clear()  # the hot queries come back at once
            converted = _converted[query] = super().convert_query(query)
        return converted


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLiteCursorWrapper)
