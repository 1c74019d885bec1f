"""A Redis that cannot be reached or stops answering: pages are still served, fast.

None of these tests needs a Redis server: they talk to a closed port, or to a socket
that accepts connections and never answers (a hung Redis).
"""

import socket

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from newsroom import cache as cache_module
from newsroom.cache import RedisCache, RedisCacheClient


@pytest.fixture(autouse=True)
def _no_resting_servers(monkeypatch):
    monkeypatch.setattr(cache_module, "_resting_until", {})


@pytest.fixture
def hung_redis():
    """A port that completes the TCP handshake (the listen backlog) and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server.getsockname()[1]
    server.close()


def client_of(port: int):
    options = {"socket_timeout": 0.2, "socket_connect_timeout": 0.2}
    return RedisCacheClient([f"redis://127.0.0.1:{port}/0"], **options).get_client()


def test_after_one_timeout_the_server_fails_at_once_instead_of_timing_out_again(hung_redis):
    with pytest.raises(RedisTimeoutError):
        client_of(hung_redis).get("page")
    # Another client, even: the whole process stops asking that server for a while.
    with pytest.raises(RedisConnectionError, match="failed a moment ago"):
        client_of(hung_redis).get("page")


def test_a_failing_server_does_not_rest_another(hung_redis):
    with pytest.raises(RedisConnectionError):
        client_of(1).get("page")  # nothing listens on port 1: refused, and resting
    with pytest.raises(RedisTimeoutError):  # asked, not refused from memory
        client_of(hung_redis).get("page")


def test_the_server_is_asked_again_once_its_rest_is_over(hung_redis, monkeypatch):
    with pytest.raises(RedisTimeoutError):
        client_of(hung_redis).get("page")
    monkeypatch.setattr(cache_module, "_resting_until", {})  # as when RESTING_SECONDS pass
    with pytest.raises(RedisTimeoutError):
        client_of(hung_redis).get("page")


@pytest.mark.django_db
def test_without_redis_pages_are_rendered_and_not_stored(client, settings, monkeypatch):
    from articles import pagecache
    from tests.factories import make_article

    settings.NEWSROOM_PAGE_CACHE_SECONDS = 300
    settings.NEWSROOM_SHARED_CACHE = True
    unreachable = RedisCache("redis://127.0.0.1:1/0", {})
    monkeypatch.setattr(pagecache, "cache", unreachable)
    generation = unreachable.watched(pagecache.GENERATION_KEY)
    try:
        article = make_article(title="Story served without a cache")
        for path in ("/", article.path, "/feed/"):
            response = client.get(path)
            assert response.status_code == 200
            assert "X-Page-Cache" not in response
        assert b"Story served without a cache" in client.get("/").content
    finally:
        generation.stop()
