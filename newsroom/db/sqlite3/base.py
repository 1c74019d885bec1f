"""Django's SQLite backend, converting each query's placeholders once, not every run.

Django writes queries with ``%s`` placeholders, and its SQLite cursor turns them into
SQLite's ``?`` with a regular expression on every execute: 16 µs for a 1 KB query,
several times that for the article page's related-articles query. The public pages
run the same few query strings again and again (prepared.py compiles each shape
once), so Django's conversion of each is kept, by query string, for the process.
Only queries up to ``MAX_REMEMBERED_LENGTH`` are kept (a bulk insert's text is long
and rarely repeats), and at most ``MAX_REMEMBERED`` of them.

It also tells whether anything has been written since a value was read, for values
kept in the process (articles/kept.py): :meth:`DatabaseWrapper.content_version`.
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
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._session: object | None = None

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        self._session = object()  # each connection counts its changes afresh
        return connection

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLiteCursorWrapper)

    def content_version(self) -> tuple | None:
        """A value that stays the same for as long as nothing is written to the
        database, or None when this connection cannot tell.

        SQLite counts writes itself, in this process, so asking costs no round trip:
        ``PRAGMA data_version`` changes when another connection commits a write to the
        database file (any table), and ``total_changes`` counts this connection's own
        row changes. Not inside a transaction, whose writes may yet roll back, nor
        for an in-memory database, whose connections share one cache (the tests' live
        server), in which SQLite's count does not change for the others' writes.
        """
        if self.in_atomic_block or self.is_in_memory_db():
            return None
        self.ensure_connection()
        (data_version,) = self.connection.execute("PRAGMA data_version").fetchone()
        return (self._session, data_version, self.connection.total_changes)
