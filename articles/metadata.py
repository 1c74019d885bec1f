"""Machine-readable descriptions of an article page: Open Graph, Twitter cards, JSON-LD.

The builders return plain data (lists of pairs, dicts); templates escape it when they
render it. JSON-LD goes inside a <script> element, where HTML escaping does not
apply, so ``json_ld_script`` escapes ``<``, ``>`` and ``&`` as JSON unicode escapes:
a title containing ``</script>`` cannot close the element early.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
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


def open_graph(article: Article) -> list[tuple[str, str]]:
    """Open Graph ``property``/``content`` pairs, in the order they should appear."""
    image = image_url(article)
    pairs = [
        ("og:type", "article"),
        ("og:site_name", settings.SITE_NAME),
        ("og:title", article.title),
        ("og:description", article.description),
        ("og:url", canonical_url(article)),
    ]
    if image:
        pairs.append(("og:image", image))
        if article.image_alt:
            pairs.append(("og:image:alt", article.image_alt))
    pairs += [
        ("article:published_time", _iso(article.publish_at)),
        ("article:modified_time", _iso(article.updated_at)),
        ("article:section", article.source.name),
    ]
    pairs += [("article:tag", tag.name) for tag in article.tags.all()]
    return [(key, value) for key, value in pairs if value]


def twitter_card(article: Article) -> list[tuple[str, str]]:
    """Twitter card ``name``/``content`` pairs: a large image card when there is an image."""
    image = image_url(article)
    pairs = [
        ("twitter:card", "summary_large_image" if image else "summary"),
        ("twitter:title", article.title),
        ("twitter:description", article.description),
    ]
    if image:
        pairs.append(("twitter:image", image))
        if article.image_alt:
            pairs.append(("twitter:image:alt", article.image_alt))
    return [(key, value) for key, value in pairs if value]


def organization(name: str, url: str = "") -> dict[str, str]:
    data = {"@type": "Organization", "name": name}
    if url:
        data["url"] = url
    return data


def json_ld(article: Article) -> dict[str, Any]:
    """A schema.org NewsArticle: the source is the author, the site the publisher."""
    source = organization(article.source.name, article.source.homepage)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.description,
        "url": canonical_url(article),
        "mainEntityOfPage": canonical_url(article),
        "datePublished": _iso(article.publish_at),
        "dateModified": _iso(article.updated_at),
        "author": source,
        "sourceOrganization": source,
        "publisher": organization(settings.SITE_NAME, settings.SITE_URL),
        "articleSection": article.source.name,
        "keywords": ", ".join(tag.name for tag in article.tags.all()),
        "image": image_url(article),
        "isBasedOn": article.source_link,
    }
    return {key: value for key, value in data.items() if value}


def json_ld_script(data: dict[str, Any]) -> SafeString:
    """``<script type="application/ld+json">`` holding ``data``, safe inside HTML."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(JSON_SCRIPT_ESCAPES)),  # escaped by the translate above
    )
