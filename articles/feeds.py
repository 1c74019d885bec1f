"""RSS 2.0 and Atom feeds of live articles: the latest, one tag's and one source's.

Each item carries the title, the canonical link, the publish and change times, the
summary as description, the source as author, the tags as categories, the lead
image as an enclosure and the full (sanitized on save) body as content. The GUID is
the article's permanent short link, so a changed slug does not make readers show
the item twice. Feeds answer 304 to a matching If-None-Match (see
``articles/syndication.py``).
"""

from __future__ import annotations

import copy
import datetime as dt
import mimetypes
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import escape
from django.views.decorators.http import require_safe
from taggit.models import Tag

from .links import absolute_url, source_path, tag_path
from .metadata import image_url
from .models import Article, Source
from .syndication import (
    FEED_SIZE,
    conditional_feed_response,
    feed_articles,
    feed_etag,
    last_changed,
    xml_safe,
)

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
# An enclosure must name a type; a lead image URL without a known extension is most
# likely a JPEG (length "0" is the RSS convention for "unknown").
FALLBACK_IMAGE_TYPE = "image/jpeg"


class ContentRssFeed(Rss201rev2Feed):
    """RSS 2.0 with the full body in ``content:encoded``."""

    def rss_attributes(self) -> dict[str, str]:
        return {**super().rss_attributes(), "xmlns:content": CONTENT_NS}

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])


class ContentAtomFeed(Atom1Feed):
    """Atom with the full body in ``<content type="html">``."""

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


def image_enclosure(article: Article) -> Enclosure | None:
    url = image_url(article)
    if not url:
        return None
    mime_type, _encoding = mimetypes.guess_type(urlsplit(url).path)
    return Enclosure(url, "0", mime_type or FALLBACK_IMAGE_TYPE)


class ArticleFeed(Feed):
    """The latest ``FEED_SIZE`` live articles of ``scope(obj)``, as RSS 2.0."""

    feed_type = ContentRssFeed
    feed_url_name = "articles:feed"

    @method_decorator(require_safe)
    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        obj = self.get_object(request, *args, **kwargs)
        items = list(self.articles(obj)[:FEED_SIZE])
        if obj is not None and not items:
            # Like the tag and source pages: nothing live is the same as nothing at all.
            raise Http404("No live articles")
        etag = feed_etag(items, f"{self.feed_type.__name__}:{obj!r}")
        return conditional_feed_response(request, etag, lambda: self.render(obj, items, request))

    def render(self, obj, items: list[Article], request: HttpRequest) -> HttpResponse:
        # This feed object serves every request; a copy carries this request's items.
        feed = copy.copy(self)
        feed.loaded_items = items
        feedgen = feed.get_feed(obj, request)
        response = HttpResponse(content_type=feedgen.content_type)
        feedgen.write(response, "utf-8")
        return response

    def articles(self, obj):
        return feed_articles()

    def items(self, obj):
        return self.loaded_items

    # The feed ---------------------------------------------------------------------

    def title(self, obj) -> str:
        return settings.SITE_NAME

    def link(self, obj) -> str:
        return absolute_url(reverse("articles:home"))

    def description(self, obj) -> str:
        return f"The latest news and press releases on {settings.SITE_NAME}."

    def subtitle(self, obj) -> str:
        return self.description(obj)

    def feed_url(self, obj) -> str:
        return absolute_url(reverse(self.feed_url_name))

    def author_name(self, obj) -> str:
        return settings.SITE_NAME

    # One item ---------------------------------------------------------------------

    def item_title(self, item: Article) -> str:
        return xml_safe(item.title)

    def item_description(self, item: Article) -> str | None:
        """The plain-text summary, HTML-escaped: both formats carry the description as HTML."""
        summary = xml_safe(item.summary or item.meta_description)
        return escape(summary) if summary else None

    def item_link(self, item: Article) -> str:
        return absolute_url(item.path)

    def item_guid(self, item: Article) -> str:
        return absolute_url(item.get_short_url())

    item_guid_is_permalink = True

    def item_pubdate(self, item: Article) -> dt.datetime:
        return item.publish_at

    def item_updateddate(self, item: Article) -> dt.datetime:
        return last_changed(item)

    def item_author_name(self, item: Article) -> str:
        return item.source.name

    def item_author_link(self, item: Article) -> str | None:
        return item.source.homepage or None

    def item_categories(self, item: Article) -> list[str]:
        return sorted(xml_safe(tag.name) for tag in item.tags.all())

    def item_enclosures(self, item: Article) -> list[Enclosure]:
        enclosure = image_enclosure(item)
        return [enclosure] if enclosure else []

    def item_extra_kwargs(self, item: Article) -> dict[str, str]:
        return {"content_html": xml_safe(item.body)}


class LatestArticlesFeed(ArticleFeed):
    """/feed/: every source, RSS 2.0."""


class LatestArticlesAtomFeed(ArticleFeed):
    """/feed/atom/: every source, Atom."""

    feed_type = ContentAtomFeed
    feed_url_name = "articles:feed_atom"


class TagFeed(ArticleFeed):
    """/tags/<slug>/feed/: one tag's live articles."""

    def get_object(self, request: HttpRequest, slug: str) -> Tag:
        return get_object_or_404(Tag, slug=slug)

    def articles(self, obj: Tag):
        return feed_articles(tag=obj)

    def title(self, obj: Tag) -> str:
        return f"{settings.SITE_NAME}: {xml_safe(obj.name)}"

    def link(self, obj: Tag) -> str:
        return absolute_url(tag_path(obj.slug))

    def description(self, obj: Tag) -> str:
        return f"The latest articles tagged {xml_safe(obj.name)} on {settings.SITE_NAME}."

    def feed_url(self, obj: Tag) -> str:
        return absolute_url(reverse("articles:tag_feed", kwargs={"slug": obj.slug}))


class SourceFeed(ArticleFeed):
    """/sources/<slug>/feed/: one source's live articles."""

    def get_object(self, request: HttpRequest, slug: str) -> Source:
        return get_object_or_404(Source, slug=slug)

    def articles(self, obj: Source):
        return feed_articles(source=obj)

    def title(self, obj: Source) -> str:
        return f"{settings.SITE_NAME}: {xml_safe(obj.name)}"

    def link(self, obj: Source) -> str:
        return absolute_url(source_path(obj.slug))

    def description(self, obj: Source) -> str:
        return f"The latest articles from {xml_safe(obj.name)} on {settings.SITE_NAME}."

    def feed_url(self, obj: Source) -> str:
        return absolute_url(reverse("articles:source_feed", kwargs={"slug": obj.slug}))
