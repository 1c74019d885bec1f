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

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Count,
    IntegerChoices,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from taggit.models import Tag

from .cards import not_live_ids
from .kept import KeptUntilChange
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


class _SourceRow(IntegerChoices):
    """What each row of :data:`_SOURCE_ROWS` is, its first column."""

    SOURCE = 0  # a source: its id, name, slug, homepage and tally
    NOT_LIVE = 1  # how many of a source's articles are not live: its id, then the number


def _source_rows(now: dt.datetime) -> QuerySet:
    """Every source with its tally and, by source, how many of its articles are not
    live at ``now``, as one statement of rows of the same columns, by name.

    Each part is a short read: the sources, each with its tally (an index probe), and
    the few articles that are not live (``not_live_ids``). An EXISTS per source on its
    live articles cost PostgreSQL three times as much (40 probes of the articles'
    index: 10,800 runs a second against 26,000, pgbench, 100,000 articles).
    """
    blank = Value("")
    sources = _with_tally(Source.objects.order_by(), ArticleTally.Scope.SOURCE).values_list(
        Value(_SourceRow.SOURCE), "pk", "name", "slug", "homepage", "tally"
    )
    not_live = (
        Article.objects.filter(pk__in=not_live_ids(now))
        .order_by()
        .values("source_id")
        .annotate(n=Count("pk"))
        .values_list(Value(_SourceRow.NOT_LIVE), "source_id", blank, blank, blank, "n")
    )
    return sources.union(not_live, all=True).order_by("name")


_SOURCE_ROWS = PreparedQuery(_source_rows)


def _read_live_source_counts(now: dt.datetime) -> tuple[tuple[int, str, str, str, int], ...]:
    sources, not_live = [], Counter()
    for kind, pk, name, slug, homepage, number in _SOURCE_ROWS.rows(now=now):
        if kind == _SourceRow.SOURCE:
            sources.append((pk, name, slug, homepage, number))
        else:
            not_live[pk] += number
    counted = ((*source[:4], source[4] - not_live[source[0]]) for source in sources)
    return tuple(row for row in counted if row[-1] > 0)


_LIVE_SOURCE_COUNTS = KeptUntilChange(_read_live_source_counts)


def live_source_counts(now: dt.datetime) -> tuple[tuple[int, str, str, str, int], ...]:
    """(id, name, slug, homepage, live articles) of every source with a live article
    at ``now``, by name: its tally minus its articles that are not live. What the
    source directory lists, the /articles/ filter offers and the sitemap index counts
    (its section lists each source by its newest live article, which agrees while the
    tallies do: the database's triggers keep them). Every /articles/ page asks for it,
    so it is kept until a write or the next publish or expiry time (kept.py)."""
    return _LIVE_SOURCE_COUNTS(now)


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
    sources the /articles/ form offers, counted."""
    return [
        Entry(name, slug, articles, homepage=homepage)
        for _pk, name, slug, homepage, articles in live_source_counts(timezone.now())
    ]


def cloud_weight(articles: int, most: int) -> int:
    """1 to ``WEIGHTS``, by the logarithm of ``articles`` against the most any tag has:
    a cloud that grew with the count itself would show one word."""
    if most <= 1:
        return 1
    return 1 + round((WEIGHTS - 1) * math.log(articles) / math.log(most))
