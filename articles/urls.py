from django.urls import path, re_path

from . import browse_views, feeds, jsonfeed, syndication_views, views
from .search.views import search

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("s/<str:code>", views.short_link, name="short"),
    path("articles/", browse_views.article_list, name="list"),
    path("tags/", browse_views.tag_index, name="tags"),
    path("sources/", browse_views.source_index, name="sources"),
    re_path(r"^tags/(?P<slug>[-\w]+)/$", browse_views.tag_detail, name="tag"),
    path("sources/<slug:slug>/", browse_views.source_detail, name="source"),
    path("archive/", browse_views.archive_index, name="archive"),
    path("search/", search, name="search"),
    re_path(r"^archive/(?P<year>[0-9]{4})/$", browse_views.archive_year, name="archive_year"),
    re_path(
        r"^archive/(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/$",
        browse_views.archive_month,
        name="archive_month",
    ),
    # Feeds, sitemaps and robots.txt: articles/feeds.py, jsonfeed.py, sitemaps.py.
    path("feed/", feeds.LatestArticlesFeed(), name="feed"),
    path("feed/atom/", feeds.LatestArticlesAtomFeed(), name="feed_atom"),
    path("feed.json", jsonfeed.json_feed, name="feed_json"),
    re_path(r"^tags/(?P<slug>[-\w]+)/feed/$", feeds.TagFeed(), name="tag_feed"),
    path("sources/<slug:slug>/feed/", feeds.SourceFeed(), name="source_feed"),
    path("sitemap.xml", syndication_views.sitemap_index, name="sitemap"),
    path("sitemap-news.xml", syndication_views.news_sitemap, name="sitemap_news"),
    path("sitemap-<slug:section>.xml", syndication_views.sitemap_section, name="sitemap_section"),
    path("robots.txt", syndication_views.robots_txt, name="robots"),
    re_path(r"^qr/(?P<number>[0-9]{1,18})\.(?P<fmt>png|svg)$", views.qr_code, name="qr"),
    # /YYYYMM/<number>-<slug>: the number identifies the article; the rest is checked
    # against the canonical path and redirected when it differs.
    re_path(
        r"^(?P<yyyymm>[0-9]{6})/(?P<number>[0-9]{1,18})(?:-(?P<slug>[^/]*))?/?$",
        views.article_detail,
        name="detail",
    ),
]
