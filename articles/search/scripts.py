"""Scripts written without spaces between words, which word indexes cannot split.

Both full-text indexes cut text into words at spaces and punctuation, so a run of
Chinese, Japanese or Thai text becomes one long "word" and a query for a word inside
it finds nothing. Query terms in these scripts are matched as substrings instead,
over only the articles that contain such characters (found through a partial index
on SQLite and a marker lexeme on PostgreSQL, so the set stays small on a mostly
Latin-script site).

``UNSEGMENTED_CLASS`` is the inside of a character class that reads the same in a
Python regex, an SQLite GLOB and a PostgreSQL regex. Migration 0003 holds frozen
copies of both constants; a test checks that they agree.
"""

from __future__ import annotations

import re

UNSEGMENTED_CLASS = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u2e80-\u2fdf"  # CJK radicals, Kangxi radicals
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # Hangul syllables (particles attach to words)
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0002fa1f"  # CJK extensions B to F, compatibility supplement
)

# PostgreSQL: the lexeme the search trigger adds to the vector of such articles.
UNSEGMENTED_MARKER = "_unsegmented_"

_UNSEGMENTED = re.compile(f"[{UNSEGMENTED_CLASS}]")


def is_unsegmented(term: str) -> bool:
    """Whether ``term`` holds a character of a script written without spaces."""
    return _UNSEGMENTED.search(term) is not None
