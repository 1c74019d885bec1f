"""Highlighted snippets as safe HTML.

The databases mark matches with two private-use characters; everything else in a
snippet is text (tags removed, entities decoded) and is HTML-escaped before the
markers become ``<mark>`` elements, so no markup from an article can get through.
"""

from __future__ import annotations

import html
import re

from django.utils.safestring import SafeString, mark_safe

START, STOP = "\ue000", "\ue001"
ELLIPSIS = "\u2026"

_TAG = re.compile(r"<[^>]*>")
_CUT_TAG_START = re.compile(r"^[^<]*>")  # the end of a tag cut off by the fragment start
_CUT_TAG_END = re.compile(r"<[^>]*$")  # the start of a tag cut off by the fragment end
_SPACE = re.compile(r"\s+")
_MARKERS = re.compile(f"({START}|{STOP})")


def html_to_text(fragment: str) -> str:
    """Plain text from a piece of sanitized HTML, possibly cut in the middle of tags."""
    fragment = _CUT_TAG_END.sub(" ", _CUT_TAG_START.sub(" ", fragment))
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()


def marked_to_html(marked: str) -> SafeString:
    """Escape ``marked`` text and turn its START/STOP markers into balanced <mark>s."""
    out, open_mark = [], False
    for piece in _MARKERS.split(marked):
        if piece == START:
            if not open_mark:
                out.append("<mark>")
                open_mark = True
        elif piece == STOP:
            if open_mark:
                out.append("</mark>")
                open_mark = False
        else:
            out.append(html.escape(piece, quote=False))
    if open_mark:
        out.append("</mark>")
    return mark_safe("".join(out))  # every piece of text was escaped above


def from_marked_html(fragment: str) -> SafeString:
    """A database snippet of HTML with markers, as safe highlighted HTML."""
    return marked_to_html(html_to_text(fragment))


def substring_snippet(text: str, terms: tuple[str, ...], width: int = 160) -> SafeString:
    """A snippet around the first of ``terms`` found in ``text``, every term marked.

    Used for terms matched as substrings (scripts written without spaces), which
    the databases' own snippet functions cannot highlight.
    """
    text = text.replace(START, "").replace(STOP, "")
    folded = text.casefold()
    found = [i for i in (folded.find(term.casefold()) for term in terms) if i >= 0]
    if not found:
        return marked_to_html(_clip(text, 0, width))
    start = max(0, min(found) - width // 3)
    excerpt = _clip(text, start, width)
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    return marked_to_html(pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", excerpt))


def _clip(text: str, start: int, width: int) -> str:
    excerpt = text[start : start + width]
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if start + width < len(text) else ""
    return f"{prefix}{excerpt}{suffix}"
