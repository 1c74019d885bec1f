"""Tag and source pages, and what an article page shows around the article."""

from __future__ import annotations

import datetime as dt

import html5lib
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import TaggedItem

from articles import links
from articles.models import Article
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2024, 5, day, hour, tzinfo=dt.UTC)


def titles(articles) -> list[str]:
    return [article.title for article in articles]


def parse(response):
    return html5lib.parse(response.content, namespaceHTMLElements=False)


def related(response) -> list[str]:
    """The titles in the page's related-articles box."""
    aside = parse(response).find(".//aside[@class='related']")
    return [] if aside is None else [link.text for link in aside.iter("a")]


def neighbours(response) -> dict[str, str]:
    """{"prev": path, "next": path} from the previous/next navigation."""
    nav = parse(response).find(".//nav[@class='neighbours']")
    return {} if nav is None else {link.get("rel"): link.get("href") for link in nav.iter("a")}


# Tag pages ---------------------------------------------------------------------------


def test_tag_page_lists_live_articles_with_the_tag(client):
    make_article(title="Tagged old", tags=["energy"], publish_at=at(1))
    make_article(title="Tagged new", tags=["energy", "mining"], publish_at=at(2))
    make_article(title="Untagged", tags=["mining"])
    make_article(title="Tagged draft", tags=["energy"], state="draft")
    response = client.get("/tags/energy/")
    assert response.status_code == 200
    assert titles(response.context["articles"]) == ["Tagged new", "Tagged old"]
    assert b"Tagged draft" not in response.content
    assert "Articles tagged “energy”" in response.content.decode()


def test_unknown_tag_and_tag_without_live_articles_are_404(client):
    make_article(tags=["embargoed"], state="scheduled")
    assert client.get("/tags/no-such-tag/").status_code == 404
    assert client.get("/tags/embargoed/").status_code == 404


def test_a_tag_whose_articles_were_deleted_with_raw_sql_is_404(client):
    """An article deleted in SQL takes its tagging rows with it: its tag has no
    article left, counts none, and has no page."""
    gone = make_article(tags=["orphaned"])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM articles_article WHERE id = %s", [gone.pk])
    assert not TaggedItem.objects.filter(object_id=gone.pk).exists()
    assert client.get("/tags/orphaned/").status_code == 404
    assert client.get("/tags/orphaned/feed/").status_code == 404


def test_tag_page_past_the_end_is_404(client):
    make_article(tags=["energy"])
    assert client.get("/tags/energy/", {"page": 2}).status_code == 404


def test_tag_with_non_ascii_slug_has_a_page(client):
    article = make_article(title="Élan vital", tags=["Élan"])
    tag = article.tags.get()
    response = client.get(f"/tags/{tag.slug}/")
    assert response.status_code == 200
    assert titles(response.context["articles"]) == ["Élan vital"]


# Source pages ------------------------------------------------------------------------


def test_source_page_shows_details_and_live_articles(client):
    acme = make_source("Acme Wire", homepage="https://acme.example/")
    make_article(title="From Acme", source=acme)
    make_article(title="Acme draft", source=acme, state="draft")
    make_article(title="From elsewhere", source=make_source("Other Wire"))
    response = client.get("/sources/acme-wire/")
    assert response.status_code == 200
    assert titles(response.context["articles"]) == ["From Acme"]
    content = response.content.decode()
    assert "<h1>Acme Wire</h1>" in content
    assert 'href="https://acme.example/"' in content
    assert "Acme draft" not in content


def test_unknown_source_and_source_without_live_articles_are_404(client):
    make_article(source=make_source("Quiet Wire"), state="draft")
    assert client.get("/sources/no-such-source/").status_code == 404
    assert client.get("/sources/quiet-wire/").status_code == 404


def test_tag_and_source_pages_announce_their_feeds(client):
    make_article(source=make_source("Acme Wire"), tags=["energy"])
    tag_page = client.get("/tags/energy/").content.decode()
    assert 'type="application/rss+xml"' in tag_page
    assert 'href="/tags/energy/feed/"' in tag_page
    source_page = client.get("/sources/acme-wire/").content.decode()
    assert 'href="/sources/acme-wire/feed/"' in source_page


def test_cards_link_to_source_and_tag_pages(client):
    make_article(source=make_source("Acme Wire"), tags=["energy"])
    content = client.get("/").content.decode()
    assert 'href="/sources/acme-wire/"' in content
    assert 'href="/tags/energy/"' in content


