"""What an article page shows around the article: related articles and its neighbours.

Both come from live articles only, and each costs exactly one query whatever the
number of tags, so the article page stays within its query budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from .models import NEWEST_FIRST, Article
from .prepared import PreparedQuery
from .tagging import tagged_items

RELATED_LIMIT = 5
TEASER_FIELDS = ("number", "title", "path", "publish_at", "source__name", "source__slug")


@dataclass(frozen=True)
class Teaser:
    """Just what a link to another article shows: no body, no tags."""

    number: int
    title: str
    path: str
    publish_at: datetime
    source_name: str
    source_slug: str


@dataclass(frozen=True)
class Neighbours:
    previous: Teaser | None
    next: Teaser | None


def _related_by_source(article_id: int, source_id: int, now: datetime) -> QuerySet:
    live = Article.objects.live(now).exclude(pk=article_id)
    same_source = live.filter(source_id=source_id).order_by(*NEWEST_FIRST)
    return same_source.values_list(*TEASER_FIELDS)[:RELATED_LIMIT]


def _related_by_tag_or_source(
    article_id: int, source_id: int, now: datetime, content_type_id: int, tag_ids: list[int]
) -> QuerySet:
    live = Article.objects.live(now).exclude(pk=article_id)
    same_source = (live.filter(source_id=source_id).order_by(*NEWEST_FIRST).values("pk"))[
        :RELATED_LIMIT
    ]
    tagged = tagged_items(content_type_id, tag_id__in=tag_ids)
    same_tag = (tagged.exclude(object_id=article_id).order_by("-object_id").values("object_id"))[
        : 4 * RELATED_LIMIT
    ]
    if connection.features.supports_slicing_ordering_in_compound:
        # PostgreSQL: one IN over a UNION becomes a semi-join; an OR of two INs would
        # make it test every article.
        candidates = Q(pk__in=same_source.union(same_tag, all=True))
    else:
        # SQLite: no LIMIT inside a UNION, but it reads an OR of INs by rowid, as long
        # as the OR stands alone in its own subquery.
        either = Article.objects.filter(Q(pk__in=same_source) | Q(pk__in=same_tag))
        candidates = Q(pk__in=either.values("pk"))
    shares_tag = Exists(tagged.filter(object_id=OuterRef("pk")))
    rank = Case(When(shares_tag, then=Value(0)), default=Value(1), output_field=IntegerField())
    found = live.filter(candidates).annotate(rank=rank).order_by("rank", *NEWEST_FIRST)
    return found.values_list(*TEASER_FIELDS)[:RELATED_LIMIT]


_RELATED_BY_SOURCE = PreparedQuery(_related_by_source)
_RELATED_BY_TAG_OR_SOURCE = PreparedQuery(_related_by_tag_or_source)


def related_articles(article: Article) -> list[Teaser]:
    """Up to five live articles sharing a tag or the source with ``article``.

    Those sharing a tag come first, then the source's, each newest first. Both sets of
    candidates are bounded index scans, so the one query costs the same for a rare
    tag as for a popular one: the five newest of the source, and the twenty most
    recently tagged articles of the same tags (by tagging row, newest id first). A
    single scan of all live articles "tagged or same source" is fast for popular tags
    but reads the whole table for a rare tag of a small source.
    """
    values = {"article_id": article.pk, "source_id": article.source_id, "now": timezone.now()}
    tag_ids = [tag.pk for tag in article.tags.all()]
    if tag_ids:
        content_type_id = ContentType.objects.get_for_model(Article).pk
        rows = _RELATED_BY_TAG_OR_SOURCE.rows(
            **values, content_type_id=content_type_id, tag_ids=tag_ids
        )
    else:
        rows = _RELATED_BY_SOURCE.rows(**values)
    return [Teaser(*row) for row in rows]


def _neighbours(when: datetime, number: int, now: datetime) -> QuerySet:
    older = (
        Article.objects.filter(publish_at__lte=when)
        .live(now)
        .filter(Q(publish_at__lt=when) | Q(number__lt=number))
        .order_by(*NEWEST_FIRST)
        .values("pk")[:1]
    )
    newer = (
        Article.objects.filter(publish_at__gte=when)
        .live(now)
        .filter(Q(publish_at__gt=when) | Q(number__gt=number))
        .order_by("publish_at", "number")
        .values("pk")[:1]
    )
    either = Article.objects.filter(Q(pk=Subquery(older)) | Q(pk=Subquery(newer)))
    return either.values_list(*TEASER_FIELDS)


_NEIGHBOURS = PreparedQuery(_neighbours)


def neighbours(article: Article) -> Neighbours:
    """The live articles just before and just after ``article`` in time, in one query.

    Ties on the publish time are broken by number, the same order listings use. Each
    side is a scalar subquery (one index probe); the bound on ``publish_at`` comes
    before the liveness filter because SQLite scans the index range of the first
    bound it finds, and ``publish_at <= now`` would make it walk the whole past.
    """
    if article.publish_at is None:
        return Neighbours(None, None)
    when, number = article.publish_at, article.number
    previous = following = None
    for row in _NEIGHBOURS.rows(when=when, number=number, now=timezone.now()):
        other = Teaser(*row)
        if (other.publish_at, other.number) < (when, number):
            previous = other
        else:
            following = other
    return Neighbours(previous, following)
