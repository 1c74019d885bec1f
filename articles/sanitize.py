"""The one HTML sanitizer for article bodies: an allow-list applied by nh3.

Every body that reaches the database passes through :func:`sanitize_html`,
whether it was typed by an editor, imported from the wire or saved through the
ORM. Anything not listed here is removed: scripts, iframes, forms, event
handlers, ``style`` attributes and non-http(s) URLs.
"""

from __future__ import annotations

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del",
    "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "ins", "li", "mark", "ol", "p", "pre", "q", "s", "small", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip

ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start", "reversed"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}

ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# Every link leaves the site: search engines should not credit it and the target
# page gets no handle on this window.
LINK_REL = "nofollow noopener"

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    link_rel=LINK_REL,
    clean_content_tags={"script", "style"},
    strip_comments=True,
)


def sanitize_html(html: str) -> str:
    """Return ``html`` reduced to the allow-list; idempotent, so safe to apply twice."""
    if not html:
        return ""
    return _cleaner.clean(html).strip()
