"""On PostgreSQL, a statement that updates or deletes articles first locks the tally of
all articles, as every tagging and every insert does (the tally triggers of migrations
0009, 0012, 0016 and 0018): one lock order.

An update locks its articles' rows as it runs, and its tally triggers lock the tally
after. A tagging locks the tally, then reads its article ``FOR SHARE`` (migration
0015). So a transaction that updated an article and then tagged something (an
editor's save, an import batch) could meet one that tagged that article: each held
what the other waited for, and PostgreSQL ended one of them as a deadlock. Now the
update waits for the tagging, or the tagging for the update, before either locks an
article. Inserts and deletes of tagging rows already lock the tally first.

Every update of an article takes the lock, whatever it changes: a transaction that
writes articles waits for another that writes articles or tags until it commits (an
import batch holds it for its batch). SQLite has one writer at a time, and no trigger.
"""

from django.db import migrations

# The function migration 0017 made for a tag's rename, which takes the same lock.
POSTGRESQL_FORWARD = [
    "CREATE TRIGGER article_write_lock_order BEFORE UPDATE OR DELETE ON articles_article"
    " FOR EACH STATEMENT EXECUTE FUNCTION articles_lock_the_tally_first()",
]
POSTGRESQL_BACKWARD = ["DROP TRIGGER IF EXISTS article_write_lock_order ON articles_article"]


def _run(schema_editor, statements):
    if schema_editor.connection.vendor == "postgresql":
        for statement in statements:
            schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_FORWARD)


def backwards(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("articles", "0018_month_tally")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
