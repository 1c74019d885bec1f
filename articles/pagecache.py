"""Server-side page cache for anonymous readers that is safe around scheduling.

A cached page must never show an article that is no longer live, nor hide one that
has just gone live. Two things change what is live:

- a write (an editor saves, an import runs): every write bumps the *content
  generation*, a token in the shared cache;
- the clock: an article's publish or expiry time passes. The *next transition*,
  the earliest future publish or expiry time of any published article, is looked
  up once per generation.

Page keys contain both, so a write or a passing transition makes every older
entry unreachable at once, with no job to run. The cache must be shared by all
server processes (Redis: set ``REDIS_URL``), which is why the page cache only
turns on when one is configured or ``NEWSROOM_PAGE_CACHE_SECONDS`` says so.

Browsers and proxies are told nothing by default: a proxy cannot be told that an
article was unpublished. ``NEWSROOM_HTTP_MAX_AGE`` opts in to ``Cache-Control:
public`` for anonymous pages, never reaching past the next transition.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db.models import Subquery
from django.utils import timezone
from django.utils.cache import patch_cache_control

from .models import Article

GENERATION_KEY = "newsroom:generation"
# Search results are one-off pages: caching each distinct ?q= would only fill the cache.
SKIPPED_PREFIXES = ("/admin/", "/static/", "/media/", "/search/")
NEVER = dt.datetime.max.replace(tzinfo=dt.UTC)


def bump_generation() -> None:
    """Make every cached page stale: called after any write to articles, sources or tags."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def current_generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        if not cache.add(GENERATION_KEY, generation, None):
            generation = cache.get(GENERATION_KEY, generation)
    return generation


def next_transition(now: dt.datetime) -> dt.datetime:
    """The earliest future moment at which an article goes live or expires.

    One query of two scalar subqueries, each an ordered seek on an index
    (article_live_idx, article_expiry_idx), whatever the table size.
    """
    published = Article.objects.filter(status=Article.Status.PUBLISHED)
    next_publish = published.filter(publish_at__gt=now).order_by("publish_at")
    next_expiry = published.filter(expires_at__gt=now).order_by("expires_at")
    row = (
        Article.objects.annotate(
            next_publish=Subquery(next_publish.values("publish_at")[:1]),
            next_expiry=Subquery(next_expiry.values("expires_at")[:1]),
        )
        .values_list("next_publish", "next_expiry")
        .first()
    )
    return min((moment for moment in row or () if moment), default=NEVER)


# The transition of one generation, remembered in this process: it holds from the
# moment it was computed until it passes, since nothing else changes within a
# generation. Saves a cache round trip on every request.
_remembered: tuple[str, dt.datetime, dt.datetime] | None = None  # generation, from, transition


def cache_epoch(now: dt.datetime) -> tuple[str, dt.datetime]:
    """(generation, next transition) for building page keys; one lookup per generation."""
    global _remembered
    generation = current_generation()
    if not settings.NEWSROOM_SHARED_CACHE:
        # A cache private to this process never hears of another process's writes, so
        # its remembered transition could be too late: ask the database (two seeks).
        return generation, next_transition(now)
    if _remembered and _remembered[0] == generation and _remembered[1] <= now < _remembered[2]:
        return generation, _remembered[2]
    key = f"newsroom:transition:{generation}"
    transition = cache.get(key)
    if transition is None or transition <= now:
        transition = next_transition(now)
        cache.set(key, transition, None if transition == NEVER else _seconds(now, transition))
    _remembered = (generation, now, transition)
    return generation, transition


def _seconds(now: dt.datetime, later: dt.datetime) -> int:
    return max(1, int((later - now).total_seconds()))


class PageCacheMiddleware:
    """Serve anonymous GET requests for public pages from the cache; store fresh 200s."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        store_seconds = settings.NEWSROOM_PAGE_CACHE_SECONDS
        http_max_age = settings.NEWSROOM_HTTP_MAX_AGE
        if not (store_seconds > 0 or http_max_age > 0) or not self._cacheable_request(request):
            return self.get_response(request)
        now = timezone.now()
        generation, transition = cache_epoch(now)
        key = self._key(request, generation, transition)
        cached = cache.get(key) if store_seconds > 0 else None
        if cached is not None:
            cached["X-Page-Cache"] = "hit"
            return self._with_http_caching(cached, now, transition, http_max_age)
        response = self.get_response(request)
        if self._cacheable_response(response):
            self._with_http_caching(response, now, transition, http_max_age)
            if store_seconds > 0:
                cache.set(key, response, min(store_seconds, _seconds(now, transition)))
                response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def _cacheable_request(request) -> bool:
        return (
            request.method in {"GET", "HEAD"}
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(SKIPPED_PREFIXES)
        )

    @staticmethod
    def _cacheable_response(response) -> bool:
        cache_control = response.get("Cache-Control", "")
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not any(word in cache_control for word in ("private", "no-cache", "no-store"))
        )

    @staticmethod
    def _key(request, generation: str, transition: dt.datetime) -> str:
        url = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        return f"newsroom:page:{generation}:{transition.timestamp():.0f}:{request.method}:{url}"

    @staticmethod
    def _with_http_caching(response, now: dt.datetime, transition: dt.datetime, max_age: int):
        """Let browsers and proxies keep the page, but never past the next transition."""
        if max_age > 0 and "max-age" not in response.get("Cache-Control", ""):
            max_age = min(max_age, _seconds(now, transition) - 1)
            patch_cache_control(response, public=True, max_age=max(0, max_age))
        return response
