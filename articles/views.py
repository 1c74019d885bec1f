"""Public pages. Every query starts from ``Article.objects.live()``."""

from __future__ import annotations

import re

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import quote_etag
from django.views.decorators.http import condition

from . import qr
from .cards import LATEST
from .lookup import live_article
from .models import Article
from .pagination import paginate_uncounted

# Base 36 of a number below 2**63 (the column's range): at most 12 digits, lower case.
SHORT_CODE_RE = re.compile(r"[0-9a-z]{1,12}")
QR_MAX_AGE = 86400


def home(request: HttpRequest) -> HttpResponse:
    page = paginate_uncounted(request, LATEST.cards())
    return render(request, "articles/home.html", {"page": page, "articles": page.object_list})


def can_preview(user) -> bool:
    """Staff who may edit articles see drafts, scheduled and expired ones at their URL."""
    return user.is_authenticated and user.is_staff and user.has_perm("articles.change_article")


def article_detail(
    request: HttpRequest, number: int, yyyymm: str = "", slug: str = ""
) -> HttpResponse:
    article = live_article(number)
    preview = False
    if article is None:
        if not can_preview(request.user):
            raise Http404("No such article")
        article = Article.objects.for_listing().filter(number=number).first()
        if article is None:
            raise Http404("No such article")
        preview = True
    if request.path_info != article.path:  # the path without the site's URL prefix
        return HttpResponsePermanentRedirect(_with_query(request, article.path))
    response = render(
        request, "articles/article_detail.html", {"article": article, "preview": preview}
    )
    if preview:
        add_never_cache_headers(response)
    return response


def short_link(request: HttpRequest, code: str) -> HttpResponse:
    """The permanent short link printed in QR codes: redirect to the canonical page."""
    if not SHORT_CODE_RE.fullmatch(code):
        raise Http404("No such article")
    number = int(code, 36)
    path = Article.objects.live().filter(number=number).values_list("path", flat=True).first()
    if path is None:
        raise Http404("No such article")
    return HttpResponsePermanentRedirect(path)


def _qr_article(request: HttpRequest, number: int) -> Article:
    articles = Article.objects.all() if can_preview(request.user) else Article.objects.live()
    article = (
        articles.filter(number=number)
        .only("number", "path", "status", "publish_at", "expires_at")
        .first()
    )
    if article is None:
        raise Http404("No such article")
    return article


def qr_code(request: HttpRequest, number: int, fmt: qr.QRFormat) -> HttpResponse:
    """The article's QR code: stored after the first request, cached by browsers and
    proxies for a day; a matching If-None-Match gets a 304 without reading the file."""
    article = _qr_article(request, number)
    etag = quote_etag(qr.qr_digest(article))

    @condition(etag_func=lambda _request: etag)
    def respond(_request):
        return HttpResponse(qr.stored_qr(article, fmt), content_type=qr.CONTENT_TYPES[fmt])

    response = respond(request)
    response["ETag"] = etag
    if article.is_live:
        patch_cache_control(response, public=True, max_age=QR_MAX_AGE)
    else:  # a staff preview: no shared cache may keep it
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
    return response


def _with_query(request: HttpRequest, path: str) -> str:
    query = request.META.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path
