"""Turn what a reader typed into a search query that cannot break the database.

User input never reaches FTS5 ``MATCH`` or ``to_tsquery`` as written: it is cut into
terms here (runs of letters, digits and combining marks, in any script), and each
backend quotes every term on its own. Operators (AND, OR, NEAR, ``*``, quotes,
brackets) are therefore plain words or dropped punctuation, and a query with no
letters or digits at all (empty, punctuation, emoji) is simply empty.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .scripts import is_unsegmented

MAX_QUERY_CHARS = 200
MAX_TERMS = 10
MAX_TERM_CHARS = 50


@dataclass(frozen=True)
class SearchQuery:
    """The terms of a query; an article matches when it contains every term.

    ``words`` are matched as whole words by the full-text index; ``substrings`` are
    terms in scripts written without spaces (see ``scripts``), matched inside words.
    """

    text: str
    words: tuple[str, ...] = ()
    substrings: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.substrings)

    @property
    def terms(self) -> tuple[str, ...]:
        return self.words + self.substrings


def parse_query(raw: str) -> SearchQuery:
    """The terms of ``raw``: at most ``MAX_TERMS`` distinct ones, case kept, order kept."""
    text = unicodedata.normalize("NFKC", raw or "")[:MAX_QUERY_CHARS].strip()
    terms: list[str] = []
    for term in tokenize(text):
        term = term[:MAX_TERM_CHARS]
        if term.casefold() not in (seen.casefold() for seen in terms):
            terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    return SearchQuery(
        text=text,
        words=tuple(term for term in terms if not is_unsegmented(term)),
        substrings=tuple(term for term in terms if is_unsegmented(term)),
    )


def tokenize(text: str) -> list[str]:
    """Runs of letters (L*), digits (N*), marks (M*) and private-use characters (Co).

    Marks are kept inside a term so that words in scripts such as Devanagari, whose
    vowel signs are marks, stay whole. The underscore and all punctuation separate.
    """
    terms, current = [], []
    for char in text:
        category = unicodedata.category(char)
        if category[0] in "LNM" or category == "Co":
            if category[0] == "M" and not current:
                continue  # a stray mark cannot start a word
            current.append(char)
        elif current:
            terms.append("".join(current))
            current = []
    if current:
        terms.append("".join(current))
    return terms
