"""Browsing pages: the filterable listing, tag and source pages and the date archive.

Every query starts from ``Article.objects.live()``. A tag, source, year or month with
no live article answers 404, like one that does not exist: these pages never reveal
that something is drafted or scheduled. Each page costs a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from taggit.models import Tag

from .archive_counts import live_span, period_counts
from .cards import (
    FROM_SOURCE,
    FROM_SOURCE_BETWEEN,
    FROM_SOURCE_TAGGED,
    FROM_SOURCE_WITH_TAG,
    LATEST,
    PUBLISHED_BETWEEN,
    SOURCE_FIELDS,
    SOURCE_PAGE,
    TAG_FIELDS,
    TAG_PAGE,
    TAGGED,
    TAGGED_BETWEEN,
    CardList,
    queryset_cards,
)
from .directory import source_directory, tag_directory
from .filters import (
    FIRST_DAY,
    LAST_DAY,
    ArticleFilter,
    UnfilteredForm,
    end_of_day,
    source_is_narrower,
    start_of_day,
)
from .links import absolute_url
from .lookup import source_by_slug, tag_by_slug, tag_ids_by_slugs
from .models import NEWEST_FIRST, Article, Source
from .pagination import MAX_PER_PAGE, page_size, paginate, paginate_uncounted
from .search.backends import rank_window
from .search.query import parse_query

FIRST_YEAR, LAST_YEAR = FIRST_DAY.year, LAST_DAY.year
INDEX_YEARS = 100


def absolute(path: str, query: dict | None = None) -> str:
    query_string = urlencode(query or {}, doseq=True)
    return absolute_url(f"{path}?{query_string}" if query_string else path)


def page_query(page: Page) -> dict:
    return {"page": page.number} if page.number > 1 else {}


# The filterable listing -----------------------------------------------------------


def article_list(request: HttpRequest) -> HttpResponse:
    if not ArticleFilter.submitted(request.GET):
        # Nothing submitted, nothing to validate: no filter set is made (UnfilteredForm).
        return _list_page(request, Unfiltered(), paginate(request, LATEST.cards()))
    # The live articles are only built when a filter is in effect: none() keeps
    # ``filterset.qs`` from ever listing an article that is not live.
    filterset = ArticleFilter(request.GET, queryset=Article.objects.none(), request=request)
    if not filterset.is_valid():
        return _list_page(request, filterset, None, status=400)
    per_page = filterset.form.cleaned_data.get("per_page")
    filters = canonical_filters(filterset)
    articles = prepared_listing(filterset, filters)
    if articles is None:
        live = Article.objects.live().order_by(*NEWEST_FIRST)
        articles = queryset_cards(filterset.filter_queryset(live))
    if filterset.too_many_to_count:
        # As /search/ ranks them, the words' first matches in the listing's order (the
        # ranking window) are listed: each page tests the articles it passes for them.
        limit = rank_window() if filterset.words_found_in_many else None
        page = paginate_uncounted(request, articles, per_page, limit=limit)
        if not page.object_list:
            # Whether words are counted depends on all their matches, live or not: a
            # page of none says what a word found nowhere says, and reveals nothing.
            page = Paginator([], page_size(per_page)).page(1)
    else:
        page = paginate(request, articles, per_page)
    return _list_page(request, filterset, page, filters)


def _list_page(
    request: HttpRequest, filterset, page: Page | None, filters: dict | None = None, status=200
) -> HttpResponse:
    """/articles/ with ``page`` of what ``filters`` select; no page for invalid filters."""
    filters = filters or {}
    context = {
        "filter": filterset,
        "page": page,
        # How many articles a listing without a count shows, if it is not all of them.
        "listed_at_most": rank_window()
        if page is not None and filterset.words_found_in_many
        else None,
        "oldest_first": filters.get("order") == "oldest",
        "articles": page.object_list if page else [],
        "filtered": bool(filters),
        "canonical": absolute(request.path, {**filters, **(page_query(page) if page else {})}),
    }
    return render(request, "articles/article_list.html", context, status=status)


class Unfiltered:
    """What the template reads of the filter set when no filter is submitted."""

    words_found_in_many = False

    def __init__(self) -> None:
        self.form = UnfilteredForm()


# Bounds that exclude no article: a date filter given alone leaves the other side open.
EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)
LATEST_MOMENT = dt.datetime.max.replace(tzinfo=dt.UTC)


def prepared_listing(filterset: ArticleFilter, filters: dict) -> CardList | None:
    """The prepared listing that lists exactly what ``filters`` select, in the order
    they ask for, or None if no one does.

    No filter, tags alone (articles with any of them), one source, or a date range
    alone is what a tag, source or month page lists, counted from tallies and
    indexes; one tag or one source in a date range is one range of an index, counted
    there, as is a source with one tag (its copies beside the tag). A source with
    several tags, when it is the narrower end, is its articles each tested for the
    tags, counted so. All are prepared, where a filtered queryset is
    compiled on each request and counted row by row (39 ms for a popular tag at
    100,000 articles on SQLite, 95 ms for two; 6 ms for all articles oldest first).
    The order changes only which end the rows are read from, and the page size
    whether the page's slice is prepared.
    """
    cleaned = filterset.form.cleaned_data
    order = {
        "oldest_first": filters.get("order") == "oldest",
        # Each page slice is a prepared query of its own; the listings keep a few dozen,
        # for the site's page size, which other sizes would crowd out.
        "prepare_slices": cleaned.get("per_page") in (None, settings.NEWSROOM_PAGE_SIZE),
    }
    names = set(filters) - {"order"}
    if not names:
        return LATEST.cards(**order)
    if names == {"source"}:
        return FROM_SOURCE.cards(source_id=cleaned["source"].pk, **order)
    if names == {"tag"}:
        if len(filters["tag"]) > 1:  # the tallies were read, for tags_on_many
            tag_ids = filterset.tallies.tag_ids
        else:
            tag_ids = tag_ids_by_slugs(filters["tag"])
        if not tag_ids:
            return None
        if filterset.tags_on_many:  # paged without a count: the tallies choose the reading
            order["tag_rows"] = filterset.tag_rows
        return TAGGED.cards(tag_ids, **order)
    if names == {"source", "tag"}:
        source, slugs = cleaned["source"], list(filters["tag"])
        if len(slugs) == 1:
            return FROM_SOURCE_WITH_TAG.cards(source_id=source.pk, tag_slug=slugs[0], **order)
        if source_is_narrower(filterset.tallies):
            content_type_id = ContentType.objects.get_for_model(Article).pk
            return FROM_SOURCE_TAGGED.cards(
                source_id=source.pk, content_type_id=content_type_id, tag_slugs=slugs, **order
            )
        return None  # the tags are the narrower end: the filter set reads from them
    period = _period(cleaned)
    if names <= {"published_after", "published_before"}:
        return PUBLISHED_BETWEEN.cards(**period, **order)
    if names <= {"source", "published_after", "published_before"}:
        return FROM_SOURCE_BETWEEN.cards(source_id=cleaned["source"].pk, **period, **order)
    if names <= {"tag", "published_after", "published_before"} and len(filters["tag"]) == 1:
        tag_ids = tag_ids_by_slugs(filters["tag"])
        return TAGGED_BETWEEN.cards(tag_id=tag_ids[0], **period, **order) if tag_ids else None
    return None


def _period(cleaned: dict) -> dict[str, dt.datetime]:
    """The bounds of the filter's dates, ``start`` and ``end``: open if not given."""
    after, before = cleaned.get("published_after"), cleaned.get("published_before")
    start = start_of_day(after) if after else EARLIEST
    return {"start": start, "end": end_of_day(before) if before else LATEST_MOMENT}


