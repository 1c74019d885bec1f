"""The article admin: list, filters, change form extras, time zone, and the wire import page."""

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import admin_import
from articles.admin import TagListFilter
from articles.models import Article
from articles.roles import EDITORS
from tests.factories import make_article, make_source, make_user
from tests.test_permissions import form_data

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")
IMPORT = reverse("admin:articles_article_import")
CHANGELIST_QUERIES = 11


def good_wire(number: int = 4242, title: str = "Harbor Bridge Reopens") -> bytes:
    return (
        "+++\n"
        f'title = "{title}"\n'
        'date = "2026-11-01T10:00:00Z"\n'
        'summary = "The bridge reopens."\n'
        f"article_id = {number}\n"
        'source = "Coastal Press Service"\n'
        'tags = ["Harbor City"]\n'
        "+++\n\n<p>The bridge reopens on Monday.</p>\n"
    ).encode()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def listed(response) -> set[int]:
    return {article.number for article in response.context["cl"].result_list}


# The list ------------------------------------------------------------------------------


@pytest.fixture
def one_of_each():
    return {state: make_article(state=state, title=f"A {state} story") for state in Article.State}


def test_changelist_shows_each_articles_reader_facing_state(client, editor, one_of_each):
    page = client.get(CHANGELIST).content.decode()
    for state, article in one_of_each.items():
        assert f'<span class="article-state state-{state}">{state.label}</span>' in page
        assert article.title in page


@pytest.mark.parametrize("state", list(Article.State))
def test_state_filter_lists_exactly_the_articles_in_that_state(client, editor, one_of_each, state):
    response = client.get(CHANGELIST, {"state": state.value})
    assert response.status_code == 200
    assert listed(response) == {one_of_each[state].number}


def test_state_filter_agrees_with_live(client, editor, one_of_each):
    make_article(state="live", title="Another live one")
    response = client.get(CHANGELIST, {"state": "live"})
    assert listed(response) == set(Article.objects.live().values_list("number", flat=True))


def test_source_tag_and_date_filters_and_search(client, editor):
    other = make_source("Other Agency")
    tagged = make_article(
        title="Tagged", tags=["harbor"], publish_at=dt.datetime(2025, 3, 4, tzinfo=dt.UTC)
    )
    elsewhere = make_article(title="Elsewhere", source=other, body="<p>unusual zeppelin</p>")

    assert listed(client.get(CHANGELIST, {"source__id__exact": other.pk})) == {elsewhere.number}
    assert listed(client.get(CHANGELIST, {"tag": "harbor"})) == {tagged.number}
    assert listed(client.get(CHANGELIST, {"publish_at__year": 2025})) == {tagged.number}
    assert listed(client.get(CHANGELIST, {"q": "zeppelin"})) == {elsewhere.number}
    assert listed(client.get(CHANGELIST, {"q": "Tagged"})) == {tagged.number}


def test_search_finds_drafts_by_body_summary_and_title_fragment(client, editor):
    draft = make_article(
        state="draft", title="Harbourmaster retires", body="<p>The lighthouse keeper</p>"
    )
    other = make_article(title="Council budget", summary="Spending on ferries rises")
    make_article(title="Unrelated")

    def found(term):
        return listed(client.get(CHANGELIST, {"q": term}))

    assert found("lighthouse") == {draft.number}
    assert found("ferries") == {other.number}
    assert found("Harbourmast") == {draft.number}  # part of a headline
    assert found("lighthouse keeper") == {draft.number}
    assert found("lighthouse council") == set()
    assert found("nothing-like-this") == set()
    assert len(found("")) == 3


def test_changelist_shows_tags(client, editor):
    make_article(tags=["ports", "weather"])
    assert "ports, weather" in client.get(CHANGELIST).content.decode()


def changelist_queries(client, count: int) -> int:
    source = make_source("Many")
    for index in range(count - Article.objects.count()):
        make_article(title=f"Story {index}", tags=[f"tag{index}", "shared"], source=source)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count
    return len(queries)


def test_changelist_query_count_does_not_grow_with_rows(client, editor):
    with_five = changelist_queries(client, 5)
    with_thirty = changelist_queries(client, 30)
    assert with_five == with_thirty
    assert with_thirty == CHANGELIST_QUERIES


def test_changelist_query_count_is_pinned(client, editor, django_assert_num_queries):
    changelist_queries(client, 5)
    # session, user, 2 x permissions, sources and tags for the filters, the count,
    # the page of articles, their tags, 2 for the date hierarchy
    with django_assert_num_queries(CHANGELIST_QUERIES):
        client.get(CHANGELIST)


