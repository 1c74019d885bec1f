"""newsroom.cache.RedisCache against the Redis server the page cache uses in production."""

import datetime as dt
import os
import socket
import time
import uuid
from unittest import mock

import pytest
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from newsroom import cache as cache_module
from newsroom.cache import RedisCache, WatchedValue

REDIS_URL = "redis://127.0.0.1:6379/13"


def redis_is_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


# Skipped on a machine without Redis, unless NEWSROOM_TESTS_NEED_REDIS is set (CI).
pytestmark = pytest.mark.skipif(
    not (redis_is_running() or os.environ.get("NEWSROOM_TESTS_NEED_REDIS")),
    reason="no Redis on 127.0.0.1:6379",
)


@pytest.fixture
def redis_cache():
    prefix = f"test-{uuid.uuid4().hex}"
    backend = RedisCache(REDIS_URL, {"KEY_PREFIX": prefix})
    yield backend
    client = backend._cache.get_client(write=True)
    for key in client.scan_iter(match=f"{prefix}:*"):  # pages, generation, transitions
        client.delete(key)


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


# Watched values: kept current in every process by pub/sub ----------------------------


def eventually(condition, seconds: float = 5.0) -> bool:
    """Poll ``condition`` until it holds: another thread has to act first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


@pytest.fixture
def watched():
    """Make WatchedValues (each one as another process would) and stop them after."""
    made = []

    def make(backend, **options):
        made.append(WatchedValue(backend, "generation", **options))
        return made[-1]

    yield make
    for value in made:
        value.stop()


def test_a_value_set_in_one_process_reaches_the_others_by_pub_sub(redis_cache, watched):
    here = watched(redis_cache, check_every=3600)  # no re-reads: only pub/sub brings news
    elsewhere = watched(redis_cache, check_every=3600)
    watching = watched(redis_cache, check_every=3600)
    here.set("g1")
    assert eventually(lambda: watching.get() == "g1")
    elsewhere.set("g2")
    assert eventually(lambda: here.get() == "g2")
    assert eventually(lambda: watching.get() == "g2")
    assert redis_cache.get("generation") == "g2"


def test_a_change_that_was_not_published_is_picked_up_by_the_regular_re_read(redis_cache, watched):
    watching = watched(redis_cache, check_every=0.05)
    redis_cache.set("generation", "before", None)
    assert eventually(lambda: watching.get() == "before")
    redis_cache.set("generation", "after", None)  # a plain write: nothing published
    assert eventually(lambda: watching.get() == "after")


def test_a_value_redis_failed_to_take_is_owed_and_written_once_redis_answers(
    redis_cache, watched, monkeypatch
):
    """A change made while Redis fails (here: resting after a failure, as the cache
    does for a few seconds) is not lost: this process goes by it at once, and every
    other process hears of it once Redis answers again."""
    here = watched(redis_cache, check_every=0.05)
    elsewhere = watched(redis_cache, check_every=0.05)
    here.set("before")
    assert eventually(lambda: elsewhere.get() == "before")
    monkeypatch.setattr(
        cache_module, "_resting_until", {("127.0.0.1", 6379): time.monotonic() + 0.5}
    )
    with pytest.raises(RedisConnectionError):
        here.set("after")
    assert here.get() == "after"
    assert eventually(lambda: elsewhere.get() == "after")
    assert redis_cache.get("generation") == "after"


def test_without_news_from_redis_the_value_is_unknown(watched):
    unreachable = RedisCache("redis://127.0.0.1:1/0", {})
    watching = watched(unreachable, check_every=0.05, max_silence=0.1)
    assert watching.get() is None
    time.sleep(0.3)
    assert watching.get() is None


# The page cache on Redis -----------------------------------------------------------


def refuse(*args, **kwargs):
    raise AssertionError("a round trip to Redis")


@pytest.fixture
def page_cache_on_redis(settings, monkeypatch, redis_cache, db):
    """The page cache on a real Redis; yields the process's watched generation."""
    from articles import pagecache

    settings.NEWSROOM_PAGE_CACHE_SECONDS = 300
    settings.NEWSROOM_SHARED_CACHE = True
    monkeypatch.setattr(pagecache, "cache", redis_cache)
    monkeypatch.setattr(pagecache, "served_pages", pagecache.ServedPages())
    generation = redis_cache.watched(pagecache.GENERATION_KEY)
    yield generation
    generation.stop()


def test_page_cache_hits_need_no_round_trip_until_another_process_changes_the_generation(
    client, monkeypatch, redis_cache, page_cache_on_redis
):
    from articles.pagecache import GENERATION_KEY
    from tests.factories import make_article

    generation = page_cache_on_redis
    make_article(title="Front page story")
    assert client.get("/")["X-Page-Cache"] == "miss"
    assert eventually(lambda: generation.get() is not None)
    assert client.get("/")["X-Page-Cache"] == "hit"  # the page read once from Redis
    with monkeypatch.context() as no_redis:
        no_redis.setattr(redis_cache, "get", refuse)
        no_redis.setattr(redis_cache, "get_many", refuse)
        again = client.get("/")
    assert again["X-Page-Cache"] == "hit"
    assert b"Front page story" in again.content

    elsewhere = RedisCache(REDIS_URL, {"KEY_PREFIX": redis_cache.key_prefix})
    WatchedValue(elsewhere, GENERATION_KEY).set("generation-from-elsewhere")
    assert eventually(lambda: generation.get() == "generation-from-elsewhere")
    assert client.get("/")["X-Page-Cache"] == "miss"


def test_every_backend_of_a_process_shares_one_watched_value(redis_cache):
    """Django makes a cache backend per thread: they must not each start a watcher."""
    other_thread_backend = RedisCache(REDIS_URL, {"KEY_PREFIX": redis_cache.key_prefix})
    assert other_thread_backend.watched("generation") is redis_cache.watched("generation")


def test_pages_kept_in_memory_age_out_like_the_stored_ones(client, page_cache_on_redis):
    from tests.factories import make_article

    make_article(title="Story")
    client.get("/")
    assert eventually(lambda: page_cache_on_redis.get() is not None)
    assert client.get("/")["X-Page-Cache"] == "hit"
    later = timezone.now() + dt.timedelta(seconds=301)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert client.get("/")["X-Page-Cache"] == "miss"
