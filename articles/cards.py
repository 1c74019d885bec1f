"""Listing cards: what a listing page shows of each article, read in prepared queries.

A card is the title and path, the publish time, the source and the summary of a live
article, with its tags. Listing pages (home, /articles/, tag, source and month pages)
read only these columns, as rows rather than model instances, and the queries of the
fixed listings (:data:`LATEST`, :data:`TAGGED`, :data:`FROM_SOURCE`,
:data:`PUBLISHED_BETWEEN`) are prepared once per process (see prepared.py): building
and compiling them with the ORM cost more than running them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from django.db.models import Count, QuerySet, Value
from django.utils import timezone

from .filters import tagged_ids
from .models import NEWEST_FIRST, Article
from .prepared import PreparedQuery
from .tagging import tag_rows

CARD_COLUMNS = ("pk", "title", "path", "summary", "publish_at", "source__name", "source__slug")
# Page slices prepared per listing (the first ones asked for: the busy early pages);
# any other slice runs as a plain ORM query, so a crawl of deep pages evicts nothing.
MAX_PREPARED_SLICES = 64


@dataclass(frozen=True)
class CardTag:
    name: str
    slug: str


@dataclass
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


def cards_from(rows: Sequence[tuple]) -> list[Card]:
    """Cards from rows of ``CARD_COLUMNS``, with their tags (one query)."""
    made = [Card(*row) for row in rows]
    by_pk = {card.pk: card for card in made}
    for object_id, _tag_id, name, slug in tag_rows(Article, list(by_pk)):
        by_pk[object_id].tags.append(CardTag(name, slug))
    return made


class CardList:
    """Cards read only as they are asked for: what ``Paginator`` needs, a count and slices.

    ``count()`` counts the articles; ``rows(start, stop)`` reads rows of ``CARD_COLUMNS``.
    """

    def __init__(self, count: Callable[[], int], rows: Callable[[int, int], list]) -> None:
        self._count = count
        self._rows = rows

    def count(self) -> int:
        return self._count()

    def __getitem__(self, bounds: slice) -> list[Card]:
        start, stop = bounds.start or 0, bounds.stop
        return cards_from(self._rows(start, stop)) if stop > start else []


def queryset_cards(articles: QuerySet) -> CardList:
    """The cards of ``articles``, a queryset of live articles in listing order."""
    rows = articles.values_list(*CARD_COLUMNS)
    return CardList(rows.count, lambda start, stop: list(rows[start:stop]))


class Listing:
    """The live articles of one scope, newest first, as a :class:`CardList`.

    ``scope`` receives the values (``now`` and the scope's own, as keyword arguments)
    and returns the articles to list, starting from ``Article.objects.live(now)``.
    Every query is prepared, so the values must be ints, datetimes or lists of them.
    """

    def __init__(self, scope: Callable[..., QuerySet]) -> None:
        self._scope = scope
        self._count = PreparedQuery(self._count_query)
        self._slices: dict[tuple[int, int], PreparedQuery] = {}

    def cards(self, **values) -> CardList:
        """The listing now: its count and its rows are read at the same moment."""
        values["now"] = timezone.now()
        return CardList(
            partial(self._counted, **values),
            partial(self._rows, **values),
        )

    def _counted(self, **values) -> int:
        [(count,)] = self._count.rows(**values)
        return count

    def _count_query(self, **values) -> QuerySet:
        # Grouped by a constant: a plain COUNT(*), one row, as a QuerySet to prepare.
        articles = self._scope(**values).order_by().values(one=Value(1))
        return articles.annotate(n=Count("pk")).values_list("n")

    def _page_query(self, first: int, stop: int, /, **values) -> QuerySet:
        return self._scope(**values).order_by(*NEWEST_FIRST).values_list(*CARD_COLUMNS)[first:stop]

    def _rows(self, first: int, stop: int, /, **values) -> list[tuple]:
        # LIMIT and OFFSET are part of the SQL, so each slice is a query of its own.
        query = self._slices.get((first, stop))
        if query is None:
            if len(self._slices) >= MAX_PREPARED_SLICES:
                return list(self._page_query(first, stop, **values))
            query = self._slices[first, stop] = PreparedQuery(
                partial(self._page_query, first, stop)
            )
        return query.rows(**values)


def _latest(now: dt.datetime) -> QuerySet:
    return Article.objects.live(now)


def _tagged(now: dt.datetime, tag_id: int) -> QuerySet:
    return Article.objects.live(now).filter(pk__in=tagged_ids(tag_id=tag_id))


def _from_source(now: dt.datetime, source_id: int) -> QuerySet:
    return Article.objects.live(now).filter(source_id=source_id)


def _published_between(now: dt.datetime, start: dt.datetime, end: dt.datetime) -> QuerySet:
    return Article.objects.live(now).filter(publish_at__gte=start, publish_at__lt=end)


LATEST = Listing(_latest)
TAGGED = Listing(_tagged)
FROM_SOURCE = Listing(_from_source)
PUBLISHED_BETWEEN = Listing(_published_between)
