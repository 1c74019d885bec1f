"""``manage.py import_wire``: what lands in the database, what is reported, exit status."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from taggit.models import Tag

from articles.models import Article, Source
from tests.factories import make_source

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
EXAMPLE = DATA / "wire" / "99260-amazon-anthropic.txt"
ROOT = Path(__file__).resolve().parent.parent


def run_import(*paths, **options) -> tuple[int, str, str]:
    """Run the command; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_wire", *map(str, paths), stdout=out, stderr=err, **options)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def wire(number: int, title: str = "A headline", **fields) -> str:
    """A TOML wire file; fields override or add front matter keys (values are TOML)."""
    front = {
        "title": f'"{title}"',
        "date": '"2025-07-10T19:45:18Z"',
        "article_id": str(number),
        "source": '"Test Wire"',
    }
    front.update(fields)
    body = front.pop("body", f"<p>Body of {number}</p>")
    lines = "\n".join(f"{key} = {value}" for key, value in front.items() if value is not None)
    return f"+++\n{lines}\n+++\n\n{body}\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# The real example --------------------------------------------------------------------


def test_real_example_imports_every_field():
    status, out, _err = run_import(EXAMPLE)
    assert status == 0
    assert "1 created, 0 updated, 0 unchanged, 0 failed" in out
    article = Article.objects.get()
    raw = EXAMPLE.read_text(encoding="utf-8")
    assert article.number == 99260
    assert article.title == (
        "Amazon Considers Additional Multibillion-Dollar Investment in AI Startup Anthropic"
    )
    assert article.publish_at == dt.datetime(2025, 7, 10, 19, 45, 18, tzinfo=dt.UTC)
    assert article.status == Article.Status.PUBLISHED
    assert article.summary.startswith("Amazon's potential further investment in Anthropic")
    assert article.meta_description.startswith("Amazon considers additional multibillion")
    assert article.source_link == (
        "https://rss.investorbrandnetwork.com/iw/investornewsbreaks-amazon-com-inc-nasdaq-amzn"
        "-may-deepen-anthropic-ties-with-additional-multi-billion-dollar-investment/"
    )
    assert article.image_url == (
        "https://cdn.newsramp.app/genai/images/257/10/b5acd196c331c3c12637dde878cb9edf.png"
    )
    assert article.feed_item_id == 16816
    assert article.path == (
        "/202507/99260-amazon-considers-additional-multibillion-dollar-investment-in-ai-startup"
        "-anthropic"
    )
    assert article.slug == article.path.split("/")[2].split("-", 1)[1]
    assert article.source.name == "InvestorBrandNetwork (IBN)"
    assert list(article.tags.all()) == []
    assert article.wire_extra == {
        "qrcode": "https://cdn.newsramp.app/ibn/qrcode/257/10/noonRbuT.webp"
    }
    assert article.wire_raw == raw
    assert article.wire_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert article.imported_at is not None
    assert article.body.startswith("<p>Amazon.com Inc. (NASDAQ: AMZN) is reportedly eyeing")
    assert (
        '<a href="https://ibn.fm/6otFD" rel="nofollow noopener">https://ibn.fm/6otFD</a>'
        in article.body
    )
    assert "target=" not in article.body
    assert article.is_live


def test_real_example_page_is_served_at_its_wire_path(client):
    run_import(EXAMPLE)
    article = Article.objects.get()
    response = client.get(article.path)
    assert response.status_code == 200
    assert b"Amazon Considers Additional Multibillion-Dollar Investment" in response.content


# Folders, formats, summary and exit status ---------------------------------------------


def test_folders_are_read_recursively_toml_and_yaml():
    status, out, err = run_import(DATA / "wire")
    assert (status, err) == (0, "")
    assert "3 created, 0 updated, 0 unchanged, 0 failed" in out
    assert set(Article.objects.values_list("number", flat=True)) == {99260, 100201, 100202}
    yaml_story = Article.objects.get(number=100202)
    assert yaml_story.status == Article.Status.DRAFT
    assert yaml_story.path == "/202509/100202-library-reopens-after-renovation"
    assert yaml_story.wire_extra == {"editor": "J. Doe"}
    assert sorted(yaml_story.tags.names()) == ["Harbor City", "libraries"]


