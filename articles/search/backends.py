"""Ranked full-text search on SQLite (FTS5) and PostgreSQL (tsvector), one interface.

``matching(query)`` returns the matching articles as a QuerySet that starts from
``Article.objects.live()``, holds only articles containing every term, is ranked best
first and has the listing's constant-query shape (``for_listing()``), so the view
paginates it like any other list. ``snippets(query, articles)`` returns highlighted
HTML for one page of results in one more query: never for rows not shown.

The ranking window (a business rule): scoring every match of a word found in nearly
every article (bm25 or ts_rank over 100,000 rows) costs a second or so. When a query
matches more than ``NEWSROOM_SEARCH_RANK_WINDOW`` articles (default 2,000), only the
newest that many matches (by id, which follows the order articles arrived in) are
ranked and shown, and the page says so. Queries that narrow further are exact.

Terms in scripts written without spaces are matched as substrings over the articles
holding such characters (see ``scripts``); a query with such a term is ordered
newest first, since neither index can rank it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import reduce
from operator import and_

from django.conf import settings
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchRank,
    SearchVectorField,
)
from django.contrib.postgres.search import (
    SearchQuery as PgSearchQuery,
)
from django.db import connections
from django.db.models import BooleanField, F, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL

from ..models import NEWEST_FIRST, Article
from .query import SearchQuery
from .scripts import UNSEGMENTED_CLASS, UNSEGMENTED_MARKER
from .snippets import (
    ELLIPSIS,
    START,
    STOP,
    from_marked_html,
    html_to_text,
    substring_snippet,
)

# Columns in the same order as in the partial index of migration 0003.
DOCUMENT_SQL = (
    '("articles_article"."title" || \' \' || "articles_article"."summary" || \' \' || '
    '"articles_article"."body")'
)


# Matches are dense where the window's span of ids is less than this many times the
# window: at least one article in five matches.
DENSE_SPAN = 5


def rank_window() -> int:
    return settings.NEWSROOM_SEARCH_RANK_WINDOW


@dataclass(frozen=True)
class Edge:
    """Where the ranking window ends: ids above ``left_out``. ``dense``: matches are
    common among the ids the window spans, so a walk meets one every few articles
    (SQLite: at least one in ``DENSE_SPAN``; PostgreSQL: estimated at over ten
    windows' worth in all)."""

    left_out: int
    dense: bool = False


@dataclass(frozen=True)
class Matches:
    """The ranked articles, and whether only the newest ``window`` matches were ranked."""

    articles: QuerySet
    narrowed: bool = False
    window: int = 0


class SearchBackend:
    """Shared behaviour: live articles, the ranking window, the substring fallback."""

    unsegmented_sql: str

    def __init__(self) -> None:
        self._edges: dict[tuple, Edge | None] = {}

    def matching(self, query: SearchQuery) -> Matches:
        articles = Article.objects.live().for_listing()
        if query.substrings:
            return Matches(self.with_terms(articles, query).order_by(*NEWEST_FIRST))
        window = rank_window()
        edge = self.window_edge(query, window)
        return Matches(self.ranked(articles, query, edge), edge is not None, window)

    def window_edge(self, query: SearchQuery, window: int) -> Edge | None:
        """The id of the newest word match left out of the window, if any is.

        Articles with a greater id are the newest ``window`` matches. They are
        counted before the live filter (drafts included), which keeps this one cheap
        index walk; the window may then show a few fewer than ``window`` articles.
        Found once per backend (one is made per request) and words.
        """
        key = (query.words, window)
        if key not in self._edges:
            self._edges[key] = self.find_window_edge(query, window)
        return self._edges[key]

    def find_window_edge(self, query: SearchQuery, window: int) -> Edge | None:
        raise NotImplementedError

    def found_in_many(self, query: SearchQuery) -> bool:
        """Whether the word terms are found in more articles than the ranking window
        (live or not): too many to count on every view of a listing."""
        return bool(query.words) and self.window_edge(query, rank_window()) is not None

    def containing(self, articles: QuerySet, substrings: tuple[str, ...]) -> QuerySet:
        """Articles whose text contains every one of ``substrings`` (case kept: these
        scripts have no case, and upper-casing whole bodies would cost more than it buys).

        The first condition finds the articles holding unsegmented-script characters
        through an index (see each backend's ``unsegmented_sql``), so only those are read.
        """
        articles = articles.alias(
            search_unsegmented=RawSQL(self.unsegmented_sql, [], output_field=BooleanField()),
            search_document=RawSQL(DOCUMENT_SQL, [], output_field=TextField()),
        ).filter(search_unsegmented=True)
        return articles.filter(
            reduce(and_, (Q(search_document__contains=term) for term in substrings))
        )

    def with_terms(self, articles: QuerySet, query: SearchQuery) -> QuerySet:
        """``articles`` that contain every term of ``query``, unranked.

        Substring terms are driven by the partial index of unsegmented-script articles;
        word terms then only filter (running the full-text match per article would cost
        far more).
        """
        if query.substrings:
            articles = self.containing(articles, query.substrings)
        if query.words:
            articles = self.with_words(articles, query)
        return articles

    def with_words(self, articles: QuerySet, query: SearchQuery) -> QuerySet:
        """``articles`` that contain every word term (unranked)."""
        raise NotImplementedError

    def ranked(self, articles: QuerySet, query: SearchQuery, edge: Edge | None) -> QuerySet:
        raise NotImplementedError

    def snippets(self, query: SearchQuery, articles: list[Article]) -> dict[int, str]:
        if not articles:
            return {}
        if query.words:
            return self.word_snippets(query, [article.pk for article in articles])
        texts = Article.objects.filter(pk__in=[a.pk for a in articles]).values_list(
            "pk", "summary", "body"
        )
        return {
            pk: substring_snippet(html_to_text(f"{summary} {body}"), query.substrings)
            for pk, summary, body in texts
        }

    def word_snippets(self, query: SearchQuery, ids: list[int]) -> dict[int, str]:
        raise NotImplementedError


class SQLiteBackend(SearchBackend):
    """FTS5 table ``articles_search`` (external content: ``articles_article``).

    Ranked by bm25 with column weights title 10, summary 4, body 1 (lower is better).
    """

    # The partial index's own predicate, written the same way, in a subquery that must use
    # it (INDEXED BY): left to itself, the planner prefers a live() index and then runs
    # the GLOB over every live article.
    unsegmented_sql = (
        '"articles_article"."id" IN (SELECT "id" FROM "articles_article" '
        "INDEXED BY article_unsegmented_idx "
        f'WHERE ("title" || \' \' || "summary" || \' \' || "body") '
        f"GLOB '*[{UNSEGMENTED_CLASS}]*')"
    )
    weights = (10.0, 4.0, 1.0)

    @staticmethod
    def match_expression(words: tuple[str, ...]) -> str:
        """Every word as an FTS5 string (quotes doubled), all required."""
        return " ".join('"{}"'.format(word.replace('"', '""')) for word in words)

    def with_words(self, articles: QuerySet, query: SearchQuery) -> QuerySet:
        """Three ways, by how many articles hold the words (``window_edge``).

        Driven by the matches, the query reads each match's row: fine for up to the
        ranking window, but 400 ms for a word in half of 100,000 articles. Past the
        window, the articles are walked in the listing's order instead. Where matches
        are common (``Edge.dense``), each article is probed in the full-text index: a
        page of a word in nearly every article takes 0.5 ms (9.6 before). Where they
        are fewer, each is looked up in the list of all matches (the unary + keeps
        SQLite from driving the query from it): building the list costs 9 ms for
        100,000 matches, but no article passed over costs a probe. Substring terms'
        own index must drive.
        """
        words = [self.match_expression(query.words)]
        edge = None if query.substrings else self.window_edge(query, rank_window())
        if edge is not None and edge.dense:
            probe = (
                "EXISTS (SELECT 1 FROM articles_search WHERE articles_search MATCH %s"
                ' AND articles_search.rowid = "articles_article"."id")'
            )
            return articles.filter(RawSQL(probe, words, output_field=BooleanField()))
        plus = "+" if query.substrings or edge is not None else ""
        return articles.filter(
            RawSQL(
                f'{plus}"articles_article"."id" IN '
                "(SELECT rowid FROM articles_search WHERE articles_search MATCH %s)",
                words,
                output_field=BooleanField(),
            )
        )

    def find_window_edge(self, query: SearchQuery, window: int) -> Edge | None:
        """The edge, ``dense`` when the window's matches are at least a fifth of the
        articles they span (by id): a walk then meets a match every few articles."""
        newest = (
            "SELECT rowid FROM articles_search WHERE articles_search MATCH %s "
            "ORDER BY rowid DESC LIMIT 1 OFFSET %s"
        )
        sql = f"SELECT ({newest}), ({newest})"
        words = self.match_expression(query.words)
        with connections[Article.objects.db].cursor() as cursor:
            cursor.execute(sql, [words, window, words, 0])
            left_out, first = cursor.fetchone()
        if left_out is None:
            return None
        return Edge(left_out, dense=first - left_out < DENSE_SPAN * window)

    def ranked(self, articles: QuerySet, query: SearchQuery, edge: Edge | None) -> QuerySet:
        # The FTS5 table must be joined (not a subquery) for bm25() to rank the rows; the
        # ORM has no join to a table without a model, hence extra(). Parameters are bound,
        # never formatted into the SQL. The unary + on rowid keeps SQLite from running the
        # MATCH once per article (it must scan the full-text index first, then look up).
        where = ['+"articles_search".rowid = "articles_article"."id"', "articles_search MATCH %s"]
        params: list = [self.match_expression(query.words)]
        if edge is not None:
            where.append('"articles_search".rowid > %s')
            params.append(edge.left_out)
        return articles.extra(
            tables=["articles_search"],
            where=where,
            params=params,
            select={"search_score": "bm25(articles_search, %s, %s, %s)"},
            select_params=self.weights,
        ).order_by("search_score", *NEWEST_FIRST)

    def word_snippets(self, query: SearchQuery, ids: list[int]) -> dict[int, str]:
        """From the body, else the summary: the title is on the page already."""
        placeholders = ", ".join(["%s"] * len(ids))
        snippet = "snippet(articles_search, {}, %s, %s, %s, 24)"
        sql = (
            f"SELECT rowid, {snippet.format(2)}, {snippet.format(1)} FROM articles_search "
            f"WHERE articles_search MATCH %s AND rowid IN ({placeholders})"
        )
        marks = [START, STOP, ELLIPSIS]
        params = [*marks, *marks, self.match_expression(query.words), *ids]
        with connections[Article.objects.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return {
            pk: from_marked_html(body if START in body or START not in summary else summary)
            for pk, body, summary in rows
        }


class PostgresBackend(SearchBackend):
    """The ``search_vector`` column (weights A title, B summary, C body) and its GIN index.

    Each word becomes ``phraseto_tsquery('newsroom_search', word)``; the words are
    ANDed; ranked by ts_rank; snippets by ts_headline over summary and stripped body.
    """

    config = "newsroom_search"
    unsegmented_sql = f'"articles_article"."search_vector" @@ \'{UNSEGMENTED_MARKER}\'::tsquery'
    vector = RawSQL('"articles_article"."search_vector"', [], output_field=SearchVectorField())
    headline_text = RawSQL(
        '"articles_article"."summary" || \' \' || '
        "regexp_replace(\"articles_article\".\"body\", '<[^>]*>', ' ', 'g')",
        [],
        output_field=TextField(),
    )

    def tsquery(self, words: tuple[str, ...]) -> PgSearchQuery:
        return reduce(
            and_,
            (PgSearchQuery(word, config=self.config, search_type="phrase") for word in words),
        )

    def with_words(self, articles: QuerySet, query: SearchQuery) -> QuerySet:
        # On the row itself, so the GIN index answers both this and the marker lexeme.
        return articles.alias(search_vector=self.vector).filter(
            search_vector=self.tsquery(query.words)
        )

    def find_window_edge(self, query: SearchQuery, window: int) -> Edge | None:
        """Found by walking the primary key backwards when most articles match (it stops
        after ``window`` matches), else from the GIN index (``pk + 0`` keeps PostgreSQL
        from walking the key and reading every article's vector on the way)."""
        matches = self._word_matches(query).alias(search_id=F("pk") + 0)
        dense = self.estimated_rows(matches) > 10 * window
        ids = matches.order_by("-pk" if dense else "-search_id").values_list("pk", flat=True)
        left_out = next(iter(ids[window : window + 1]), None)
        return None if left_out is None else Edge(left_out, dense)

    def found_in_many(self, query: SearchQuery) -> bool:
        """By the planner's estimate, from the column's statistics: the edge is a walk
        of up to the window's matches (5 ms for a word in most articles at 100,000)."""
        if not query.words:
            return False
        return self.estimated_rows(self._word_matches(query)) > rank_window()

    def _word_matches(self, query: SearchQuery) -> QuerySet:
        """Every article, live or not, holding every word term (the GIN index)."""
        return Article.objects.alias(search_vector=self.vector).filter(
            search_vector=self.tsquery(query.words)
        )

    @staticmethod
    def estimated_rows(queryset: QuerySet) -> float:
        """The planner's estimate of the rows ``queryset`` returns (from the column stats)."""
        sql, params = queryset.values("pk").query.sql_with_params()
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return plan[0]["Plan"]["Plan Rows"]

    def ranked(self, articles: QuerySet, query: SearchQuery, edge: Edge | None) -> QuerySet:
        tsquery = self.tsquery(query.words)
        if edge is not None and edge.dense:
            articles = articles.filter(pk__gt=edge.left_out)
        elif edge is not None:
            articles = articles.alias(search_id=F("pk") + 0).filter(search_id__gt=edge.left_out)
        return (
            articles.alias(search_vector=self.vector)
            .filter(search_vector=tsquery)
            .annotate(search_score=SearchRank(self.vector, tsquery))
            .order_by("-search_score", *NEWEST_FIRST)
        )

    def word_snippets(self, query: SearchQuery, ids: list[int]) -> dict[int, str]:
        headlines = (
            Article.objects.filter(pk__in=ids)
            .annotate(
                search_headline=SearchHeadline(
                    self.headline_text,
                    self.tsquery(query.words),
                    config=self.config,
                    start_sel=START,
                    stop_sel=STOP,
                    max_words=30,
                    min_words=15,
                    max_fragments=2,
                    fragment_delimiter=" \u2026 ",
                )
            )
            .values_list("pk", "search_headline")
        )
        return {pk: from_marked_html(headline) for pk, headline in headlines}


def backend_for(alias: str = "default") -> SearchBackend:
    vendor = connections[alias].vendor
    if vendor == "sqlite":
        return SQLiteBackend()
    if vendor == "postgresql":
        return PostgresBackend()
    raise NotImplementedError(f"Search is not available on {vendor}")
