"""What an article page shows around the article: related articles and its neighbours.

Both come from live articles only. They are columns of the query that reads the
article (:func:`around_columns`, used by ``lookup.live_article``): subqueries that
refer to the article's own row, each returning its teasers as JSON. The page costs
one query for the article, its tags, its neighbours and its related articles,
whatever the number of tags; on PostgreSQL every query saved is a round trip, which
cost more than any of these subqueries takes to run.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Case,
    Exists,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.utils import timezone

from .models import NEWEST_FIRST, Article
from .prepared import PreparedQuery
from .tagging import article_type, tagged_items

RELATED_LIMIT = 5
# The columns of a teaser, in the order of Teaser's fields, as the JSON lists them.
TEASER_COLUMNS = ("number", "title", "path", "publish_at", "source__name", "source__slug")


@dataclass(frozen=True)
class Teaser:
    """Just what a link to another article shows: no body, no tags."""

    number: int
    title: str
    path: str
    publish_at: dt.datetime
    source_name: str
    source_slug: str


@dataclass(frozen=True)
class Around:
    """The live articles around one article: just before and after it in time, and up
    to five related ones (sharing a tag first, then the source's, each newest first)."""

    previous: Teaser | None = None
    next: Teaser | None = None
    related: list[Teaser] = field(default_factory=list)


class TeaserRows(Func):
    """The rows of a teaser query (``TEASER_COLUMNS``, then a rank) as JSON text,
    ``[[number, title, path, publish_at, source name, source slug, rank], ...]``, in no
    set order. It aggregates over the query as a derived table, so the query keeps its
    own ORDER BY and LIMIT."""

    output_field = TextField()
    arity = 1
    columns = ", ".join(f'teaser."{name}"' for name in (*TEASER_COLUMNS, "rank"))
    template = f"(SELECT json_group_array(json_array({columns})) FROM %(expressions)s AS teaser)"
    template_postgresql = (
        f"(SELECT COALESCE(json_agg(json_build_array({columns})), '[]')::text"
        " FROM %(expressions)s AS teaser)"
    )

    def __init__(self, queryset: QuerySet, limit: int) -> None:
        super().__init__(Subquery(queryset.values(*TEASER_COLUMNS, "rank")[:limit]))

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template=self.template_postgresql, **extra)


def around_columns(now: dt.datetime) -> tuple[TeaserRows, TeaserRows, TeaserRows]:
    """Three columns for a query of articles: the previous article, the next one and
    the related ones of each row, as :class:`TeaserRows` JSON (:func:`around_from_json`
    reads them). ``now`` decides which articles are live."""
    return _neighbour(now, older=True), _neighbour(now, older=False), _related(now)


def around_from_json(previous: str, following: str, related: str) -> Around:
    """The :class:`Around` of the three JSON texts of :func:`around_columns`."""
    ranked = sorted(_teaser_rows(related), key=lambda row: (row[-1], _newest_first(row)))
    return Around(
        previous=next(iter(_teasers(previous)), None),
        next=next(iter(_teasers(following)), None),
        related=[Teaser(*row[:-1]) for row in ranked],
    )


def _neighbour(now: dt.datetime, older: bool) -> TeaserRows:
    """The live article just before (``older``) or just after the outer row in time.

    Ties on the publish time are broken by number, the same order listings use. The
    neighbour's id is found alone, a walk of the live index that stops at the first
    live article, and only then joined to its source: with the join inside the walk,
    SQLite may walk each source's articles in turn. The bound on ``publish_at`` comes
    before the liveness filter because SQLite scans the index range of the first bound
    it finds, and ``publish_at <= now`` would make it walk the whole past.
    """
    # The walk is a subquery of the teaser's query, itself a subquery of the article's.
    when, number = OuterRef(OuterRef("publish_at")), OuterRef(OuterRef("number"))
    if older:
        side = Article.objects.filter(publish_at__lte=when).live(now)
        side = side.filter(Q(publish_at__lt=when) | Q(number__lt=number))
        side = side.order_by(*NEWEST_FIRST)
    else:
        side = Article.objects.filter(publish_at__gte=when).live(now)
        side = side.filter(Q(publish_at__gt=when) | Q(number__gt=number))
        side = side.order_by("publish_at", "number")
    nearest = Article.objects.filter(pk=Subquery(side.values("pk")[:1]))
    return TeaserRows(nearest.annotate(rank=Value(0)), 1)


