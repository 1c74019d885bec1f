"""The article tallies (``ArticleTally``), kept by the database's own triggers.

How many articles there are, whatever their state, in all and per tag: the live
counts read these and subtract the few articles that are not live. Every write path
(admin, importer, bulk_create, queryset delete, raw SQL) changes the tables, so the
triggers are on the tables, never in Python.

- An article inserted adds one to the tally of all articles, one deleted takes one
  off; a row of ``taggit_taggeditem`` tagging an article does the same for its tag's
  tally. Rows tagging other models are not counted.
- A count taken off never creates a tally row: ``manage.py flush`` on SQLite empties
  the tables one by one, in no fixed order, and the rows it deletes after the tallies
  must not leave negative tallies behind.
- SQLite: row triggers. PostgreSQL: statement triggers with transition tables, one
  upsert per statement, so an import's bulk insert of 500 articles updates the tally
  once. Every PostgreSQL writer of a tally first locks the tally of all articles:
  with one lock order, two transactions changing the same tags cannot deadlock.

Note for later migrations on SQLite: Django rebuilds a table for many schema changes,
and dropping ``articles_article`` or ``taggit_taggeditem`` drops these triggers. A
migration that does so must run ``install_sqlite`` from this module again (a test
checks the tallies after every migration has run).
"""

from django.db import migrations, models

ARTICLE_TYPE = (
    "(SELECT id FROM django_content_type WHERE app_label = 'articles' AND model = 'article')"
)
TALLY = "articles_articletally"
ADD = "ON CONFLICT (scope, subject) DO UPDATE SET articles = {0}.articles + excluded.articles"

FILL = [
    f"DELETE FROM {TALLY}",
    f"INSERT INTO {TALLY} (scope, subject, articles) SELECT 0, 0, COUNT(*) FROM articles_article",
    f"""
    INSERT INTO {TALLY} (scope, subject, articles)
    SELECT 1, tag_id, COUNT(*) FROM taggit_taggeditem
    WHERE content_type_id = {ARTICLE_TYPE} GROUP BY tag_id
    """,
]

SQLITE_ADD = ADD.format(TALLY)
SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER article_tally_insert AFTER INSERT ON articles_article BEGIN
        INSERT INTO {TALLY} (scope, subject, articles) VALUES (0, 0, 1) {SQLITE_ADD};
    END
    """,
    f"""
    CREATE TRIGGER article_tally_delete AFTER DELETE ON articles_article BEGIN
        UPDATE {TALLY} SET articles = articles - 1 WHERE scope = 0 AND subject = 0;
    END
    """,
    f"""
    CREATE TRIGGER article_tally_tag_insert AFTER INSERT ON taggit_taggeditem
    WHEN new.content_type_id = {ARTICLE_TYPE}
    BEGIN
        INSERT INTO {TALLY} (scope, subject, articles) VALUES (1, new.tag_id, 1) {SQLITE_ADD};
    END
    """,
    f"""
    CREATE TRIGGER article_tally_tag_delete AFTER DELETE ON taggit_taggeditem
    WHEN old.content_type_id = {ARTICLE_TYPE}
    BEGIN
        UPDATE {TALLY} SET articles = articles - 1 WHERE scope = 1 AND subject = old.tag_id;
    END
    """,
    f"""
    CREATE TRIGGER article_tally_tag_update AFTER UPDATE OF tag_id, content_type_id
    ON taggit_taggeditem
    WHEN old.tag_id IS NOT new.tag_id OR old.content_type_id IS NOT new.content_type_id
    BEGIN
        UPDATE {TALLY} SET articles = articles - 1
        WHERE scope = 1 AND subject = old.tag_id AND old.content_type_id = {ARTICLE_TYPE};
        INSERT INTO {TALLY} (scope, subject, articles)
        SELECT 1, new.tag_id, 1 WHERE new.content_type_id = {ARTICLE_TYPE} {SQLITE_ADD};
    END
    """,
]
SQLITE_TRIGGERS = (
    "article_tally_insert",
    "article_tally_delete",
    "article_tally_tag_insert",
    "article_tally_tag_delete",
    "article_tally_tag_update",
)

POSTGRESQL_ADD = ADD.format(TALLY)
# (name, event, table, transition tables, function)
POSTGRESQL_TRIGGERS = [
    (
        "article_tally_insert",
        "INSERT",
        "articles_article",
        "NEW TABLE AS tally_new",
        "articles_tally_articles",
    ),
    (
        "article_tally_delete",
        "DELETE",
        "articles_article",
        "OLD TABLE AS tally_old",
        "articles_tally_articles",
    ),
    (
        "article_tally_tag_insert",
        "INSERT",
        "taggit_taggeditem",
        "NEW TABLE AS tally_new",
        "articles_tally_tags",
    ),
    (
        "article_tally_tag_delete",
        "DELETE",
        "taggit_taggeditem",
        "OLD TABLE AS tally_old",
        "articles_tally_tags",
    ),
    (
        "article_tally_tag_update",
        "UPDATE",
        "taggit_taggeditem",
        "OLD TABLE AS tally_old NEW TABLE AS tally_new",
        "articles_tally_tags",
    ),
]
POSTGRESQL_FORWARD = [
    f"""
    CREATE FUNCTION articles_tally_articles() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO {TALLY} (scope, subject, articles)
            SELECT 0, 0, COUNT(*) FROM tally_new HAVING COUNT(*) > 0 {POSTGRESQL_ADD};
        ELSE
            UPDATE {TALLY} SET articles = articles - (SELECT COUNT(*) FROM tally_old)
            WHERE scope = 0 AND subject = 0 AND EXISTS (SELECT FROM tally_old);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE FUNCTION articles_tally_tags() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        article_type integer := {ARTICLE_TYPE};
    BEGIN
        -- The tally of all articles first, as every tally writer: one lock order.
        PERFORM FROM {TALLY} WHERE scope = 0 AND subject = 0 FOR UPDATE;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE {TALLY} AS tally SET articles = tally.articles - gone.articles
            FROM (
                SELECT tag_id, COUNT(*) AS articles FROM tally_old
                WHERE content_type_id = article_type GROUP BY tag_id
            ) AS gone
            WHERE tally.scope = 1 AND tally.subject = gone.tag_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO {TALLY} (scope, subject, articles)
            SELECT 1, tag_id, COUNT(*) FROM tally_new
            WHERE content_type_id = article_type GROUP BY tag_id {POSTGRESQL_ADD};
        END IF;
        RETURN NULL;
    END
    $$
    """,
    *(
        f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {tables}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        for name, event, table, tables, function in POSTGRESQL_TRIGGERS
    ),
]
POSTGRESQL_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, _, table, _, _ in POSTGRESQL_TRIGGERS),
    "DROP FUNCTION IF EXISTS articles_tally_articles()",
    "DROP FUNCTION IF EXISTS articles_tally_tags()",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def install_sqlite(schema_editor):
    """(Re)create the SQLite triggers and count the tallies afresh."""
    _run(schema_editor, [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS])
    _run(schema_editor, FILL + SQLITE_FORWARD)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        install_sqlite(schema_editor)
    elif vendor == "postgresql":
        _run(schema_editor, FILL + POSTGRESQL_FORWARD)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS])
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_expiry_index_covers_publish_time"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "scope",
                    models.PositiveSmallIntegerField(
                        choices=[(0, "all articles"), (1, "the articles with one tag")]
                    ),
                ),
                (
                    "subject",
                    models.BigIntegerField(help_text="The tag's id in a tag's tally; 0 for all."),
                ),
                ("articles", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("scope", "subject"), name="article_tally_subject"
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
