"""Sitemaps: live articles (paginated), tag and source pages, and Google News.

Every location is absolute under ``settings.SITE_URL``: django.contrib.sites is not
installed, so Django would otherwise take the host from the request. A tag or source
is listed only while it has a live article (its page answers 404 otherwise). An
item's lastmod is when its page last changed: the newest edit or go-live time.

Articles are listed oldest first, so a new article lands on the last page and the
earlier pages (and their lastmod) stay put for crawlers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Count, Exists, Max, OuterRef, QuerySet, Subquery
from django.utils import timezone
from taggit.models import Tag

from .cards import LATEST, from_source, newest_ids, tagged_copies
from .directory import live_source_counts
from .links import source_path, tag_path
from .models import NEWEST_FIRST, Article, Source
from .pagination import page_size
from .syndication import last_changed, xml_safe
from .tagging import tagged_items

NEWS_SECTION = "news"
NEWS_WINDOW = dt.timedelta(hours=48)  # Google News lists articles from the last two days
NEWS_LIMIT = 1000  # Google News: at most 1,000 URLs per news sitemap


def news_language(language_code: str | None = None) -> str:
    """The ISO 639 code Google News expects: "en" for "en-us", but "zh-cn" / "zh-tw"."""
    code = (language_code or settings.LANGUAGE_CODE).lower()
    return code if code in {"zh-cn", "zh-tw"} else code.split("-")[0]


class SiteSitemap(Sitemap):
    """Locations under SITE_URL's scheme and host (and path prefix, if it has one)."""

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site: Any = None) -> str:
        parts = urlsplit(settings.SITE_URL)
        return f"{parts.netloc}{parts.path}"


class ArticleSitemap(SiteSitemap):
    limit = 5000

    def items(self) -> QuerySet:
        return (
            Article.objects.live()
            .order_by("publish_at", "number")  # article_order_idx: no sort
            .only("number", "path", "publish_at", "updated_at")
        )

    def location(self, item: Article) -> str:
        return item.path

    def lastmod(self, item: Article) -> dt.datetime:
        return last_changed(item)


class SmallSitemap(SiteSitemap):
    """A section read whole in one query (a site has few tags and sources): no COUNT first."""

    @property
    def paginator(self) -> Paginator:
        return Paginator(list(self.items()), self.limit)


class ScopeSitemap(SmallSitemap):
    """The pages of tags or sources with a live article, each last changed when the
    latest of the articles on its first page was (edited or gone live): the page at the
    location. An edit deep in its listing leaves that page as it was.

    Each scope's first page is a short walk down its live index, as its page reads it:
    the section's cost grows with the number of tags or sources, not of articles (an
    aggregate over all their live articles took 280 ms for the tags and 330 for the
    sources on SQLite at 100,000 articles).
    """

    model: type[Tag | Source]
    scope: Callable[[dt.datetime, Any], QuerySet]  # a scope of cards.py, by the id
    path: Callable[[str], str]  # the page's path, from the slug

    def items(self) -> list[Tag | Source]:
        # The page's ids are a subquery of the first page's, itself a column of the
        # tags' or sources' query.
        now = timezone.now()
        newest = newest_ids(self.scope(now, OuterRef(OuterRef("pk"))))
        first_page = Article.objects.filter(pk__in=newest[: page_size()])
        edited = Subquery(first_page.order_by("-updated_at").values("updated_at")[:1])
        newest_first = self.scope(now, OuterRef("pk")).order_by(*NEWEST_FIRST)
        went_live = Subquery(newest_first.values("publish_at")[:1])
        scopes = self.model.objects.annotate(edited=edited, went_live=went_live)
        return [
            scope
            for scope in scopes.order_by("name", "pk")
            if scope.went_live is not None  # it has a live article
        ]

    def location(self, item: Tag | Source) -> str:
        return self.path(item.slug)

    def lastmod(self, item: Tag | Source) -> dt.datetime:
        return max(item.edited, item.went_live)


