"""What an article page shows around the article: related articles and its neighbours.

Both come from live articles only. They are columns of the query that reads the
article (:func:`around_columns`, used by ``lookup.live_article``), each returning its
teasers as JSON. The page costs one query for the article, its tags, its neighbours
and its related articles, whatever the number of tags; on PostgreSQL every query
saved is a round trip, which cost more than any of these subqueries takes to run.

On SQLite, the related articles' lists of candidates find the article again by the
lookup's own parameter (its number or id) rather than by referring to the outer row. A
subquery that refers to an outer row is correlated, and SQLite runs a correlated
subquery again wherever it is used: inside a scan, which SQLite's planner may choose
on a small site, the lists were built again for every article scanned (35 ms a page at
300 articles). A subquery that refers to no outer row is run once. PostgreSQL reads
the outer row once (:class:`NewestSharing`). The neighbours refer to the outer row:
each is a walk of one index that stops at its first live article.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Exists,
    F,
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
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .models import NEWEST_FIRST, Article, Source, TaggedArticle
from .prepared import PreparedQuery
from .tagging import article_type, tagged_items

RELATED_LIMIT = 5
MAX_ID = 2**63 - 1  # above every id: a bigint column holds no more
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


def around_columns(
    now: dt.datetime, article: QuerySet
) -> tuple[TeaserRows, TeaserRows, TeaserRows | NewestSharing]:
    """Three columns: the previous article, the next one and the related ones of the
    one article that ``article`` selects, as :class:`TeaserRows` JSON
    (:func:`around_from_json` reads them). ``now`` decides which articles are live."""
    return (
        _neighbour(now, older=True),
        _neighbour(now, older=False),
        _related(now, article),
    )


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


def _related(now: dt.datetime, article: QuerySet) -> TeaserRows | NewestSharing:
    """Up to five live articles sharing a tag or the source with the one article that
    ``article`` selects: those sharing a tag first (rank 0), then the source's (rank 1),
    each newest first. PostgreSQL reads the newest of each tag (:class:`NewestSharing`);
    SQLite, which cannot, walks taggit's rows (:func:`_related_by_walk`)."""
    if connection.vendor == "postgresql":
        return NewestSharing(now)
    return _related_by_walk(now, article)


