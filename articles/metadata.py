"""Machine-readable descriptions of an article page: Open Graph, Twitter cards, JSON-LD.

The builders return plain data (lists of pairs, dicts); templates escape it when they
render it. JSON-LD goes inside a <script> element, where HTML escaping does not
apply, so ``json_ld_script`` escapes ``<``, ``>`` and ``&`` as JSON unicode escapes:
a title containing ``</script>`` cannot close the element early.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from .links import absolute_url
from .models import Article

# What json_script uses: these characters cannot end a <script> element once escaped.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def canonical_url(article: Article) -> str:
    return absolute_url(article.path)


_IMAGE_STORAGE = Article._meta.get_field("image").storage


def image_url(article: Article) -> str:
    """The lead image as an absolute URL, or "" when the article has none."""
    return lead_image_url(article.image.name, article.image_url)


def lead_image_url(stored_name: str, remote_url: str) -> str:
    """The uploaded image (its ``stored_name``) as an absolute URL, else the remote
    image URL, else "": for an article read as a row (feeds) as for a model."""
    if stored_name:
        url = _IMAGE_STORAGE.url(stored_name)
        return url if url.startswith(("http://", "https://")) else absolute_url(url)
    return remote_url or ""


def _iso(moment) -> str:
    return moment.isoformat() if moment else ""


@dataclass(frozen=True, slots=True)
class Facts:
    """What the descriptions below say of one article, each read or worked out once."""

    title: str
    description: str
    url: str  # the canonical URL
    image: str  # the lead image's absolute URL, or ""
    image_alt: str
    published: str  # ISO 8601, or ""
    modified: str
    section: str  # the source's name
    source_homepage: str
    source_link: str
    tags: list[str]

    @classmethod
    def of(cls, article: Article) -> Facts:
        return cls(
            title=article.title,
            description=article.description,
            url=canonical_url(article),
            image=image_url(article),
            image_alt=article.image_alt,
            published=_iso(article.publish_at),
            modified=_iso(article.updated_at),
            section=article.source.name,
            source_homepage=article.source.homepage,
            source_link=article.source_link,
            tags=[tag.name for tag in article.tags.all()],
        )


def open_graph(facts: Facts) -> list[tuple[str, str]]:
    """Open Graph ``property``/``content`` pairs, in the order they should appear."""
    pairs = [
        ("og:type", "article"),
        ("og:site_name", settings.SITE_NAME),
        ("og:title", facts.title),
        ("og:description", facts.description),
        ("og:url", facts.url),
    ]
    pairs += _image_pairs("og", facts)
    pairs += [
        ("article:published_time", facts.published),
        ("article:modified_time", facts.modified),
        ("article:section", facts.section),
    ]
    pairs += [("article:tag", name) for name in facts.tags]
    return [(key, value) for key, value in pairs if value]


def twitter_card(facts: Facts) -> list[tuple[str, str]]:
    """Twitter card ``name``/``content`` pairs: a large image card when there is an image."""
    pairs = [
        ("twitter:card", "summary_large_image" if facts.image else "summary"),
        ("twitter:title", facts.title),
        ("twitter:description", facts.description),
    ]
    pairs += _image_pairs("twitter", facts)
    return [(key, value) for key, value in pairs if value]


def _image_pairs(prefix: str, facts: Facts) -> list[tuple[str, str]]:
    """The image and its text alternative, when there is an image."""
    if not facts.image:
        return []
    return [(f"{prefix}:image", facts.image), (f"{prefix}:image:alt", facts.image_alt)]


def organization(name: str, url: str = "") -> dict[str, str]:
    data = {"@type": "Organization", "name": name}
    if url:
        data["url"] = url
    return data


def json_ld(facts: Facts) -> dict[str, Any]:
    """A schema.org NewsArticle: the source is the author, the site the publisher."""
    source = organization(facts.section, facts.source_homepage)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": facts.title,
        "description": facts.description,
        "url": facts.url,
        "mainEntityOfPage": facts.url,
        "datePublished": facts.published,
        "dateModified": facts.modified,
        "author": source,
        "sourceOrganization": source,
        "publisher": organization(settings.SITE_NAME, settings.SITE_URL),
        "articleSection": facts.section,
        "keywords": ", ".join(facts.tags),
        "image": facts.image,
        "isBasedOn": facts.source_link,
    }
    return {key: value for key, value in data.items() if value}


def json_ld_script(data: dict[str, Any]) -> SafeString:
    """``<script type="application/ld+json">`` holding ``data`` (text, numbers, lists
    and dicts of them), safe inside HTML: escaped by the translate."""
    text = json.dumps(data, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')
