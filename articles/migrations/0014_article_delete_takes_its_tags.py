"""An article deleted takes its tagging rows with it, however it is deleted.

taggit's rows point at their article by content type and id, not by a foreign key,
so the database never removed them: Django's ORM deletes them first, but an article
deleted in SQL left its rows behind. Those rows kept counting in the tag's tally
(migration 0009), so the tag's live count, its tally minus its copies that are not
live, stayed too high, and a tag whose only article was gone still had a tally.

- A trigger on the articles deletes the deleted articles' tagging rows. Deleting them
  runs the triggers migrations 0009 and 0011 put on taggit's table, which take them
  off the tag tallies and delete their copies. Deleted through the ORM, the rows are
  gone before the article is, and the trigger finds none.
- SQLite: a row trigger. PostgreSQL: a statement trigger with a transition table.
  Each fires before the articles' other delete triggers (SQLite runs the newest
  first; PostgreSQL runs them by name), so on PostgreSQL the nested tag-tally
  trigger, as every tally writer, locks the tally of all articles before any other.
- The migration removes the rows already left behind, which takes them off the tallies.
- Not covered: without a foreign key, a tagging row that another transaction adds to
  an article while it is being deleted, committed after the delete, is left behind.

As with migration 0009: on SQLite, a later migration that rebuilds ``articles_article``
drops this trigger and must run ``install_sqlite`` from this module again.
"""

from django.db import migrations

ARTICLE_TYPE = (
    "(SELECT id FROM django_content_type WHERE app_label = 'articles' AND model = 'article')"
)

REMOVE_LEFT_BEHIND = f"""
    DELETE FROM taggit_taggeditem
    WHERE content_type_id = {ARTICLE_TYPE}
    AND NOT EXISTS (SELECT 1 FROM articles_article WHERE id = taggit_taggeditem.object_id)
"""

SQLITE_TRIGGER = "article_delete_tags"
SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER {SQLITE_TRIGGER} AFTER DELETE ON articles_article BEGIN
        DELETE FROM taggit_taggeditem
        WHERE object_id = old.id AND content_type_id = {ARTICLE_TYPE};
    END
    """,
]

POSTGRESQL_FORWARD = [
    f"""
    CREATE FUNCTION articles_delete_tags() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM taggit_taggeditem
        WHERE object_id IN (SELECT id FROM deleted_articles)
        AND content_type_id = {ARTICLE_TYPE};
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER article_delete_tags AFTER DELETE ON articles_article"
    " REFERENCING OLD TABLE AS deleted_articles"
    " FOR EACH STATEMENT EXECUTE FUNCTION articles_delete_tags()",
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS article_delete_tags ON articles_article",
    "DROP FUNCTION IF EXISTS articles_delete_tags()",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def install_sqlite(schema_editor):
    """(Re)create the SQLite trigger and remove the rows already left behind."""
    _run(schema_editor, [f"DROP TRIGGER IF EXISTS {SQLITE_TRIGGER}", REMOVE_LEFT_BEHIND])
    _run(schema_editor, SQLITE_FORWARD)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        install_sqlite(schema_editor)
    elif vendor == "postgresql":
        _run(schema_editor, [REMOVE_LEFT_BEHIND, *POSTGRESQL_FORWARD])


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, [f"DROP TRIGGER IF EXISTS {SQLITE_TRIGGER}"])
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("articles", "0013_tag_copies_expiry_index")]

    operations = [migrations.RunPython(forwards, backwards)]
