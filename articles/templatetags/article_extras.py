"""What an article page shows around the article: related articles and its neighbours.

Both come from live articles only, and each costs exactly one query whatever the
number of tags, so the article page stays within its query budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

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
    """Up to ``limit`` live articles sharing a tag with ``article`` or its source.

    Articles sharing a tag come first, then those of the same source, each newest
    first. Each side is a bounded subquery (``LIMIT limit``), so the one query stays
    cheap however many articles a popular tag or a big source holds.
    """
    others = Article.objects.live().exclude(pk=article.pk).order_by("-publish_at", "-number")
    tag_ids = [tag.pk for tag in article.tags.all()]
    same_source = others.filter(source_id=article.source_id).values("pk")[:limit]
    if not tag_ids:
        return list(
            _teasers(Article.objects.filter(pk__in=same_source)).order_by("-publish_at", "-number")
        )
    tagged = Article.objects.filter(tags__in=tag_ids).values("pk")
    same_tag = others.filter(pk__in=tagged).values("pk")[:limit]
    rank = Case(When(pk__in=same_tag, then=Value(0)), default=Value(1), output_field=IntegerField())
    candidates = Article.objects.filter(Q(pk__in=same_tag) | Q(pk__in=same_source))
    return list(
        _teasers(candidates).annotate(rank=rank).order_by("rank", "-publish_at", "-number")[:limit]
    )


def neighbours(article: Article) -> Neighbours:
    """The live articles just before and just after ``article`` in time, in one query.

    Ties on the publish time are broken by number, the same order listings use.
    """
    if article.publish_at is None:
        return Neighbours(None, None)
    live = Article.objects.live()
    when, number = article.publish_at, article.number
    older = live.filter(Q(publish_at__lt=when) | Q(publish_at=when, number__lt=number))
    newer = live.filter(Q(publish_at__gt=when) | Q(publish_at=when, number__gt=number))
    previous_pk = older.order_by("-publish_at", "-number").values("pk")[:1]
    next_pk = newer.order_by("publish_at", "number").values("pk")[:1]
    found = _teasers(Article.objects.filter(Q(pk__in=previous_pk) | Q(pk__in=next_pk)))
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
