"""StoryWriter, the one write path: each file whole or not at all, in few queries."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import IntegrityError, connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag, TaggedItem

from articles.ingest.frontmatter import parse_wire_text
from articles.ingest.runner import import_wire, wire_files
from articles.ingest.writer import StoryWriter
from articles.models import Article, Source
from tests.test_import_command import run_import, wire, write

pytestmark = pytest.mark.django_db

FAILING = 3  # the article number the broken tags step fails on


def corpus(folder: Path, numbers, **fields) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for number in numbers:
        write(folder, f"{number:05d}.md", wire(number, **fields))
    return folder


@pytest.fixture
def broken_tags_step(monkeypatch):
    """Make the tags step of one story hit a real database error (a duplicate row)."""
    original = StoryWriter.tagged_items

    def tagged_items(self, article, tag_ids):
        rows = original(self, article, tag_ids)
        return rows + rows[:1] if article.number == FAILING else rows

    monkeypatch.setattr(StoryWriter, "tagged_items", tagged_items)


def make_tags_step_raise(monkeypatch) -> None:
    """From now on, the tags step of story FAILING raises IntegrityError outright."""
    original = StoryWriter.tagged_items

    def tagged_items(self, article, tag_ids):
        if article.number == FAILING:
            raise IntegrityError("tags step failed on purpose")
        return original(self, article, tag_ids)

    monkeypatch.setattr(StoryWriter, "tagged_items", tagged_items)


@pytest.fixture
def raising_tags_step(monkeypatch):
    make_tags_step_raise(monkeypatch)


@pytest.mark.parametrize(
    ("breakage", "reason"),
    [("broken_tags_step", "taggit_taggeditem"), ("raising_tags_step", "failed on purpose")],
)
def test_a_database_failure_in_one_file_leaves_nothing_of_it(tmp_path, request, breakage, reason):
    request.getfixturevalue(breakage)
    corpus(tmp_path, range(1, 7), tags='["energy", "ai"]', source='"Fresh Agency"')
    status, out, err = run_import(tmp_path)
    assert status == 1
    assert "5 created, 0 updated, 0 unchanged, 1 failed" in out
    assert err.startswith(f"{tmp_path / '00003.md'}: ")
    assert reason in err
    assert len(err.strip().splitlines()) == 1
    assert not Article.objects.filter(number=FAILING).exists()
    assert sorted(Article.objects.values_list("number", flat=True)) == [1, 2, 4, 5, 6]
    for article in Article.objects.all():
        assert sorted(article.tags.names()) == ["ai", "energy"]
    assert TaggedItem.objects.count() == 10
    assert Source.objects.filter(name="Fresh Agency").count() == 1


def test_a_failed_file_does_not_leave_its_new_source_or_tags_behind(tmp_path, broken_tags_step):
    """The failing story is the first to name its source and tag: both roll back with it,
    and the next story that names them creates them again."""
    write(tmp_path, "1.md", wire(FAILING, source='"Only Here"', tags='["rare"]'))
    write(tmp_path, "2.md", wire(10, source='"Later Agency"'))
    status, _out, _err = run_import(tmp_path)
    assert status == 1
    assert not Source.objects.filter(name="Only Here").exists()
    assert not Tag.objects.filter(name="rare").exists()
    write(tmp_path, "3.md", wire(11, source='"Only Here"', tags='["rare"]'))
    status, _out, _err = run_import(tmp_path / "2.md", tmp_path / "3.md")
    assert status == 0
    article = Article.objects.get(number=11)
    assert article.source.name == "Only Here"
    assert list(article.tags.names()) == ["rare"]


def test_failed_update_keeps_the_stored_article_whole(tmp_path, monkeypatch):
    write(tmp_path, "a.md", wire(FAILING, title="Original", tags='["old"]'))
    write(tmp_path, "b.md", wire(9, title="Original"))
    run_import(tmp_path)
    stored = Article.objects.values().get(number=FAILING)

    make_tags_step_raise(monkeypatch)
    write(tmp_path, "a.md", wire(FAILING, title="Changed", tags='["new"]'))
    write(tmp_path, "b.md", wire(9, title="Changed too"))
    status, out, err = run_import(tmp_path)
    assert status == 1
    assert "0 created, 1 updated, 0 unchanged, 1 failed" in out
    assert "a.md: tags step failed on purpose" in err
    assert Article.objects.values().get(number=FAILING) == stored
    assert list(Article.objects.get(number=FAILING).tags.names()) == ["old"]
    assert Article.objects.get(number=9).title == "Changed too"


def test_one_failure_per_batch_does_not_stop_later_batches(tmp_path, broken_tags_step):
    corpus(tmp_path, range(1, 11), tags='["x"]')
    status, out, _err = run_import(tmp_path, batch_size=2)
    assert status == 1
    assert "9 created, 0 updated, 0 unchanged, 1 failed" in out
    assert Article.objects.count() == 9


def test_new_articles_of_a_batch_are_inserted_together(tmp_path):
    corpus(tmp_path, range(1, 31), tags='["energy"]')
    with CaptureQueriesContext(connection) as queries:
        run_import(tmp_path)
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "articles_article"')]
    tag_inserts = [
        q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "taggit_taggeditem"')
    ]
    assert len(inserts) == 1
    assert len(tag_inserts) == 1
    assert Article.objects.count() == 30


def test_query_count_does_not_grow_with_the_batch(tmp_path, django_assert_max_num_queries):
    run_import(corpus(tmp_path / "warm", [1], tags='["energy", "ai"]'))  # source and tags exist

    def count(numbers) -> int:
        folder = corpus(tmp_path / f"n{len(numbers)}", numbers, tags='["energy", "ai"]')
        with CaptureQueriesContext(connection) as queries:
            status, _out, _err = run_import(folder)
        assert status == 0
        return len(queries)

    small, large = count(range(10, 15)), count(range(100, 140))
    assert small == large
    # The batch: savepoints, the hash lookup, one insert of articles and one of tags; the
    # run: one lookup for each source and tag named (a new writer remembers them after).
    with django_assert_max_num_queries(11):
        run_import(corpus(tmp_path / "more", range(200, 260), tags='["energy", "ai"]'))


def test_updates_cost_a_bounded_number_of_queries_each(tmp_path, django_assert_max_num_queries):
    corpus(tmp_path, range(1, 21), tags='["a", "b"]')
    run_import(tmp_path)
    corpus(tmp_path, range(1, 21), title="Changed", tags='["b", "c"]')
    # Per update: savepoint, UPDATE, read tags, select + delete dropped tags, insert, release;
    # once per run: the lookups, the outer savepoint, and the new tag "c".
    with django_assert_max_num_queries(10 + 20 * 7):
        status, out, _err = run_import(tmp_path)
    assert status == 0
    assert "0 created, 20 updated" in out
    assert all(sorted(a.tags.names()) == ["b", "c"] for a in Article.objects.all())


def test_bulk_created_articles_send_the_same_save_signal(tmp_path):
    seen: list[tuple[int, bool]] = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((instance.number, created))

    post_save.connect(receiver, sender=Article, dispatch_uid="test-ingest-signal")
    try:
        run_import(corpus(tmp_path, range(1, 6)))
    finally:
        post_save.disconnect(dispatch_uid="test-ingest-signal", sender=Article)
    assert sorted(seen) == [(n, True) for n in range(1, 6)]


def refuse_bulk_insert(stories):
    raise IntegrityError("bulk insert refused")


def test_bulk_and_single_paths_store_the_same_row(tmp_path, monkeypatch):
    """The bulk insert and the one-by-one fallback prepare rows identically."""
    text = wire(
        1,
        title="Same <Row>",
        body="<p onclick='x()'>Hi <script>x()</script><a href='https://a.example/'>a</a></p>",
        tags='["t1", "t2"]',
    )
    writer = StoryWriter()
    writer.write_batch([parse_wire_text(text)])
    bulk = Article.objects.values().get(number=1)
    Article.objects.all().delete()
    monkeypatch.setattr(writer, "_create_many", refuse_bulk_insert)  # one by one instead
    writer.write_batch([parse_wire_text(text.replace("article_id = 1", "article_id = 2"))])
    single = Article.objects.values().get(number=2)
    ignored = {"id", "number", "path", "created_at", "updated_at", "imported_at"}
    ignored |= {"wire_raw", "wire_hash"}
    assert {k: v for k, v in bulk.items() if k not in ignored} == {
        k: v for k, v in single.items() if k not in ignored
    }
    assert bulk["path"] == "/202507/1-same-row"
    assert single["path"] == "/202507/2-same-row"
    assert bulk["body"] == ('<p>Hi <a href="https://a.example/" rel="nofollow noopener">a</a></p>')


def test_import_wire_function_counts_and_calls_back(tmp_path):
    corpus(tmp_path, range(1, 4))
    write(tmp_path, "bad.md", "no front matter")
    seen = []
    report = import_wire(wire_files([tmp_path]), on_result=lambda *r: seen.append(r))
    assert (report.created, report.failed, report.total) == (3, 1, 4)
    assert report.summary() == "3 created, 0 updated, 0 unchanged, 1 failed"
    assert (str(tmp_path / "bad.md"), "failed", report.failures[0][1]) in seen


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite connection settings")
def test_sqlite_import_settings_apply_during_the_import_and_are_restored(tmp_path):
    raw = connection.cursor().connection  # the DB-API connection
    before = raw.execute("PRAGMA cache_size").fetchone()[0]
    during = []
    import_wire(
        wire_files([corpus(tmp_path, [1])]),
        on_result=lambda *r: during.append(raw.execute("PRAGMA cache_size").fetchone()[0]),
    )
    assert during == [-32768]
    assert raw.execute("PRAGMA cache_size").fetchone()[0] == before
