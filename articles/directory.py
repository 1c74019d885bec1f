"""The topic and source directories (/tags/, /sources/): every tag and every source
with live articles, with how many each has.

A tag's or source's count is its tally (``ArticleTally``, kept by the database's
triggers) minus its articles that are not live. Those are read once for the whole
directory, as every live count finds them (``models.not_live_terms``: index ranges
over the drafts, scheduled and expired articles, usually few), with their source or
their tags. Counting every tag's live articles would read every tagging row of the
site. A tag or source whose articles are none of them live is left out: the
directories, like every public page, never tell that something is drafted or
scheduled.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from taggit.models import Tag

from .cards import not_live_ids
from .models import Article, ArticleTally, Source
from .prepared import PreparedQuery
from .tagging import by_tag_name, tagged_items

# The sizes a tag cloud gives its tags, from the least used to the most.
WEIGHTS = 5


@dataclass(frozen=True)
class Entry:
    """A tag or source in a directory: its page, how many live articles it has, and
    (tags) how large the cloud shows it, from 1 to ``WEIGHTS``."""

    name: str
    slug: str
    articles: int
    weight: int = 1
    homepage: str = ""


def _with_tally(items: QuerySet, scope: ArticleTally.Scope) -> QuerySet:
    tally = ArticleTally.objects.filter(scope=scope, subject=OuterRef("pk")).values("articles")
    return items.annotate(tally=Coalesce(Subquery(tally), 0, output_field=IntegerField()))


_TAG_TALLIES = PreparedQuery(
    lambda: _with_tally(Tag.objects.all(), ArticleTally.Scope.TAG).values_list(
        "pk", "name", "slug", "tally"
    )
)
_NOT_LIVE_TAGGINGS = PreparedQuery(
    lambda now, content_type_id: tagged_items(
        content_type_id, object_id__in=not_live_ids(now)
    ).values_list("tag_id")
)
_SOURCE_TALLIES = PreparedQuery(
    lambda: _with_tally(Source.objects.order_by("name"), ArticleTally.Scope.SOURCE).values_list(
        "pk", "name", "slug", "homepage", "tally"
    )
)
_NOT_LIVE_SOURCES = PreparedQuery(
    lambda now: Article.objects.filter(pk__in=not_live_ids(now)).values_list("source_id")
)


def tag_directory() -> list[Entry]:
    """Every tag with a live article, by name, with its count and cloud weight."""
    now = timezone.now()
    content_type_id = ContentType.objects.get_for_model(Article).pk
    not_live = Counter(
        tag_id for (tag_id,) in _NOT_LIVE_TAGGINGS.rows(now=now, content_type_id=content_type_id)
    )
    rows = _TAG_TALLIES.rows()
    counted = [(name, slug, tally - not_live[pk]) for pk, name, slug, tally in rows]
    counted = sorted((row for row in counted if row[2] > 0), key=lambda row: by_tag_name(row[0]))
    most = max((articles for _name, _slug, articles in counted), default=1)
    return [
        Entry(name, slug, articles, cloud_weight(articles, most))
        for name, slug, articles in counted
    ]


def source_directory() -> list[Entry]:
    """Every source with a live article, by name, with its count and homepage: the
    sources the /articles/ form offers (``filters.live_sources``), counted."""
    now = timezone.now()
    not_live = Counter(source_id for (source_id,) in _NOT_LIVE_SOURCES.rows(now=now))
    rows = _SOURCE_TALLIES.rows()
    counted = (
        (name, slug, homepage, tally - not_live[pk]) for pk, name, slug, homepage, tally in rows
    )
    return [
        Entry(name, slug, articles, homepage=homepage)
        for name, slug, homepage, articles in counted
        if articles > 0
    ]


def cloud_weight(articles: int, most: int) -> int:
    """1 to ``WEIGHTS``, by the logarithm of ``articles`` against the most any tag has:
    a cloud that grew with the count itself would show one word."""
    if most <= 1:
        return 1
    return 1 + round((WEIGHTS - 1) * math.log(articles) / math.log(most))
