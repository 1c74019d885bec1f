"""Django's PostgreSQL backend, checking a busy kept connection without a round trip,
and planning full-text queries for their own words.

With ``CONN_HEALTH_CHECKS`` on, Django checks a persistent connection before the first
query of every request by running ``SELECT 1``: a round trip per request, 0.17 ms of
an article page's 1.37 ms in-process, and work for the server besides.

A connection the server has closed (a restart, ``pg_terminate_backend``,
``idle_session_timeout``) tells on itself without one: the server sends a last error
and closes the socket, so the idle connection's socket turns readable. This backend
looks at the socket (one ``poll``, a microsecond) instead of querying, and runs
Django's check when something is there to read or psycopg knows the connection
closed; Django's check closes a dead connection and the request opens a new one.

A connection can also die without a word: a NAT or load balancer between the two
forgets it after an idle timeout (minutes, on the common ones), or a failover moves
the server's address. Its socket stays quiet, and only a query finds out. So the
socket alone is trusted only for a connection checked less than
``QUIET_CHECK_SECONDS`` ago, which is every connection of a busy site; one idle for
longer gets Django's ``SELECT 1``, as it would without this backend.

With server-side prepared statements (settings.py), PostgreSQL plans a statement it
has run five times once for all values when that plan's estimate is no worse; for a
full-text match it cannot know how common the words are, takes them to be rare, and
reads and sorts every match. Page 50 of /articles/?q= for a word in nearly every one
of 100,000 articles took 144 ms on that plan, against 11 ms on one made for the word.
So a query with a full-text match (``@@``) is never prepared: it is planned for its
values on every run (:class:`ServerBindingCursor`).

psycopg turns a statement's ``%s`` placeholders into PostgreSQL's ``$1`` on every run,
and keeps the result only for statements of up to 4 KB and 50 parameters
(``MAX_CACHED_STATEMENT_LENGTH`` and ``_PARAMS``, in a cache of 128). The public pages'
queries are compiled once per process (articles/prepared.py) and run on every request;
the article page's is 5 KB, and converting it again cost 37 microseconds a request; a
year of the archive has over 50 parameters. So the limits are raised. They are psycopg's
internals: a test checks that the article page's query is converted once, so an upgrade
that moves them fails there.

A kept connection listens for PostgreSQL's notifications of committed writes to the
public content (changes.py), so values read from it can be kept in the process until
something is written (:meth:`DatabaseWrapper.content_version`).

Times (``timestamptz``) in UTC are read by :class:`UtcIsoLoader`, with Python's own
ISO parser in C, where Django's loader goes through psycopg's parser in Python.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import select
import time

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg import _queries as psycopg_queries
from psycopg.adapt import AdaptersMap

from .changes import ChangeWatch

# No middlebox forgets a connection this soon: they keep idle ones for minutes.
QUIET_CHECK_SECONDS = 10.0
# The full-text match operator: a query holding it is planned for its values.
FULL_TEXT_MATCH = "@@"
# The article page's statement and the archive's, for a few decades of it, fit; the
# cache keeps 128 statements, so at most 2 MB however long some are.
CACHED_STATEMENT_LENGTH = 16 * 1024
CACHED_STATEMENT_PARAMS = 1000

if psycopg_queries.MAX_CACHED_STATEMENT_LENGTH < CACHED_STATEMENT_LENGTH:
    psycopg_queries.MAX_CACHED_STATEMENT_LENGTH = CACHED_STATEMENT_LENGTH
if psycopg_queries.MAX_CACHED_STATEMENT_PARAMS < CACHED_STATEMENT_PARAMS:
    psycopg_queries.MAX_CACHED_STATEMENT_PARAMS = CACHED_STATEMENT_PARAMS


class UtcIsoLoader(BaseTzLoader):
    """Django's loader of ``timestamptz`` values in UTC, reading the text PostgreSQL
    writes for them (``2026-11-25 19:34:43.008199+00``, with DateStyle ISO) with
    ``datetime.fromisoformat``, in C.

    Django's loader subclasses psycopg's, which psycopg then runs in Python rather than
    in its C extension: 3 to 4 microseconds a value, 40 of them in a feed. Anything
    ``fromisoformat`` cannot read (another DateStyle, a year before 1 or after 9999)
    goes to Django's loader, as before.
    """

    timezone = dt.UTC

    def load(self, data) -> dt.datetime:
        try:
            moment = dt.datetime.fromisoformat(str(data, "ascii"))
        except (ValueError, UnicodeDecodeError):
            return super().load(data)
        return moment.astimezone(dt.UTC)


@functools.cache
def _with_utc_iso_loader(template: AdaptersMap) -> AdaptersMap:
    """Django's adapters for a connection in UTC, with :class:`UtcIsoLoader`."""
    adapters = AdaptersMap(template)
    adapters.register_loader("timestamptz", UtcIsoLoader)
    return adapters


