"""RSS, Atom and JSON feeds: live articles only, complete items, valid, cacheable."""

from __future__ import annotations

import datetime as dt
import html
import json
import mimetypes
import xml.etree.ElementTree as ET
from unittest import mock
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

import feedparser
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import set_script_prefix
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed, rfc2822_date
from django.utils.http import http_date

from articles import feed_items, feeds
from articles.cards import latest_first_is_cheaper
from articles.feed_xml import rfc2822, xml_attribute, xml_text
from articles.links import absolute_url
from articles.lookup import tag_by_slug
from articles.models import Article
from articles.syndication import FEED_SIZE, FeedEntry, feed_entries, last_changed, xml_safe
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db

STATES = ("live", "draft", "scheduled", "expired")
CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}"
XML_FEEDS = ["/feed/", "/feed/atom/", "/tags/energy/feed/", "/sources/acme-wire/feed/"]
ALL_FEEDS = [*XML_FEEDS, "/feed.json"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The feeds' max-age looks up the next go-live time through the shared cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def source():
    return make_source("Acme Wire", homepage="https://acme.example/")


@pytest.fixture
def articles(source) -> dict[str, Article]:
    return {
        state: make_article(
            title=f"Energy {state} story", state=state, source=source, tags=["Energy"]
        )
        for state in STATES
    }


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def item_links(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    if url.endswith(".json"):
        return [item["url"] for item in json.loads(response.content)["items"]]
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, (url, parsed.get("bozo_exception"))
    return [entry.link for entry in parsed.entries]


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_feeds_list_live_articles_only(client, articles, url):
    assert item_links(client, url) == [f"http://testserver{articles['live'].path}"]


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_a_scheduled_article_enters_every_feed_when_its_time_comes(client, articles, url):
    scheduled = articles["scheduled"]
    before = client.get(url)["ETag"]
    with at(scheduled.publish_at + dt.timedelta(seconds=1)):
        links = item_links(client, url)
        after = client.get(url)["ETag"]
    assert f"http://testserver{scheduled.path}" in links
    assert len(links) == 2
    assert after != before


def test_rss_items_carry_every_field(client, source):
    article = make_article(
        title="Oil & gas <update>",
        summary="Prices rose by 5% & more",
        body='<p>Full <a href="https://example.com/">body</a></p><script>x()</script>',
        source=source,
        tags=["Oil", "Energy"],
        image_url="https://cdn.example/images/lead.png",
    )
    response = client.get("/feed/")
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    assert parsed.version == "rss20"
    assert parsed.feed.link == "http://testserver/"
    entry = parsed.entries[0]
    assert entry.title == "Oil & gas <update>"
    assert entry.link == f"http://testserver{article.path}"
    assert entry.id == f"http://testserver{article.get_short_url()}"
    assert entry.summary == "Prices rose by 5% &amp; more"
    assert entry.author == "Acme Wire"
    assert sorted(tag.term for tag in entry.tags) == ["Energy", "Oil"]
    assert entry.published_parsed[:6] == article.publish_at.utctimetuple()[:6]
    assert entry.enclosures == [
        {"href": "https://cdn.example/images/lead.png", "length": "0", "type": "image/png"}
    ]
    assert entry.content[0].value == article.body
    assert "script" not in entry.content[0].value

    item = ET.fromstring(response.content).find("channel/item")
    encoded = item.find(f"{CONTENT_NS}encoded").text
    assert encoded == article.body
    assert "<script>" not in encoded
    assert item.find("enclosure").attrib == {
        "url": "https://cdn.example/images/lead.png",
        "length": "0",
        "type": "image/png",
    }


def test_atom_entries_carry_html_content_and_an_updated_time(client, source):
    article = make_article(title="Atom story", source=source, tags=["Energy"])
    response = client.get("/feed/atom/")
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    assert parsed.version == "atom10"
    entry = parsed.entries[0]
    assert entry.link == f"http://testserver{article.path}"
    assert entry.author_detail == {"name": "Acme Wire", "href": "https://acme.example/"}
    assert entry.content[0].type == "text/html"
    assert entry.content[0].value == article.body
    assert entry.updated_parsed is not None
    assert [tag.term for tag in entry.tags] == ["Energy"]


def test_json_feed_follows_version_1_1(client, source):
    article = make_article(
        title="JSON story",
        source=source,
        tags=["Oil", "Energy"],
        image_url="https://cdn.example/lead.webp",
        source_link="https://acme.example/original",
    )
    response = client.get("/feed.json")
    assert response["Content-Type"] == "application/feed+json; charset=utf-8"
    feed = json.loads(response.content)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "Newsroom"
    assert feed["home_page_url"] == "http://testserver/"
    assert feed["feed_url"] == "http://testserver/feed.json"
    (item,) = feed["items"]
    assert item == {
        "id": f"http://testserver{article.get_short_url()}",
        "url": f"http://testserver{article.path}",
        "external_url": "https://acme.example/original",
        "title": "JSON story",
        "content_html": article.body,
        "summary": "Summary of JSON story",
        "image": "https://cdn.example/lead.webp",
        "date_published": article.publish_at.isoformat(timespec="seconds"),
        "date_modified": article.updated_at.isoformat(timespec="seconds"),
        "authors": [{"name": "Acme Wire", "url": "https://acme.example/"}],
        "tags": ["Energy", "Oil"],
    }
    assert dt.datetime.fromisoformat(item["date_published"]).tzinfo is not None


def test_an_uploaded_image_is_an_absolute_enclosure_and_unknown_types_fall_back(client):
    uploaded = make_article(title="Uploaded", image=SimpleUploadedFile("lead.gif", b"GIF89a"))
    make_article(title="Remote", image_url="https://cdn.example/image?id=7")
    parsed = feedparser.parse(client.get("/feed/").content)
    enclosures = {entry.title: entry.enclosures[0] for entry in parsed.entries}
    assert enclosures["Uploaded"].href == f"http://testserver{uploaded.image.url}"
    assert enclosures["Uploaded"].type == "image/gif"
    assert enclosures["Remote"].type == "image/jpeg"
    assert enclosures["Remote"].length == "0"


def test_tag_and_source_feeds_list_only_their_own_articles(client, source):
    other = make_source("Other Wire")
    mine = make_article(title="Mine", source=source, tags=["Energy"])
    make_article(title="Other source", source=other, tags=["Energy"])
    make_article(title="Other tag", source=source, tags=["Oil"])
    energy = feedparser.parse(client.get("/tags/energy/feed/").content)
    acme = feedparser.parse(client.get("/sources/acme-wire/feed/").content)
    assert {entry.title for entry in energy.entries} == {"Mine", "Other source"}
    assert {entry.title for entry in acme.entries} == {"Mine", "Other tag"}
    assert energy.feed.title == "Newsroom: Energy"
    assert energy.feed.link == "http://testserver/tags/energy/"
    assert acme.feed.link == "http://testserver/sources/acme-wire/"
    assert f"http://testserver{mine.path}" in {entry.link for entry in acme.entries}


@pytest.mark.parametrize(
    ("url", "title", "link", "description"),
    [
        ("/tags/energy/feed/", "Newsroom: Energy", "/tags/energy/", "tagged Energy"),
        (
            "/sources/acme-wire/feed/",
            "Newsroom: Acme Wire",
            "/sources/acme-wire/",
            "from Acme Wire",
        ),
    ],
)
def test_tag_and_source_feeds_describe_their_scope(client, articles, url, title, link, description):
    channel = feedparser.parse(client.get(url).content).feed
    assert channel.title == title
    assert channel.link == f"http://testserver{link}"
    assert channel.subtitle == f"The latest articles {description} on Newsroom."
    assert f"http://testserver{url}" in [link["href"] for link in channel.links]


@pytest.mark.parametrize(
    "url", ["/tags/nope/feed/", "/sources/nope/feed/", "/tags/quiet/feed/", "/sources/quiet/feed/"]
)
def test_unknown_or_empty_tags_and_sources_have_no_feed(client, url):
    quiet = make_source("Quiet")
    make_article(title="Unpublished", state="draft", source=quiet, tags=["Quiet"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_feeds_answer_304_to_a_matching_etag(client, articles, url):
    first = client.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=0"  # revalidate each time, by ETag
    assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"another"'}).status_code == 200


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_no_last_modified_date_that_a_withdrawn_item_could_not_move(client, articles, url):
    response = client.get(url)
    assert "Last-Modified" not in response
    since = http_date(timezone.now().timestamp() + 3600)
    assert client.get(url, headers={"If-Modified-Since": since}).status_code == 200


def test_feed_max_age_is_the_opt_in_http_max_age(client, articles, settings):
    settings.NEWSROOM_HTTP_MAX_AGE = 120
    assert client.get("/feed/")["Cache-Control"] == "public, max-age=120"


@pytest.mark.parametrize("url", ["/feed/", "/feed.json"])
def test_an_edit_or_an_expiry_changes_the_etag(client, articles, url):
    live = articles["live"]
    etag = client.get(url)["ETag"]
    live.title = "Energy live story, corrected"
    live.save()
    edited = client.get(url, headers={"If-None-Match": etag})
    assert edited.status_code == 200
    assert b"corrected" in edited.content
    with at(timezone.now() + dt.timedelta(seconds=1)):
        Article.objects.filter(pk=live.pk).update(expires_at=timezone.now())
        expired = client.get(url, headers={"If-None-Match": edited["ETag"]})
    assert expired.status_code == 200
    assert b"corrected" not in expired.content


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_renaming_a_source_or_a_tag_changes_the_etag(client, articles, url):
    from taggit.models import Tag

    etag = client.get(url)["ETag"]
    articles["live"].source.name = "Acme Wire International"
    articles["live"].source.save()
    renamed_source = client.get(url, headers={"If-None-Match": etag})
    assert renamed_source.status_code == 200
    assert b"Acme Wire International" in renamed_source.content
    Tag.objects.filter(slug="energy").update(name="Energy and power")
    renamed_tag = client.get(url, headers={"If-None-Match": renamed_source["ETag"]})
    assert renamed_tag.status_code == 200
    assert b"Energy and power" in renamed_tag.content


@pytest.mark.parametrize(
    ("url", "write"), [("/feed/", feed_items.rss_item), ("/feed/atom/", feed_items.atom_entry)]
)
def test_an_unchanged_item_is_written_once_and_served_as_written(client, articles, url, write):
    if write.cache_info().maxsize == 0:
        pytest.skip("NEWSROOM_FEED_ITEMS_REMEMBERED=0: no item is remembered")
    write.cache_clear()
    first = client.get(url).content
    written = write.cache_info().misses
    assert written == len(item_links(client, url))
    assert client.get(url).content == first
    assert write.cache_info().misses == written


def test_a_remembered_item_is_written_again_under_another_url_prefix():
    """The short link (the GUID) is written under the request's URL prefix, which the
    remembered items are keyed by too."""
    entry = odd_entry(7)
    try:
        plain = feed_items.rss_item(entry, "http://example.test")
        set_script_prefix("/news/")
        prefixed = feed_items.rss_item(entry, "http://example.test")
    finally:
        set_script_prefix("/")
    assert "http://example.test/s/" in plain
    assert "http://example.test/news/s/" in prefixed


def test_an_item_with_a_very_long_body_is_not_remembered():
    if feed_items.rss_item.cache_info().maxsize == 0:
        pytest.skip("NEWSROOM_FEED_ITEMS_REMEMBERED=0: no item is remembered")
    long_body = f"<p>{'x' * feed_items.REMEMBERED_BODY_LENGTH}</p>"
    feed_items.rss_item.cache_clear()
    feed_items.rss_item(odd_entry(8, body=long_body), "http://example.test")
    feed_items.rss_item(odd_entry(9), "http://example.test")
    assert feed_items.rss_item.cache_info().currsize == 1


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/"])
def test_with_no_items_remembered_every_item_is_written(client, articles, url, settings):
    write = {"/feed/": feed_items.rss_item, "/feed/atom/": feed_items.atom_entry}[url]
    settings.NEWSROOM_FEED_ITEMS_REMEMBERED = 0
    fresh = feed_items.remembered(write.__wrapped__)
    with mock.patch.object(feeds, write.__name__, fresh):
        first, second = client.get(url).content, client.get(url).content
    assert first == second
    assert fresh.cache_info().hits == 0 and fresh.cache_info().misses > 0


def test_max_age_never_reaches_past_the_next_go_live(client, articles, settings):
    settings.NEWSROOM_HTTP_MAX_AGE = 600
    make_article(title="Soon", publish_at=timezone.now() + dt.timedelta(seconds=60))
    cache_control = client.get("/feed/")["Cache-Control"]
    assert "public" in cache_control
    max_age = int(cache_control.split("max-age=")[1].split(",")[0])
    assert 0 < max_age < 60


def test_control_characters_from_the_wire_do_not_break_the_feed(client):
    make_article(
        title="Bad\x0bbyte",
        summary="Also\x1fbad",
        body="<p>Body\x08text</p>",
        tags=["Odd\x0ctag"],
        source=make_source("Odd\x0esource"),
    )
    for url in ["/feed/", "/feed/atom/"]:
        response = client.get(url)
        assert response.status_code == 200
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo
        entry = parsed.entries[0]
        assert entry.title == "Badbyte"
        assert entry.content[0].value == "<p>Bodytext</p>"
        assert entry.author == "Oddsource"
        assert [tag.term for tag in entry.tags] == ["Oddtag"]


ODD_TEXT = "Tom & Jerry <b>\"quoted\"</b> 'single' \t tab\nline \u00e9\u2019\U0001f600 ]]>"


class DjangoRss(Rss201rev2Feed):
    """Django's own RSS writer, with the content element feeds.ContentRssFeed adds."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": feeds.CONTENT_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])


class DjangoAtom(Atom1Feed):
    """Django's own Atom writer, with the content element feeds.ContentAtomFeed adds."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


def django_item_fields(entry: FeedEntry) -> dict:
    """What Django's ``add_item`` is given for one article: the mapping feed_items.py
    writes directly. The source is the author, the tags the categories, the short
    link the GUID."""
    return {
        "title": entry.title,
        "link": absolute_url(entry.path),
        "description": html.escape(xml_safe(entry.summary)) or None,
        "unique_id": absolute_url(entry.short_path),
        "unique_id_is_permalink": True,
        "enclosures": [Enclosure(entry.image, "0", guessed_type(entry.image))]
        if entry.image
        else [],
        "pubdate": entry.publish_at,
        "updateddate": last_changed(entry),
        "author_name": entry.source_name,
        "author_link": entry.source_homepage or None,
        "categories": sorted(xml_safe(name) for name, _slug in entry.tags),
        "content_html": entry.body,
    }


def guessed_type(url: str) -> str:
    mime_type, _encoding = mimetypes.guess_type(urlsplit(url).path)
    return mime_type or "image/jpeg"


def odd_entry(number: int, **changes) -> FeedEntry:
    """A feed entry whose every text needs escaping."""
    now = timezone.now()
    fields = {
        "number": number,
        "title": f"{ODD_TEXT} {number}",
        "path": f"/202401/{number}-story",
        "summary": ODD_TEXT,
        "body": f"<p>{ODD_TEXT}</p>",
        "publish_at": now - dt.timedelta(hours=number),
        "updated_at": now,
        "image": "http://cdn.example/a\"b'c&d.png?x=1&y=\u00e9",
        "source_link": "",
        "source_name": ODD_TEXT,
        "source_homepage": "http://acme.example/\u00e9?a=1&b=2",
        "tags": ((ODD_TEXT, "odd"), ("Energy", "energy")),
    }
    return FeedEntry(**{**fields, **changes})


@pytest.mark.parametrize(
    ("feed_type", "django_feed_type"),
    [(feeds.ContentRssFeed, DjangoRss), (feeds.ContentAtomFeed, DjangoAtom)],
)
def test_the_fast_feed_writer_writes_what_djangos_writes(feed_type, django_feed_type):
    """The feed and its items as written here against Django's SimplerXMLGenerator
    and add_item_elements, for the same entries: every optional element present in
    one entry and absent in another."""
    entries = [
        odd_entry(1),
        odd_entry(
            2,
            summary="",
            body="",
            image="",
            source_homepage="",
            tags=(),
            path="/202401/2-caf\u00e9",
        ),
        odd_entry(3, summary="\x0b", image="http://cdn.example/photo", source_name=""),
        odd_entry(
            4, image="/media/images/lead.webp", updated_at=timezone.now() - dt.timedelta(days=9)
        ),
        odd_entry(5, image="http://cdn.example/images/.png", path="/202401/5-a b"),
    ]
    channel = {
        "title": ODD_TEXT,
        "link": "http://testserver/",
        "description": ODD_TEXT,
        "feed_url": "http://testserver/feed/",
        "author_name": ODD_TEXT,
        "language": "en",
    }
    ours = feed_type(**channel)
    ours.entries = entries
    djangos = django_feed_type(**channel)
    for entry in entries:
        djangos.add_item(**django_item_fields(entry))
    written = ours.writeString("utf-8")
    assert written.count("<item>") + written.count("<entry>") == 5
    assert written == djangos.writeString("utf-8")


def test_an_empty_feed_is_dated_now():
    feed = feeds.ContentAtomFeed(title="T", link="http://testserver/", description="D")
    before = timezone.now()
    updated = dt.datetime.fromisoformat(
        ET.fromstring(feed.writeString("utf-8")).find("{http://www.w3.org/2005/Atom}updated").text
    )
    assert before <= updated <= timezone.now()


@pytest.mark.parametrize("offset_hours", [0, 2, -5])
def test_rfc2822_dates_are_what_django_writes(offset_hours):
    zone = dt.timezone(dt.timedelta(hours=offset_hours))
    moments = [
        dt.datetime(2024, month, 1 + month, month, 7, 9, tzinfo=zone) for month in range(1, 13)
    ]
    moments.append(dt.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=zone))
    assert [rfc2822(moment) for moment in moments] == [rfc2822_date(moment) for moment in moments]


def test_the_tag_feed_lists_the_live_articles_with_the_tag_newest_first(client, source):
    now = timezone.now()
    for number in range(8):
        tags = ["Energy"] if number % 2 else ["Oil"]
        make_article(
            title=f"Story {number}", tags=tags, publish_at=now - dt.timedelta(hours=number)
        )
    make_article(title="Energy draft", state="draft", tags=["Energy"])
    entries = [entry.title for entry in feed_entries(tag=tag_by_slug("energy"))]
    assert entries == ["Story 1", "Story 3", "Story 5", "Story 7"]


def test_a_popular_tag_walks_the_newest_articles_and_a_rare_one_reads_its_own():
    assert latest_first_is_cheaper(FEED_SIZE, tagged=6_000, articles=100_000)
    assert not latest_first_is_cheaper(FEED_SIZE, tagged=100, articles=100_000)
    assert not latest_first_is_cheaper(FEED_SIZE, tagged=0, articles=100_000)


def test_feeds_hold_the_latest_fifty_articles(client):
    now = timezone.now()
    for minutes in range(FEED_SIZE + 2):
        make_article(title=f"Story {minutes}", publish_at=now - dt.timedelta(minutes=minutes + 1))
    parsed = feedparser.parse(client.get("/feed/").content)
    assert len(parsed.entries) == FEED_SIZE
    assert parsed.entries[0].title == "Story 0"
    assert parsed.entries[-1].title == f"Story {FEED_SIZE - 1}"
    assert len(json.loads(client.get("/feed.json").content)["items"]) == FEED_SIZE


@pytest.mark.parametrize("count", [5, 40])
@pytest.mark.parametrize("url", ALL_FEEDS)
def test_feed_query_count_does_not_grow_with_articles(
    client, source, django_assert_num_queries, count, url
):
    for number in range(count):
        make_article(title=f"Story {number}", source=source, tags=["Energy", f"t{number % 3}"])
    scoped = url.startswith(("/tags/", "/sources/"))  # the tag or source is looked up first
    with django_assert_num_queries(2 if scoped else 1):  # the entries, with their tags
        response = client.get(url)
    assert response.status_code == 200


def test_pages_advertise_the_feeds_for_autodiscovery(client, articles):
    html = client.get("/").text
    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert 'href="/feed/"' in html
    assert 'href="/feed/atom/"' in html
    assert 'href="/feed.json"' in html


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_feeds_only_answer_reads(client, articles, url):
    assert client.post(url).status_code == 405
    head = client.head(url)
    assert head.status_code == 200
    assert head.content == b""


@pytest.mark.parametrize(
    "value", ["plain", "a&b<c>d", 'say "hi"', "it's", "both \" and '", "tab\tline\nreturn\r", ""]
)
def test_attribute_values_are_quoted_as_saxutils_quotes_them(value):
    assert xml_attribute(value) == quoteattr(value)


@pytest.mark.parametrize(
    "iri",
    [
        "https://cdn.example/images/lead-1.jpg?w=800&h=600#top",
        "http://acme.example/~desk/(a)[b]!$*+,;=:@'%20",
        "https://acme.example/caf\u00e9 menu",
        'https://acme.example/a"b<c>d\\e^f`g{h}i|j',
        "",
    ],
)
def test_links_are_quoted_as_djangos_feeds_quote_them(iri):
    assert feed_items.uri(iri) == iri_to_uri(iri)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<p>" + "word " * 100 + "\x0b\x1f</p>", "&lt;p&gt;" + "word " * 100 + "&lt;/p&gt;"),
        ("<p>" + "word\t" * 100 + "\n</p>", "&lt;p&gt;" + "word\t" * 100 + "\n&lt;/p&gt;"),
        ("<p>" + "caf\u00e9 " * 100 + "\x08</p>", "&lt;p&gt;" + "caf\u00e9 " * 100 + "&lt;/p&gt;"),
        ("Tom & Jerry\x0c", "Tom &amp; Jerry"),
        ("two\nlines", "two\nlines"),
    ],
)
def test_element_text_is_escaped_and_loses_what_xml_cannot_hold(text, expected):
    assert xml_text(text) == expected
