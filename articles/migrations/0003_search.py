"""Full-text search indexes, kept current by the database itself.

Every write path (admin, ORM save, the importer, bulk_create / bulk_update, raw SQL)
goes through the table, so the index is maintained by triggers, never by Python.

SQLite: ``articles_search``, an FTS5 table over title, summary and body with the
``unicode61 remove_diacritics 2`` tokenizer ("Zurich" finds "Zürich"), with
``articles_article`` as its external content (nothing is stored twice), kept in step
by AFTER INSERT / UPDATE / DELETE triggers. SQLite SQL cannot strip tags, so the
body is indexed as sanitized HTML: the few allowed tag and attribute names become
tokens too (a search for "strong" finds bold text); snippets are cleaned in Python.

PostgreSQL: a ``search_vector`` tsvector column (title weight A, summary B, body
with tags stripped C) filled by a BEFORE INSERT / UPDATE trigger, with a GIN index.
A trigger rather than a generated column, because PostgreSQL refuses to change the
type of a column a generated column reads, which would block later migrations that
widen ``title``. The text search configuration ``newsroom_search`` is ``simple``
(no stemming, no stop words: right for any language) plus ``unaccent`` when that
extension can be installed.

For the substring fallback, articles containing characters of scripts written
without spaces (Chinese, Japanese, Korean, Thai...) are found through an index: on
SQLite a partial index, on PostgreSQL the marker lexeme ``_unsegmented_`` that the
trigger adds to their vector (a partial index would not be chosen by the planner,
which underrates the cost of a regular expression over every article).

Note for later migrations on SQLite: Django rebuilds a table for many schema changes
(copy, drop, rename), and dropping ``articles_article`` drops these triggers. A
migration that does so must run ``install_sqlite`` from this module again.

Other database vendors: nothing is done (search then needs a backend of its own).
"""

from django.db import migrations

# A frozen copy of articles.search.scripts.UNSEGMENTED_CLASS (a test checks they agree).
UNSEGMENTED_CLASS = (
    "\u0e00-\u0eff"
    "\u1000-\u109f"
    "\u1780-\u17ff"
    "\u2e80-\u2fdf"
    "\u3040-\u30ff"
    "\u3400-\u4dbf"
    "\u4e00-\u9fff"
    "\uac00-\ud7af"
    "\uf900-\ufaff"
    "\U00020000-\U0002fa1f"
)
# The lexeme PostgreSQL adds to the vector of such articles (no query term can hold "_").
UNSEGMENTED_MARKER = "_unsegmented_"
DOCUMENT = """("title" || ' ' || "summary" || ' ' || "body")"""

SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE articles_search USING fts5(
        title, summary, body,
        content='articles_article', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER articles_search_insert AFTER INSERT ON articles_article BEGIN
        INSERT INTO articles_search(rowid, title, summary, body)
        VALUES (new.id, new.title, new.summary, new.body);
    END
    """,
    """
    CREATE TRIGGER articles_search_delete AFTER DELETE ON articles_article BEGIN
        INSERT INTO articles_search(articles_search, rowid, title, summary, body)
        VALUES ('delete', old.id, old.title, old.summary, old.body);
    END
    """,
    """
    CREATE TRIGGER articles_search_update AFTER UPDATE OF title, summary, body
    ON articles_article
    WHEN old.title IS NOT new.title OR old.summary IS NOT new.summary
        OR old.body IS NOT new.body
    BEGIN
        INSERT INTO articles_search(articles_search, rowid, title, summary, body)
        VALUES ('delete', old.id, old.title, old.summary, old.body);
        INSERT INTO articles_search(rowid, title, summary, body)
        VALUES (new.id, new.title, new.summary, new.body);
    END
    """,
    "INSERT INTO articles_search(articles_search) VALUES ('rebuild')",
    f"""
    CREATE INDEX article_unsegmented_idx ON articles_article (status, publish_at)
    WHERE {DOCUMENT} GLOB '*[{UNSEGMENTED_CLASS}]*'
    """,
]
SQLITE_BACKWARD = [
    "DROP INDEX IF EXISTS article_unsegmented_idx",
    "DROP TRIGGER IF EXISTS articles_search_update",
    "DROP TRIGGER IF EXISTS articles_search_delete",
    "DROP TRIGGER IF EXISTS articles_search_insert",
    "DROP TABLE IF EXISTS articles_search",
]

POSTGRES_FORWARD = [
    "CREATE TEXT SEARCH CONFIGURATION newsroom_search (COPY = pg_catalog.simple)",
    "ALTER TABLE articles_article ADD COLUMN search_vector tsvector",
    r"""
    CREATE FUNCTION articles_article_search_vector() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector :=
            setweight(to_tsvector('newsroom_search', coalesce(NEW.title, '')), 'A')
            || setweight(to_tsvector('newsroom_search', coalesce(NEW.summary, '')), 'B')
            || setweight(to_tsvector('newsroom_search',
                   regexp_replace(coalesce(NEW.body, ''), '<[^>]*>', ' ', 'g')), 'C');
        IF (coalesce(NEW.title, '') || ' ' || coalesce(NEW.summary, '') || ' '
            || coalesce(NEW.body, '')) ~ '[%s]' THEN
            NEW.search_vector := NEW.search_vector || '%s'::tsvector;
        END IF;
        RETURN NEW;
    END
    $$
    """
    % (UNSEGMENTED_CLASS, UNSEGMENTED_MARKER),
    """
    CREATE TRIGGER articles_article_search_insert BEFORE INSERT ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_vector()
    """,
    """
    CREATE TRIGGER articles_article_search_update
    BEFORE UPDATE OF title, summary, body ON articles_article
    FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.summary IS DISTINCT FROM NEW.summary
          OR OLD.body IS DISTINCT FROM NEW.body OR NEW.search_vector IS NULL)
    EXECUTE FUNCTION articles_article_search_vector()
    """,
    # Fill the rows that exist already (the WHEN clause lets a NULL vector through).
    "UPDATE articles_article SET title = title",
    "CREATE INDEX article_search_vector_idx ON articles_article USING GIN (search_vector)",
]
POSTGRES_UNACCENT = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    ALTER TEXT SEARCH CONFIGURATION newsroom_search
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH unaccent, simple
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS articles_article_search_update ON articles_article",
    "DROP TRIGGER IF EXISTS articles_article_search_insert ON articles_article",
    "DROP FUNCTION IF EXISTS articles_article_search_vector()",
    "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS newsroom_search",
    # The unaccent extension is left installed: something else may use it.
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def install_sqlite(schema_editor):
    _run(schema_editor, SQLITE_FORWARD)


def _install_unaccent(schema_editor):
    """Add unaccent to the configuration if the extension can be installed here."""
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            _run(schema_editor, POSTGRES_UNACCENT)
    except DatabaseError:
        pass  # No permission or not available: accents then stay significant.


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        install_sqlite(schema_editor)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_FORWARD[:1])
        _install_unaccent(schema_editor)
        _run(schema_editor, POSTGRES_FORWARD[1:])


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_BACKWARD)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("articles", "0002_roles")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
