"""Server-side page cache for anonymous readers that is safe around scheduling.

A cached page must never show an article that is no longer live, nor hide one that
has just gone live. Two things change what is live:

- a write (an editor saves, an import runs): every write bumps the *content
  generation*, a token in the shared cache;
- the clock: an article's publish or expiry time passes. The *next transition*,
  the earliest future publish or expiry time of any published article, is looked
  up once per generation.

Every stored page carries both, and is served only while the generation is still
the current one and its transition has not passed, so a write or a passing
transition makes every older page stale at once, with no job to run. The cache
must be shared by all server processes (Redis: set ``REDIS_URL``), which is why the
page cache only turns on with one.

With Redis, every process hears of a new generation by pub/sub the moment it is
set (newsroom.cache.WatchedValue) and keeps the pages it serves in memory for that
generation, so a hit costs no round trip; if the subscription is lost, hits read
the generation and the page together, in one round trip, until it is back. Hits are
served twice over by the same code: by :class:`PageCacheMiddleware`, first in
``MIDDLEWARE``, and before Django runs at all by the WSGI wrapper
:class:`PageCacheApp` (newsroom/wsgi.py), which is what makes cached pages cheap.

Browsers and proxies are told nothing by default: a proxy cannot be told that an
article was unpublished. ``NEWSROOM_HTTP_MAX_AGE`` opts in to ``Cache-Control:
public`` for anonymous pages, never reaching past the next transition.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from http import HTTPStatus
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags
from redis.exceptions import RedisError

from .transitions import NEVER, next_transition

logger = logging.getLogger(__name__)
# A cache that fails is a miss: the page is rendered from the database and not stored.
CACHE_ERRORS = (RedisError,)
# Part of every page key: a change to what a stored page holds gets fresh keys.
PAGE_FORMAT = 2

GENERATION_KEY = "newsroom:generation"
SKIPPED_PREFIXES = ("/admin/", "/static/", "/media/")
# Every query string is a search page of its own, most asked once: such a page is
# stored only when it is asked for again within a page's lifetime. A flood of one-off
# queries then leaves small markers in the cache, not pages.
ASKED_TWICE_PREFIXES = ("/search/",)


def watched_generation():
    """The generation as this process last heard it from Redis pub/sub, when the cache
    is Redis (newsroom.cache.RedisCache): reading it costs no round trip."""
    watched = getattr(cache, "watched", None)
    return watched(GENERATION_KEY) if watched is not None else None


def bump_generation() -> None:
    """Make every cached page stale: called after any write to articles, sources or tags.

    If Redis fails to take the new generation, this raises, and the watched value owes
    it: this process goes by it at once, every other one once Redis answers again.
    """
    generation = uuid.uuid4().hex
    watched = watched_generation()
    if watched is not None:
        watched.set(generation)  # and tell every process at once
    else:
        cache.set(GENERATION_KEY, generation, None)


def current_generation() -> str:
    watched = watched_generation()
    generation = watched.get() if watched is not None else None
    if generation is not None:
        return generation
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        if watched is not None:
            added = watched.add(generation)  # and tell every process
        else:
            added = cache.add(GENERATION_KEY, generation, None)
        if not added:
            generation = cache.get(GENERATION_KEY, generation)
    return generation


# The transition of one generation, remembered in this process: it holds from the
# moment it was computed until it passes, since nothing else changes within a
# generation. Saves a cache round trip on every request.
_remembered: tuple[str, dt.datetime, dt.datetime] | None = None  # generation, from, transition


def cache_epoch(now: dt.datetime) -> tuple[str | None, dt.datetime]:
    """(generation, next transition) to store pages under; one lookup per generation.

    The generation is None when the cache cannot be reached: store nothing then.
    """
    global _remembered
    try:
        generation = current_generation()
    except CACHE_ERRORS:
        logger.warning("The page cache is unreachable; pages are rendered, not stored")
        return None, next_transition(now)
    if not settings.NEWSROOM_SHARED_CACHE:
        # A cache private to this process never hears of another process's writes, so
        # its remembered transition could be too late: ask the database (two seeks).
        return generation, next_transition(now)
    if _remembered and _remembered[0] == generation and _remembered[1] <= now < _remembered[2]:
        return generation, _remembered[2]
    key = f"newsroom:transition:{generation}"
    try:
        transition = cache.get(key)
    except CACHE_ERRORS:
        return None, next_transition(now)
    if transition is None or transition <= now:
        transition = next_transition(now)
        try:
            cache.set(key, transition, None if transition == NEVER else _seconds(now, transition))
        except CACHE_ERRORS:
            return None, transition
    _remembered = (generation, now, transition)
    return generation, transition


def _seconds(now: dt.datetime, later: dt.datetime) -> int:
    return max(1, int((later - now).total_seconds()))


class StoredPage(NamedTuple):
    """A rendered page as the cache keeps it: the final status, headers and bytes."""

    generation: str
    transition: float  # timestamp of the next transition when it was rendered
    stored_at: float
    status: int
    headers: list[tuple[str, str]]
    content: bytes


def is_cacheable_request(request: HttpRequest) -> bool:
    """Anonymous GET or HEAD of a public page, for a host Django would answer."""
    if request.method not in {"GET", "HEAD"} or request.path_info.startswith(SKIPPED_PREFIXES):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return False  # SecurityMiddleware answers with a redirect
    try:
        request.get_host()
    except DisallowedHost:
        return False  # Django answers 400
    return True


def is_cacheable_response(response: HttpResponse) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not any(word in cache_control for word in ("private", "no-cache", "no-store"))
    )


def worth_storing(request: HttpRequest) -> bool:
    """Whether to store this page: always, but for a search asked for the first time."""
    if not request.path_info.startswith(ASKED_TWICE_PREFIXES):
        return True
    marker = f"newsroom:asked:{page_key(request)}"
    try:
        first_time = cache.add(marker, 1, settings.NEWSROOM_PAGE_CACHE_SECONDS)
    except CACHE_ERRORS:
        return False
    return not first_time


def page_key(request: HttpRequest) -> str:
    """From the request as the server received it, so both servers of hits agree; the
    scheme too, since https pages carry headers (HSTS) that http pages do not."""
    meta = request.META
    parts = (
        PAGE_FORMAT,
        request.scheme,
        meta.get("SCRIPT_NAME", ""),
        meta.get("PATH_INFO", ""),
        meta.get("QUERY_STRING", ""),
    )
    digest = hashlib.sha256(repr(parts).encode("utf-8", "surrogateescape")).hexdigest()
    return f"newsroom:page:{request.method}:{digest}"


class ServedPages:
    """Pages this process has served, kept for one generation (at most ``max_bytes``).

    Only used while the generation is watched (pub/sub): a hit then costs no round
    trip at all. A new generation, or a new subscription (whatever was missed while
    it was down), empties it.
    """

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.version: tuple | None = None  # (subscription, generation)
        self.pages: dict[str, StoredPage] = {}
        self.size = 0

    def get(self, version: tuple, key: str) -> StoredPage | None:
        if version != self.version:
            self.version, self.pages, self.size = version, {}, 0
        return self.pages.get(key)

    def put(self, version: tuple, key: str, page: StoredPage) -> None:
        if version != self.version:
            return
        if self.size + len(page.content) > self.max_bytes:
            self.pages, self.size = {}, 0
        self.pages[key] = page
        self.size += len(page.content)


served_pages = ServedPages()


def cached_page(request: HttpRequest, now: dt.datetime) -> StoredPage | None:
    """The stored page for ``request``, if it is still current; None on any cache error.

    With the generation watched, from this process's memory, or one round trip for
    the page; otherwise one round trip for the generation and the page together.
    """
    try:
        page, generation = _stored_page(page_key(request))
    except CACHE_ERRORS:
        logger.warning("The page cache is unreachable; pages are rendered, not stored")
        return None
    if page is None or page.generation != generation:
        return None
    moment = now.timestamp()
    if moment >= page.transition:
        return None
    if moment - page.stored_at >= settings.NEWSROOM_PAGE_CACHE_SECONDS:
        return None  # the bound on a page whose staleness nothing else could signal
    return page


def _stored_page(key: str) -> tuple[StoredPage | None, str | None]:
    watched = watched_generation()
    generation = watched.get() if watched is not None else None
    if generation is None:
        found = cache.get_many([GENERATION_KEY, key])
        return found.get(key), found.get(GENERATION_KEY)
    version = (watched.subscription, generation)
    page = served_pages.get(version, key)
    if page is None:
        page = cache.get(key)
        if page is not None and page.generation == generation:
            served_pages.put(version, key, page)
    return page, generation


def store_page(
    request: HttpRequest,
    response: HttpResponse,
    generation: str,
    now: dt.datetime,
    transition: dt.datetime,
) -> None:
    seconds = min(settings.NEWSROOM_PAGE_CACHE_SECONDS, _seconds(now, transition))
    page = StoredPage(
        generation,
        transition.timestamp(),
        now.timestamp(),
        response.status_code,
        list(response.items()),
        response.content,
    )
    try:
        cache.set(page_key(request), page, seconds)
    except CACHE_ERRORS:
        logger.warning("The page cache is unreachable; pages are rendered, not stored")


def max_age_until(transition: float, now: dt.datetime, wanted: int) -> int:
    """``wanted`` seconds of max-age, cut short so that no copy a browser or proxy
    keeps outlives the next transition (a timestamp)."""
    return max(0, min(wanted, int(transition - now.timestamp()) - 1))


def served_headers(page: StoredPage, now: dt.datetime) -> list[tuple[str, str]]:
    """The stored headers for a hit, with the opt-in max-age counted from now.

    A max-age the view set itself (feeds) counted from when the page was stored, so
    that one goes out with the page's ``Age``, which browsers and proxies subtract.
    """
    headers = [(name, value) for name, value in page.headers if name != "Cache-Control"]
    cache_control = dict(page.headers).get("Cache-Control", "")
    if "max-age" in cache_control:
        headers.append(("Age", str(max(0, int(now.timestamp() - page.stored_at)))))
    elif settings.NEWSROOM_HTTP_MAX_AGE > 0:
        max_age = max_age_until(page.transition, now, settings.NEWSROOM_HTTP_MAX_AGE)
        cache_control = f"public, max-age={max_age}"
    if cache_control:
        headers.append(("Cache-Control", cache_control))
    headers.append(("X-Page-Cache", "hit"))
    return headers


# What a 304 keeps of a stored page's headers.
NOT_MODIFIED_HEADERS = {"Age", "Cache-Control", "ETag", "Vary", "X-Page-Cache"}


def answer_hit(
    request: HttpRequest, page: StoredPage, now: dt.datetime
) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) for a hit: the page, or a 304 if the client holds it."""
    headers = served_headers(page, now)
    etag = dict(page.headers).get("ETag")
    if etag and _etag_matches(etag, request.META.get("HTTP_IF_NONE_MATCH", "")):
        return 304, [(name, value) for name, value in headers if name in NOT_MODIFIED_HEADERS], b""
    return page.status, headers, page.content