class ServerBindingCursor(base.ServerBindingCursor):
    """Django's cursor for server-side binding; full-text queries are never prepared."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        if prepare is None and isinstance(query, str) and FULL_TEXT_MATCH in query:
            prepare = False
        return super().execute(query, params, prepare=prepare, binary=binary)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict:
        params = super().get_connection_params()
        if params.get("cursor_factory") is base.ServerBindingCursor:
            params["cursor_factory"] = ServerBindingCursor
        if params.get("context") is not None and self.timezone == dt.UTC:
            params["context"] = _with_utc_iso_loader(params["context"])
        return params

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._checked_at = -math.inf
        self._changes: ChangeWatch | None = None

    def connect(self) -> None:
        super().connect()
        self._checked_at = time.monotonic()  # a new connection has just answered

    def init_connection_state(self) -> None:
        super().init_connection_state()
        self._changes = ChangeWatch(self.connection) if self._listens() else None

    def _listens(self) -> bool:
        """Whether this connection listens for notifications: when they are on
        (settings.py) and it is kept open, the only kind with anything to keep values for."""
        settings = self.settings_dict
        return bool(settings.get("CONTENT_NOTIFICATIONS")) and settings["CONN_MAX_AGE"] != 0

    def content_version(self) -> object | None:
        """An object that stays the same for as long as nothing is written to the
        articles, sources, tags, taggings or tallies (by any session, once it commits),
        or None when this connection cannot tell: it does not listen (settings.py), it
        is in a transaction, whose own writes are told of only when it commits, or its
        socket holds something other than a notification.

        The connection is checked first as a query's would be (once a request, and with
        ``SELECT 1`` when it has been quiet for a while): a connection that died without
        a word would otherwise keep its version, having heard nothing since.
        """
        if self.in_atomic_block or not self._listens():
            return None
        self.close_if_health_check_failed()
        self.ensure_connection()
        changes = self._changes
        if changes is None:  # opened while notifications were off
            return None
        try:
            version = changes.current(self.connection, self._server_has_spoken)
        except self.Database.Error:
            self.close()  # it has gone: the next query opens another
            return None
        if version is None:
            # Not a notification: perhaps the server's last words, which are now read.
            # The next query checks the connection with SELECT 1 first.
            self._checked_at = -math.inf
            self.health_check_done = False
        return version

    def close_if_health_check_failed(self) -> None:
        checking = self.health_check_enabled and not self.health_check_done
        if self.connection is not None and checking:
            now = time.monotonic()
            recent, self._checked_at = now - self._checked_at < QUIET_CHECK_SECONDS, now
            if recent and not self._server_has_spoken():
                self.health_check_done = True
        super().close_if_health_check_failed()  # SELECT 1, unless done above

    def _server_has_spoken(self) -> bool:
        """Whether the connection may be gone: closed as psycopg knows it, or with
        something on its socket. The server writes to an idle client when it ends the
        session, for a notification of a write (changes.py: ``content_version`` reads
        them, or else Django's check does) and, rarely, for a changed setting."""
        connection = self.connection
        if connection.closed:
            return True
        try:
            socket = connection.fileno()
            if hasattr(select, "poll"):
                poller = select.poll()
                poller.register(socket, select.POLLIN)
                return bool(poller.poll(0))
            return bool(select.select([socket], [], [], 0)[0])
        except (OSError, ValueError, self.Database.Error):
            return True