def _related(now: dt.datetime) -> TeaserRows:
    """Up to five live articles sharing a tag or the source with the outer row.

    Those sharing a tag come first (rank 0), then the source's (rank 1), each newest
    first. Both sets of candidates are bounded index scans, so the query costs the
    same for a rare tag as for a popular one: the five newest of the source, and the
    twenty most recently tagged articles of the same tags (by tagging row, newest id
    first). A single scan of all live articles "tagged or same source" is fast for
    popular tags but reads the whole table for a rare tag of a small source.
    """
    # The related rows are a subquery of the article's query. The candidates' queries
    # sit one level below them on PostgreSQL (the parts of a UNION in an IN) and two on
    # SQLite (in an IN in an IN), so they reach the article through that many
    # OuterRefs, and one more from a subquery of theirs.
    compound = connection.features.supports_slicing_ordering_in_compound
    depth = 2 if compound else 3
    article_id = _outer("pk", depth)
    same_source = (
        Article.objects.live(now)
        .exclude(pk=article_id)
        .filter(source_id=_outer("source_id", depth))
        .order_by(*NEWEST_FIRST)
        .values("pk")
    )[:RELATED_LIMIT]
    same_tag = (
        _tagged_like(_outer("pk", depth + 1))
        .exclude(object_id=article_id)
        .order_by("-object_id")
        .values("object_id")
    )[: 4 * RELATED_LIMIT]
    if compound:
        # PostgreSQL: one IN over a UNION becomes a semi-join; an OR of two INs would
        # make it test every article.
        candidates = Q(pk__in=same_source.union(same_tag, all=True))
    else:
        # SQLite: no LIMIT inside a UNION, but it reads an OR of INs by rowid, as long
        # as the OR stands alone in its own subquery.
        either = Article.objects.filter(Q(pk__in=same_source) | Q(pk__in=same_tag))
        candidates = Q(pk__in=either.values("pk"))
    shares_tag = Exists(_tagged_like(_outer("pk", 3)).filter(object_id=OuterRef("pk")))
    rank = Case(When(shares_tag, then=Value(0)), default=Value(1), output_field=IntegerField())
    live = Article.objects.live(now).exclude(pk=OuterRef("pk"))
    found = live.filter(candidates).annotate(rank=rank).order_by("rank", *NEWEST_FIRST)
    return TeaserRows(found, RELATED_LIMIT)


def _tagged_like(article_id: OuterRef) -> QuerySet:
    """Rows tagging an article with any tag of the article ``article_id`` refers to
    (from inside an EXISTS of these rows: one level more than they are).

    Each row is checked with one probe of taggit's unique index (content type, article,
    tag). A list of the article's tags, ``tag_id IN (...)``, would refer to the article
    too, and SQLite builds a correlated list again for every row it tests.
    """
    its_tag = tagged_items(article_type(), object_id=article_id, tag_id=OuterRef("tag_id"))
    return tagged_items(article_type()).filter(Exists(its_tag))


def _outer(name: str, levels: int) -> OuterRef:
    """A reference to column ``name`` of the query ``levels`` levels out."""
    reference = name
    for _ in range(levels):
        reference = OuterRef(reference)
    return reference


def _teaser_rows(text: str | None) -> list[list]:
    rows = json.loads(text) if text else []
    for row in rows:
        row[3] = _moment(row[3])
    return rows


def _teasers(text: str | None) -> list[Teaser]:
    return [Teaser(*row[:-1]) for row in _teaser_rows(text)]


def _moment(text: str) -> dt.datetime:
    """A publish time as JSON gives it: ISO 8601 with an offset from PostgreSQL, the
    stored UTC text without one from SQLite."""
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _newest_first(row: list) -> tuple[float, int]:
    return -row[3].timestamp(), -row[0]


def _around_of(article_id: int, now: dt.datetime) -> QuerySet:
    return Article.objects.filter(pk=article_id).values_list(*around_columns(now))


_AROUND_OF = PreparedQuery(_around_of)


def around(article: Article) -> Around:
    """What is around ``article`` on its page: read with the article when it is live
    (``lookup.live_article``), in a query of its own for a staff preview."""
    known = getattr(article, "around", None)
    if known is not None:
        return known
    rows = _AROUND_OF.rows(article_id=article.pk, now=timezone.now())
    return around_from_json(*rows[0]) if rows else Around()