def test_tag_filter_lists_only_the_most_used_tags(client, editor, monkeypatch):
    monkeypatch.setattr(TagListFilter, "shown", 2)
    make_article(tags=["common", "usual", "rare"])
    make_article(tags=["common", "usual"])
    make_article(tags=["common"])
    page = client.get(CHANGELIST).content.decode()
    assert "?tag=common" in page
    assert "?tag=usual" in page
    assert "?tag=rare" not in page
    response = client.get(CHANGELIST, {"tag": "rare"})
    assert "?tag=rare" in response.content.decode()
    assert len(listed(response)) == 1


def test_unknown_filter_values_do_not_break_the_list(client, editor):
    make_article()
    assert client.get(CHANGELIST, {"state": "bogus"}).status_code == 200
    assert listed(client.get(CHANGELIST, {"tag": "no-such-tag"})) == set()


def test_a_filter_of_the_status_by_literal_is_refused_not_an_error(client, editor):
    """``__literal`` (not_live_terms) takes name-like values only: anything else from
    the address is the admin's bad-filter answer, never a 500 or SQL."""
    make_article()
    response = client.get(CHANGELIST, {"status__literal": "x' OR '1'='1"})
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
    assert client.get(CHANGELIST, {"status__literal": "published"}).status_code == 200


# The form ------------------------------------------------------------------------------


