"""Each live article as an RSS 2.0 ``<item>`` and an Atom ``<entry>``.

What an item carries: the title, the canonical link, the summary as the HTML
description, the source as author (with its homepage in Atom), the publish time and
(in Atom) the last change, the permanent short link as the GUID (so a changed slug
does not make readers show the item twice), the tags as categories, sorted, the
lead image as the one enclosure, and the full body, sanitized when it was saved.

Each item is written as one string: what Django's ``Rss201rev2Feed`` and
``Atom1Feed`` write for the same item given to ``SyndicationFeed.add_item`` (plus
the body, as ``content:encoded`` and Atom ``content``), byte for byte, in a fraction
of the time; ``tests/test_feeds.py`` checks the two against each other. Every text
leaves out the characters XML 1.0 cannot hold (see ``feed_xml.xml_text``).

An item's markup is a function of its entry and the site URL alone, and a feed lists
mostly the items it listed on the last request, so each process remembers the markup
of the items it wrote lately (:func:`remembered`).
"""

from __future__ import annotations

import html
import mimetypes
import re
from collections.abc import Callable
from functools import lru_cache, wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import get_script_prefix
from django.utils.encoding import iri_to_uri

from .feed_xml import element, rfc2822, xml_attribute
from .syndication import FeedEntry, last_changed, xml_safe

DUBLIN_CORE_CREATOR = ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
# The longest body whose item is remembered (see remembered()), in characters.
REMEMBERED_BODY_LENGTH = 50_000
# An enclosure must name a type; a lead image URL without a known extension is most
# likely a JPEG (length "0" is the RSS convention for "unknown").
FALLBACK_IMAGE_TYPE = "image/jpeg"


def remembered(write: Callable[[FeedEntry, str], str]) -> Callable[[FeedEntry, str], str]:
    """``write(entry, site_url)``, remembered for the entries written last
    (``NEWSROOM_FEED_ITEMS_REMEMBERED`` of them per format, 0 for none).

    The entry is the key, every field of it, the body included, with the site URL and
    the URL prefix the short link is written under: a remembered item is served only
    for an entry equal to the one it was written from, so an edit, a renamed source or
    tag, a new image, anything the item shows, writes it anew. Which articles a feed
    lists is read from the database on every request. Times must be in UTC, as the
    database gives them: the same moment in another zone is an equal key, and would
    be written with UTC's offset. Writing an item cost about 50 microseconds at 2,500
    characters of body; finding it, a few. Each remembered item holds its entry and its
    markup, about twice its body, so an item whose body is longer than
    ``REMEMBERED_BODY_LENGTH`` is written every time: a process then holds at most
    about 25 million characters of them per format (25 MB of ASCII text), where a
    wire file may be 5 MB.
    """
    memo = lru_cache(maxsize=settings.NEWSROOM_FEED_ITEMS_REMEMBERED)(
        lambda entry, site_url, _script_prefix: write(entry, site_url)
    )

    @wraps(write)
    def write_remembered(entry: FeedEntry, site_url: str) -> str:
        if len(entry.body) > REMEMBERED_BODY_LENGTH:
            return write(entry, site_url)
        return memo(entry, site_url, get_script_prefix())

    write_remembered.cache_info = memo.cache_info
    write_remembered.cache_clear = memo.cache_clear
    return write_remembered


@remembered
def rss_item(entry: FeedEntry, site_url: str) -> str:
    """The article as an RSS 2.0 ``<item>``; its links under ``site_url`` (as
    ``links.absolute_url`` writes them, read once for the whole feed)."""
    parts = [
        "<item>",
        element("title", entry.title),
        element("link", uri(f"{site_url}{entry.path}")),
    ]
    summary = html_summary(entry.summary)
    if summary is not None:
        parts.append(element("description", summary))
    if entry.source_name:
        parts.append(element("dc:creator", entry.source_name, DUBLIN_CORE_CREATOR))
    parts += [
        element("pubDate", rfc2822(entry.publish_at)),
        element("guid", f"{site_url}{entry.short_path}", ' isPermaLink="true"'),
    ]
    if entry.image:
        url, media_type = _enclosure(entry.image)
        parts.append(f'<enclosure length="0" type={media_type} url={url}/>')
    parts.extend(element("category", name) for name in categories(entry))
    if entry.body:
        parts.append(element("content:encoded", entry.body))
    parts.append("</item>")
    return "".join(parts)


