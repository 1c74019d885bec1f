"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) of the latest live articles.

The same items as the RSS and Atom feeds (``articles/feeds.py``), with the same
validators and caching; empty optional fields are left out, as the spec allows.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from .links import absolute_url, site_links
from .syndication import (
    FeedEntry,
    conditional_feed_response,
    feed_entries,
    feed_etag,
    last_changed,
)

VERSION = "https://jsonfeed.org/version/1.1"
CONTENT_TYPE = "application/feed+json; charset=utf-8"


def _rfc3339(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _author(name: str, url: str = "") -> dict[str, str]:
    return {"name": name, "url": url} if url else {"name": name}


def feed_item(entry: FeedEntry) -> dict[str, Any]:
    item = {
        "id": absolute_url(entry.short_path),
        "url": absolute_url(entry.path),
        "external_url": entry.source_link,
        "title": entry.title,
        "content_html": entry.body,
        "summary": entry.summary,
        "image": entry.image,
        "date_published": _rfc3339(entry.publish_at),
        "date_modified": _rfc3339(last_changed(entry)),
        "authors": [_author(entry.source_name, entry.source_homepage)],
        "tags": sorted(name for name, _slug in entry.tags),
    }
    return {key: value for key, value in item.items() if value}


def build_feed(entries: list[FeedEntry]) -> dict[str, Any]:
    return {
        "version": VERSION,
        "title": settings.SITE_NAME,
        "home_page_url": absolute_url(site_links()["home"]),
        "feed_url": absolute_url(site_links()["feed_json"]),
        "description": f"The latest news and press releases on {settings.SITE_NAME}.",
        "language": settings.LANGUAGE_CODE,
        "authors": [_author(settings.SITE_NAME, settings.SITE_URL)],
        "items": [feed_item(entry) for entry in entries],
    }


@require_safe
def json_feed(request: HttpRequest) -> HttpResponse:
    entries = feed_entries()
    etag = feed_etag(entries, "json")

    def render() -> HttpResponse:
        data = build_feed(entries)
        return HttpResponse(json.dumps(data, ensure_ascii=False), content_type=CONTENT_TYPE)

    return conditional_feed_response(request, etag, render)
