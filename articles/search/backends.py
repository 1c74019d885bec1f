"""Ranked full-text search on SQLite (FTS5) and PostgreSQL (tsvector), one interface.

``matching(query)`` returns a QuerySet that starts from ``Article.objects.live()``,
holds only articles containing every term, is ranked best first and carries the
listing's constant-query shape (``for_listing()``), so the view paginates it like
any other list. ``snippets(query, articles)`` returns highlighted HTML for one page
of results in one more query: snippets are never computed for rows not shown.

Terms in scripts written without spaces are matched as substrings over the articles
holding such characters (see ``scripts``); a query made only of such terms is
ordered newest first, since neither index can rank it.
"""

from __future__ import annotations

from functools import reduce
from operator import and_

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchRank,
    SearchVectorField,
)
from django.contrib.postgres.search import (
    SearchQuery as PgSearchQuery,
)
from django.db import connections
from django.db.models import BooleanField, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL

from ..models import Article
from .query import SearchQuery
from .scripts import UNSEGMENTED_CLASS
from .snippets import START, STOP, from_marked_html, html_to_text, substring_snippet

NEWEST_FIRST = ("-publish_at", "-number")
# Columns in the same order as in the partial index of migration 0003.
DOCUMENT_SQL = (
    '("articles_article"."title" || \' \' || "articles_article"."summary" || \' \' || '
    '"articles_article"."body")'
)


class SearchBackend:
    """Shared behaviour: live articles, the substring fallback, plain snippets."""

    unsegmented_sql: str

    def matching(self, query: SearchQuery) -> QuerySet:
        articles = Article.objects.live().for_listing()
        if query.substrings:
            articles = self.containing(articles, query.substrings)
        if query.words:
            return self.ranked(articles, query)
        return articles.order_by(*NEWEST_FIRST)

    def containing(self, articles: QuerySet, substrings: tuple[str, ...]) -> QuerySet:
        """Articles whose text contains every one of ``substrings`` (any case).

        The first condition is the partial index's own predicate, written the same way,
        so the database reads only articles holding unsegmented-script characters.
        """
        articles = articles.alias(
            search_unsegmented=RawSQL(self.unsegmented_sql, [], output_field=BooleanField()),
            search_document=RawSQL(DOCUMENT_SQL, [], output_field=TextField()),
        ).filter(search_unsegmented=True)
        return articles.filter(
            reduce(and_, (Q(search_document__icontains=term) for term in substrings))
        )

    def ranked(self, articles: QuerySet, query: SearchQuery) -> QuerySet:
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

    unsegmented_sql = f"{DOCUMENT_SQL} GLOB '*[{UNSEGMENTED_CLASS}]*'"
    weights = (10.0, 4.0, 1.0)

    @staticmethod
    def match_expression(words: tuple[str, ...]) -> str:
        """Every word as an FTS5 string (quotes doubled), all required."""
        return " ".join('"{}"'.format(word.replace('"', '""')) for word in words)

    def ranked(self, articles: QuerySet, query: SearchQuery) -> QuerySet:
        # The FTS5 table must be joined (not a subquery) for bm25() to rank the rows; the
        # ORM has no join to a table without a model, hence extra(); the match is a bound
        # parameter, never formatted into the SQL.
        return articles.extra(
            tables=["articles_search"],
            where=['"articles_search".rowid = "articles_article"."id"', "articles_search MATCH %s"],
            params=[self.match_expression(query.words)],
            select={"search_score": "bm25(articles_search, %s, %s, %s)"},
            select_params=self.weights,
        ).order_by("search_score", *NEWEST_FIRST)

    def word_snippets(self, query: SearchQuery, ids: list[int]) -> dict[int, str]:
        placeholders = ", ".join(["%s"] * len(ids))
        sql = (
            "SELECT rowid, snippet(articles_search, -1, %s, %s, %s, 24) FROM articles_search "
            f"WHERE articles_search MATCH %s AND rowid IN ({placeholders})"
        )
        params = [START, STOP, "\u2026", self.match_expression(query.words), *ids]
        with connections[Article.objects.db].cursor() as cursor:
            cursor.execute(sql, params)
            return {pk: from_marked_html(snippet) for pk, snippet in cursor.fetchall()}


class PostgresBackend(SearchBackend):
    """The ``search_vector`` column (weights A title, B summary, C body) and its GIN index.

    Each word becomes ``phraseto_tsquery('newsroom_search', word)``; the words are
    ANDed; ranked by ts_rank; snippets by ts_headline over summary and stripped body.
    """

    config = "newsroom_search"
    unsegmented_sql = f"{DOCUMENT_SQL} ~ '[{UNSEGMENTED_CLASS}]'"
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

    def ranked(self, articles: QuerySet, query: SearchQuery) -> QuerySet:
        tsquery = self.tsquery(query.words)
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
