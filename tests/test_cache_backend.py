"""newsroom.cache.RedisCache against the Redis server the page cache uses in production."""

import socket
import uuid

import pytest

from newsroom.cache import RedisCache

REDIS_URL = "redis://127.0.0.1:6379/13"


def redis_is_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not redis_is_running(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def redis_cache():
    backend = RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield backend
    backend.delete_many(["page", "generation", "gone"])


def test_values_round_trip_and_are_read_together(redis_cache):
    redis_cache.set("page", (b"<html>", [("Content-Type", "text/html")]), 30)
    redis_cache.set("generation", "g1", None)
    assert redis_cache.get_many(["generation", "page", "gone"]) == {
        "generation": "g1",
        "page": (b"<html>", [("Content-Type", "text/html")]),
    }


def test_one_redis_client_serves_every_call(redis_cache):
    first = redis_cache._cache.get_client("page")
    assert redis_cache._cache.get_client("generation", write=True) is first
