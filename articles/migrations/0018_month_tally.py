"""Each month's tally: how many articles have their publish time in one month (in UTC),
whatever their state, kept by the database's own triggers beside the day tallies of
migration 0016, and the same way.

The archive's counts read the months wholly inside a period from here, and only the
days at its edges from the day tallies: a year is twelve rows rather than 365. The
archive index read every day tally of the years it lists, 1,825 rows for five years
(0.78 ms a run on PostgreSQL, pgbench, at 100,000 articles).

- A month is ``subject`` = its UTC month as the number YYYYMM. An article without a
  publish time (a draft) is in no month.
- An article inserted adds one to its month's tally, one deleted takes one off, one
  whose publish time moves to another month moves its one. Taking a count off never
  creates a tally row.
- SQLite: row triggers. PostgreSQL: statement triggers with transition tables. The
  update trigger does nothing, and locks nothing, unless a row changed month; when
  one did, it first locks the tally of all articles, as every tally writer does.

On PostgreSQL the migration first locks the articles against writers, so no article
written between the count and the triggers goes uncounted.

As with migration 0016: on SQLite, a later migration that rebuilds
``articles_article`` drops these triggers and must run ``install_sqlite`` from this
module again, after 0009's, whose count empties every tally.
"""

from django.db import migrations, models

TALLY = "articles_articletally"
MONTH = 4  # ArticleTally.Scope.MONTH
ADD = f"ON CONFLICT (scope, subject) DO UPDATE SET articles = {TALLY}.articles + excluded.articles"


def sqlite_month(column: str) -> str:
    # Django stores an aware time on SQLite as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]".
    return f"CAST(strftime('%Y%m', {column}) AS INTEGER)"


def postgresql_month(column: str) -> str:
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYYMM')::bigint"


def fill(month) -> list[str]:
    return [
        f"DELETE FROM {TALLY} WHERE scope = {MONTH}",
        f"""
        INSERT INTO {TALLY} (scope, subject, articles)
        SELECT {MONTH}, {month("publish_at")}, COUNT(*) FROM articles_article
        WHERE publish_at IS NOT NULL GROUP BY {month("publish_at")}
        """,
    ]


SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER article_tally_month_insert AFTER INSERT ON articles_article
    WHEN new.publish_at IS NOT NULL
    BEGIN
        INSERT INTO {TALLY} (scope, subject, articles)
        VALUES ({MONTH}, {sqlite_month("new.publish_at")}, 1) {ADD};
    END
    """,
    f"""
    CREATE TRIGGER article_tally_month_delete AFTER DELETE ON articles_article
    WHEN old.publish_at IS NOT NULL
    BEGIN
        UPDATE {TALLY} SET articles = articles - 1
        WHERE scope = {MONTH} AND subject = {sqlite_month("old.publish_at")};
    END
    """,
    f"""
    CREATE TRIGGER article_tally_month_update AFTER UPDATE OF publish_at ON articles_article
    WHEN {sqlite_month("old.publish_at")} IS NOT {sqlite_month("new.publish_at")}
    BEGIN
        UPDATE {TALLY} SET articles = articles - 1
        WHERE scope = {MONTH} AND subject = {sqlite_month("old.publish_at")};
        INSERT INTO {TALLY} (scope, subject, articles)
        SELECT {MONTH}, {sqlite_month("new.publish_at")}, 1
        WHERE new.publish_at IS NOT NULL {ADD};
    END
    """,
]
SQLITE_TRIGGERS = (
    "article_tally_month_insert",
    "article_tally_month_delete",
    "article_tally_month_update",
)

# (name, event, transition tables)
POSTGRESQL_TRIGGERS = [
    ("article_tally_month_insert", "INSERT", "NEW TABLE AS tally_new"),
    ("article_tally_month_delete", "DELETE", "OLD TABLE AS tally_old"),
    ("article_tally_month_update", "UPDATE", "OLD TABLE AS tally_old NEW TABLE AS tally_new"),
]
POSTGRESQL_FORWARD = [
    f"""
    CREATE FUNCTION articles_tally_months() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            -- Most updates move no publish time to another month: then nothing is
            -- counted, nor locked.
            IF NOT EXISTS (
                SELECT FROM tally_old AS before JOIN tally_new AS after ON after.id = before.id
                WHERE {postgresql_month("after.publish_at")}
                    IS DISTINCT FROM {postgresql_month("before.publish_at")}
            ) THEN
                RETURN NULL;
            END IF;
        END IF;
        -- The tally of all articles first, as every tally writer: one lock order.
        PERFORM FROM {TALLY} WHERE scope = 0 AND subject = 0 FOR UPDATE;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE {TALLY} AS tally SET articles = tally.articles - gone.articles
            FROM (
                SELECT {postgresql_month("publish_at")} AS month, COUNT(*) AS articles
                FROM tally_old WHERE publish_at IS NOT NULL GROUP BY 1
            ) AS gone
            WHERE tally.scope = {MONTH} AND tally.subject = gone.month;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO {TALLY} (scope, subject, articles)
            SELECT {MONTH}, {postgresql_month("publish_at")}, COUNT(*)
            FROM tally_new WHERE publish_at IS NOT NULL GROUP BY 2 {ADD};
        END IF;
        RETURN NULL;
    END
    $$
    """,
    *(
        f"CREATE TRIGGER {name} AFTER {event} ON articles_article REFERENCING {tables}"
        " FOR EACH STATEMENT EXECUTE FUNCTION articles_tally_months()"
        for name, event, tables in POSTGRESQL_TRIGGERS
    ),
]
# Held until the migration's transaction ends: readers go on, writers wait.
LOCK_WRITERS = "LOCK TABLE articles_article IN SHARE ROW EXCLUSIVE MODE"
POSTGRESQL_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {name} ON articles_article" for name, _, _ in POSTGRESQL_TRIGGERS),
    "DROP FUNCTION IF EXISTS articles_tally_months()",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def install_sqlite(schema_editor):
    """(Re)create the SQLite triggers and count the months' tallies afresh."""
    _run(schema_editor, [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS])
    _run(schema_editor, fill(sqlite_month) + SQLITE_FORWARD)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        install_sqlite(schema_editor)
    elif vendor == "postgresql":
        _run(schema_editor, [LOCK_WRITERS, *fill(postgresql_month), *POSTGRESQL_FORWARD])


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS])
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_BACKWARD)
    _run(schema_editor, [f"DELETE FROM {TALLY} WHERE scope = {MONTH}"])


class Migration(migrations.Migration):
    dependencies = [("articles", "0017_article_tag_list")]

    operations = [
        migrations.AlterField(
            model_name="articletally",
            name="scope",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (0, "all articles"),
                    (1, "the articles with one tag"),
                    (2, "the articles of one source"),
                    (3, "the articles published on one day (UTC)"),
                    (4, "the articles published in one month (UTC)"),
                ]
            ),
        ),
        migrations.AlterField(
            model_name="articletally",
            name="subject",
            field=models.BigIntegerField(
                help_text=(
                    "The tag's or source's id, the day as YYYYMMDD, the month as YYYYMM;"
                    " 0 for all."
                )
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
