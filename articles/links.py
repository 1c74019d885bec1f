"""Paths of tag, source and header links, built without a URL reverse per link.

A listing of 20 cards links every tag and source: ``{% url %}`` for each cost about
1.5 ms a page. The pattern is reversed once; the slug is quoted into it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache
from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, reverse

_PLACEHOLDER = "slug-placeholder"


# The addresses every page's header links to, by view name (without "articles:").
SITE_LINKS = (
    "home",
    "list",
    "tags",
    "sources",
    "archive",
    "search",
    "feed",
    "feed_atom",
    "feed_json",
)


def site_links() -> dict[str, str]:
    """The header's links by view name: a ``{% url %}`` tag each cost every page 0.2 ms."""
    return _reversed_site_links(get_script_prefix())


@cache
def _reversed_site_links(script_prefix: str) -> dict[str, str]:
    return {name: reverse(f"articles:{name}") for name in SITE_LINKS}


def _around(
    view_name: str, kwarg: str, placeholder: str = _PLACEHOLDER, **fixed: str
) -> tuple[str, str]:
    """The path of ``view_name`` before and after its argument ``kwarg``, the other
    arguments ``fixed``; ``placeholder`` must match the argument's pattern."""
    return _reversed_around(
        view_name, kwarg, placeholder, tuple(fixed.items()), get_script_prefix()
    )


@cache
def _reversed_around(
    view_name: str, kwarg: str, placeholder: str, fixed: tuple, script_prefix: str
) -> tuple[str, str]:
    """The path before and after one argument, reversed once per URL prefix. The
    placeholder is looked for last: the prefix (a site served under ``/news2054/``) or
    an argument before it may hold the same characters."""
    path = reverse(view_name, kwargs={**dict(fixed), kwarg: placeholder})
    head, _placeholder, tail = path.rpartition(placeholder)
    return head, tail


def slug_path(view_name: str, slug: str) -> str:
    return slug_paths(view_name)(slug)


def slug_paths(view_name: str) -> Callable[[str], str]:
    """``slug_path`` for one view, for the many links of one page: the URL prefix is
    looked up once, not per link."""
    head, tail = _around(view_name, "slug")
    return lambda slug: f"{head}{_quoted(slug)}{tail}"


@lru_cache(maxsize=4096)
def _quoted(slug: str) -> str:
    return quote(slug, safe="")


def archive_year_path(year: int) -> str:
    """The path of a year's archive page."""
    head, tail = _around("articles:archive_year", "year", "9876")
    return f"{head}{year:04d}{tail}"


def archive_month_path(year: int, month: int) -> str:
    """The path of a month's archive page (reversed once per year: a page links the
    months of one year)."""
    head, tail = _around("articles:archive_month", "month", "54", year=f"{year:04d}")
    return f"{head}{month:02d}{tail}"


def short_path(code: str) -> str:
    """The short link of an article's base-36 number (its QR code's target)."""
    head, tail = _around("articles:short", "code")
    return f"{head}{code}{tail}"


# A number the QR code pattern accepts and no article path contains by chance.
_NUMBER_PLACEHOLDER = "987654321987654321"


def qr_path(number: int, fmt: str) -> str:
    """The path of an article's QR code image in ``fmt`` (png or svg)."""
    head, tail = _around("articles:qr", "number", _NUMBER_PLACEHOLDER, fmt=fmt)
    return f"{head}{number}{tail}"


def tag_path(slug: str) -> str:
    return slug_path("articles:tag", slug)


def source_path(slug: str) -> str:
    return slug_path("articles:source", slug)


def absolute_url(path: str) -> str:
    """``path`` under SITE_URL: what QR codes, feeds, sitemaps and canonical links print."""
    return f"{settings.SITE_URL}{path}"
