"""Listing cards: what a listing page shows of each article, read in prepared queries.

A card is the title and path, the publish time, the source and the summary of a live
article, with its tags. Listing pages (home, /articles/, tag, source and month pages)
read only these columns, as rows rather than model instances, and the queries of the
fixed listings (:data:`LATEST`, :data:`TAGGED`, :data:`FROM_SOURCE`,
:data:`PUBLISHED_BETWEEN`, and :data:`TAG_PAGE` and :data:`SOURCE_PAGE`, which read
their tag or source with the page) are prepared once per process (see prepared.py):
building and compiling them with the ORM cost more than running them.

On SQLite an article's liveness columns lie past its body, often on an overflow page,
so a query that checks the liveness of thousands of rows one by one is slow (about 3 µs
a row). Counts and pages are therefore read from indexes that hold those columns
(``article_live_idx``, ``article_source_live_idx``, and for one tag the index of the
articles' copies beside their tags, ``TaggedArticle``); a tag's or source's count is
its tally minus what is *not* live (see ``models.not_live_terms``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache, partial

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import (
    F,
    Func,
    IntegerField,
    JSONField,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONArray
from django.utils import timezone
from taggit.models import Tag

from .models import (
    NEWEST_FIRST,
    OLDEST_FIRST,
    Article,
    ArticleTally,
    Source,
    TaggedArticle,
    not_live_terms,
)
from .prepared import PreparedQuery
from .tagging import ArticleTags, has_tagging_row, tagged_items, tags_from_json_texts

SOURCE_FIELDS = tuple(field.attname for field in Source._meta.concrete_fields)
CARD_COLUMNS = ("pk", "title", "path", "summary", "publish_at", "source__name", "source__slug")
# Page slices prepared per listing (the first ones asked for: the busy early pages);
# any other slice runs as a plain ORM query, so a crawl of deep pages evicts nothing.
MAX_PREPARED_SLICES = 64
# What reading one article's row to check its liveness costs, in steps of a walk down
# the live index (each with a probe of the tag's index): measured on SQLite, 100,000
# articles, a tag on 6.5% of them (latest_first_is_cheaper).
ROW_LOOKUP_COST = 3


@dataclass(frozen=True)
class CardTag:
    name: str
    slug: str


@dataclass(slots=True)
class Card:
    """One article as a listing shows it."""

    pk: int
    title: str
    path: str
    summary: str
    publish_at: dt.datetime
    source_name: str
    source_slug: str
    tags: list[CardTag] = field(default_factory=list)


def card_of(article: Article) -> Card:
    """The card of an article already read with its source and tags (``for_listing()``)."""
    return Card(
        article.pk,
        article.title,
        article.path,
        article.summary,
        article.publish_at,
        article.source.name,
        article.source.slug,
        [CardTag(tag.name, tag.slug) for tag in article.tags.all()],
    )


def card_values(articles: QuerySet, *extra) -> QuerySet:
    """Rows of ``CARD_COLUMNS`` and the article's tags (``ArticleTags``), for
    :func:`cards_from`, then any ``extra`` columns."""
    return articles.values_list(*CARD_COLUMNS, ArticleTags(), *extra)


def cards_from(rows: Sequence[tuple]) -> list[Card]:
    """Cards from rows of :func:`card_values`."""
    tags_of_rows = tags_from_json_texts([row[-1] for row in rows])
    return [
        Card(*row[:-1], [_card_tag(name, slug) for _id, name, slug in tags])
        for row, tags in zip(rows, tags_of_rows, strict=True)
    ]


# The same few tags recur on every page: each is made once (a frozen dataclass is slow
# to make), and shared by the cards that show it.
_card_tag = lru_cache(maxsize=4096)(CardTag)


class CardList:
    """Cards read only as they are asked for: what ``Paginator`` needs, a count and slices.

    ``count()`` counts the articles; ``rows(start, stop)`` reads rows of :func:`card_values`.
    ``counted_rows(start, stop)``, when given, reads those rows with the count as one
    more column, in one query (see :meth:`counted_slice`), and, ``with_subject``, the
    columns of what the listing is of as one more: ``subject`` holds them once read.
    """

    def __init__(
        self,
        count: Callable[[], int],
        rows: Callable[[int, int], list],
        counted_rows: Callable[[int, int], list] | None = None,
        *,
        with_subject: bool = False,
    ) -> None:
        self._count = count
        self._rows = rows
        self._counted_rows = counted_rows
        self._with_subject = with_subject
        self.subject: list | None = None

    def count(self) -> int:
        return self._count()

    def __getitem__(self, bounds: slice) -> list[Card]:
        start, stop = bounds.start or 0, bounds.stop
        return cards_from(self._rows(start, stop)) if stop > start else []

    def counted_slice(self, start: int, stop: int) -> tuple[list[Card], int] | None:
        """Cards ``[start:stop]`` and the count, read in one query, or None when this list
        cannot or the slice is empty (past the end, or nothing to list): then only a
        count tells which, and ``count()`` reads it."""
        if self._counted_rows is None or stop <= start:
            return None
        rows = self._counted_rows(start, stop)
        if not rows:
            return None
        if self._with_subject:
            self.subject = rows[0][-1]
            rows = [row[:-1] for row in rows]
        return cards_from([row[:-1] for row in rows]), rows[0][-1]


def queryset_cards(articles: QuerySet) -> CardList:
    """The cards of ``articles``, a queryset of live articles in listing order."""
    rows = card_values(articles)
    # Counted without the join to the sources that the rows need.
    return CardList(articles.count, lambda start, stop: list(rows[start:stop]))


def count_all(sign: str = "") -> RawSQL:
    """A bare ``COUNT(*)`` (``-COUNT(*)`` with ``sign="-"``) to select with values_list():
    ``Count()`` there adds a GROUP BY, and SQLite counts ``COUNT(*)`` from the smallest
    index faster than ``COUNT(id)``."""
    return RawSQL(f"{sign}COUNT(*)", (), output_field=IntegerField())


class Listing:
    """The live articles of one scope, newest first, as a :class:`CardList`.

    ``scope`` receives the values (``now`` and the scope's own, as keyword arguments)
    and returns the articles to list, starting from ``Article.objects.live(now)``, or
    their copies beside a tag, from ``TaggedArticle.objects.live(now)``.
    ``count_terms``, if given, receives the same values and returns rows of one number
    each, named ``n``, whose sum is the count; by default the scope is counted. Every
    query is prepared, so the values must be ints, datetimes, strings or lists of them.

    With ``count_with_page``, a page is read with the count in the same query
    (``CardList.counted_slice``): the count is a subquery the database runs once. On
    PostgreSQL a query more is a round trip more, which cost more than the count.

    ``subject``, if given, receives the same values and returns a query of the one row
    of what the listing is of (a source, a tag), ending in ``values_list()``: its
    columns are read with each counted page, as a JSON list (``CardList.subject``), so
    that the page needs no query to find them first.
    """

    def __init__(
        self,
        scope: Callable[..., QuerySet],
        count_terms: Callable[..., QuerySet] | None = None,
        *,
        count_with_page: bool = True,
        subject: Callable[..., QuerySet] | None = None,
    ) -> None:
        self._scope = scope
        self._count_terms = count_terms or self._count_query
        self._count = PreparedQuery(self._count_terms)
        self._count_with_page = count_with_page or subject is not None
        self._subject = subject
        # By oldest_first, then (first, stop, counted): a crawl of one order's pages
        # leaves the other's prepared.
        self._slices: dict[bool, dict[tuple[int, int, bool], PreparedQuery]] = {
            False: {},
            True: {},
        }

    def cards(
        self, *, oldest_first: bool = False, prepare_slices: bool = True, **values
    ) -> CardList:
        """The listing now, newest first or ``oldest_first``: its count and its rows are
        read at the same moment. ``prepare_slices=False`` for a page size other than
        the site's, whose slices would crowd out those of the pages readers ask for."""
        values["now"] = timezone.now()
        rows = partial(self.rows, oldest_first=oldest_first, prepare=prepare_slices, **values)
        return CardList(
            partial(self.count, **values),
            rows,
            partial(rows, counted=True) if self._count_with_page else None,
            with_subject=self._subject is not None,
        )

    def count(self, **values) -> int:
        """How many articles the listing holds for these values (``now`` included)."""
        return sum(term for (term,) in self._count.rows(**values))

    def _count_query(self, **values) -> QuerySet:
        return self._scope(**values).order_by().values(n=count_all())

    def _page_query(
        self, first: int, stop: int, counted: bool, oldest_first: bool, /, **values
    ) -> QuerySet:
        order = OLDEST_FIRST if oldest_first else NEWEST_FIRST
        page_ids = listing_ids(self._scope(**values), order)[first:stop]
        page = Article.objects.filter(pk__in=page_ids).order_by(*order)
        if not counted:
            return card_values(page)
        count = SumOfTerms(self._count_terms(**values))
        if self._subject is None:
            return card_values(page, count)
        return card_values(page, count, SubjectColumns(self._subject(**values)))

    def rows(
        self,
        first: int,
        stop: int,
        /,
        counted: bool = False,
        oldest_first: bool = False,
        prepare: bool = True,
        **values,
    ) -> list[tuple]:
        """Rows ``[first:stop]`` of :func:`card_values` for these values, newest first
        or ``oldest_first``; ``counted``, with the listing's count as one more column.
        The slice's query is prepared unless ``prepare`` is false or enough are, and
        kept if it is the first page's or has found rows: a page number past the end
        (a crawler's guess) takes no place among them."""
        # LIMIT and OFFSET are part of the SQL, so each slice is a query of its own.
        slices, shape = self._slices[oldest_first], (first, stop, counted)
        query = slices.get(shape)
        if query is not None:
            return query.rows(**values)
        if not prepare or len(slices) >= MAX_PREPARED_SLICES:
            return list(self._page_query(*shape, oldest_first, **values))
        query = PreparedQuery(partial(self._page_query, *shape, oldest_first))
        rows = query.rows(**values)
        if rows or first == 0:
            slices[shape] = query
        return rows


class SumOfTerms(Func):
    """The sum of the rows of a count query (``Listing``'s ``count_terms``, a column
    ``n``), as a column of another query."""

    template = "(SELECT COALESCE(SUM(terms.n), 0) FROM %(expressions)s AS terms)"
    output_field = IntegerField()
    arity = 1

    def __init__(self, terms: QuerySet) -> None:
        super().__init__(Subquery(terms))


class SubjectColumns(Subquery):
    """The columns of a query of one row (``values_list()``), as one JSON list."""

    output_field = JSONField()

    def __init__(self, row: QuerySet) -> None:
        names = row.query.values_select
        super().__init__(row.values_list(JSONArray(*names)))


def newest_ids(articles: QuerySet) -> QuerySet:
    """:func:`listing_ids` newest first."""
    return listing_ids(articles, NEWEST_FIRST)


def listing_ids(articles: QuerySet, order: tuple[str, ...]) -> QuerySet:
    """The ids of ``articles`` (a query of articles, or of their ``TaggedArticle``
    copies) in ``order`` (``NEWEST_FIRST`` or ``OLDEST_FIRST``), as a query of one
    column: slice it for a page. A page's ids are read first, from an index and
    without the join to the source, then their rows: a join makes SQLite walk each
    source's articles in turn, and an OFFSET skips index entries rather than whole
    rows."""
    ids = articles.order_by(*order)
    return ids.values("article_id" if articles.model is TaggedArticle else "pk")


def latest(now: dt.datetime) -> QuerySet:
    return Article.objects.live(now)


def _live_count_terms(now: dt.datetime) -> QuerySet:
    """All articles (their tally), then minus each kind that is not live
    (``not_live_terms``): a row each, whose sum is the live count. Each kind is an
    index range over the few articles that are not live: counting the live ones read
    every one of them (15 ms at 100,000 articles on SQLite), and counting all of them
    every index entry (5 ms on PostgreSQL)."""
    return _tally_minus_not_live(now, ArticleTally.Scope.ALL, 0, Article.objects.all())


def _tally_minus_not_live(
    now: dt.datetime, scope: ArticleTally.Scope, subject: int, articles: QuerySet
) -> QuerySet:
    """Count terms (rows of one number ``n``): the tally of ``scope`` and ``subject``
    (``ArticleTally``, which the database keeps), how many ``articles`` there are live
    or not (no row before the first one was written), then minus each kind of them
    that is not live (``not_live_terms``)."""
    tally = ArticleTally.objects.filter(scope=scope, subject=subject).values(n=F("articles"))
    articles = articles.order_by()
    minus = (articles.filter(kind).values(n=count_all("-")) for kind in not_live_terms(now))
    return tally.union(*minus, all=True)


def tagged_copies(now: dt.datetime, tag_id: int | Subquery) -> QuerySet:
    # One tag's live articles, newest first: one range of tagged_article_live_idx.
    return TaggedArticle.objects.live(now).filter(tag_id=tag_id)


def tagged_any(now: dt.datetime, tag_ids: list[int]) -> QuerySet:
    """The live articles with any of ``tag_ids``, each once: ``pk IN`` their copies'
    article ids, so the database starts from the tags' index ranges."""
    tagged = TaggedArticle.objects.live(now).filter(tag_id__in=tag_ids).values("article_id")
    return Article.objects.live(now).filter(pk__in=tagged)


# What reading one of the first articles of each tag costs on PostgreSQL, against one
# of all the tags' copies (read, then sorted): about 3.5 and 0.35 microseconds, at
# 100,000 articles.
FIRST_COST = 10


def firsts_are_cheaper(stop: int, tags: int, tagged: int, vendor: str) -> bool:
    """Whether a page ending at ``stop`` of ``tags`` tags tagging ``tagged`` articles
    between them (live or not) is cheaper read from the first ``stop`` of each tag
    (:class:`FirstOfEachTag`) than from all of their copies, sorted
    (:class:`SortedCopies`), on the database ``vendor``.

    Never on SQLite, which must look each first up as an article (see
    :func:`first_of_each_tag`), and reads and sorts all the tags' live copies from
    their covering index quickly: at 100,000 articles it took page 1 of two popular
    tags 0.17 ms from their firsts and 0.20 from their sorted copies, page 10 1.3 and
    0.3, page 300 48 and 8. PostgreSQL took 4 to 5 ms to sort their 12,700 copies, so
    it reads the first pages from the firsts (page 1: 0.6 ms) and the deep ones
    sorted (page 300: 45 ms from the firsts).
    """
    return vendor != "sqlite" and FIRST_COST * tags * stop < tagged


def first_of_each_tag(
    now: dt.datetime, tag_ids: list[int], *, stop: int, order: tuple[str, ...]
) -> QuerySet:
    """The live articles among the first ``stop`` in ``order`` of each tag's live copies.

    The first ``stop`` of all the live articles with any of the tags are among them: an
    article among those, with tag t, has fewer than ``stop`` articles with t before it.
    So a page of several tags reads ``stop`` entries of each tag's index range
    (``tagged_article_live_idx``) and looks those articles up, whatever the tags' sizes.
    """
    firsts = [
        TaggedArticle.objects.live(now)
        .filter(tag_id=tag_id)
        .order_by(*order)
        .values("article_id")[:stop]
        for tag_id in tag_ids
    ]
    if not connection.features.supports_slicing_ordering_in_compound:
        # SQLite: a part of a UNION cannot be sliced, so each part selects the articles
        # of one tag's sliced subquery.
        firsts = [Article.objects.order_by().filter(pk__in=first).values("pk") for first in firsts]
    return Article.objects.live(now).filter(pk__in=firsts[0].union(*firsts[1:], all=True))


class FirstOfEachTag(Listing):
    """The live articles with any of some tags (``tag_ids``), a page at a time from the
    first articles of each tag (:func:`first_of_each_tag`); counted, if asked, as
    :func:`tagged_any`.

    A first page of two tags on 6% of 100,000 articles each read 183 articles when
    they were walked newest first, each tested for the tags (0.4 ms of PostgreSQL's
    time), and reads 42 copies and 42 articles so (0.15 ms). Pages far from the first
    are read from the tags' sorted copies instead (``firsts_are_cheaper``).
    """

    def __init__(self) -> None:
        super().__init__(tagged_any, count_with_page=False)

    def _page_query(
        self, first: int, stop: int, counted: bool, oldest_first: bool, /, **values
    ) -> QuerySet:
        order = OLDEST_FIRST if oldest_first else NEWEST_FIRST
        scope = first_of_each_tag(values["now"], values["tag_ids"], stop=stop, order=order)
        page_ids = listing_ids(scope, order)[first:stop]
        return card_values(Article.objects.filter(pk__in=page_ids).order_by(*order))


def count_tagged() -> Func:
    """How many articles the selected tagging rows tag, to select with values_list():
    an article with several of the tags is counted once."""
    return Func(
        F("object_id"), template="COUNT(DISTINCT %(expressions)s)", output_field=IntegerField()
    )


def not_live_ids(now: dt.datetime) -> QuerySet:
    """The ids of the articles not live at ``now``, as a UNION of the not-live terms,
    each an index range over the few drafts, scheduled and expired articles: for
    their OR, SQLite reads the whole table."""
    kinds = [Article.objects.order_by().filter(kind).values("pk") for kind in not_live_terms(now)]
    return kinds[0].union(*kinds[1:], all=True)


def _not_live_rows(now: dt.datetime, tagged: QuerySet) -> QuerySet:
    """Those of the tagging rows ``tagged`` whose article is not live at ``now``."""
    return tagged.filter(object_id__in=not_live_ids(now))


def _tag_counts(now: dt.datetime, content_type_id: int, tag_ids: list[int]) -> QuerySet:
    """Several tags' counts (``TagCounts``); one tag's come from its copies."""
    tagged = tagged_items(content_type_id, tag_id__in=tag_ids).order_by()
    not_live = _not_live_rows(now, tagged)
    all_tagged = Subquery(tagged.values_list(count_tagged()), output_field=IntegerField())
    # An aggregate without GROUP BY: one row, even for tags on no article.
    return not_live.values_list(all_tagged, count_tagged())


def latest_first_is_cheaper(stop: int, tagged: int, articles: int) -> bool:
    """Whether walking all live articles newest first reaches ``stop`` articles with a
    tag on ``tagged`` of about ``articles`` sooner than reading every tagged row would.

    Walking, about ``stop * articles / tagged`` articles go by before the ``stop``-th
    tagged one, if the tag is spread over time like the rest; reading the tag's rows
    costs ``tagged`` row lookups and a sort, each lookup about ``ROW_LOOKUP_COST``
    steps of the walk. So a popular tag's first pages walk, a rare tag (or a deep
    page) reads its own rows. /articles/ with tags among other filters chooses by it
    (``ArticleFilter.filter_tags``); tags alone are read from their copies
    (:class:`TagListing`).
    """
    if not tagged:
        return False
    walked = stop * articles / tagged
    return walked < ROW_LOOKUP_COST * tagged


@dataclass(frozen=True)
class TagCounts:
    tagged: int  # articles with the tags, live or not
    not_live: int  # of those, the drafts, scheduled and expired

    @property
    def live(self) -> int:
        return self.tagged - self.not_live


class SortedCopies(Listing):
    """The live articles with any of some tags (``tag_ids``), a page at a time from all
    of their live copies, sorted: what a page far from the first reads, where reading
    the first articles of each tag (:class:`FirstOfEachTag`) would read as many.

    A page's articles are picked from the copies alone, each article once (its copies
    beside two of the tags are the same publish time, number and id): the copies'
    index holds every column that takes, so no article is looked up but the page's.
    Then the page's articles are read. Looking up every article with the tags to sort
    them took page 300 of two tags on 6% of 100,000 articles 34 ms on SQLite and 21 on
    PostgreSQL.
    """

    def __init__(self) -> None:
        super().__init__(tagged_any, count_with_page=False)
        self._cards = PreparedQuery(
            lambda now, ids: card_values(Article.objects.live(now).filter(pk__in=ids).order_by())
        )

    def _page_query(
        self, first: int, stop: int, counted: bool, oldest_first: bool, /, **values
    ) -> QuerySet:
        order = OLDEST_FIRST if oldest_first else NEWEST_FIRST
        copies = TaggedArticle.objects.live(values["now"]).filter(tag_id__in=values["tag_ids"])
        columns = (*(field.lstrip("-") for field in order), "article_id")
        return copies.order_by(*order).values_list(*columns).distinct()[first:stop]

    def rows(self, first: int, stop: int, /, **options) -> list[tuple]:
        ids = list(dict.fromkeys(row[-1] for row in super().rows(first, stop, **options)))
        if not ids:
            return []
        # As many ids as the slice holds, the last repeated: one statement per page size.
        asked = ids + ids[-1:] * (stop - first - len(ids))
        by_id = {row[0]: row for row in self._cards.rows(now=options["now"], ids=asked)}
        # An article that stopped being live since the first query is left out.
        return [by_id[pk] for pk in ids if pk in by_id]


class TagListing:
    """The live articles with any of some tags, newest first, as a :class:`CardList`.

    Checking each tagged article's liveness costs a row lookup (about 30 ms for a tag
    on 6,500 of 100,000 articles on SQLite), so the count is the tagged articles minus
    those that are not live, which ``not_live_terms`` finds by index ranges: both
    counts read indexes only. One tag's pages are a range of its articles' copies
    (``TaggedArticle``), counted as its tag page counts them (``_tag_count_terms``);
    several tags' from the first copies of each (:class:`FirstOfEachTag`) or from all
    of their copies, sorted (:class:`SortedCopies`), as ``firsts_are_cheaper`` says.
    An empty counted listing reads its count and no rows.
    """

    def __init__(self) -> None:
        self._counts = PreparedQuery(_tag_counts)
        self._one_tag = Listing(tagged_copies, count_terms=_tag_count_terms)
        self._first_of_each_tag = FirstOfEachTag()
        self._sorted_copies = SortedCopies()

    def cards(
        self,
        tag_ids: list[int],
        *,
        oldest_first: bool = False,
        prepare_slices: bool = True,
        tag_rows: int | None = None,
    ) -> CardList:
        """The listing of the articles with any of ``tag_ids`` (ids of existing tags),
        newest first or ``oldest_first`` (``prepare_slices`` as ``Listing.cards``).

        ``tag_rows``, for a listing paged without a count: how many rows tag articles
        with the tags, live or not (their tallies), which then chooses how its pages
        are read, where the count would (it reads every row of the tags)."""
        now = timezone.now()
        tag_ids = sorted(set(tag_ids))
        order = {"oldest_first": oldest_first, "prepare": prepare_slices}
        if len(tag_ids) == 1:
            return self._one_tag_cards(now, tag_ids[0], order)
        values = {
            "now": now,
            "content_type_id": ContentType.objects.get_for_model(Article).pk,
            "tag_ids": tag_ids,
        }

        @cache
        def counts() -> TagCounts:
            return TagCounts(*self._counts.rows(**values)[0])

        def rows(first: int, stop: int) -> list[tuple]:
            if tag_rows is not None:
                tagged = tag_rows
            elif counts().live:
                tagged = counts().tagged
            else:
                return []
            cheaper = firsts_are_cheaper(stop, len(tag_ids), tagged, connection.vendor)
            listing = self._first_of_each_tag if cheaper else self._sorted_copies
            return listing.rows(first, stop, **order, now=now, tag_ids=tag_ids)

        return CardList(lambda: counts().live, rows)

    def _one_tag_cards(self, now: dt.datetime, tag_id: int, order: dict) -> CardList:
        values = {"now": now, "tag_id": tag_id}
        live = cache(partial(self._one_tag.count, **values))

        def rows(first: int, stop: int) -> list[tuple]:
            return self._one_tag.rows(first, stop, **order, **values) if live() else []

        return CardList(live, rows)


TAG_FIELDS = ("id", "name", "slug")


def _tag_count_terms(now: dt.datetime, tag_id: int | Subquery) -> QuerySet:
    """The tag's tally minus its articles' copies (``TaggedArticle``) that are not live,
    each kind one short range of the copies' indexes."""
    copies = TaggedArticle.objects.filter(tag_id=tag_id)
    return _tally_minus_not_live(now, ArticleTally.Scope.TAG, tag_id, copies)


def from_source(now: dt.datetime, source_id: int | Subquery) -> QuerySet:
    return Article.objects.live(now).filter(source_id=source_id)


def _source_count_terms(now: dt.datetime, source_id: int | Subquery) -> QuerySet:
    """The source's articles (its tally), then minus each kind that is not live
    (``not_live_terms``), as :func:`_live_count_terms` counts all articles: each kind
    is a short range of the source's indexes, where counting the live ones read each
    one's index entry (0.15 ms for 2,500 articles on SQLite, 0.35 on PostgreSQL)."""
    articles = Article.objects.filter(source_id=source_id)
    return _tally_minus_not_live(now, ArticleTally.Scope.SOURCE, source_id, articles)


def _published_between(now: dt.datetime, start: dt.datetime, end: dt.datetime) -> QuerySet:
    # The period's bounds before live()'s: SQLite scans the index range of the first
    # upper bound it finds, and live()'s "published before now" would make a month
    # ago read every article since (6 ms instead of 0.1 at 100,000 articles).
    return Article.objects.filter(publish_at__gte=start, publish_at__lt=end).live(now)


def period_terms(now: dt.datetime, start: dt.datetime, end: dt.datetime) -> list[QuerySet]:
    """The articles published in ``[start, end)``, then those of them that are drafts,
    scheduled and expired at ``now`` (``not_live_terms``): the first count minus the
    others is the period's live count.

    All the period's articles are one range of the publish-time index; the live ones
    would each be tested for expiry (a month at 100,000 articles: 0.16 ms on SQLite,
    against 0.06 for the four counts). The scheduled ones are looked for after ``now``
    first, as SQLite ranges over the first bound it finds and the period's start would
    make it read the whole period; the expired ones are a range of the expiry index,
    as an article published in the period expired after its start.
    """
    draft, scheduled, expired = not_live_terms(now)
    period = Article.objects.order_by().filter(publish_at__gte=start, publish_at__lt=end)
    scheduled_in_period = Article.objects.order_by().filter(scheduled)
    return [
        period,
        period.filter(draft),
        scheduled_in_period.filter(publish_at__gte=start, publish_at__lt=end),
        period.filter(expired, expires_at__gt=start),
    ]


def _period_count_terms(now: dt.datetime, start: dt.datetime, end: dt.datetime) -> QuerySet:
    everything, *not_live = period_terms(now, start, end)
    minus = (term.values(n=count_all("-")) for term in not_live)
    return everything.values(n=count_all()).union(*minus, all=True)


# All live articles, counted with their page. Apart, the count was a round trip more;
# it was kept apart while PostgreSQL planned its terms again on every run, which then
# cost more than the round trip (see models.UnseenByPlanner). Together, /articles/
# served 1,247-1,339 requests/s under wrk on PostgreSQL at 100,000 articles, against
# 1,128-1,230 apart (cpu_per_request.py, three interleaved rounds).
LATEST = Listing(latest, count_terms=_live_count_terms)
TAGGED = TagListing()
# A source's count, read with its page: its tally minus its articles that are not live
# (page and count 0.08 ms on SQLite, against 0.22 counting the source's index range at
# 2,500 articles; on PostgreSQL 0.35 ms less a page, once its terms let it keep one plan).
FROM_SOURCE = Listing(from_source, count_terms=_source_count_terms)


def _page_of_slug(model, fields: tuple[str, ...], scope, count_terms) -> Listing:
    """The listing of one tag or source, ``scope`` and ``count_terms`` taking its id:
    here found by its slug, inside the page's query, whose ``subject`` is its row."""

    def by_slug(function):
        return lambda now, slug: function(
            now, Subquery(model.objects.filter(slug=slug).values("pk"))
        )

    def subject(slug: str, **_values) -> QuerySet:
        return model.objects.filter(slug=slug).values_list(*fields)

    return Listing(by_slug(scope), count_terms=by_slug(count_terms), subject=subject)


# A tag's page and a source's: the tag or source, found by its slug, read with the page
# and its count, in one query.
TAG_PAGE = _page_of_slug(Tag, TAG_FIELDS, tagged_copies, _tag_count_terms)
SOURCE_PAGE = _page_of_slug(Source, SOURCE_FIELDS, from_source, _source_count_terms)
PUBLISHED_BETWEEN = Listing(_published_between, count_terms=_period_count_terms)


def _tagged_between(now: dt.datetime, tag_id: int, start: dt.datetime, end: dt.datetime):
    # One range of the tag's copies (tagged_article_live_idx), the period's bounds first
    # as in _published_between. From the articles, the tag's rows were read and each
    # article's row looked up (14 ms for a popular tag over half a year on SQLite).
    copies = TaggedArticle.objects.filter(tag_id=tag_id, publish_at__gte=start, publish_at__lt=end)
    return copies.live(now)


# One tag's articles published in a period: counted over the copies' index range.
TAGGED_BETWEEN = Listing(_tagged_between)


def _from_source_between(
    now: dt.datetime, source_id: int, start: dt.datetime, end: dt.datetime
) -> QuerySet:
    # One range of article_source_live_idx, the period's bounds first as above.
    period = Article.objects.filter(publish_at__gte=start, publish_at__lt=end)
    return period.filter(source_id=source_id).live(now)


# One source's articles published in a period: counted over its index range.
FROM_SOURCE_BETWEEN = Listing(_from_source_between)


def _from_source_tagged(
    now: dt.datetime, source_id: int, content_type_id: int, tag_slugs: list[str]
) -> QuerySet:
    # EXISTS per article: the database walks the source's live articles, testing each
    # for the tags (filters.source_is_narrower says when that is the cheaper end).
    tag_rows = tagged_items(content_type_id, tag__slug__in=tag_slugs)
    return from_source(now, source_id).filter(has_tagging_row(tag_rows))


# One source's articles with any of some tags, read from the source's end.
FROM_SOURCE_TAGGED = Listing(_from_source_tagged)


def _from_source_with_tag(now: dt.datetime, source_id: int, tag_slug: str) -> QuerySet:
    # One range of tagged_article_source_idx: the tag's copies of the source's articles.
    tag_id = Subquery(Tag.objects.filter(slug=tag_slug).values("pk"))
    return TaggedArticle.objects.filter(tag_id=tag_id, source_id=source_id).live(now)


# One source's articles with one tag: counted over that range.
FROM_SOURCE_WITH_TAG = Listing(_from_source_with_tag)
