"""Sitemap index, sitemap sections, the Google News sitemap and robots.txt.

Django's own index view takes the host from the request; this one lists every
section (and every page of a paginated one) under ``settings.SITE_URL``.
"""

from __future__ import annotations

from django.contrib.sitemaps import views as sitemap_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from .links import absolute_url
from .sitemaps import NEWS_SECTION, SECTIONS, NewsSitemap, section_summaries

XML = "application/xml; charset=utf-8"


def _section_url(section: str) -> str:
    if section == NEWS_SECTION:
        return absolute_url(reverse("articles:sitemap_news"))
    return absolute_url(reverse("articles:sitemap_section", kwargs={"section": section}))


@require_safe
@sitemap_views.x_robots_tag
def sitemap_index(request: HttpRequest) -> HttpResponse:
    """Every section's sitemap, one entry per page, with the section's lastmod."""
    entries = []
    limits = {name: sitemap.limit for name, sitemap in SECTIONS.items()}
    limits[NEWS_SECTION] = NewsSitemap.limit
    for name, summary in section_summaries().items():
        url = _section_url(name)
        entries.append(sitemap_views.SitemapIndexItem(url, summary.lastmod))
        for page in range(2, summary.pages(limits[name]) + 1):
            entries.append(sitemap_views.SitemapIndexItem(f"{url}?p={page}", summary.lastmod))
    moments = [entry.last_mod for entry in entries if entry.last_mod]
    headers = {"Last-Modified": http_date(max(moments).timestamp())} if moments else None
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": entries}, content_type=XML, headers=headers
    )


@require_safe
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404("No such sitemap")
    return sitemap_views.sitemap(
        request,
        sitemaps=SECTIONS,
        section=section,
        template_name="syndication/sitemap.xml",
        content_type=XML,
    )


@require_safe
def news_sitemap(request: HttpRequest) -> HttpResponse:
    return sitemap_views.sitemap(
        request,
        sitemaps={NEWS_SECTION: NewsSitemap},
        section=NEWS_SECTION,
        template_name="syndication/sitemap_news.xml",
        content_type=XML,
    )


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    context = {
        "admin_path": reverse("admin:index"),
        "sitemap_url": absolute_url(reverse("articles:sitemap")),
    }
    return render(
        request, "syndication/robots.txt", context, content_type="text/plain; charset=utf-8"
    )