def canonical_filters(filterset: ArticleFilter) -> dict:
    """The filters in effect, in a stable order, defaults and page size left out."""
    query = {}
    for name, value in filterset.form.cleaned_data.items():
        if name == "per_page" or value in (None, "", []) or (name == "order" and value != "oldest"):
            continue
        if name == "q" and parse_query(value).is_empty:
            continue  # no word to look for: filter_text filters nothing
        if name == "source":
            value = value.slug
        elif isinstance(value, dt.date):
            value = value.isoformat()
        query[name] = value
    return query


# The topic and source directories -------------------------------------------------


def tag_index(request: HttpRequest) -> HttpResponse:
    """Every topic (tag) with live articles: a cloud, alphabetical, sized by use, as
    many a page as the page size cap allows."""
    page = paginate(request, tag_directory(), MAX_PER_PAGE)
    return render_page(request, "articles/tag_index.html", page, tags=page.object_list)


def source_index(request: HttpRequest) -> HttpResponse:
    """Every source with live articles, by name, with its count and website."""
    page = paginate(request, source_directory(), MAX_PER_PAGE)
    return render_page(request, "articles/source_index.html", page, sources=page.object_list)


# One tag, one source ---------------------------------------------------------------


def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The tag's live articles: the tag, its page of cards and their count are one
    query (``TAG_PAGE``), as an unknown tag and one with no live article are both a 404."""
    articles = TAG_PAGE.cards(slug=slug)
    page = paginate(request, articles, allow_empty=False)
    tag = _subject(articles, Tag, TAG_FIELDS) or tag_by_slug(slug)
    return render_page(request, "articles/tag_detail.html", page, tag=tag)


def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The source's live articles, read as a tag's are (``SOURCE_PAGE``)."""
    articles = SOURCE_PAGE.cards(slug=slug)
    page = paginate(request, articles, allow_empty=False)
    source = _subject(articles, Source, SOURCE_FIELDS) or source_by_slug(slug)
    return render_page(request, "articles/source_detail.html", page, source=source)