class NewestSharing(Func):
    """The related articles on PostgreSQL, as :class:`TeaserRows` JSON, exactly as
    defined: the newest live articles sharing one of the article's tags, then the
    newest of its source.

    For each of the article's tags, a ``LATERAL`` subquery reads the newest live
    articles with that tag from one range of ``tagged_article_live_idx``, and one
    reads the source's from ``article_source_live_idx``: six of each (five and the
    article itself), all from indexes, whatever the tag's size. Six per tag are enough:
    a tag with six live articles fills the five places by itself, so an article
    missing from every list could never be shown. The candidates are ranked and cut to
    five before their titles and sources are read. The Django ORM has no ``LATERAL``,
    so the frame is written here; each list is an ORM query, with ``live()`` deciding
    which articles may appear. The subqueries refer to the outer row, the article,
    which PostgreSQL reads once.

    It replaced a walk down taggit's rows in article id order, as SQLite still reads
    them, which was 0.3 ms of the 0.5 ms the article's query took to run on PostgreSQL
    at 100,000 articles, and only approximately newest first.
    """

    output_field = TextField()
    template = (
        "(SELECT COALESCE(json_agg(json_build_array(article.number, article.title,"
        " article.path, article.publish_at, source.name, source.slug, ranked.rank)),"
        " '[]')::text FROM ("
        " SELECT candidate.id, min(candidate.rank) AS rank,"
        " candidate.publish_at, candidate.number FROM ("
        "  SELECT newest.*, 0 AS rank FROM {tagged} AS its_tag"
        "  CROSS JOIN LATERAL %(newest_of_tag)s AS newest (id, publish_at, number)"
        "  WHERE its_tag.article_id = %(article)s"
        "  UNION ALL SELECT newest.*, 1"
        "  FROM %(newest_of_source)s AS newest (id, publish_at, number)"
        " ) AS candidate WHERE candidate.id <> %(article)s"
        " GROUP BY candidate.id, candidate.publish_at, candidate.number"
        " ORDER BY rank, candidate.publish_at DESC, candidate.number DESC LIMIT {limit}"
        ") AS ranked JOIN {articles} AS article ON article.id = ranked.id"
        " JOIN {sources} AS source ON source.id = article.source_id)"
    )
    # The outer row's own tag, as the LATERAL subqueries refer to it.
    ITS_TAG = '"its_tag"."tag_id"'

    def __init__(self, now: dt.datetime) -> None:
        newest = NEWEST_FIRST
        of_tag = TaggedArticle.objects.live(now).filter(
            tag_id=RawSQL(self.ITS_TAG, (), output_field=IntegerField())
        )
        of_source = Article.objects.live(now).filter(source_id=OuterRef("source_id"))
        columns = ("publish_at", "number")
        super().__init__(
            Subquery(of_tag.order_by(*newest).values("article_id", *columns)[: RELATED_LIMIT + 1]),
            Subquery(of_source.order_by(*newest).values("pk", *columns)[: RELATED_LIMIT + 1]),
            F("pk"),
        )

    def as_sql(self, compiler, connection, **extra):
        (tag_sql, tag_params), (source_sql, source_params), (article_sql, article_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        template = self.template.format(
            tagged=TaggedArticle._meta.db_table,
            articles=Article._meta.db_table,
            sources=Source._meta.db_table,
            limit=RELATED_LIMIT,
        )
        sql = template % {
            "newest_of_tag": tag_sql,
            "newest_of_source": source_sql,
            "article": article_sql,
        }
        # In the order the placeholders come: tag, article, source, article.
        return sql, (*tag_params, *article_params, *source_params, *article_params)


def _related_by_walk(now: dt.datetime, article: QuerySet) -> TeaserRows:
    """The related articles on SQLite.

    The candidates are two short lists: the five newest of the source, and the
    articles of the twenty rows tagging an article with one of the same tags that a
    walk down taggit's index, highest article id first, meets first (some of them may
    be the same article, or not live). The walk is as long as it takes to meet them:
    short for a popular tag, longer for a rare one, and none at all for an article
    without tags (:func:`_tag_walk_bound`). A single scan of all live articles "tagged
    or same source" is fast for popular tags but reads the whole table for a rare tag
    of a small source. SQLite reads an OR of two INs by rowid, or, on a small site,
    scans the articles, testing each against the two lists.
    """
    article_id = _column(article, "pk")
    same_source = (
        Article.objects.live(now)
        .exclude(pk=article_id)
        .filter(source_id=_column(article, "source_id"))
        .order_by(*NEWEST_FIRST)
        .values("pk")
    )[:RELATED_LIMIT]
    same_tag = (
        _tagged_like(article_id)
        .filter(object_id__lte=_tag_walk_bound(article_id))
        .exclude(object_id=article_id)
        .order_by("-object_id")
        .values("object_id")
    )[: 4 * RELATED_LIMIT]
    candidates = Q(pk__in=same_source) | Q(pk__in=same_tag)
    shares_tag = Exists(_tagged_like(article_id).filter(object_id=OuterRef("pk")))
    rank = Case(When(shares_tag, then=Value(0)), default=Value(1), output_field=IntegerField())
    live = Article.objects.live(now).exclude(pk=article_id)
    found = live.filter(candidates).annotate(rank=rank).order_by("rank", *NEWEST_FIRST)
    return TeaserRows(found, RELATED_LIMIT)


def _tagged_like(article_id: Subquery) -> QuerySet:
    """Rows tagging an article with any tag of the article ``article_id``.

    The article's tags are a list SQLite and PostgreSQL build once, as it refers to no
    outer row, and each row is tested against it.
    """
    its_tags = tagged_items(article_type(), object_id=article_id).values("tag_id")
    return tagged_items(article_type()).filter(tag_id__in=its_tags)


def _tag_walk_bound(article_id: Subquery) -> Subquery:
    """The highest article id the walk for articles sharing a tag may start from: any,
    if the article has a tag; none (NULL) if it has none. Without a tag no row can
    match, and the walk would read every tagging row of the site to find that out
    (7 ms on SQLite, 23 ms on PostgreSQL at 100,000 articles, half of them untagged);
    with no bound it ends at once."""
    any_row = tagged_items(article_type(), object_id=article_id)
    return Subquery(any_row.values(bound=Value(MAX_ID, output_field=BigIntegerField()))[:1])


def _column(article: QuerySet, name: str) -> Subquery:
    """Column ``name`` of the one article ``article`` selects, as a subquery that refers
    to no outer row (see the module's docstring)."""
    return Subquery(article.order_by().values(name)[:1])


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
    the_article = Article.objects.filter(pk=article_id)
    return the_article.values_list(*around_columns(now, the_article))


_AROUND_OF = PreparedQuery(_around_of)


def around(article: Article) -> Around:
    """What is around ``article`` on its page: read with the article when it is live
    (``lookup.live_article``), in a query of its own for a staff preview."""
    known = getattr(article, "around", None)
    if known is not None:
        return known
    rows = _AROUND_OF.rows(article_id=article.pk, now=timezone.now())
    return around_from_json(*rows[0]) if rows else Around()
