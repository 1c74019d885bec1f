"""On PostgreSQL, every statement that writes articles, sources, tags, taggings or the
article tallies notifies channel ``newsroom_content`` (newsroom/db/postgresql/
changes.py), so that the app's kept connections hear of each committed write without
asking (articles/kept.py).

One statement trigger per table, after the statement: a bulk insert of a thousand
rows sends one notification, and PostgreSQL folds a transaction's notifications of the
same channel and text into one, sent when it commits; a rollback sends none. The
tallies are written by the other tables' triggers, in the same transaction, but also
by the migrations that fill them afresh (0009, 0012, 0016, 0018, when the README's
"migrate articles 0008" rebuilds them): those run before this one, which therefore
notifies once itself, so running servers let go of what they kept.

SQLite sends no notifications; it counts writes itself (newsroom/db/sqlite3).
"""

from django.db import migrations

CHANNEL = "newsroom_content"
TABLES = (
    "articles_article",
    "articles_source",
    "taggit_tag",
    "taggit_taggeditem",
    "articles_articletally",
)

POSTGRESQL_FORWARD = [
    "CREATE FUNCTION newsroom_notify_content() RETURNS trigger LANGUAGE plpgsql AS $$"
    f" BEGIN PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$",
    *(
        f"CREATE TRIGGER {table}_notify_content"
        f" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION newsroom_notify_content()"
        for table in TABLES
    ),
    f"SELECT pg_notify('{CHANNEL}', '')",
]
POSTGRESQL_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {table}_notify_content ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS newsroom_notify_content()",
]


def _run(schema_editor, statements):
    if schema_editor.connection.vendor == "postgresql":
        for statement in statements:
            schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_FORWARD)


def backwards(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("articles", "0019_article_writes_lock_the_tally_first")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