def _subject(articles: CardList, model, fields: tuple[str, ...]):
    """The instance of what ``articles`` lists, as read with its page, or None when the
    page was read apart from its count (as when they changed between the two)."""
    if articles.subject is None:
        return None
    return model.from_db("default", fields, articles.subject)


def render_listing(request: HttpRequest, template: str, articles, **context) -> HttpResponse:
    """A paginated page of ``articles``; a listing with no live article is a 404."""
    page = paginate(request, articles, allow_empty=False)
    return render_page(request, template, page, **context)


def render_page(request: HttpRequest, template: str, page: Page, **context) -> HttpResponse:
    context |= {
        "page": page,
        "articles": page.object_list,
        "canonical": absolute(request.path, page_query(page)),
    }
    return render(request, template, context)


# The date archive ------------------------------------------------------------------


def local_datetime(year: int, month: int = 1) -> dt.datetime:
    """The first moment of a month in ``settings.TIME_ZONE``."""
    return start_of_day(dt.date(year, month, 1))


def month_range(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    start = local_datetime(year, month)
    end = local_datetime(year + 1, 1) if month == 12 else local_datetime(year, month + 1)
    return start, end


def check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404("No such year")


def archive_index(request: HttpRequest) -> HttpResponse:
    """Years with live articles (the latest ``INDEX_YEARS`` of them), newest first."""
    span = live_span()
    years: list[dict] = []
    if span is not None:
        earliest, latest = span
        last = min(timezone.localtime(latest).year, LAST_YEAR)
        first = max(timezone.localtime(earliest).year, FIRST_YEAR, last - INDEX_YEARS + 1)
        numbers = list(range(first, last + 1))
        if numbers:
            bounds = [local_datetime(year) for year in [*numbers, last + 1]]
            counts = period_counts(bounds)
            years = [
                {"year": year, "count": count}
                for year, count in zip(numbers, counts, strict=True)
                if count
            ][::-1]
    context = {"years": years, "canonical": absolute(request.path)}
    return render(request, "articles/archive_index.html", context)


def archive_year(request: HttpRequest, year: str) -> HttpResponse:
    """The months of one year that have live articles, with their counts."""
    year_number = int(year)
    check_year(year_number)
    bounds = [local_datetime(year_number, month) for month in range(1, 13)]
    bounds.append(local_datetime(year_number + 1))
    months = [
        {"month": start, "count": count}
        for start, count in zip(bounds[:-1], period_counts(bounds), strict=True)
        if count
    ]
    if not months:
        raise Http404("No articles that year")
    context = {
        "year": year_number,
        "months": months,
        "total": sum(month["count"] for month in months),
        "canonical": absolute(request.path),
    }
    return render(request, "articles/archive_year.html", context)


def archive_month(request: HttpRequest, year: str, month: str) -> HttpResponse:
    year_number, month_number = int(year), int(month)
    check_year(year_number)
    if not 1 <= month_number <= 12:
        raise Http404("No such month")
    start, end = month_range(year_number, month_number)
    articles = PUBLISHED_BETWEEN.cards(start=start, end=end)
    return render_listing(
        request, "articles/archive_month.html", articles, year=year_number, month=start
    )
