"""Django's SQLite backend, converting each query's placeholders once, not every run.

Django writes queries with ``%s`` placeholders, and its SQLite cursor turns them into
SQLite's ``?`` with a regular expression on every execute: 16 µs for a 1 KB query,
several times that for the article page's related-articles query. The public pages
run the same few query strings again and again (prepared.py compiles each shape
once), so the converted text is kept by query string. Only queries up to
``MAX_REMEMBERED_LENGTH`` are kept: a bulk insert's text is long and rarely repeats.
"""

from __future__ import annotations

from functools import lru_cache

from django.db.backends.sqlite3 import base

MAX_REMEMBERED_LENGTH = 8192


@lru_cache(maxsize=512)
def _remembered_qmark_query(query: str) -> str:
    return _qmark_query(query)


def _qmark_query(query: str) -> str:
    """Django's "format" style to SQLite's "qmark" style, as Django converts it."""
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query, *, param_names=None):
        if param_names is not None:  # "pyformat" style: named parameters
            return super().convert_query(query, param_names=param_names)
        if len(query) > MAX_REMEMBERED_LENGTH:
            return _qmark_query(query)
        return _remembered_qmark_query(query)


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLiteCursorWrapper)
