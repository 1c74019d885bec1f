"""``TaggedArticle``: each article's tags, with the article's liveness columns beside
them, kept by the database's own triggers.

One tag's live articles, newest first, are then one range of one index, as one
source's are. Every write path (admin, importer, bulk_create, queryset delete, raw
SQL) changes the tables, so the triggers are on the tables, never in Python.

- A row of ``taggit_taggeditem`` tagging an article adds the article's copy under
  that tag; deleting it removes the copy; changing its tag or article moves it. Rows
  tagging other models have no copy. An article's tagging rows come after the article
  (taggit tags saved objects), so an article inserted has none yet.
- Changing an article's status, publish time, number or expiry changes its copies;
  deleting the article deletes them (a raw delete leaves taggit's rows, not the copies).
- SQLite: row triggers. PostgreSQL: statement triggers with transition tables, so an
  import's bulk insert of tags is one statement. A copy reads its article's row
  ``FOR SHARE``: a concurrent change of the article's status either commits first, and
  the copy reads it, or waits for the tag's transaction, and then changes the copy too.

As with migration 0009: on SQLite, a later migration that rebuilds
``articles_article`` or ``taggit_taggeditem`` drops these triggers and must run
``install_sqlite`` again, from migration 0015, whose triggers replaced these.
"""

from django.db import migrations, models

ARTICLE_TYPE = (
    "(SELECT id FROM django_content_type WHERE app_label = 'articles' AND model = 'article')"
)
COPIES = "articles_taggedarticle"
COLUMNS = "tag_id, article_id, status, publish_at, number, expires_at"
LIVENESS = ("status", "publish_at", "number", "expires_at")

FILL = [
    f"DELETE FROM {COPIES}",
    f"""
    INSERT INTO {COPIES} ({COLUMNS})
    SELECT tagged.tag_id, article.id, article.status, article.publish_at, article.number,
        article.expires_at
    FROM taggit_taggeditem AS tagged
    JOIN articles_article AS article ON article.id = tagged.object_id
    WHERE tagged.content_type_id = {ARTICLE_TYPE}
    """,
    f"ANALYZE {COPIES}",
]


def _copy_of(tag: str, article_id: str) -> str:
    """SELECT the copy of article ``article_id`` under ``tag`` (SQL expressions)."""
    return (
        f"SELECT {tag}, id, status, publish_at, number, expires_at"
        f" FROM articles_article WHERE id = {article_id}"
    )


SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER tagged_article_tag_insert AFTER INSERT ON taggit_taggeditem
    WHEN new.content_type_id = {ARTICLE_TYPE}
    BEGIN
        INSERT OR IGNORE INTO {COPIES} ({COLUMNS}) {_copy_of("new.tag_id", "new.object_id")};
    END
    """,
    f"""
    CREATE TRIGGER tagged_article_tag_delete AFTER DELETE ON taggit_taggeditem
    WHEN old.content_type_id = {ARTICLE_TYPE}
    BEGIN
        DELETE FROM {COPIES} WHERE article_id = old.object_id AND tag_id = old.tag_id;
    END
    """,
    f"""
    CREATE TRIGGER tagged_article_tag_update
    AFTER UPDATE OF tag_id, object_id, content_type_id ON taggit_taggeditem
    BEGIN
        DELETE FROM {COPIES} WHERE article_id = old.object_id AND tag_id = old.tag_id
            AND old.content_type_id = {ARTICLE_TYPE};
        INSERT OR IGNORE INTO {COPIES} ({COLUMNS})
            {_copy_of("new.tag_id", "new.object_id")} AND new.content_type_id = {ARTICLE_TYPE};
    END
    """,
    f"""
    CREATE TRIGGER tagged_article_article_update
    AFTER UPDATE OF {", ".join(LIVENESS)} ON articles_article
    WHEN {" OR ".join(f"old.{name} IS NOT new.{name}" for name in LIVENESS)}
    BEGIN
        UPDATE {COPIES} SET {", ".join(f"{name} = new.{name}" for name in LIVENESS)}
        WHERE article_id = new.id;
    END
    """,
    f"""
    CREATE TRIGGER tagged_article_article_delete AFTER DELETE ON articles_article BEGIN
        DELETE FROM {COPIES} WHERE article_id = old.id;
    END
    """,
]
SQLITE_TRIGGERS = (
    "tagged_article_tag_insert",
    "tagged_article_tag_delete",
    "tagged_article_tag_update",
    "tagged_article_article_update",
    "tagged_article_article_delete",
)

# (name, event, table, transition tables, function)
POSTGRESQL_TRIGGERS = [
    (
        "tagged_article_tag_insert",
        "INSERT",
        "taggit_taggeditem",
        "NEW TABLE AS copies_new",
        "articles_tagged_article_tags",
    ),
    (
        "tagged_article_tag_delete",
        "DELETE",
        "taggit_taggeditem",
        "OLD TABLE AS copies_old",
        "articles_tagged_article_tags",
    ),
    (
        "tagged_article_tag_update",
        "UPDATE",
        "taggit_taggeditem",
        "OLD TABLE AS copies_old NEW TABLE AS copies_new",
        "articles_tagged_article_tags",
    ),
    (
        "tagged_article_article_update",
        "UPDATE",
        "articles_article",
        "OLD TABLE AS copies_old NEW TABLE AS copies_new",
        "articles_tagged_article_articles",
    ),
    (
        "tagged_article_article_delete",
        "DELETE",
        "articles_article",
        "OLD TABLE AS copies_old",
        "articles_tagged_article_articles",
    ),
]
CHANGED = " OR ".join(f"after.{name} IS DISTINCT FROM before.{name}" for name in LIVENESS)
POSTGRESQL_FORWARD = [
    f"""
    CREATE FUNCTION articles_tagged_article_tags() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        article_type integer := {ARTICLE_TYPE};
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            DELETE FROM {COPIES} AS copy USING copies_old AS gone
            WHERE gone.content_type_id = article_type
                AND copy.article_id = gone.object_id AND copy.tag_id = gone.tag_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO {COPIES} ({COLUMNS})
            SELECT added.tag_id, article.id, article.status, article.publish_at,
                article.number, article.expires_at
            FROM copies_new AS added
            JOIN articles_article AS article ON article.id = added.object_id
            WHERE added.content_type_id = article_type
            FOR SHARE OF article
            ON CONFLICT (article_id, tag_id) DO NOTHING;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE FUNCTION articles_tagged_article_articles() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM {COPIES} AS copy USING copies_old AS gone WHERE copy.article_id = gone.id;
        ELSE
            UPDATE {COPIES} AS copy
            SET {", ".join(f"{name} = after.{name}" for name in LIVENESS)}
            FROM copies_new AS after JOIN copies_old AS before ON before.id = after.id
            WHERE copy.article_id = after.id AND ({CHANGED});
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
    "DROP FUNCTION IF EXISTS articles_tagged_article_tags()",
    "DROP FUNCTION IF EXISTS articles_tagged_article_articles()",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def install_sqlite(schema_editor):
    """(Re)create the SQLite triggers and copy every article's tags afresh."""
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
        ("contenttypes", "0002_remove_content_type_name"),
        ("articles", "0010_live_indexes_hold_the_id"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.CreateModel(
            name="TaggedArticle",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("status", models.CharField(max_length=10)),
                ("publish_at", models.DateTimeField(null=True)),
                ("number", models.PositiveBigIntegerField()),
                ("expires_at", models.DateTimeField(null=True)),
                (
                    "article",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=models.DO_NOTHING,
                        to="articles.article",
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=models.DO_NOTHING,
                        to="taggit.tag",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["tag", "status", "publish_at", "number", "expires_at", "article"],
                        name="tagged_article_live_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("article", "tag"), name="tagged_article_unique")
                ],
            },
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
