"""Pagination for public listings: a page past the end, or not a number, is a 404.

Counting every live article costs a scan of the index on each view (about 15 ms at
100,000 articles on SQLite), so the busiest listing, the home page, uses
:func:`paginate_uncounted`: it reads one row more than it shows to know whether an
older page exists. Filtered listings keep :func:`paginate` and its count.

Both take a queryset, or anything that slices and counts like one, such as the
listings' :class:`~articles.cards.CardList`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

if TYPE_CHECKING:
    from .cards import CardList

MAX_PER_PAGE = 100
MAX_PAGE_NUMBER = 100_000


def page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page") or "1"
    # isdigit() also accepts "²" and other scripts' digits, which int() refuses: ASCII only.
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE_NUMBER:
        raise Http404("No such page")
    return int(raw)


def page_size(per_page: int | None = None) -> int:
    """``per_page``, or the site's page size, never above the cap that protects the database."""
    return min(per_page or settings.NEWSROOM_PAGE_SIZE, MAX_PER_PAGE)


def paginate(
    request: HttpRequest,
    queryset: QuerySet | CardList,
    per_page: int | None = None,
    *,
    allow_empty: bool = True,
) -> Page:
    """The requested page with a count; ``allow_empty=False`` makes an empty list a 404.

    A listing that reads a page with its count in one query (``counted_slice``) is
    read so; only an empty page, past the end or of an empty listing, counts apart.
    With ``allow_empty=False`` a page that shows no article is a 404 whatever the
    count says: a count from a tally can overstate what is left (a tagging row added
    to an article while another transaction deletes it outlives the article, and its
    tag's tally still counts it; see migration 0014).
    """
    paginator = Paginator(queryset, page_size(per_page), allow_empty_first_page=allow_empty)
    number = page_number(request)
    counted_slice = getattr(queryset, "counted_slice", None)
    if counted_slice is not None:
        start = (number - 1) * paginator.per_page
        found = counted_slice(start, start + paginator.per_page)
        if found is not None:
            items, paginator.count = found  # count is a cached_property: this sets it
            return Page(items, number, paginator)
    try:
        page = paginator.page(number)
    except InvalidPage as error:  # EmptyPage
        raise Http404("No such page") from error
    if not allow_empty and not page.object_list:
        raise Http404("No such page")
    return page


@dataclass
class UncountedPage:
    """A page that knows its neighbours but not the total (``paginator`` is None)."""

    object_list: list
    number: int
    has_next_page: bool
    paginator: None = None

    def has_next(self) -> bool:
        return self.has_next_page

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def paginate_uncounted(
    request: HttpRequest,
    queryset: QuerySet | CardList,
    per_page: int | None = None,
    *,
    limit: int | None = None,
) -> UncountedPage:
    """The requested page, read with one row more to know whether another follows.

    ``limit``: only the first ``limit`` rows are listed, and a page past them is a 404.
    Without a count, nothing else bounds how far a page number sends the database:
    a listing that tests each row it passes (a word's matches) would read them all.
    """
    per_page = page_size(per_page)
    number = page_number(request)
    start = (number - 1) * per_page
    stop = start + per_page + 1
    if limit is not None:
        if start >= limit and number > 1:
            raise Http404("No such page")
        stop = min(stop, limit)
    rows = list(queryset[start:stop]) if stop > start else []
    if not rows and number > 1:
        raise Http404("No such page")
    return UncountedPage(rows[:per_page], number, has_next_page=len(rows) > per_page)


def page_url(request: HttpRequest, number: int) -> str:
    """The current URL with ``page`` set to ``number`` (page 1 drops the parameter),
    keeping the reader's other query parameters."""
    kept = ((key, values) for key, values in request.GET.lists() if key != "page")
    pairs = [(key, value) for key, values in kept for value in values]
    if int(number) > 1:
        pairs.append(("page", str(number)))
    return f"{request.path}?{urlencode(pairs)}" if pairs else request.path
