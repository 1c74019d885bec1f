"""Public pages. Every query starts from ``Article.objects.live()``."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import quote_etag
from django.views.decorators.http import condition

from . import qr
from .models import Article


def home(request):
    articles = Article.objects.live().for_listing()
    page = paginate(request, articles)
    return render(request, "articles/home.html", {"page": page, "articles": page.object_list})


def paginate(request, queryset, per_page: int | None = None):
    """The requested page of ``queryset``; a page past the end or not a number is a 404."""
    paginator = Paginator(queryset, per_page or settings.NEWSROOM_PAGE_SIZE)
    number = request.GET.get("page") or 1
    try:
        return paginator.page(number)
    except Exception as error:  # PageNotAnInteger, EmptyPage, InvalidPage
        raise Http404("No such page") from error


def can_preview(user) -> bool:
    """Staff who may edit articles see drafts, scheduled and expired ones at their URL."""
    return user.is_authenticated and user.is_staff and user.has_perm("articles.change_article")


def article_detail(request, number: int, yyyymm: str = "", slug: str = ""):
    detail = Article.objects.select_related("source").prefetch_related("tags")
    article = detail.live().filter(number=number).first()
    preview = False
    if article is None:
        if not can_preview(request.user):
            raise Http404("No such article")
        article = detail.filter(number=number).first()
        if article is None:
            raise Http404("No such article")
        preview = True
    if request.path != article.path:
        return HttpResponsePermanentRedirect(_with_query(request, article.path))
    response = render(
        request, "articles/article_detail.html", {"article": article, "preview": preview}
    )
    if preview:
        add_never_cache_headers(response)
    return response


def short_link(request, code: str):
    """The permanent short link printed in QR codes: redirect to the canonical page."""
    try:
        number = int(code, 36)
    except ValueError:
        raise Http404("No such article") from None
    path = Article.objects.live().filter(number=number).values_list("path", flat=True).first()
    if path is None:
        raise Http404("No such article")
    return HttpResponsePermanentRedirect(path)


def _qr_article(request, number: int) -> Article:
    articles = Article.objects.all() if can_preview(request.user) else Article.objects.live()
    article = articles.filter(number=number).only("number", "path").first()
    if article is None:
        raise Http404("No such article")
    return article


def qr_code(request, number: int, fmt: str):
    article = _qr_article(request, number)
    data, digest = qr.stored_qr(article, fmt)
    etag = quote_etag(digest)

    @condition(etag_func=lambda _request: etag)
    def respond(_request):
        return HttpResponse(data, content_type=qr.CONTENT_TYPES[fmt])

    response = respond(request)
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=86400)
    return response


def _with_query(request, path: str) -> str:
    query = request.META.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path