def test_hidden_files_and_other_suffixes_in_folders_are_skipped(tmp_path):
    write(tmp_path, ".hidden.md", wire(1))
    write(tmp_path, "notes.pdf", wire(2))
    write(tmp_path, "story.md", wire(3))
    status, _out, _err = run_import(tmp_path)
    assert status == 0
    assert list(Article.objects.values_list("number", flat=True)) == [3]


def test_bad_files_are_reported_and_the_good_ones_imported(tmp_path):
    write(tmp_path, "not-utf8.md", "")
    (tmp_path / "not-utf8.md").write_bytes(b'+++\ntitle = "caf\xe9"\n+++\n')
    status, out, err = run_import(DATA / "wire", DATA / "wire_bad", tmp_path / "not-utf8.md")
    assert status == 1
    assert "3 created, 0 updated, 0 unchanged, 18 failed" in out
    lines = err.strip().splitlines()
    assert len(lines) == 18
    for name in os.listdir(DATA / "wire_bad"):
        assert sum(line.startswith(f"{DATA / 'wire_bad' / name}: ") for line in lines) == 1
    assert f"{tmp_path / 'not-utf8.md'}: not UTF-8 (bad byte at offset 16)" in lines
    assert f"{DATA / 'wire_bad' / 'id-zero.md'}: article_id 0 is out of range" in err
    assert Article.objects.count() == 3


def test_a_missing_path_is_a_failure_not_a_crash(tmp_path):
    status, out, err = run_import(tmp_path / "nope.md")
    assert status == 1
    assert f"{tmp_path / 'nope.md'}: no such file" in err
    assert "0 created, 0 updated, 0 unchanged, 1 failed" in out


