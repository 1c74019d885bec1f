"""Pagination links that keep the reader's other query parameters."""

from __future__ import annotations

from django import template

from articles import links

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number: int, absolute: bool = False) -> str:
    """The current URL with ``page`` set to ``number`` (page 1 drops the parameter)."""
    request = context["request"]
    query = request.GET.copy()
    query.pop("page", None)
    if int(number) > 1:
        query["page"] = str(number)
    query_string = query.urlencode()
    url = f"{request.path}?{query_string}" if query_string else request.path
    return links.absolute_url(url) if absolute else url


@register.filter
def prefetched_tags(article) -> list:
    """The article's tags if they were prefetched, else none: a card never costs a query."""
    cache = getattr(article, "_prefetched_objects_cache", {})
    return list(cache["tags"]) if "tags" in cache else []


@register.filter
def tag_path(tag) -> str:
    """The path of a tag's page: ``{{ tag|tag_path }}``."""
    return links.tag_path(tag.slug)


@register.filter
def source_path(source) -> str:
    """The path of a source's page: ``{{ source|source_path }}``."""
    return links.source_path(source.slug)
