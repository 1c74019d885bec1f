"""Ranked full-text search over live articles.

- ``query``: what the reader typed, cut into safe terms;
- ``scripts``: which terms are matched as substrings (scripts without spaces);
- ``backends``: SQLite FTS5 and PostgreSQL tsvector, one interface;
- ``snippets``: highlighted snippets as escaped HTML;
- ``views``: the /search/ page.

The indexes themselves live in migration ``0003_search`` and are kept current by
database triggers, whatever writes the articles.
"""
