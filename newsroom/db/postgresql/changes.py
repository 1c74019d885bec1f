"""Hearing of committed writes to the public content, without a round trip.

Migration 0020 has PostgreSQL notify channel :data:`CHANNEL` of every statement that
writes articles, sources, tags, taggings or the article tallies. A notification is
sent when the writing transaction commits, never for one that rolls back, and goes to
every session that listens, whatever wrote: the admin, an import, a script, ``psql``.

A kept connection listens (``LISTEN``, once when it opens), and its
:class:`ChangeWatch` answers "has anything been written since?" with a look at the
socket: a notification makes it readable, and reading it makes a new
:attr:`ChangeWatch.version`. So a value read from the database and kept with the
version it was read under (articles/kept.py) holds for as long as the version does.

A notification is delivered a moment after its commit, as soon as the listening
session is idle; a request that starts within that moment may still be answered from
before the commit, as if it had started just before it.
"""

from __future__ import annotations

from collections.abc import Callable

CHANNEL = "newsroom_content"


class ChangeWatch:
    """The changes one connection has heard of. ``version`` is a new object after each
    notification, and for each session: a value kept under one version was read before
    anything since was written."""

    def __init__(self, connection) -> None:
        self.version = object()
        # Notifications that arrive with a query's results are read by psycopg there;
        # registered first, so none that comes with LISTEN's own reply is missed.
        connection.add_notify_handler(self.heard)
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")

    def heard(self, _notify=None) -> None:
        self.version = object()

    def current(self, connection, readable: Callable[[], bool]) -> object | None:
        """The version, after reading what has arrived: notifications libpq has already
        buffered, then what waits on the socket if ``readable()`` says anything does.
        None when the socket held something other than a notification (the server's
        last words before it ends the session, say): then nothing kept is trusted.
        Raises psycopg's error if the connection has gone."""
        pgconn = connection.pgconn
        self._drain(pgconn)
        if readable():
            pgconn.consume_input()
            if not self._drain(pgconn):
                return None
        return self.version

    def _drain(self, pgconn) -> bool:
        """Take every notification libpq holds; whether there was one."""
        heard = False
        while pgconn.notifies() is not None:
            self.heard()
            heard = True
        return heard
