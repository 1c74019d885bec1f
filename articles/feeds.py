"""RSS 2.0 and Atom feeds of live articles: the latest, one tag's and one source's.

What each item carries is in ``articles/feed_items.py``; how it is written as XML in
``articles/feed_xml.py``. Feeds answer 304 to a matching If-None-Match (see
``articles/syndication.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.views.decorators.http import require_safe
from taggit.models import Tag

from .feed_items import atom_entry, rss_item
from .feed_xml import FeedXMLWriter
from .links import absolute_url, site_links, slug_path
from .lookup import source_by_slug, tag_by_slug
from .models import Source
from .syndication import (
    FeedEntry,
    conditional_feed_response,
    feed_entries,
    feed_etag,
    last_changed,
)

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"


class EntriesFeed:
    """What the two formats share: the articles (``FeedEntry``) they list, set by
    :meth:`ArticleFeed.render`, and the channel's date worked out from them."""

    entries: Sequence[FeedEntry] = ()

    def write_entries(
        self, handler: FeedXMLWriter, entry_markup: Callable[[FeedEntry, str], str]
    ) -> None:
        """Every entry, as ``entry_markup(entry, site_url)`` writes it."""
        site_url = settings.SITE_URL
        handler.raw("".join([entry_markup(entry, site_url) for entry in self.entries]))

    def latest_post_date(self) -> dt.datetime:
        """``SyndicationFeed.latest_post_date`` of the entries: the last change of any
        of them, or now when there is none."""
        changes = [last_changed(entry) for entry in self.entries]
        return max(changes) if changes else dt.datetime.now(tz=dt.UTC)


class ContentRssFeed(EntriesFeed, Rss201rev2Feed):
    """RSS 2.0 with the full body in ``content:encoded``: the channel written by
    FeedXMLWriter, each item by ``rss_item``."""

    def rss_attributes(self) -> dict[str, str]:
        return {**super().rss_attributes(), "xmlns:content": CONTENT_NS}

    def write(self, outfile, encoding: str) -> None:
        """``RssFeed.write`` with a FeedXMLWriter."""
        handler = FeedXMLWriter(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        self.add_stylesheets(handler)
        handler.startElement("rss", self.rss_attributes())
        handler.startElement("channel", self.root_attributes())
        self.add_root_elements(handler)
        self.write_entries(handler, rss_item)
        self.endChannelElement(handler)
        handler.endElement("rss")


class ContentAtomFeed(EntriesFeed, Atom1Feed):
    """Atom with the full body in ``<content type="html">``: the feed's elements
    written by FeedXMLWriter, each entry by ``atom_entry``."""

    def write(self, outfile, encoding: str) -> None:
        """``Atom1Feed.write`` with a FeedXMLWriter."""
        handler = FeedXMLWriter(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_entries(handler, atom_entry)
        handler.endElement("feed")


class ArticleFeed(Feed):
    """The latest ``FEED_SIZE`` live articles of ``entries(obj)``, as RSS 2.0.

    Django's ``Feed`` builds the channel (title, links, description); the items are
    the entries :meth:`render` hands the feed, each written by ``feed_items.py``,
    rather than through ``Feed.get_feed``, which looks up and inspects a dozen
    ``item_*`` methods for every item and writes each element in three calls.
    """

    feed_type = ContentRssFeed
    feed_url_name = "articles:feed"

    @method_decorator(require_safe)
    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        obj = self.get_object(request, *args, **kwargs)
        entries = self.entries(obj)
        if obj is not None and not entries:
            # Like the tag and source pages: nothing live is the same as nothing at all.
            raise Http404("No live articles")
        etag = feed_etag(entries, f"{self.feed_type.__name__}:{obj!r}")
        return conditional_feed_response(request, etag, lambda: self.render(obj, entries, request))

    def render(self, obj, entries: Sequence[FeedEntry], request: HttpRequest) -> HttpResponse:
        feedgen = self.get_feed(obj, request)
        feedgen.entries = entries
        return HttpResponse(feedgen.writeString("utf-8"), content_type=feedgen.content_type)

    def entries(self, obj) -> list[FeedEntry]:
        return feed_entries()

    def items(self, obj) -> tuple:
        """No items for ``Feed.get_feed``: :meth:`render` hands the feed its entries."""
        return ()

    # The feed ---------------------------------------------------------------------

    def title(self, obj) -> str:
        return settings.SITE_NAME

    def link(self, obj) -> str:
        return absolute_url(site_links()["home"])

    def description(self, obj) -> str:
        return f"The latest news and press releases on {settings.SITE_NAME}."

    def subtitle(self, obj) -> str:
        return self.description(obj)

    def feed_url(self, obj) -> str:
        return absolute_url(site_links()[self.feed_url_name.removeprefix("articles:")])

    def author_name(self, obj) -> str:
        return settings.SITE_NAME


class LatestArticlesFeed(ArticleFeed):
    """/feed/: every source, RSS 2.0."""


class LatestArticlesAtomFeed(ArticleFeed):
    """/feed/atom/: every source, Atom."""

    feed_type = ContentAtomFeed
    feed_url_name = "articles:feed_atom"


class ScopedFeed(ArticleFeed):
    """The live articles of one tag or one source, named by its slug in the URL."""

    page_url_name: str  # the view of the tag's or source's page
    scope_phrase: str  # how the description names it, "{}" for its name

    def title(self, obj: Tag | Source) -> str:
        return f"{settings.SITE_NAME}: {obj.name}"

    def link(self, obj: Tag | Source) -> str:
        return absolute_url(slug_path(self.page_url_name, obj.slug))

    def description(self, obj: Tag | Source) -> str:
        scope = self.scope_phrase.format(obj.name)
        return f"The latest articles {scope} on {settings.SITE_NAME}."

    def feed_url(self, obj: Tag | Source) -> str:
        return absolute_url(slug_path(self.feed_url_name, obj.slug))


class TagFeed(ScopedFeed):
    """/tags/<slug>/feed/: one tag's live articles."""

    page_url_name, feed_url_name, scope_phrase = "articles:tag", "articles:tag_feed", "tagged {}"

    def get_object(self, request: HttpRequest, slug: str) -> Tag:
        return tag_by_slug(slug)

    def entries(self, obj: Tag) -> list[FeedEntry]:
        return feed_entries(tag=obj)


class SourceFeed(ScopedFeed):
    """/sources/<slug>/feed/: one source's live articles."""

    page_url_name, feed_url_name = "articles:source", "articles:source_feed"
    scope_phrase = "from {}"

    def get_object(self, request: HttpRequest, slug: str) -> Source:
        return source_by_slug(slug)

    def entries(self, obj: Source) -> list[FeedEntry]:
        return feed_entries(source=obj)