def test_exit_status_of_the_real_command(tmp_path):
    """The command run as a program: 0 when all went well, 1 when anything failed."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_DEBUG": "true",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    good = subprocess.run(
        [*manage, "import_wire", str(EXAMPLE)], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert good.returncode == 0, good.stderr
    assert "1 created, 0 updated, 0 unchanged, 0 failed" in good.stdout
    bad = subprocess.run(
        [*manage, "import_wire", str(EXAMPLE), str(DATA / "wire_bad" / "missing-title.md")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert "0 created, 0 updated, 1 unchanged, 1 failed" in bad.stdout
    assert "missing-title.md: missing title" in bad.stderr


def test_dry_run_validates_and_writes_nothing(tmp_path):
    status, out, err = run_import(DATA / "wire", DATA / "wire_bad" / "id-zero.md", dry_run=True)
    assert status == 1
    assert "Dry run: 3 created, 0 updated, 0 unchanged, 1 failed" in out
    assert "id-zero.md: article_id 0 is out of range" in err
    assert Article.objects.count() == 0
    assert Source.objects.count() == 0
    assert Tag.objects.count() == 0


def test_dry_run_after_an_import_reports_unchanged_and_updated(tmp_path):
    path = write(tmp_path, "a.md", wire(7))
    write(tmp_path, "b.md", wire(8))
    run_import(tmp_path)
    write(tmp_path, "a.md", wire(7, title="Changed"))
    status, out, _err = run_import(tmp_path, dry_run=True)
    assert status == 0
    assert "Dry run: 0 created, 1 updated, 1 unchanged, 0 failed" in out
    assert Article.objects.get(number=7).title == "A headline"
    assert path.exists()


@pytest.mark.parametrize("batch_size", [0, 10_001])
def test_batch_size_must_be_within_bounds(tmp_path, batch_size):
    with pytest.raises(CommandError, match="between 1 and 10000"):
        call_command("import_wire", str(tmp_path), batch_size=batch_size)


# Upsert: unchanged, updated, draft, sources and tags -------------------------------------


def test_same_file_again_is_unchanged_and_writes_nothing(tmp_path, django_assert_max_num_queries):
    write(tmp_path, "a.md", wire(7, tags='["energy"]'))
    run_import(tmp_path)
    before = Article.objects.values("updated_at", "imported_at", "wire_hash").get()
    with django_assert_max_num_queries(3):  # one lookup, inside the batch's savepoint
        status, out, _err = run_import(tmp_path)
    assert status == 0
    assert "0 created, 0 updated, 1 unchanged, 0 failed" in out
    assert Article.objects.values("updated_at", "imported_at", "wire_hash").get() == before


def test_changed_file_updates_in_place_and_keeps_the_path(tmp_path):
    write(tmp_path, "a.md", wire(7, url='"/202507/7-a-headline"', tags='["energy", "ai"]'))
    run_import(tmp_path)
    article = Article.objects.get()
    write(
        tmp_path,
        "a.md",
        wire(
            7,
            title="A new headline",
            url='"/202601/7-a-new-headline"',
            date='"2026-01-05T10:00:00Z"',
            tags='["ai", "markets"]',
            summary='"New summary"',
            body="<p>New body</p>",
        ),
    )
    status, out, _err = run_import(tmp_path)
    assert status == 0
    assert "0 created, 1 updated, 0 unchanged, 0 failed" in out
    updated = Article.objects.get()
    assert updated.pk == article.pk
    assert updated.path == "/202507/7-a-headline"
    assert updated.title == "A new headline"
    assert updated.summary == "New summary"
    assert updated.body == "<p>New body</p>"
    assert updated.publish_at == dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
    assert sorted(updated.tags.names()) == ["ai", "markets"]
    assert updated.updated_at > article.updated_at
    assert "New summary" in updated.wire_raw


def test_draft_true_imports_a_draft_that_is_not_live(tmp_path):
    write(tmp_path, "a.md", wire(7, draft="true"))
    run_import(tmp_path)
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert not Article.objects.live().exists()


def test_publishing_later_via_draft_false_updates_the_status(tmp_path):
    write(tmp_path, "a.md", wire(7, draft="true"))
    run_import(tmp_path)
    write(tmp_path, "a.md", wire(7, draft="false"))
    run_import(tmp_path)
    assert Article.objects.live().count() == 1


def test_sources_are_created_once_across_files_and_batches(tmp_path):
    make_source("Existing Agency")
    for number in range(1, 6):
        write(tmp_path, f"{number}.md", wire(number, source='"New Agency"'))
    write(tmp_path, "6.md", wire(6, source='"Existing Agency"'))
    write(tmp_path, "7.md", wire(7, source=None))
    status, _out, _err = run_import(tmp_path, batch_size=2)
    assert status == 0
    assert sorted(Source.objects.values_list("name", flat=True)) == [
        "Existing Agency",
        "New Agency",
        settings.NEWSROOM_DEFAULT_SOURCE,
    ]
    assert Article.objects.filter(source__name="New Agency").count() == 5


def test_tags_are_reused_case_insensitively(tmp_path):
    Tag.objects.create(name="Energy")
    write(tmp_path, "a.md", wire(1, tags='["energy", "Solar"]'))
    write(tmp_path, "b.md", wire(2, tags='["ENERGY", "solar", "wind"]'))
    run_import(tmp_path)
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Energy", "Solar", "wind"]
    assert sorted(Article.objects.get(number=2).tags.names()) == ["Energy", "Solar", "wind"]


def test_the_same_number_twice_in_one_run_creates_then_updates(tmp_path):
    write(tmp_path, "a.md", wire(7, title="First"))
    write(tmp_path, "b.md", wire(7, title="Second", tags='["x"]'))
    write(tmp_path, "c.md", wire(7, title="Second", tags='["x"]'))
    status, out, _err = run_import(tmp_path)
    assert status == 0
    assert "1 created, 1 updated, 1 unchanged, 0 failed" in out
    article = Article.objects.get()
    assert (article.title, list(article.tags.names())) == ("Second", ["x"])


# Untrusted content ---------------------------------------------------------------------


def test_bodies_are_sanitized_on_import():
    run_import(DATA / "wire" / "nested" / "100201-toml-story.md")
    body = Article.objects.get().body
    for banned in ("<script", "alert(", "<iframe", "onclick", "style=", "javascript:"):
        assert banned not in body
    assert (
        '<a href="https://port.example.org/" rel="nofollow noopener">the port\'s site</a>' in body
    )
    assert "The terminal opened on Friday." in body


def test_titles_and_summaries_are_plain_text_escaped_on_the_page(tmp_path, client):
    write(
        tmp_path,
        "a.md",
        wire(
            7,
            title="<script>alert(1)</script> Breaking",
            summary='"<b onmouseover=x()>bold</b> & more"',
        ),
    )
    run_import(tmp_path)
    article = Article.objects.get()
    assert article.title == "<script>alert(1)</script> Breaking"
    response = client.get(article.path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Breaking" in html
    assert "<script>alert(1)" not in html
    assert "&lt;b onmouseover=x()&gt;bold&lt;/b&gt; &amp; more" in html
    assert "<b onmouseover" not in html


@pytest.mark.parametrize(
    "url",
    [
        "//evil.example/x",
        "https://evil.example/x",
        "/../x",
        "/202507/7-x/../../y",
        "/202507/8-another-number",
    ],
)
def test_an_unsafe_wire_url_never_becomes_the_address(tmp_path, client, url):
    write(tmp_path, "a.md", wire(7, title="Safe Title", url=f'"{url}"'))
    status, _out, _err = run_import(tmp_path)
    assert status == 0
    article = Article.objects.get()
    assert article.path == "/202507/7-safe-title"
    assert article.wire_extra["url"] == url
    assert client.get(article.path).status_code == 200
    response = client.get("/202507/7")
    assert response.status_code == 301
    assert response["Location"] == "/202507/7-safe-title"


def test_a_generated_path_uses_the_month_in_the_newsroom_zone(tmp_path, settings):
    settings.TIME_ZONE = "America/New_York"
    write(tmp_path, "a.md", wire(7, title="New Year", date="2026-01-01T03:00:00Z"))
    run_import(tmp_path)
    assert Article.objects.get().path == "/202512/7-new-year"


def test_bom_crlf_and_naive_dates_end_to_end(tmp_path, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    text = wire(7, title="Umlaute äöü", date="2025-07-10T09:00:00", tags='["eins", "zwei"]')
    (tmp_path / "a.md").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    yaml = "---\r\ntitle: Nur ein Datum\r\ndate: 2025-12-24\r\narticle_id: 8\r\n---\r\n<p>x</p>"
    (tmp_path / "b.md").write_bytes(b"\xef\xbb\xbf" + yaml.encode())
    status, out, err = run_import(tmp_path)
    assert (status, err) == (0, "")
    first, second = Article.objects.order_by("number")
    assert first.title == "Umlaute äöü"
    assert first.publish_at == dt.datetime(2025, 7, 10, 7, 0, tzinfo=dt.UTC)  # CEST, UTC+2
    assert sorted(first.tags.names()) == ["eins", "zwei"]
    assert first.body == "<p>Body of 7</p>"
    assert "\r" not in first.wire_raw and "\ufeff" not in first.wire_raw
    assert second.publish_at == dt.datetime(2025, 12, 23, 23, 0, tzinfo=dt.UTC)  # CET midnight
    assert second.path == "/202512/8-nur-ein-datum"
    # The same files again, with LF line endings this time: nothing changed.
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    status, out, _err = run_import(tmp_path)
    assert "0 created, 0 updated, 2 unchanged" in out


def test_unknown_keys_nested_tables_and_datetimes_survive_the_database():
    run_import(DATA / "wire" / "nested" / "100201-toml-story.md")
    article = Article.objects.get()
    assert article.wire_extra == {
        "qrcode": "https://cdn.example.org/qrcode/port.webp",
        "embargo_note": "none",
        "reviewed_at": "2025-03-14T07:00:00+00:00",
        "contact": {"name": "Press Office", "phones": ["+1 555 0100", "+1 555 0101"]},
    }
    assert article.publish_at == dt.datetime(2025, 3, 14, 13, 30, tzinfo=dt.UTC)
    assert article.path == "/202503/100201-port-authority-opens-new-container-terminal"
    assert article.summary == "The terminal doubles the port's capacity & adds 300 jobs."
    assert sorted(article.tags.names()) == ["Harbor City", "jobs", "shipping"]
