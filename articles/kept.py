"""Values read from the live articles, kept in the process until they may change.

Some of what public pages show changes far less often than it is read: which sources
have a live article is asked by every /articles/ page, and changes when an editor
publishes or unpublishes, an import runs, or a publish or expiry time passes. A
:class:`KeptUntilChange` reads its value once and keeps it until one of those:

- a committed write, which the connection's ``content_version`` tells of without a
  round trip: PostgreSQL notifies each kept connection of writes to the articles,
  sources, tags, taggings and tallies (newsroom/db/postgresql); SQLite counts every write to
  the database file (newsroom/db/sqlite3);
- the next publish or expiry time after it was read (transitions.py).

So a kept value is never older than the database's last committed write that the
connection has word of, and never outlives the moment an article goes live or
expires. Where the database cannot say when it is written to, the value is read
every time: inside a transaction (whose own writes may yet roll back, and which
PostgreSQL tells of only when it commits), on PostgreSQL without notifications
(``DATABASE_NOTIFICATIONS``), and on an in-memory SQLite database.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Generic, NamedTuple, TypeVar

from django.db import connections

from .transitions import next_transition

T = TypeVar("T")


class _Kept(NamedTuple):
    version: object
    since: dt.datetime
    until: dt.datetime
    value: object


def content_version() -> object | None:
    """What the connection's ``content_version`` says (newsroom/db: a value equal to
    the last one until something is written), or None for a backend that cannot tell."""
    version = getattr(connections["default"], "content_version", None)
    return version() if version is not None else None


class KeptUntilChange(Generic[T]):
    """``read(now)``, kept until a write or the next transition (see the module).

    Kept per thread, as Django's connections are, whose versions it is kept under.
    The value is shared by the thread's callers: it must not be changed in place (a
    tuple of tuples, say)."""

    def __init__(self, read: Callable[[dt.datetime], T]) -> None:
        self._read = read
        self._local = threading.local()

    def __call__(self, now: dt.datetime) -> T:
        # Taken before reading: a write heard of while reading makes a new version, and
        # the value kept under this one is read again next time.
        version = content_version()
        if version is None:
            return self._read(now)
        kept = getattr(self._local, "kept", None)
        if kept is not None and kept.version == version and kept.since <= now < kept.until:
            return kept.value
        value = self._read(now)
        self._local.kept = _Kept(version, now, next_transition(now), value)
        return value


class KeptUntilWrite(Generic[T]):
    """``read(*key)`` for each key, kept until a write: for what the clock does not
    change (counts of articles live or not, a tag's id). At most ``size`` keys are
    kept; when more come, all are forgotten, so a flood of new keys cannot grow it.
    Kept per thread and shared, as :class:`KeptUntilChange`'s are."""

    def __init__(self, read: Callable[..., T], size: int = 256) -> None:
        self._read = read
        self._size = size
        self._local = threading.local()  # per thread, as KeptUntilChange

    def __call__(self, *key) -> T:
        version = content_version()
        if version is None:
            return self._read(*key)
        local = self._local
        if getattr(local, "version", None) != version:
            local.version, local.values = version, {}
        values = local.values  # this version's, whatever is heard while reading
        if key in values:
            return values[key]
        value = self._read(*key)
        if len(values) >= self._size:
            values.clear()
        values[key] = value
        return value