def _etag_matches(etag: str, if_none_match: str) -> bool:
    """The weak comparison RFC 9110 asks of If-None-Match."""
    if if_none_match.strip() == "*":
        return True
    return etag.removeprefix("W/") in (tag.removeprefix("W/") for tag in parse_etags(if_none_match))


def _page_cache_on() -> bool:
    return settings.NEWSROOM_PAGE_CACHE_SECONDS > 0


# Set in the WSGI environ when PageCacheApp found no page: the middleware then goes
# straight to rendering instead of asking the cache a second time.
FRONT_MISSED = "newsroom.page_cache_missed"


class PageCacheMiddleware:
    """Serve anonymous GET requests for public pages from the cache; store fresh 200s.

    First in ``MIDDLEWARE``, so what it stores is the final response, with the
    headers every other middleware added.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        http_max_age = settings.NEWSROOM_HTTP_MAX_AGE
        if not (_page_cache_on() or http_max_age > 0) or not is_cacheable_request(request):
            return self.get_response(request)
        now = timezone.now()
        looked_up = request.META.get(FRONT_MISSED)  # PageCacheApp looked already
        page = cached_page(request, now) if _page_cache_on() and not looked_up else None
        if page is not None:
            status, headers, content = answer_hit(request, page, now)
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            return response
        # Read before rendering: a write during the render then leaves this page stale.
        generation, transition = cache_epoch(now)
        response = self.get_response(request)
        if is_cacheable_response(response):
            if _page_cache_on() and generation is not None:
                if worth_storing(request):
                    store_page(request, response, generation, now, transition)
                response["X-Page-Cache"] = "miss"
            _with_http_caching(response, now, transition, http_max_age)
        return response


class PageCacheApp:
    """WSGI wrapper: answer page-cache hits before Django handles the request at all.

    A hit served here skips the request/response cycle, the middleware and the
    signals; everything else, misses included, goes to Django, where
    :class:`PageCacheMiddleware` stores pages. Both decide with the same functions.
    """

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if _page_cache_on():
            request = WSGIRequest(environ)
            if is_cacheable_request(request):
                now = timezone.now()
                page = cached_page(request, now)
                if page is not None:
                    status, headers, content = answer_hit(request, page, now)
                    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
                    return [content]
                environ[FRONT_MISSED] = True
        return self.application(environ, start_response)


def _with_http_caching(response, now: dt.datetime, transition: dt.datetime, max_age: int):
    """Let browsers and proxies keep the page, but never past the next transition."""
    if max_age > 0 and "max-age" not in response.get("Cache-Control", ""):
        max_age = max_age_until(transition.timestamp(), now, max_age)
        patch_cache_control(response, public=True, max_age=max_age)
    return response
