"""``ArticleTagList``: each article's tags as one JSON text, kept by the database's own
triggers on taggit's tables.

A page that shows articles read each one's tags with a subquery gathering taggit's
rows and joining their tags: on PostgreSQL, a subquery run again for every article,
about 40% of a 20-article listing's query (0.41 against 0.25 ms a run, pgbench, at
100,000 articles). The listings now join each article's one row here by primary key.

- A list is ``[[id, name, slug], ...]``, as ``tagging.ArticleTags`` always read them;
  an article without tags has no row.
- Adding, removing or moving a tagging row of an article makes its list afresh from
  all of its rows; renaming a tag (its name or slug) makes afresh the lists of the
  articles it tags. Rows tagging other models have no list. An article deleted loses
  its tagging rows (migration 0014), and so its list.
- SQLite: row triggers. PostgreSQL: statement triggers with transition tables, so an
  import's bulk insert of tags makes each list once. A list that already has a row is
  locked before it is made afresh, and made from a snapshot taken after the lock:
  two transactions tagging one article at once each wait for the other's list, and
  the second sees the first's rows. A new list's row is that lock for a transaction
  that tags the same article at the same moment. A tagging row's tag is locked
  ``FOR SHARE`` first, which a rename of the tag waits for or makes it wait for: the
  rename's lists then hold the new row, or the new row's list the new name.

A rename first locks the tally of all articles, as every tagging does before its
tag and its lists (the tally triggers of migration 0009): without it, a rename
holding its tag and waiting for a list could meet a transaction holding that list
and waiting for the tag, and PostgreSQL would end one of them. Renaming a tag
rewrites every list that holds it, in one transaction: thousands of rows for a
popular tag, whose taggings wait meanwhile.

On PostgreSQL the migration first locks taggit's tables against writers, so no
tagging row written between the lists' first making and the triggers is missed.

As with migrations 0011 and 0015: on SQLite, a later migration that rebuilds
``taggit_taggeditem`` or ``taggit_tag`` drops these triggers and must run
``install_sqlite`` from this module again.
"""

from django.db import migrations, models

ARTICLE_TYPE = (
    "(SELECT id FROM django_content_type WHERE app_label = 'articles' AND model = 'article')"
)
LISTS = "articles_articletaglist"


def made_afresh(aggregate: str, article_type: str, articles: str) -> str:
    """SELECT (article_id, tags) of the articles whose ids ``articles`` matches (an SQL
    condition on ``tagged.object_id``), from their tagging rows."""
    return f"""
        SELECT tagged.object_id AS article_id, {aggregate} AS tags
        FROM taggit_taggeditem AS tagged JOIN taggit_tag AS tag ON tag.id = tagged.tag_id
        WHERE tagged.content_type_id = {article_type} AND tagged.object_id {articles}
        GROUP BY tagged.object_id
    """


SQLITE_LIST = "json_group_array(json_array(tag.id, tag.name, tag.slug))"
POSTGRESQL_LIST = "json_agg(json_build_array(tag.id, tag.name, tag.slug) ORDER BY tag.id)::text"

FILL = {
    vendor: [
        f"DELETE FROM {LISTS}",
        f"INSERT INTO {LISTS} (article_id, tags)"
        + made_afresh(aggregate, ARTICLE_TYPE, "IS NOT NULL"),
        f"ANALYZE {LISTS}",
    ]
    for vendor, aggregate in (("sqlite", SQLITE_LIST), ("postgresql", POSTGRESQL_LIST))
}


def _sqlite_afresh(articles: str) -> str:
    """Trigger statements making afresh the lists of the articles ``articles`` matches."""
    return f"""
        DELETE FROM {LISTS} WHERE article_id {articles};
        INSERT INTO {LISTS} (article_id, tags)
            {made_afresh(SQLITE_LIST, ARTICLE_TYPE, articles)};
    """


SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER tag_list_tagging_insert AFTER INSERT ON taggit_taggeditem
    WHEN new.content_type_id = {ARTICLE_TYPE}
    BEGIN {_sqlite_afresh("= new.object_id")} END
    """,
    f"""
    CREATE TRIGGER tag_list_tagging_delete AFTER DELETE ON taggit_taggeditem
    WHEN old.content_type_id = {ARTICLE_TYPE}
    BEGIN {_sqlite_afresh("= old.object_id")} END
    """,
    # Making a list afresh that did not change leaves it as it was: both ids are made.
    f"""
    CREATE TRIGGER tag_list_tagging_update
    AFTER UPDATE OF tag_id, object_id, content_type_id ON taggit_taggeditem
    BEGIN {_sqlite_afresh("IN (old.object_id, new.object_id)")} END
    """,
    f"""
    CREATE TRIGGER tag_list_tag_update AFTER UPDATE OF name, slug ON taggit_tag
    WHEN old.name IS NOT new.name OR old.slug IS NOT new.slug
    BEGIN {
        _sqlite_afresh(
            "IN (SELECT object_id FROM taggit_taggeditem"
            f" WHERE tag_id = new.id AND content_type_id = {ARTICLE_TYPE})"
        )
    } END
    """,
]
SQLITE_TRIGGERS = (
    "tag_list_tagging_insert",
    "tag_list_tagging_delete",
    "tag_list_tagging_update",
    "tag_list_tag_update",
)

AFRESH = made_afresh(POSTGRESQL_LIST, "article_type", "= ANY (touched)")
POSTGRESQL_FORWARD = [
    f"""
    CREATE FUNCTION articles_tag_lists() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        article_type integer := {ARTICLE_TYPE};
        touched bigint[];
        created bigint[];
    BEGIN
        IF TG_TABLE_NAME = 'taggit_tag' THEN
            SELECT array_agg(DISTINCT tagged.object_id) INTO touched
            FROM lists_new AS after JOIN lists_old AS before ON before.id = after.id
            JOIN taggit_taggeditem AS tagged ON tagged.tag_id = after.id
            WHERE tagged.content_type_id = article_type
                AND (after.name IS DISTINCT FROM before.name
                    OR after.slug IS DISTINCT FROM before.slug);
        ELSIF TG_OP = 'INSERT' THEN
            SELECT array_agg(DISTINCT object_id) INTO touched
            FROM lists_new WHERE content_type_id = article_type;
        ELSIF TG_OP = 'DELETE' THEN
            SELECT array_agg(DISTINCT object_id) INTO touched
            FROM lists_old WHERE content_type_id = article_type;
        ELSE
            SELECT array_agg(DISTINCT object_id) INTO touched FROM (
                SELECT object_id, content_type_id FROM lists_old
                UNION ALL SELECT object_id, content_type_id FROM lists_new
            ) AS changed WHERE content_type_id = article_type;
        END IF;
        IF touched IS NULL THEN
            RETURN NULL;
        END IF;
        IF TG_TABLE_NAME = 'taggit_taggeditem' AND TG_OP IN ('INSERT', 'UPDATE') THEN
            -- A tag being renamed is renamed first: its lists are then made afresh
            -- with this row among them, or this list with its new name.
            PERFORM FROM taggit_tag WHERE id IN (
                SELECT tag_id FROM lists_new WHERE content_type_id = article_type
            ) ORDER BY id FOR SHARE;
        END IF;
        -- The lists that had no row: made now, and locked by their new rows.
        WITH made AS (
            INSERT INTO {LISTS} (article_id, tags)
            SELECT * FROM ({AFRESH}) AS fresh ORDER BY article_id
            ON CONFLICT (article_id) DO NOTHING
            RETURNING article_id
        )
        SELECT array_agg(article_id) INTO created FROM made;
        touched := ARRAY(SELECT unnest(touched) EXCEPT SELECT unnest(created));
        IF cardinality(touched) = 0 THEN
            RETURN NULL;
        END IF;
        -- The others: locked first, then made from what is committed by then.
        PERFORM FROM {LISTS} WHERE article_id = ANY (touched) ORDER BY article_id FOR UPDATE;
        UPDATE {LISTS} AS list SET tags = fresh.tags FROM ({AFRESH}) AS fresh
        WHERE list.article_id = fresh.article_id AND list.tags IS DISTINCT FROM fresh.tags;
        DELETE FROM {LISTS} AS list WHERE list.article_id = ANY (touched) AND NOT EXISTS (
            SELECT FROM taggit_taggeditem AS tagged
            WHERE tagged.content_type_id = article_type AND tagged.object_id = list.article_id
        );
        RETURN NULL;
    END
    $$
    """,
    *(
        f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {tables}"
        " FOR EACH STATEMENT EXECUTE FUNCTION articles_tag_lists()"
        for name, event, table, tables in (
            ("tag_list_tagging_insert", "INSERT", "taggit_taggeditem", "NEW TABLE AS lists_new"),
            ("tag_list_tagging_delete", "DELETE", "taggit_taggeditem", "OLD TABLE AS lists_old"),
            (
                "tag_list_tagging_update",
                "UPDATE",
                "taggit_taggeditem",
                "OLD TABLE AS lists_old NEW TABLE AS lists_new",
            ),
            (
                "tag_list_tag_update",
                "UPDATE",
                "taggit_tag",
                "OLD TABLE AS lists_old NEW TABLE AS lists_new",
            ),
        )
    ),
]
# The lock every tally writer takes first (migration 0009), for a statement trigger
# to take before its statement locks any row: one lock order. Renames take it here;
# migration 0019 has article updates and deletes take it too.
LOCK_THE_TALLY_FIRST = """
    CREATE FUNCTION articles_lock_the_tally_first() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM FROM articles_articletally WHERE scope = 0 AND subject = 0 FOR UPDATE;
        RETURN NULL;
    END
    $$
"""
POSTGRESQL_FORWARD += [
    LOCK_THE_TALLY_FIRST,
    "CREATE TRIGGER tag_list_tag_rename_order BEFORE UPDATE ON taggit_tag"
    " FOR EACH STATEMENT EXECUTE FUNCTION articles_lock_the_tally_first()",
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS tag_list_tag_rename_order ON taggit_tag",
    "DROP FUNCTION IF EXISTS articles_lock_the_tally_first()",
    "DROP TRIGGER IF EXISTS tag_list_tagging_insert ON taggit_taggeditem",
    "DROP TRIGGER IF EXISTS tag_list_tagging_delete ON taggit_taggeditem",
    "DROP TRIGGER IF EXISTS tag_list_tagging_update ON taggit_taggeditem",
    "DROP TRIGGER IF EXISTS tag_list_tag_update ON taggit_tag",
    "DROP FUNCTION IF EXISTS articles_tag_lists()",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def install_sqlite(schema_editor):
    """(Re)create the SQLite triggers and make every article's list afresh."""
    _run(schema_editor, [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS])
    _run(schema_editor, FILL["sqlite"] + SQLITE_FORWARD)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        install_sqlite(schema_editor)
    elif vendor == "postgresql":
        # Held until the migration's transaction ends: readers go on, writers wait.
        _run(schema_editor, ["LOCK TABLE taggit_taggeditem, taggit_tag IN SHARE ROW EXCLUSIVE MODE"])
        _run(schema_editor, POSTGRESQL_FORWARD + FILL["postgresql"])


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS])
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0016_day_tally"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleTagList",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.DO_NOTHING,
                        primary_key=True,
                        related_name="listed_tags",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("tags", models.TextField()),
            ],
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
