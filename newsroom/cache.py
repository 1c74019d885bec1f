"""Django's Redis cache backend, with one Redis client per pool and watched values.

Django's backend builds a new ``redis.Redis`` object for every cache call, and
redis-py fills a table of about 170 response callbacks in each one: half the cost of
serving a page from the cache. The client is thread-safe (connections come from
its pool), so one per pool does.

:class:`WatchedValue` keeps one value current in every process through pub/sub, so
reading it costs no round trip (the page cache's content generation).

A Redis that stops answering costs each process one timeout, then
:data:`RESTING_SECONDS` of instant failures (cache misses), rather than a timeout on
every cache call of every request (:class:`FailFastConnection`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from urllib.parse import urlsplit

from django.core.cache.backends import redis as django_redis
from redis import connection as redis_connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RESTING_SECONDS = 5.0
# Redis servers, by (host, port), that failed to connect or answer: until when this
# process stops asking them.
_resting_until: dict[tuple[str, int], float] = {}


class FailFastMixin:
    """A connection that, once a server has failed to connect or to answer in time,
    fails at once for :data:`RESTING_SECONDS` in this whole process.

    Without it, each cache call of a request waits out the socket timeout: a page
    asks the cache two or three times, so a hung Redis cost seconds per request.
    """

    def connect(self) -> None:
        self._check_not_resting()
        self._watching_for_failure(super().connect)

    def send_packed_command(self, *args, **kwargs) -> None:
        self._check_not_resting()
        self._watching_for_failure(super().send_packed_command, *args, **kwargs)

    def read_response(self, *args, **kwargs):
        return self._watching_for_failure(super().read_response, *args, **kwargs)

    def _check_not_resting(self) -> None:
        if _resting_until.get((self.host, self.port), 0.0) > time.monotonic():
            raise RedisConnectionError(f"Redis at {self.host}:{self.port} failed a moment ago")

    def _watching_for_failure(self, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError):
            _resting_until[self.host, self.port] = time.monotonic() + RESTING_SECONDS
            raise


class FailFastConnection(FailFastMixin, redis_connection.Connection):
    pass


class FailFastSSLConnection(FailFastMixin, redis_connection.SSLConnection):
    pass


FAIL_FAST_CONNECTIONS = {"redis": FailFastConnection, "rediss": FailFastSSLConnection}


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, servers, **options) -> None:
        connection_class = FAIL_FAST_CONNECTIONS.get(urlsplit(servers[0]).scheme)
        if connection_class is not None:  # not for unix:// sockets
            options.setdefault("connection_class", connection_class)
        super().__init__(servers, **options)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def watched(self, key: str) -> WatchedValue:
        """The one :class:`WatchedValue` of ``key`` in this process.

        Django makes a cache backend per thread; the watching thread and its
        subscription are per process, shared by them all.
        """
        identity = (tuple(self._servers), self.make_and_validate_key(key))
        watched = _WATCHED.get(identity)
        if watched is None:
            with _WATCHED_LOCK:
                watched = _WATCHED.setdefault(identity, WatchedValue(self, key))
        return watched


_WATCHED: dict[tuple, WatchedValue] = {}
_WATCHED_LOCK = threading.Lock()


class WatchedValue:
    """One cache value, kept current in this process by Redis pub/sub.

    ``set()`` writes the value and publishes it in one Redis transaction; every
    process watching the key hears of it on a subscription served by a background
    thread, so ``get()`` answers from memory without a round trip. The thread also
    re-reads the value after every quiet second, which bounds what a silently broken
    subscription could miss to that second; and when it has not heard from Redis for
    ``max_silence`` seconds, ``get()`` returns ``None``: the caller must ask Redis.

    A ``set()`` that Redis fails is not lost: the value is *owed*. ``get()`` answers it
    in this process at once, and the watching thread writes and publishes it as soon
    as Redis answers again (within ``check_every`` of the end of a failing server's
    rest). Other processes hear of it then; until then they keep the old value, which
    is the most a Redis failure can cost (the page cache's generation: its pages).
    """

    def __init__(
        self, backend: RedisCache, key: str, *, check_every: float = 1.0, max_silence: float = 3.0
    ) -> None:
        self._backend = backend
        self._key = backend.make_and_validate_key(key)
        self._channel = f"{self._key}:changes"
        self._check_every = check_every
        self._max_silence = max_silence
        self._heard: tuple[object, float] | None = None  # (value, time.monotonic())
        self._owed: object | None = None  # a set() Redis failed, to write again
        self._lock = threading.Lock()
        self._watching_pid: int | None = None
        self._stopped = threading.Event()
        # Counts subscriptions: what this process knew before a new one may be stale.
        self.subscription = 0

    def get(self):
        """The current value, or ``None`` if this process cannot vouch for it."""
        self._watch()
        owed = self._owed
        if owed is not None:
            return owed
        heard = self._heard
        if heard is None or time.monotonic() - heard[1] > self._max_silence:
            return None
        return heard[0]

    def add(self, value) -> bool:
        """Set ``value`` only if the key has none, and publish it if so."""
        client = self._backend._cache.get_client(self._key, write=True)
        data = self._backend._cache._serializer.dumps(value)
        if not client.set(self._key, data, nx=True):
            return False
        client.publish(self._channel, data)  # if this fails, the re-read brings it
        return True

    def set(self, value) -> None:
        """Write ``value`` and publish it; if Redis fails, raise, and owe it."""
        self._owed = None  # a newer value replaces one still owed
        try:
            self._write(value)
        except RedisError:
            self._owed = value
            self._watch()  # the watching thread writes it once Redis answers
            raise

    def _write(self, value) -> None:
        client = self._backend._cache.get_client(self._key, write=True)
        data = self._backend._cache._serializer.dumps(value)
        with client.pipeline(transaction=True) as pipeline:
            pipeline.set(self._key, data).publish(self._channel, data).execute()
        self._heard = (value, time.monotonic())

    def _pay_owed(self) -> None:
        """Write the value a failed ``set()`` left owed, if any (raises if Redis fails)."""
        owed = self._owed
        if owed is not None:
            self._write(owed)
            if self._owed is owed:  # no newer set() meanwhile
                self._owed = None

    def _watch(self) -> None:
        """Start the watching thread once per process (a forked worker needs its own)."""
        if self._watching_pid == os.getpid():
            return
        with self._lock:
            if self._watching_pid != os.getpid():
                if self._watching_pid is not None:
                    self._heard = None  # a forked child: it heard nothing of its own yet
                threading.Thread(target=self._run, name="watch-cache-value", daemon=True).start()
                self._watching_pid = os.getpid()

    def stop(self) -> None:
        """End the watching thread (tests; a server process simply exits)."""
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                self._listen()
            except Exception:  # any failure: forget the value, then reconnect
                if self._heard is not None:
                    logger.warning("Lost the subscription to %s; reconnecting", self._channel)
                self._heard = None
                self.subscription += 1
                self._stopped.wait(self._check_every)

    def _listen(self) -> None:
        cache_client = self._backend._cache
        client = cache_client.get_client(self._key)
        self._pay_owed()
        with client.pubsub(ignore_subscribe_messages=True) as pubsub:
            pubsub.subscribe(self._channel)
            while not pubsub.subscribed:
                pubsub.get_message(timeout=self._check_every)
            self.subscription += 1
            # Read only once subscribed, so no change falls between the read and the news.
            self._heard = (self._read(client), time.monotonic())
            while not self._stopped.is_set():
                self._pay_owed()
                message = pubsub.get_message(timeout=self._check_every)
                if message is None:
                    value = self._read(client)
                else:
                    value = cache_client._serializer.loads(message["data"])
                self._heard = (value, time.monotonic())

    def _read(self, client):
        data = client.get(self._key)
        return None if data is None else self._backend._cache._serializer.loads(data)
