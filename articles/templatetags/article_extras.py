"""What an article page shows around the article: related articles and its neighbours.

Both come from live articles only, and each costs exactly one query whatever the
number of tags, so the article page stays within its query budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.contrib.contenttypes.models import ContentType
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

    The candidates are the ``2 * limit`` newest such articles, found by walking the
    live articles newest first (an index scan that stops early); of those, the ones
    sharing a tag come first. Tag matches are tested with EXISTS per candidate: an
    IN over every article of a popular tag is orders of magnitude slower on both
    PostgreSQL and SQLite at 100,000 articles.
    """
    tag_ids = [tag.pk for tag in article.tags.all()]
    shares_tag = Exists(
        Article.tags.through.objects.filter(
            content_type_id=ContentType.objects.get_for_model(Article).pk,
            object_id=OuterRef("pk"),
            tag_id__in=tag_ids,
        )
    )
    related = (
        Q(source_id=article.source_id) | shares_tag if tag_ids else Q(source_id=article.source_id)
    )
    candidates = (
        Article.objects.live()
        .exclude(pk=article.pk)
        .filter(related)
        .order_by("-publish_at", "-number")
        .values("pk")[: 2 * limit]
    )
    found = _teasers(Article.objects.filter(pk__in=candidates))
    if tag_ids:
        rank = Case(When(shares_tag, then=Value(0)), default=Value(1), output_field=IntegerField())
        found = found.annotate(rank=rank).order_by("rank", "-publish_at", "-number")
    else:
        found = found.order_by("-publish_at", "-number")
    return list(found[:limit])


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
