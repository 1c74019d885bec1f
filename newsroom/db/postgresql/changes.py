"""Hearing of committed writes to the public content, without a round trip.

Migration 0020 has PostgreSQL notify channel :data:`CHANNEL` of every statement that
writes articles, sources, tags or taggings. A notification is sent when the writing
transaction commits, never for one that rolls back, and goes to every session that
listens, whatever wrote: the admin, an import, a script, ``psql``.

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
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")
        # Notifications that arrive with a query's results are read by psycopg there.
        connection.add_notify_handler(self.heard)

    def heard(self, _notify=None) -> None:
        self.version = object()

    def read_pending(self, connection, readable: Callable[[], bool]) -> None:
        """Read the notifications waiting on the socket, if ``readable()`` says any
        data is; raises psycopg's error if the connection has gone."""
        if readable():
            pgconn = connection.pgconn
            pgconn.consume_input()
            while pgconn.notifies() is not None:
                self.heard()
