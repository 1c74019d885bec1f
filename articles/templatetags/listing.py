"""Listing cards, and pagination links that keep the reader's other query parameters."""

from __future__ import annotations

from html import escape

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from articles import links
from articles.cards import Card, card_of

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
def tag_path(tag) -> str:
    """The path of a tag's page: ``{{ tag|tag_path }}``."""
    return links.tag_path(tag.slug)


@register.filter
def source_path(source) -> str:
    """The path of a source's page: ``{{ source|source_path }}``."""
    return links.source_path(source.slug)


@register.simple_tag
def article_cards(cards: list[Card]) -> SafeString:
    """The cards of a listing, built in Python: a template per card costs ~0.1 ms each."""
    return mark_safe("".join(card_html(card) for card in cards))


@register.simple_tag
def search_result_cards(articles: list) -> SafeString:
    """Search results (articles with their ``search_snippet``) as listing cards."""
    return mark_safe(
        "".join(card_html(card_of(article), article.search_snippet) for article in articles)
    )


def card_html(card: Card, snippet: SafeString | None = None) -> str:
    """One card: the title linked to the article, time, source, summary and tags.

    A search result shows its highlighted ``snippet`` (HTML, escaped when it was made)
    in place of the summary, when it has one.
    """
    published = timezone.localtime(card.publish_at)
    source_href = links.source_path(card.source_slug)
    kind = "card search-result" if snippet is not None else "card"
    lines = [
        f'<article class="{kind}">',
        f'  <h2 class="card-title"><a href="{escape(card.path)}">{escape(card.title)}</a></h2>',
        '  <p class="byline">',
        f'    <time datetime="{published.isoformat()}">{escape(human_time(published))}</time>',
        f'    · <a class="source" href="{escape(source_href)}">{escape(card.source_name)}</a>',
        "  </p>",
    ]
    if snippet:
        lines.append(f'  <p class="snippet">{conditional_escape(snippet)}</p>')
    elif card.summary:
        lines.append(f'  <p class="summary">{escape(card.summary)}</p>')
    tags = card.tags
    if tags:
        items = "".join(
            f'<li><a href="{escape(links.tag_path(tag.slug))}" rel="tag">{escape(tag.name)}</a>'
            "</li>"
            for tag in tags
        )
        lines.append(f'  <ul class="tags" aria-label="Tags">{items}</ul>')
    lines.append("</article>\n")
    return "\n".join(lines)


@register.filter
def iso_time(moment) -> str:
    """``moment`` in the site's time zone as ISO 8601: what ``date:"c"`` shows, faster."""
    return timezone.localtime(moment).isoformat()


@register.filter
def long_time(moment) -> str:
    """``moment`` as ``date:"j F Y, H:i T"`` shows it (4 January 2024, 22:07 EST)."""
    local = timezone.localtime(moment)
    return f"{human_time(local)} {local.tzname()}"


@register.filter
def long_date(moment) -> str:
    """``moment``'s day as ``date:"j F Y"`` shows it (4 January 2024)."""
    local = timezone.localtime(moment)
    return f"{local.day} {MONTHS[local.month]} {local.year:04d}"


def human_time(moment) -> str:
    """``moment`` as the ``date:"j F Y, H:i"`` template filter shows it."""
    return f"{moment.day} {MONTHS[moment.month]} {moment.year:04d}, {moment:%H:%M}"
