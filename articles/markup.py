"""HTML built in Python for the parts of pages that repeat: listing cards, pagination,
the header's navigation, the article page's head metadata and related articles.

A template per card cost about 0.1 ms each, and ``format_html`` per meta tag 0.3 ms a
page; these build the same markup with ``html.escape``. Everything they take from an
article is escaped here; what they return is marked safe for the templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from html import escape

from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from . import links, metadata
from .cards import Card, card_of
from .formatting import human_time, iso_time, long_date, month_names
from .models import Article
from .pagination import page_url


def article_cards(cards: list[Card]) -> SafeString:
    """The cards of a listing."""
    write = CardWriter().card
    return mark_safe("".join(write(card) for card in cards))


def search_result_cards(articles: list) -> SafeString:
    """Search results (articles with their ``search_snippet``) as listing cards."""
    write = CardWriter().card
    cards = (write(card_of(article), article.search_snippet) for article in articles)
    return mark_safe("".join(cards))


class CardWriter:
    """Writes the cards of one page. What they all share, the time zone, the month
    names and the link patterns, is looked up once: per card, those lookups were a
    fifth of a listing's time."""

    def __init__(self) -> None:
        self.zone = timezone.get_default_timezone()
        self.months = month_names()
        self.tag_path = links.slug_paths("articles:tag")
        self.source_path = links.slug_paths("articles:source")

    def card(self, card: Card, snippet: SafeString | None = None) -> str:
        """One card: the title linked to the article, time, source, summary and tags.

        A search result shows its highlighted ``snippet`` (HTML, escaped when it was
        made) in place of the summary, when it has one.
        """
        published = card.publish_at.astimezone(self.zone)
        kind = "card" if snippet is None else "card search-result"
        if snippet:
            text = f'\n  <p class="snippet">{conditional_escape(snippet)}</p>'
        else:
            text = f'\n  <p class="summary">{escape(card.summary)}</p>' if card.summary else ""
        if card.tags:
            items = "".join([_tag_item(self.tag_path(tag.slug), tag.name) for tag in card.tags])
            text += f'\n  <ul class="tags" aria-label="Tags">{items}</ul>'
        return (
            f'<article class="{kind}">\n'
            f'  <h2 class="card-title"><a href="{escape(card.path)}">'
            f"{escape(card.title)}</a></h2>\n"
            '  <p class="byline">\n'
            f'    <time datetime="{published.isoformat()}">'
            f"{escape(human_time(published, self.months))}</time>\n"
            f"    · {_source_link(self.source_path(card.source_slug), card.source_name)}\n"
            f"  </p>{text}\n</article>\n"
        )


# The same few sources and tags recur on every listing: their links are escaped once.
@lru_cache(maxsize=4096)
def _source_link(href: str, name: str) -> str:
    return f'<a class="source" href="{escape(href)}">{escape(name)}</a>'


@lru_cache(maxsize=4096)
def _tag_item(href: str, name: str) -> str:
    return f'<li><a href="{escape(href)}" rel="tag">{escape(name)}</a></li>'


# The header's links, by view name (links.SITE_LINKS) and label.
NAV_ITEMS = (
    ("home", "Latest"),
    ("list", "All articles"),
    ("tags", "Topics"),
    ("sources", "Sources"),
    ("archive", "Archive"),
    ("search", "Search"),
)


def site_nav(site_links: dict[str, str], current_path: str) -> SafeString:
    """The header's navigation from the page's ``links.site_links()`` (``LINKS``), the
    link to the page it is on marked current. The same on every page but six: each is
    built once per URL prefix (a loop in the template cost 20 microseconds a page)."""
    paths = tuple(site_links[name] for name, _label in NAV_ITEMS)
    return _site_nav(paths, current_path if current_path in paths else "")


@lru_cache(maxsize=64)
def _site_nav(paths: tuple[str, ...], current_path: str) -> SafeString:
    current = ' aria-current="page"'
    items = "".join(
        f'\n    <li><a href="{escape(path)}"{current if path == current_path else ""}>'
        f"{label}</a></li>"
        for path, (_name, label) in zip(paths, NAV_ITEMS, strict=True)
    )
    return mark_safe(f'<nav aria-label="Main">\n  <ul>{items}\n  </ul>\n</nav>')


def related_items(teasers: list, months: tuple[str, ...] | None = None) -> SafeString:
    """The list items of an article page's related articles (``around.Teaser``)."""
    return mark_safe(
        "".join(
            f'\n<li><a href="{escape(teaser.path)}">{escape(teaser.title)}</a>'
            f' <span class="byline"><time datetime="{iso_time(teaser.publish_at)}">'
            f"{escape(long_date(teaser.publish_at, months))}</time>"
            f" · {escape(teaser.source_name)}</span></li>"
            for teaser in teasers
        )
    )


def article_metadata(article: Article) -> SafeString:
    """Open Graph, Twitter card and JSON-LD tags for the article page's <head>."""
    facts = metadata.Facts.of(article)
    return mark_safe(
        "\n".join(
            [
                *_meta_tags("property", metadata.open_graph(facts)),
                *_meta_tags("name", metadata.twitter_card(facts)),
                metadata.json_ld_script(metadata.json_ld(facts)),
            ]
        )
    )


def _meta_tags(attribute: str, pairs: list[tuple[str, str]]) -> list[str]:
    return [f'<meta {attribute}="{escape(key)}" content="{escape(value)}">' for key, value in pairs]


@dataclass(frozen=True)
class Pagination:
    """A listing page's links to the pages before and after it, each URL worked out
    once: ``head`` holds ``<link rel="prev/next">`` with absolute URLs, for <head>;
    ``nav`` the navigation below the list ("Page 2 of 9", with "Page 2" alone when the
    listing is not counted)."""

    head: SafeString
    nav: SafeString


NO_PAGINATION = Pagination(mark_safe(""), mark_safe(""))
# What the links to the pages before and after are called, by the listing's order.
PAGE_LINK_LABELS = {
    "newest": ("Newer", "Older"),
    "oldest": ("Older", "Newer"),
    "ranked": ("Previous", "Next"),
}


def pagination(request, page, order: str = "newest") -> Pagination:
    """The :class:`Pagination` of ``page`` (a ``Page``, an ``UncountedPage`` or None) of
    a listing in ``order``: newest first, oldest first or ranked (search results)."""
    if page is None or not page.has_other_pages():
        return NO_PAGINATION
    before = page_url(request, page.previous_page_number()) if page.has_previous() else ""
    after = page_url(request, page.next_page_number()) if page.has_next() else ""
    head = "".join(
        f'\n  <link rel="{rel}" href="{escape(links.absolute_url(url))}">'
        for rel, url in (("prev", before), ("next", after))
        if url
    )
    of_pages = f" of {page.paginator.num_pages}" if page.paginator else ""
    before_label, after_label = PAGE_LINK_LABELS[order]
    nav = (
        '<nav class="pagination" aria-label="Pages">\n'
        f"  {_page_link('prev', before, before_label)}\n"
        f"  <span>Page {page.number}{of_pages}</span>\n"
        f"  {_page_link('next', after, after_label)}\n"
        "</nav>\n"
    )
    return Pagination(mark_safe(head), mark_safe(nav))


def _page_link(rel: str, url: str, label: str) -> str:
    return f'<a rel="{rel}" href="{escape(url)}">{label}</a>' if url else "<span></span>"
