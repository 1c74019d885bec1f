"""Django's Redis cache backend, keeping one Redis client per connection pool.

Django's backend builds a new ``redis.Redis`` object for every cache call, and
redis-py fills a table of about 170 response callbacks in each one: half the cost of
serving a page from the cache. The client is thread-safe (connections come from
its pool), so one per pool does.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
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
