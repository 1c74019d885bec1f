"""RSS 2.0 and Atom feeds of live articles: the latest, one tag's and one source's.

Each item carries the title, the canonical link, the publish and change times, the
summary as description, the source as author, the tags as categories, the lead
image as an enclosure and the full (sanitized on save) body as content. The GUID is
the article's permanent short link, so a changed slug does not make readers show
the item twice. Feeds answer 304 to a matching If-None-Match (see
``articles/syndication.py``). Every text leaves out the characters XML 1.0 cannot
hold, which wire copy occasionally carries (see :class:`FeedXMLWriter`).
"""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import require_safe
from taggit.models import Tag

from .links import absolute_url, slug_path
from .lookup import source_by_slug, tag_by_slug
from .models import Source
from .syndication import (
    FeedEntry,
    conditional_feed_response,
    feed_entries,
    feed_etag,
    last_changed,
    xml_safe,
)

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
# An enclosure must name a type; a lead image URL without a known extension is most
# likely a JPEG (length "0" is the RSS convention for "unknown").
FALLBACK_IMAGE_TYPE = "image/jpeg"


def xml_text(content: str) -> str:
    """``content`` as element text: escaped as SimplerXMLGenerator escapes it, and
    without the characters XML 1.0 cannot hold (see ``xml_safe``), where
    SimplerXMLGenerator raises UnserializableContentError for the control characters."""
    # saxutils.escape, inlined: a feed escapes a few hundred texts.
    return xml_safe(content).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def xml_attributes(attrs: dict[str, str] | None) -> str:
    """`` name="value"`` for each attribute, sorted by name, as SimplerXMLGenerator
    writes them."""
    if not attrs:
        return ""
    return "".join(f" {name}={_quoted(value)}" for name, value in sorted(attrs.items()))


@lru_cache(maxsize=1024)
def _quoted(value: str) -> str:
    """``quoteattr(value)``, remembered: most attribute values of a feed recur (the
    GUID's isPermaLink, the Dublin Core namespace, the enclosures' types)."""
    return quoteattr(value)


class FeedXMLWriter(SimplerXMLGenerator):
    """SimplerXMLGenerator's output in fewer calls, and never an invalid character.

    Django writes each element as startElement, characters and endElement, each
    checking, escaping and writing on its own: a feed is hundreds of elements.
    This writes an element with its text in one piece, and cleans text (``xml_text``)
    instead of refusing it: every text is scanned once, here, so the feeds need not
    clean a 3,000-character body first and have it scanned again. For text without
    such characters the output is SimplerXMLGenerator's, byte for byte.

    Give it a ``StringIO`` (``writeString``): Django's feeds write straight to the
    response, one ``HttpResponse.write`` (and encode) per piece.
    """

    def _close_start_tag(self) -> None:
        if self._pending_start_element:
            self._write(">")
            self._pending_start_element = False

    def _text(self, content) -> str:
        if not isinstance(content, str):
            content = str(content, self._encoding)
        return xml_text(content)

    def startElement(self, name: str, attrs: dict[str, str] | None) -> None:
        self._close_start_tag()
        self._write(f"<{name}{xml_attributes(attrs)}")
        self._pending_start_element = True

    def characters(self, content) -> None:
        text = self._text(content) if content else ""
        if text:
            self._close_start_tag()
            self._write(text)

    def addQuickElement(self, name: str, contents=None, attrs=None) -> None:
        self._close_start_tag()
        text = self._text(contents) if contents else ""
        start = f"<{name}{xml_attributes(attrs)}"
        self._write(f"{start}>{text}</{name}>" if text else f"{start}/>")


class ContentRssFeed(Rss201rev2Feed):
    """RSS 2.0 with the full body in ``content:encoded``, written by FeedXMLWriter."""

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
        self.write_items(handler)
        self.endChannelElement(handler)
        handler.endElement("rss")

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])


class ContentAtomFeed(Atom1Feed):
    """Atom with the full body in ``<content type="html">``, written by FeedXMLWriter."""

    def write(self, outfile, encoding: str) -> None:
        """``Atom1Feed.write`` with a FeedXMLWriter."""
        handler = FeedXMLWriter(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


def html_summary(summary: str) -> str | None:
    """The plain-text summary, HTML-escaped (both formats carry the description as
    HTML), or None for no description: cleaned first, so a summary of nothing but
    characters XML cannot hold is none."""
    summary = xml_safe(summary)
    return escape(summary) if summary else None


def image_enclosures(url: str) -> list[Enclosure]:
    """The lead image (an absolute URL, or "") as the item's one enclosure."""
    if not url:
        return []
    mime_type, _encoding = mimetypes.guess_type(urlsplit(url).path)
    return [Enclosure(url, "0", mime_type or FALLBACK_IMAGE_TYPE)]


class ArticleFeed(Feed):
    """The latest ``FEED_SIZE`` live articles of ``scope(obj)``, as RSS 2.0.

    Django's ``Feed`` builds the channel (title, links, description); the items are
    added by :meth:`render`, from :meth:`item_fields`, rather than through
    ``Feed.get_feed``, which looks up and inspects a dozen ``item_*`` methods for
    every item.
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

    def render(self, obj, entries: list[FeedEntry], request: HttpRequest) -> HttpResponse:
        feedgen = self.get_feed(obj, request)
        for entry in entries:
            feedgen.add_item(**self.item_fields(entry))
        return HttpResponse(feedgen.writeString("utf-8"), content_type=feedgen.content_type)

    def entries(self, obj) -> list[FeedEntry]:
        return feed_entries()

    def items(self, obj) -> tuple:
        """None for ``Feed.get_feed``: :meth:`render` adds them."""
        return ()

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

    def item_fields(self, entry: FeedEntry) -> dict:
        """The keyword arguments of ``SyndicationFeed.add_item`` for one article.

        The GUID is the permanent short link, so a changed slug does not make readers
        show the item twice; the source is the author and the tags are the categories.
        """
        return {
            "title": entry.title,
            "link": absolute_url(entry.path),
            "description": html_summary(entry.summary),
            "unique_id": absolute_url(entry.short_path),
            "unique_id_is_permalink": True,
            "enclosures": image_enclosures(entry.image),
            "pubdate": entry.publish_at,
            "updateddate": last_changed(entry),
            "author_name": entry.source_name,
            "author_link": entry.source_homepage or None,
            # In the order readers see them: sorted once cleaned.
            "categories": sorted(xml_safe(name) for name, _slug in entry.tags),
            "content_html": entry.body,
        }


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
