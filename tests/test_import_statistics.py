"""A large import leaves the query planner fresh statistics for the new rows."""

import pytest
from django.db import connection

from articles.ingest import runner
from articles.ingest.runner import import_wire, wire_files

pytestmark = pytest.mark.django_db

WIRE = (
    '+++\ntitle = "Story {n}"\ndate = "2026-01-05T10:00:00Z"\narticle_id = {n}\n+++\n<p>Body</p>\n'
)


def planner_knows_articles() -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone():
                return False
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'articles_article'")
        else:
            cursor.execute("SELECT reltuples >= 1 FROM pg_class WHERE relname = 'articles_article'")
        return bool(cursor.fetchone()[0])


def import_stories(folder, count: int):
    for n in range(1, count + 1):
        (folder / f"{n}.md").write_text(WIRE.format(n=n))
    return import_wire(wire_files([folder]))


def test_an_import_past_the_threshold_analyzes_the_tables(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "ANALYZE_AFTER_ROWS", 3)
    assert import_stories(tmp_path, 3).created == 3
    assert planner_knows_articles()


def test_a_small_import_does_not(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "ANALYZE_AFTER_ROWS", 3)
    assert import_stories(tmp_path, 2).created == 2
    if connection.vendor == "sqlite":
        assert not planner_knows_articles()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL GIN index")
def test_a_large_import_leaves_no_search_rows_pending_on_postgresql(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "ANALYZE_AFTER_ROWS", 3)
    assert import_stories(tmp_path, 3).created == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [runner.SEARCH_INDEX])
        assert cursor.fetchone()[0] == 0  # pages it had still to merge


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's visibility map")
@pytest.mark.django_db(transaction=True)
def test_a_large_import_outside_a_transaction_vacuums_on_postgresql(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "ANALYZE_AFTER_ROWS", 3)
    assert import_stories(tmp_path, 3).created == 3
    with connection.cursor() as cursor:
        # Pages VACUUM found all-visible: index-only scans need not read them.
        cursor.execute("SELECT relallvisible FROM pg_class WHERE relname = 'articles_article'")
        assert cursor.fetchone()[0] >= 1