@remembered
def atom_entry(entry: FeedEntry, site_url: str) -> str:
    """The article as an Atom ``<entry>``; its links under ``site_url``."""
    parts = [
        "<entry>",
        element("title", entry.title),
        f'<link href={xml_attribute(uri(f"{site_url}{entry.path}"))} rel="alternate"/>',
        element("published", entry.publish_at.isoformat()),
        element("updated", last_changed(entry).isoformat()),
        "<author>",
        element("name", entry.source_name),
    ]
    if entry.source_homepage:
        parts.append(element("uri", uri(entry.source_homepage)))
    parts += ["</author>", element("id", f"{site_url}{entry.short_path}")]
    summary = html_summary(entry.summary)
    if summary is not None:
        parts.append(element("summary", summary, ' type="html"'))
    if entry.image:
        url, media_type = _enclosure(entry.image)
        parts.append(f'<link href={url} length="0" rel="enclosure" type={media_type}/>')
    parts.extend(f"<category term={xml_attribute(name)}/>" for name in categories(entry))
    if entry.body:
        parts.append(element("content", entry.body, ' type="html"'))
    parts.append("</entry>")
    return "".join(parts)


def html_summary(summary: str) -> str | None:
    """The plain-text summary, HTML-escaped (both formats carry the description as
    HTML), or None for no description: cleaned first, so a summary of nothing but
    characters XML cannot hold is none."""
    summary = xml_safe(summary)
    return html.escape(summary) if summary else None


def categories(entry: FeedEntry) -> list[str]:
    """The tags' names, cleaned, in the order readers see them: sorted."""
    return sorted(xml_safe(name) for name, _slug in entry.tags)


def _enclosure(image_url: str) -> tuple[str, str]:
    """The lead image's enclosure URL and media type, each as a quoted attribute."""
    return xml_attribute(uri(image_url)), _quoted_type(image_type(image_url))


@lru_cache(maxsize=64)
def _quoted_type(media_type: str) -> str:
    return xml_attribute(media_type)


# The URLs ``iri_to_uri`` leaves as they are: ASCII letters, digits and the
# characters it and ``urllib.parse.quote`` call safe.
_URI_AS_IS = re.compile(r"[A-Za-z0-9_.~/#%\[\]=:;$&()+,!?*@'-]*\Z")


def uri(iri: str) -> str:
    """``iri_to_uri(iri)``, as Django's feeds quote links: most need nothing."""
    return iri if _URI_AS_IS.match(iri) else iri_to_uri(iri)


def image_type(url: str) -> str:
    """The media type of the image at ``url``, guessed from its file name as
    ``mimetypes.guess_type`` guesses it from the URL's path."""
    path = urlsplit(url).path
    file_name = path[path.rfind("/") + 1 :].lstrip(".")  # ".png" has no extension
    dot = file_name.find(".")
    return _type_of_suffixes(file_name[dot:] if dot >= 0 else "")


@lru_cache(maxsize=256)
def _type_of_suffixes(suffixes: str) -> str:
    """The media type of a file whose name ends in ``suffixes`` (".jpg", ".svg.gz", or
    "" for none), as ``mimetypes`` guesses it, or FALLBACK_IMAGE_TYPE."""
    mime_type, _encoding = mimetypes.guess_type(f"image{suffixes}")
    return mime_type or FALLBACK_IMAGE_TYPE
