"""``{% article_metadata article %}``: Open Graph, Twitter card and JSON-LD for <head>."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .. import metadata
from ..models import Article

register = template.Library()


@register.simple_tag
def article_metadata(article: Article) -> SafeString:
    return format_html(
        "{}\n{}\n{}",
        format_html_join("\n", '<meta property="{}" content="{}">', metadata.open_graph(article)),
        format_html_join("\n", '<meta name="{}" content="{}">', metadata.twitter_card(article)),
        metadata.json_ld_script(metadata.json_ld(article)),
    )