# Article pages: related, previous and next ---------------------------------------------


def test_related_articles_share_a_tag_or_the_source_and_are_live(client):
    acme, other = make_source("Acme Wire"), make_source("Other Wire")
    article = make_article(title="Main", source=acme, tags=["energy"], publish_at=at(10))
    make_article(title="Same tag", source=other, tags=["energy"], publish_at=at(2))
    make_article(title="Same source", source=acme, publish_at=at(3))
    make_article(title="Unrelated", source=other, tags=["mining"], publish_at=at(4))
    make_article(title="Draft same tag", source=acme, tags=["energy"], state="draft")
    make_article(title="Expired same source", source=acme, state="expired")
    response = client.get(article.path)
    # Articles sharing a tag come first, then the source's, each newest first.
    assert related(response) == ["Same tag", "Same source"]
    content = response.content.decode()
    assert "Draft same tag" not in content
    assert "Expired same source" not in content


def test_related_articles_are_at_most_five_and_never_the_article_itself(client):
    acme = make_source("Acme Wire")
    article = make_article(title="Main", source=acme, tags=["energy"], publish_at=at(20))
    for day in range(1, 9):
        make_article(title=f"Related {day}", source=acme, tags=["energy"], publish_at=at(day))
    shown = related(client.get(article.path))
    assert shown == [f"Related {day}" for day in (8, 7, 6, 5, 4)]


def test_related_finds_an_old_article_with_a_rare_tag_among_many_newer_ones(client):
    old = make_article(title="Old rare", tags=["rare"], publish_at=at(1))
    for day in range(2, 12):
        make_article(title=f"Newer {day}", tags=[f"other-{day}"], publish_at=at(day))
    tiny = make_source("Tiny Wire")
    article = make_article(title="Main", tags=["rare"], source=tiny, publish_at=at(20))
    assert related(client.get(article.path)) == [old.title]


def test_related_reads_each_of_several_tags_and_ranks_a_tag_above_the_source(client):
    acme, other = make_source("Acme Wire"), make_source("Other Wire")
    article = make_article(title="Main", source=acme, tags=["energy", "mining"], publish_at=at(20))
    make_article(title="Energy", source=other, tags=["energy"], publish_at=at(2))
    make_article(title="Mining", source=other, tags=["mining"], publish_at=at(3))
    make_article(
        title="Both tags, same source", source=acme, tags=["energy", "mining"], publish_at=at(1)
    )
    make_article(title="Same source", source=acme, publish_at=at(9))
    assert related(client.get(article.path)) == [
        "Mining",
        "Energy",
        "Both tags, same source",  # listed once, with the tags
        "Same source",
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite walks the tagging rows newest id first, an approximation of newest first",
)
def test_related_sharing_a_tag_are_the_newest_published_whatever_their_ids(client):
    """An article imported first but published last is the newest: the tag's newest
    articles are read in publish order, not in the order they were added."""
    acme = make_source("Acme Wire")
    latest = make_article(
        title="Published last", source=make_source("Other Wire"), tags=["energy"], publish_at=at(19)
    )
    first = at(1, hour=0)
    for number in range(30):
        when = first + dt.timedelta(minutes=number)
        make_article(title=f"Earlier {number}", source=acme, tags=["energy"], publish_at=when)
    article = make_article(title="Main", source=acme, tags=["energy"], publish_at=at(20))
    assert related(client.get(article.path))[0] == latest.title


def test_previous_and_next_are_the_live_neighbours_in_time(client):
    first = make_article(title="First", publish_at=at(1))
    make_article(title="Draft between", publish_at=at(2), status="draft")
    make_article(title="Expired between", publish_at=at(2), expires_at=at(3))
    middle = make_article(title="Middle", publish_at=at(4))
    make_article(title="Scheduled after", state="scheduled")
    last = make_article(title="Last", publish_at=at(5))
    assert neighbours(client.get(middle.path)) == {"prev": first.path, "next": last.path}
    assert neighbours(client.get(first.path)) == {"next": middle.path}
    assert neighbours(client.get(last.path)) == {"prev": middle.path}


def test_neighbours_with_the_same_publish_time_are_ordered_by_number(client):
    a = make_article(title="A", publish_at=at(1), number=10)
    b = make_article(title="B", publish_at=at(1), number=11)
    c = make_article(title="C", publish_at=at(1), number=12)
    assert neighbours(client.get(b.path)) == {"prev": a.path, "next": c.path}