def test_add_page_renders_the_prose_editor(client, editor):
    response = client.get(reverse("admin:articles_article_add"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "data-django-prose-editor" in page
    assert "django_prose_editor/editor.js" in page
    assert (
        "prepopulated_fields_js" in page
        or "data-prepopulated-field" in page
        or "prepopulate" in page
    )


def test_change_form_shows_qr_code_live_url_and_short_link(client, editor):
    article = make_article(state="live", title="Bridge reopens")
    page = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    qr = reverse("articles:qr", kwargs={"number": article.number, "fmt": "png"})
    assert f'<img src="{qr}"' in page
    assert f'href="http://testserver{article.path}"' in page
    assert f"http://testserver{article.get_short_url()}" in page
    assert client.get(qr).status_code == 200


def test_change_form_of_a_draft_links_the_qr_code_and_a_preview(client, editor):
    article = make_article(state="draft")
    page = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    qr = reverse("articles:qr", kwargs={"number": article.number, "fmt": "png"})
    assert f'<a href="{qr}">' in page
    assert f'<img src="{qr}"' not in page
    assert "not live (Draft)" in page
    assert f'<a href="{article.path}">Preview</a>' in page


def test_import_metadata_is_shown_escaped_in_a_collapsed_fieldset(client, editor):
    article = make_article(
        wire_hash="abc123",
        wire_raw='+++\ntitle = "<script>alert(1)</script>"\n+++\n',
        wire_extra={"region": "Harbor <metro>"},
        imported_at=timezone.now(),
    )
    page = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert "Import metadata" in page
    assert "collapse" in page
    assert "abc123" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "&quot;region&quot;: &quot;Harbor &lt;metro&gt;&quot;" in page


def test_saving_records_the_user_who_saved(client, editor):
    article = make_article(state="draft")
    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        form_data(article, title="Edited by the editor"),
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.updated_by == editor

    other = make_user("olga", groups=(EDITORS,))
    client.force_login(other)
    client.post(reverse("admin:articles_article_change", args=[article.pk]), form_data(article))
    article.refresh_from_db()
    assert article.updated_by == other


def test_times_are_entered_and_shown_in_the_newsroom_time_zone(client, editor, settings):
    settings.TIME_ZONE = "America/New_York"
    article = make_article(state="draft")
    data = form_data(
        article, status="published", publish_at_0="2026-07-01", publish_at_1="09:00:00"
    )
    response = client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.publish_at == dt.datetime(2026, 7, 1, 13, 0, tzinfo=dt.UTC)
    page = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert 'value="09:00:00"' in page
    assert article.publish_at.astimezone(ZoneInfo("America/New_York")).hour == 9


# The import page ------------------------------------------------------------------------


def test_wire_desk_imports_a_good_file_and_sees_a_bad_files_reason(client, wire_desk):
    response = client.post(
        IMPORT,
        {"files": [upload("4242-bridge.md", good_wire()), upload("broken.md", b"just text\n")]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 created, 0 updated, 0 unchanged, 1 failed" in page
    assert "broken.md" in page
    assert "no front matter" in page
    article = Article.objects.get(number=4242)
    assert article.title == "Harbor Bridge Reopens"
    assert article.updated_by == wire_desk


def test_importing_the_same_file_again_changes_nothing(client, wire_desk):
    client.post(IMPORT, {"files": [upload("a.md", good_wire())]})
    page = client.post(IMPORT, {"files": [upload("a.md", good_wire())]}).content.decode()
    assert "0 created, 0 updated, 1 unchanged, 0 failed" in page


def test_import_from_a_zip_skips_non_wire_entries(client, wire_desk):
    archive = zip_of(
        {
            "wire/1.md": good_wire(7001, "First"),
            "wire/2.md": good_wire(7002, "Second"),
            "wire/bad.md": b"+++\ntitle = 'x'\n",
            "wire/photo.jpg": b"\xff\xd8",
            "__MACOSX/wire/._1.md": b"junk",
        }
    )
    page = client.post(IMPORT, {"files": [upload("batch.zip", archive)]}).content.decode()
    assert "2 created, 0 updated, 0 unchanged, 1 failed" in page
    assert "batch.zip/wire/bad.md" in page
    assert "front matter is not closed" in page
    assert "2 archive entries skipped" in page
    assert set(Article.objects.values_list("number", flat=True)) == {7001, 7002}


@pytest.mark.parametrize("entry", ["../escape.md", "/etc/evil.md", "..\\win.md", "C:/evil.md"])
def test_zip_with_an_unsafe_path_is_rejected_whole(client, wire_desk, entry):
    archive = zip_of({"ok.md": good_wire(), entry: good_wire(4243)})
    response = client.post(IMPORT, {"files": [upload("evil.zip", archive)]})
    assert response.status_code == 200
    assert "unsafe path" in response.content.decode()
    assert not Article.objects.exists()


def test_zip_with_too_many_entries_is_rejected(client, wire_desk, monkeypatch):
    monkeypatch.setattr(admin_import, "MAX_ZIP_ENTRIES", 3)
    archive = zip_of({f"{n}.md": good_wire(n) for n in range(1, 5)})
    page = client.post(IMPORT, {"files": [upload("many.zip", archive)]}).content.decode()
    assert "many.zip has 4 entries; the limit is 3." in page
    assert not Article.objects.exists()


def test_zip_bomb_is_rejected_by_its_declared_size(client, wire_desk):
    archive = zip_of({"bomb.md": b"\0" * (admin_import.MAX_ZIP_UNCOMPRESSED_BYTES + 1)})
    assert len(archive) < 1024 * 1024
    page = client.post(IMPORT, {"files": [upload("bomb.zip", archive)]}).content.decode()
    assert "bomb.zip unpacks to" in page
    assert "the limit is" in page


def test_oversized_zip_entry_fails_alone(client, wire_desk):
    big = b"+++\n" + b"x" * (admin_import.MAX_FILE_BYTES + 10)
    archive = zip_of({"big.md": big, "ok.md": good_wire()})
    page = client.post(IMPORT, {"files": [upload("mixed.zip", archive)]}).content.decode()
    assert "1 created, 0 updated, 0 unchanged, 1 failed" in page
    assert "file is larger than 5 MB" in page


def test_not_a_zip_gets_a_clear_message(client, wire_desk):
    page = client.post(IMPORT, {"files": [upload("fake.zip", b"not a zip")]}).content.decode()
    assert "fake.zip is not a readable .zip archive." in page


def test_upload_over_the_total_limit_is_rejected(client, wire_desk, monkeypatch):
    monkeypatch.setattr(admin_import, "MAX_UPLOAD_BYTES", 1024)
    files = [upload("a.md", good_wire(1) + b" " * 600), upload("b.md", good_wire(2) + b" " * 600)]
    page = client.post(IMPORT, {"files": files}).content.decode()
    assert "The upload is 0.0 MB; the limit is 0 MB in total." in page
    assert not Article.objects.exists()


def test_twenty_mb_limit_stops_the_upload_while_it_is_read(client, wire_desk):
    data = good_wire() + b" " * (admin_import.MAX_UPLOAD_BYTES + 1)
    response = client.post(IMPORT, {"files": [upload("huge.md", data)]})
    assert response.status_code == 200
    assert "the limit is 20 MB in total" in response.content.decode()
    # The upload handler stopped it: the view never saw the file.
    assert response.context["form"].oversized > admin_import.MAX_UPLOAD_BYTES
    assert not Article.objects.exists()


def test_upload_limit_handler_passes_chunks_until_the_limit():
    limit = admin_import.UploadLimit(None, 10)
    assert limit.receive_data_chunk(b"x" * 10, 0) == b"x" * 10
    with pytest.raises(StopUpload):
        limit.receive_data_chunk(b"x", 10)
    assert limit.exceeded


def test_posting_no_files_asks_for_one(client, wire_desk):
    page = client.post(IMPORT, {}).content.decode()
    assert "Choose at least one wire file or .zip archive." in page


def test_import_page_is_csrf_protected(wire_desk):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(wire_desk)
    response = strict.post(IMPORT, {"files": [upload("a.md", good_wire())]})
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_import_form_accepts_several_files(client, wire_desk):
    page = client.get(IMPORT).content.decode()
    assert 'type="file" name="files"' in page
    assert "multiple" in page
    assert 'enctype="multipart/form-data"' in page