class TagSitemap(ScopeSitemap):
    model, scope, path = Tag, staticmethod(tagged_copies), staticmethod(tag_path)


class SourceSitemap(ScopeSitemap):
    model, scope, path = Source, staticmethod(from_source), staticmethod(source_path)


class NewsSitemap(SiteSitemap):
    """Google News: articles that went live in the last 48 hours, newest first."""

    limit = NEWS_LIMIT

    def recent(self) -> QuerySet:
        now = timezone.now()
        return Article.objects.live(now).filter(publish_at__gte=now - NEWS_WINDOW)

    def items(self) -> QuerySet:
        return (
            self.recent()
            .order_by(*NEWEST_FIRST)
            .only("number", "title", "path", "publish_at", "updated_at")
        )

    def location(self, item: Article) -> str:
        return item.path

    def lastmod(self, item: Article) -> dt.datetime:
        return last_changed(item)

    def get_urls(self, page=1, site=None, protocol=None) -> list[dict[str, Any]]:
        """Django's URL entries, plus what ``<news:news>`` needs (escaped by the template)."""
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        publication = {"name": settings.SITE_NAME, "language": news_language()}
        for url in urls:
            article = url["item"]
            url["news"] = {
                "publication": publication,
                "publication_date": timezone.localtime(article.publish_at).isoformat(
                    timespec="seconds"
                ),
                "title": xml_safe(article.title),
            }
        return urls


@dataclass(frozen=True)
class SectionSummary:
    count: int
    lastmod: dt.datetime | None

    def pages(self, limit: int) -> int:
        return max(1, math.ceil(self.count / limit))


def section_summaries() -> dict[str, SectionSummary]:
    """Each section's entry count and lastmod, for the index.

    Each figure is its own short query: a count from indexes, or a walk down an index
    that stops at the first live article. One pass over every live article joined to
    its tags took 570 ms on SQLite at 100,000 articles (146 ms on PostgreSQL).
    """
    now = timezone.now()
    live = Article.objects.live(now)
    content_type_id = ContentType.objects.get_for_model(Article).pk
    tagged = Exists(tagged_items(content_type_id, object_id=OuterRef("pk")))
    # A probe of the tag's range of its live index: PostgreSQL's generic plan for a test
    # of the tag's rows against the live articles joined all of them (25 ms).
    has_live_article = Exists(tagged_copies(now, OuterRef("pk")))
    news = (
        NewsSitemap()
        .recent()
        .aggregate(n_news=Count("pk"), updated=Max("updated_at"), published=Max("publish_at"))
    )
    lastmod = _newest_change(live)
    return {
        "articles": SectionSummary(LATEST.cards().count(), lastmod),
        "tags": SectionSummary(
            Tag.objects.filter(has_live_article).count(), _newest_change(live.filter(tagged))
        ),
        "sources": SectionSummary(len(live_source_counts(now)), lastmod),
        NEWS_SECTION: SectionSummary(news["n_news"], _latest(news["updated"], news["published"])),
    }


def _newest_change(articles: QuerySet) -> dt.datetime | None:
    """The latest edit or go-live among ``articles``: the first of each down its index.

    The edit walks every article by ``updated_at`` and tests each for ``articles`` in
    an EXISTS: filtered directly, SQLite reads all live articles and sorts them.
    """
    # status: the lead column of article_edited_idx, so the walk can use it; the EXISTS
    # decides liveness.
    among = Article.objects.filter(
        Exists(articles.filter(pk=OuterRef("pk"))), status=Article.Status.PUBLISHED
    )
    edited = among.order_by("-updated_at").values_list("updated_at", flat=True).first()
    went_live = articles.order_by(*NEWEST_FIRST).values_list("publish_at", flat=True).first()
    return _latest(edited, went_live)


def _latest(*moments: dt.datetime | None) -> dt.datetime | None:
    return max((moment for moment in moments if moment), default=None)


SECTIONS: dict[str, type[SiteSitemap]] = {
    "articles": ArticleSitemap,
    "tags": TagSitemap,
    "sources": SourceSitemap,
}
