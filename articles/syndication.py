"""What feeds and sitemaps share: absolute URLs, the articles a feed lists, caching.

Every URL a feed or sitemap prints is absolute under ``settings.SITE_URL``, whatever
host the request came in on. Every list starts from ``Article.objects.live()``.

Feed responses carry an ETag computed from the items they list (it changes when an
item is added, edited, renamed through its source or tags, or leaves the feed by
expiring or being unpublished). ``Cache-Control: max-age`` follows the opt-in
``NEWSROOM_HTTP_MAX_AGE`` and never reaches past the next moment an article goes
live or expires, so a reader's cache cannot hide either.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition
from taggit.models import Tag

from .filters import tagged_ids
from .models import Article, Source
from .pagecache import cache_epoch, max_age_until

FEED_SIZE = 50

# Characters XML 1.0 forbids even as references; wire copy occasionally carries them.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` without the control characters an XML document may not contain."""
    return XML_INVALID.sub("", text or "")


def last_changed(article: Article) -> dt.datetime:
    """When the public page last changed: its last edit, or going live if that was later."""
    return max(article.updated_at, article.publish_at)


def feed_articles(*, tag: Tag | None = None, source: Source | None = None) -> QuerySet:
    """Live articles for a feed, newest first, with their source and tags (constant queries).

    Unsliced: feeds take ``[:FEED_SIZE]`` of it, then ``feed_etag`` reads those.
    """
    articles = Article.objects.live().for_listing()
    if tag is not None:
        articles = articles.filter(pk__in=tagged_ids(tag=tag))
    if source is not None:
        articles = articles.filter(source=source)
    return articles


def feed_etag(articles: list[Article], representation: str) -> str:
    """A feed's ETag, from what each item shows that can change: the article (its last
    edit and publish time), its source's name and homepage, and its tags' names and
    slugs, which an editor can rename without touching the article.

    Only an ETag: a Last-Modified date cannot move when an item is withdrawn or a tag
    renamed, so a reader polling with If-Modified-Since alone would keep the old feed.
    """
    digest = hashlib.sha256(representation.encode())
    for article in articles:
        shown = (
            article.number,
            article.updated_at.timestamp(),
            article.publish_at.timestamp(),
            article.source.name,
            article.source.homepage,
            [(tag.name, tag.slug) for tag in article.tags.all()],
        )
        digest.update(repr(shown).encode())
    return f'"{digest.hexdigest()[:32]}"'


def feed_max_age(now: dt.datetime | None = None) -> int:
    """How long readers and proxies may keep a feed without asking again: the opt-in
    ``NEWSROOM_HTTP_MAX_AGE`` (default 0: always revalidate, cheaply, by ETag), never
    past the next go-live or expiry."""
    now = now or timezone.now()
    _generation, transition = cache_epoch(now)
    return max_age_until(transition.timestamp(), now, settings.NEWSROOM_HTTP_MAX_AGE)


def conditional_feed_response(
    request: HttpRequest, etag: str, render: Callable[[], HttpResponse]
) -> HttpResponse:
    """``render()``'s response with its ETag and Cache-Control, or a 304."""

    @condition(etag_func=lambda _request: etag)
    def respond(_request: HttpRequest) -> HttpResponse:
        return render()

    response = respond(request)
    patch_cache_control(response, public=True, max_age=feed_max_age())
    return response
