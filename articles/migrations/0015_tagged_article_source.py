"""``TaggedArticle`` copies its article's source too.

One source's articles with one tag, newest first, are then one range of one index
(``tagged_article_source_idx``), counted there; before, the source's articles were
each tested for the tag (about 2,500 index probes a page at 100,000 articles).

The triggers of migration 0011 are replaced by the same triggers copying
``source_id`` as well: on a tag's insert from the article's row, and on an article's
update when its source changes, as for its liveness columns. Then every copy is
made afresh. On PostgreSQL the two trigger functions are replaced in place; on
SQLite the five row triggers are dropped and created again.

On PostgreSQL the migration first locks the articles and taggit's rows against
writes (``SHARE ROW EXCLUSIVE``, until it commits): a write that began during it
would otherwise run the old trigger function once the copies' table was free, and
leave a copy without its source.

As with migration 0011: on SQLite, a later migration that rebuilds
``articles_article`` or ``taggit_taggeditem`` drops these triggers and must run
``install_sqlite`` from this module again.
"""

import importlib

from django.db import migrations, models

ARTICLE_TYPE = (
    "(SELECT id FROM django_content_type WHERE app_label = 'articles' AND model = 'article')"
)
COPIES = "articles_taggedarticle"
COLUMNS = "tag_id, article_id, source_id, status, publish_at, number, expires_at"
# The article's columns a copy keeps, and updates when the article's change.
COPIED = ("source_id", "status", "publish_at", "number", "expires_at")

FILL = [
    f"DELETE FROM {COPIES}",
    f"""
    INSERT INTO {COPIES} ({COLUMNS})
    SELECT tagged.tag_id, article.id, article.source_id, article.status, article.publish_at,
        article.number, article.expires_at
    FROM taggit_taggeditem AS tagged
    JOIN articles_article AS article ON article.id = tagged.object_id
    WHERE tagged.content_type_id = {ARTICLE_TYPE}
    """,
    f"ANALYZE {COPIES}",
]


def _copy_of(tag: str, article_id: str) -> str:
    """SELECT the copy of article ``article_id`` under ``tag`` (SQL expressions)."""
    return (
        f"SELECT {tag}, id, source_id, status, publish_at, number, expires_at"
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
    AFTER UPDATE OF {", ".join(COPIED)} ON articles_article
    WHEN {" OR ".join(f"old.{name} IS NOT new.{name}" for name in COPIED)}
    BEGIN
        UPDATE {COPIES} SET {", ".join(f"{name} = new.{name}" for name in COPIED)}
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

CHANGED = " OR ".join(f"after.{name} IS DISTINCT FROM before.{name}" for name in COPIED)
# The functions migration 0011's statement triggers call, replaced in place.
POSTGRESQL_FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION articles_tagged_article_tags() RETURNS trigger
    LANGUAGE plpgsql AS $$
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
            SELECT added.tag_id, article.id, article.source_id, article.status,
                article.publish_at, article.number, article.expires_at
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
    CREATE OR REPLACE FUNCTION articles_tagged_article_articles() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM {COPIES} AS copy USING copies_old AS gone WHERE copy.article_id = gone.id;
        ELSE
            UPDATE {COPIES} AS copy
            SET {", ".join(f"{name} = after.{name}" for name in COPIED)}
            FROM copies_new AS after JOIN copies_old AS before ON before.id = after.id
            WHERE copy.article_id = after.id AND ({CHANGED});
        END IF;
        RETURN NULL;
    END
    $$
    """,
]


def lock_writers(apps, schema_editor):
    """PostgreSQL: no article or tagging row changes until the migration commits."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "LOCK TABLE articles_article, taggit_taggeditem IN SHARE ROW EXCLUSIVE MODE"
        )


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
        _run(schema_editor, POSTGRESQL_FORWARD + FILL)


def backwards(apps, schema_editor):
    """Migration 0011's triggers and functions, as they were."""
    previous = importlib.import_module("articles.migrations.0011_tagged_article")
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        previous.install_sqlite(schema_editor)
    elif vendor == "postgresql":
        replace = [
            statement.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
            for statement in previous.POSTGRESQL_FORWARD
            if "CREATE FUNCTION" in statement
        ]
        _run(schema_editor, replace)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_article_delete_takes_its_tags"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.RunPython(lock_writers, migrations.RunPython.noop, elidable=False),
        migrations.AddField(
            model_name="taggedarticle",
            name="source",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=models.DO_NOTHING,
                related_name="+",
                to="articles.source",
            ),
        ),
        migrations.AddIndex(
            model_name="taggedarticle",
            index=models.Index(
                fields=["tag", "source", "status", "publish_at", "number", "expires_at", "article"],
                name="tagged_article_source_idx",
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
