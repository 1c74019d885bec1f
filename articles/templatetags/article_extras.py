"""What an article page shows around the article: related articles and its neighbours.

Both come from live articles only, and each costs exactly one query whatever the
number of tags, so the article page stays within its query budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
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

from ..models import Article

register = template.Library()

RELATED_LIMIT = 5
TEASER_FIELDS = ("number", "title", "path", "publish_at", "source__name", "source__slug")


@dataclass(frozen=True)
class Neighbours:
    previous: Article | None
    next: Article | None


def _teasers(queryset: QuerySet) -> QuerySet:
    """Just what a link to an article needs: no body, no tags."""
    return queryset.select_related("source").only(*TEASER_FIELDS)


def related_articles(article: Article, limit: int = RELATED_LIMIT) -> list[Article]:
    """Up to ``limit`` live articles sharing a tag or the source with ``article``.

    Those sharing a tag come first, then the source's, each newest first. Both sets of
    candidates are bounded index scans, so the one query costs the same for a rare
    tag as for a popular one: the ``limit`` newest of the source, and the ``4 * limit``
    most recently tagged articles of the same tags (by tagging row, newest id first).
    A single scan of all live articles "tagged or same source" is fast for popular
    tags but reads the whole table for a rare tag of a small source.
    """
    live = Article.objects.live().exclude(pk=article.pk)
    same_source = (
        live.filter(source_id=article.source_id).order_by("-publish_at", "-number").values("pk")
    )[:limit]
    tag_ids = [tag.pk for tag in article.tags.all()]
    if not tag_ids:
        found = live.filter(pk__in=same_source).order_by("-publish_at", "-number")
        return list(_teasers(found))
    tagged = Article.tags.through.objects.filter(
        content_type_id=ContentType.objects.get_for_model(Article).pk, tag_id__in=tag_ids
    )
    same_tag = (tagged.exclude(object_id=article.pk).order_by("-object_id").values("object_id"))[
        : 4 * limit
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
    found = live.filter(candidates).annotate(rank=rank).order_by("rank", "-publish_at", "-number")
    return list(_teasers(found)[:limit])


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
    older = (
        Article.objects.filter(publish_at__lte=when)
        .live()
        .filter(Q(publish_at__lt=when) | Q(number__lt=number))
        .order_by("-publish_at", "-number")
        .values("pk")[:1]
    )
    newer = (
        Article.objects.filter(publish_at__gte=when)
        .live()
        .filter(Q(publish_at__gt=when) | Q(number__gt=number))
        .order_by("publish_at", "number")
        .values("pk")[:1]
    )
    found = _teasers(Article.objects.filter(Q(pk=Subquery(older)) | Q(pk=Subquery(newer))))
    previous = following = None
    for other in found:
        if (other.publish_at, other.number) < (when, number):
            previous = other
        else:
            following = other
    return Neighbours(previous, following)


@register.simple_tag(name="related_articles")
def related_articles_tag(article: Article) -> list[Article]:
    return related_articles(article)


@register.simple_tag(name="neighbours")
def neighbours_tag(article: Article) -> Neighbours:
    return neighbours(article)
