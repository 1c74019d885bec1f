"""The server-side page cache never shows a non-live article nor hides a live one."""

import datetime as dt
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 300
    settings.NEWSROOM_SHARED_CACHE = True  # one test process: its cache is shared
    cache.clear()
    yield
    cache.clear()


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_second_anonymous_view_is_served_from_the_cache_without_queries(
    client, django_assert_num_queries
):
    make_article(title="Cached story")
    first = client.get("/")
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get("/")
    assert second["X-Page-Cache"] == "hit"
    assert b"Cached story" in second.content


def test_a_committed_write_makes_cached_pages_stale(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # committed, as outside tests
        article = make_article(title="First story")
    client.get(article.path)
    client.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "Corrected story"
        article.save()
        make_article(title="Second story")
    assert b"Corrected story" in client.get(article.path).content
    home = client.get("/")
    assert home["X-Page-Cache"] == "miss"
    assert b"Second story" in home.content


def test_unpublishing_removes_the_article_from_cached_pages(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(title="Soon withdrawn")
    assert client.get(article.path).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        article.status = Article.Status.DRAFT
        article.save()
    assert client.get(article.path).status_code == 404
    assert b"Soon withdrawn" not in client.get("/").content


def test_a_scheduled_article_appears_on_cached_pages_when_its_time_comes(client):
    now = timezone.now()
    scheduled = make_article(title="Embargoed story", publish_at=now + dt.timedelta(minutes=5))
    with at(now):
        assert b"Embargoed story" not in client.get("/").content
        assert client.get("/")["X-Page-Cache"] == "hit"
    with at(scheduled.publish_at):
        home = client.get("/")
    assert home["X-Page-Cache"] == "miss"
    assert b"Embargoed story" in home.content


def test_an_expiring_article_leaves_cached_pages_at_its_expiry(client):
    now = timezone.now()
    article = make_article(
        title="Short-lived story",
        publish_at=now - dt.timedelta(hours=1),
        expires_at=now + dt.timedelta(minutes=1),
    )
    with at(now):
        assert b"Short-lived story" in client.get("/").content
        assert client.get(article.path).status_code == 200
    with at(article.expires_at):
        assert b"Short-lived story" not in client.get("/").content
        assert client.get(article.path).status_code == 404


def test_signed_in_staff_bypass_the_cache_and_previews_are_never_stored(client):
    draft = make_article(title="Draft story", state="draft")
    client.force_login(make_user("editor", superuser=True))
    preview = client.get(draft.path)
    assert preview.status_code == 200
    assert "X-Page-Cache" not in preview
    client.logout()
    assert client.get(draft.path).status_code == 404


def test_http_max_age_is_opt_in_and_never_reaches_past_the_next_transition(client, settings):
    now = timezone.now()
    make_article(title="Live story")
    make_article(title="Next story", publish_at=now + dt.timedelta(seconds=30))
    with at(now):
        assert "max-age" not in client.get("/").get("Cache-Control", "")
        cache.clear()
        settings.NEWSROOM_HTTP_MAX_AGE = 600
        cache_control = client.get("/")["Cache-Control"]
    assert "public" in cache_control
    max_age = int(cache_control.split("max-age=")[1].split(",")[0])
    assert 0 < max_age < 30


def test_an_imported_batch_makes_cached_pages_stale(
    client, tmp_path, django_capture_on_commit_callbacks
):
    from articles.ingest.runner import import_wire, wire_files

    with django_capture_on_commit_callbacks(execute=True):
        make_article(title="Already here")
    assert client.get("/")["X-Page-Cache"] == "miss"
    wire = tmp_path / "1234-imported.md"
    wire.write_text(
        '+++\ntitle = "Fresh from the wire"\ndate = "2026-01-05T10:00:00Z"\n'
        'article_id = 1234\nsource = "Wire"\n+++\n<p>Body</p>\n'
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = import_wire(wire_files([tmp_path]))
    assert report.created == 1
    assert b"Fresh from the wire" in client.get("/").content


def test_a_search_is_stored_only_once_it_is_asked_for_again(client):
    make_article(title="Searchable story")
    search = {"q": "searchable"}
    assert client.get("/search/", search)["X-Page-Cache"] == "miss"  # not stored
    assert client.get("/search/", {"q": "another"})["X-Page-Cache"] == "miss"
    assert client.get("/search/", search)["X-Page-Cache"] == "miss"  # asked again: stored
    third = client.get("/search/", search)
    assert third["X-Page-Cache"] == "hit"
    assert b"Searchable story" in third.content
    assert client.get("/search/", {"q": "another"})["X-Page-Cache"] == "miss"


def test_a_stored_search_never_shows_an_article_that_left(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        story = make_article(title="Searchable story")
    search = {"q": "searchable"}
    client.get("/search/", search)
    assert client.get("/search/", search)["X-Page-Cache"] == "miss"  # stored now
    assert client.get("/search/", search)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):  # committed, as outside tests
        story.status = Article.Status.DRAFT
        story.save()
    page = client.get("/search/", search)
    assert page["X-Page-Cache"] == "miss"
    assert b"Searchable story" not in page.content


def test_without_a_shared_cache_another_process_write_is_seen_at_once(settings):
    """Another process's write bumps nothing here: the transition must come from the DB."""
    from articles.pagecache import cache_epoch

    settings.NEWSROOM_SHARED_CACHE = False
    now = timezone.now()
    make_article(title="Later", publish_at=now + dt.timedelta(hours=2))
    assert cache_epoch(now)[1] == now + dt.timedelta(hours=2)
    make_article(title="Sooner", publish_at=now + dt.timedelta(minutes=5))  # no commit hook runs
    assert cache_epoch(now)[1] == now + dt.timedelta(minutes=5)


# The WSGI front: hits served before Django runs ------------------------------------


class DjangoSpy:
    """Stands where Django's WSGI handler would, and records what reached it."""

    def __init__(self):
        self.paths = []

    def __call__(self, environ, start_response):
        self.paths.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"from django"]


def through_front(path, **extra):
    """Call PageCacheApp for ``path``; returns (status, headers, body, what reached Django)."""
    from django.test import RequestFactory

    from articles.pagecache import PageCacheApp

    method = extra.pop("method", "get")
    environ = getattr(RequestFactory(), method)(path, **extra).environ
    spy, started = DjangoSpy(), []
    body = b"".join(
        PageCacheApp(spy)(environ, lambda status, headers: started.append((status, headers)))
    )
    status, headers = started[0]
    return status, dict(headers), body, spy.paths


def test_the_wsgi_front_serves_a_stored_page_without_django_or_queries(
    client, django_assert_num_queries
):
    make_article(title="Front page story")
    stored = client.get("/")
    with django_assert_num_queries(0):
        status, headers, body, reached_django = through_front("/")
    assert reached_django == []
    assert (status, body) == ("200 OK", stored.content)
    assert headers["X-Page-Cache"] == "hit"
    assert headers["Content-Type"] == stored["Content-Type"]
    assert headers["X-Frame-Options"] == "DENY"  # stored with every middleware's headers


def test_the_wsgi_front_passes_everything_else_to_django(client, settings):
    article = make_article(title="Story")
    client.get("/")
    client.get(article.path)
    assert through_front("/?page=1")[3] == ["/"]  # another address: not stored yet
    assert through_front("/", method="post")[3] == ["/"]
    assert through_front("/", HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=abc")[3] == ["/"]
    assert through_front("/", HTTP_HOST="evil.example")[3] == ["/"]  # Django answers 400
    assert through_front("/admin/")[3] == ["/admin/"]
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0
    assert through_front(article.path)[3] == [article.path]


def test_the_wsgi_front_never_serves_a_page_after_a_write_or_a_transition(
    client, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        make_article(title="Live story")
        scheduled = make_article(title="Embargoed", publish_at=now + dt.timedelta(minutes=5))
    with at(now):
        client.get("/")
        assert through_front("/")[3] == []
    with at(scheduled.publish_at):
        assert through_front("/")[3] == ["/"]
    with at(now):
        assert through_front("/")[3] == []
        with django_capture_on_commit_callbacks(execute=True):
            make_article(title="Breaking")
        assert through_front("/")[3] == ["/"]


def test_a_hits_max_age_counts_from_now_and_stops_before_the_next_transition(client, settings):
    settings.NEWSROOM_HTTP_MAX_AGE = 600
    now = timezone.now()
    make_article(title="Live story")
    make_article(title="Next story", publish_at=now + dt.timedelta(seconds=90))
    with at(now):
        client.get("/")
    with at(now + dt.timedelta(seconds=40)):
        _status, headers, _body, reached_django = through_front("/")
    assert reached_django == []
    assert headers["Cache-Control"] == "public, max-age=49"
    assert "Age" not in headers  # the max-age already counts from now


def test_a_cached_feed_answers_304_to_its_etag_and_counts_its_own_max_age_from_storage(
    client, settings
):
    settings.NEWSROOM_HTTP_MAX_AGE = 300
    now = timezone.now()
    make_article(title="Live story")
    with at(now):
        etag = client.get("/feed/")["ETag"]
        assert client.get("/feed/", headers={"If-None-Match": etag}).status_code == 304
    with at(now + dt.timedelta(seconds=30)):
        status, headers, body, reached_django = through_front("/feed/", HTTP_IF_NONE_MATCH=etag)
        other = through_front("/feed/", HTTP_IF_NONE_MATCH='"another"')
    assert (status, body, reached_django) == ("304 Not Modified", b"", [])
    assert headers["ETag"] == etag
    assert other[0] == "200 OK" and b"Live story" in other[2]
    assert other[1]["Cache-Control"] == "public, max-age=300"
    assert other[1]["Age"] == "30"  # the feed's own max-age counted from when it was stored


def test_http_and_https_pages_are_stored_apart():
    from django.test import RequestFactory

    from articles.pagecache import page_key

    factory = RequestFactory()
    assert page_key(factory.get("/")) != page_key(factory.get("/", secure=True))
    assert page_key(factory.get("/")) != page_key(factory.head("/"))


def test_a_search_under_a_url_prefix_is_also_stored_only_when_asked_again():
    from django.test import RequestFactory

    from articles.pagecache import is_cacheable_request, worth_storing

    request = RequestFactory().get("/search/", {"q": "x"}, SCRIPT_NAME="/news")
    request.path = "/news/search/"
    assert is_cacheable_request(request)
    assert not worth_storing(request)
    assert worth_storing(request)


def test_an_import_batch_bumps_the_generation_once(tmp_path, django_capture_on_commit_callbacks):
    from articles.ingest.runner import import_wire, wire_files
    from articles.signals import PendingBump

    for number in (11, 12, 13):
        (tmp_path / f"{number}.md").write_text(
            f'+++\ntitle = "Story {number}"\ndate = "2026-01-05T10:00:00Z"\n'
            f'article_id = {number}\ntags = ["energy"]\n+++\n<p>Body</p>\n'
        )
    with django_capture_on_commit_callbacks() as callbacks:
        assert import_wire(wire_files([tmp_path])).created == 3
    assert sum(isinstance(callback, PendingBump) for callback in callbacks) == 1


def test_an_article_saved_with_its_tags_bumps_the_generation_once(
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    from articles.signals import PendingBump

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        article = make_article(tags=["energy", "mining", "markets"])
        article.title = "Edited"
        article.save()
    assert sum(isinstance(callback, PendingBump) for callback in callbacks) == 1


def test_a_change_kept_after_a_rolled_back_savepoint_still_bumps(
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    from articles.signals import PendingBump

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                make_article(title="Rolled back")
                raise RuntimeError("the file failed")
        except RuntimeError:
            pass
        make_article(title="Kept")
    assert sum(isinstance(callback, PendingBump) for callback in callbacks) == 1


def test_a_miss_through_the_wsgi_front_asks_the_cache_once(monkeypatch):
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.test import RequestFactory

    from articles import pagecache
    from newsroom.wsgi import django_application

    make_article(title="Story")
    lookups = []
    real_lookup = pagecache.cached_page

    def counted(request, now):
        lookups.append(request.path)
        return real_lookup(request, now)

    monkeypatch.setattr(pagecache, "cached_page", counted)
    environ = RequestFactory().get("/").environ
    statuses = []
    # As Django's test client does: the test's own connection must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(
            pagecache.PageCacheApp(django_application)(
                environ, lambda status, headers: statuses.append((status, dict(headers)))
            )
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert statuses[0][0] == "200 OK" and b"Story" in body
    assert statuses[0][1]["X-Page-Cache"] == "miss"
    assert lookups == ["/"]