def test_a_staff_preview_shows_the_live_articles_around_it(client, editor):
    acme = make_source("Acme Wire")
    make_article(title="Earlier", source=acme, publish_at=timezone.now() - dt.timedelta(days=1))
    same_tag = make_article(title="Same tag", tags=["energy"])
    make_article(title="Draft same tag", tags=["energy"], state="draft")
    scheduled = make_article(title="Scheduled", source=acme, tags=["energy"], state="scheduled")
    response = client.get(scheduled.path)
    assert related(response) == ["Same tag", "Earlier"]
    assert neighbours(response) == {"prev": same_tag.path}
    draft = make_article(title="Draft", source=acme, state="draft")
    response = client.get(draft.path)
    assert related(response) == ["Earlier"]  # live articles only
    assert neighbours(response) == {}  # a draft has no place in time yet


def test_article_page_links_to_its_tags_and_source(client):
    article = make_article(source=make_source("Acme Wire"), tags=["energy", "mining"])
    content = client.get(article.path).content.decode()
    assert '<a href="/tags/energy/" rel="tag">energy</a>' in content
    assert '<a href="/tags/mining/" rel="tag">mining</a>' in content
    assert 'href="/sources/acme-wire/"' in content


def _article_page_queries(client, tag_count: int) -> int:
    source = make_source("Acme Wire")
    tags = [f"topic-{n}" for n in range(tag_count)]
    article = make_article(title=f"Main {tag_count}", source=source, tags=tags, publish_at=at(15))
    for day in range(1, 8):
        make_article(title=f"Other {day}", source=source, tags=tags[:3], publish_at=at(day))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.path)
    assert response.status_code == 200
    assert len(related(response)) == 5
    assert set(neighbours(response)) == {"prev"}
    return len(queries)


def test_article_page_is_one_query_whatever_the_tags(client):
    one_tag = _article_page_queries(client, 1)
    Article.objects.all().delete()
    thirty_tags = _article_page_queries(client, 30)
    # The article with its source, tags, related articles and neighbours.
    assert one_tag == thirty_tags == 1


def _listing_queries(client, url: str, count: int) -> int:
    Article.objects.all().delete()
    source = make_source("Acme Wire")
    for number in range(count):
        make_article(title=f"A{number}", source=source, tags=["energy", f"extra-{number}"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page": 2})
    assert response.status_code == 200
    assert response.context["articles"]
    return len(queries)


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/", 1),  # the page, one more row to know of a next one
        ("/articles/", 2),  # the source choices; the page with its count
        ("/tags/energy/", 1),  # the page with its count and its tag
        ("/sources/acme-wire/", 1),  # the page with its count and its source
    ],
)
def test_listing_query_count_does_not_grow_with_the_articles(client, settings, url, queries):
    settings.NEWSROOM_PAGE_SIZE = 3
    few, many = _listing_queries(client, url, 5), _listing_queries(client, url, 40)
    assert few == many == queries  # each page read with its articles' tags


@pytest.mark.parametrize("path", ["/tags/%00/", "/tags/%00/feed/", "/tags/a%2Fb/"])
def test_tag_addresses_with_control_or_slash_characters_are_404(client, path):
    assert client.get(path).status_code == 404


def test_unicode_tag_pages_still_work(client):
    make_article(title="Zurich story", tags=["Zürich"])
    assert client.get(links.tag_path("zürich")).status_code == 200


def test_related_articles_are_what_the_unprepared_query_finds(client):
    """The newest tagged article has the lowest id: the tagged candidates must all count."""
    from articles import around

    now = timezone.now()
    other = make_source("Other desk")
    make_article(
        title="Newest tagged", source=other, tags=["x"], publish_at=now - dt.timedelta(minutes=1)
    )
    for day in range(19):
        make_article(
            title=f"Tagged {day}",
            source=other,
            tags=["x"],
            publish_at=now - dt.timedelta(days=10 + day),
        )
    article = make_article(
        title="Subject",
        source=make_source("Home desk"),
        tags=["x"],
        publish_at=now - dt.timedelta(days=100),
    )
    the_article = Article.objects.filter(pk=article.pk)
    columns = around.around_columns(timezone.now(), the_article)
    unprepared = around.around_from_json(*the_article.values_list(*columns).get())
    expected = [teaser.title for teaser in unprepared.related]
    assert expected[0] == "Newest tagged"
    assert related(client.get(article.path)) == expected
