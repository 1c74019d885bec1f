"""The topic and source directories (/tags/, /sources/): every tag and source with
live articles, with their live counts, and nothing about the others."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from articles.directory import (
    WEIGHTS,
    cloud_weight,
    live_source_counts,
    source_directory,
    tag_directory,
)
from articles.models import Article, Source
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    acme = make_source("Acme Wire", homepage="https://acme.example/")
    hidden = make_source("Hidden Wire")
    for _ in range(3):
        make_article(source=acme, tags=["energy"])
    make_article(source=acme, tags=["Élan", "energy"])
    for state in ("draft", "scheduled", "expired"):
        make_article(title=f"Not live {state}", state=state, source=acme, tags=["energy"])
        make_article(title=f"Hidden {state}", state=state, source=hidden, tags=["secret"])
    return acme


def test_topics_are_the_tags_with_live_articles_by_name_with_live_counts(client, site):
    response = client.get("/tags/")
    assert response.status_code == 200
    tags = response.context["tags"]
    # By name as tags are ordered everywhere (tagging.by_tag_name), case aside.
    assert [(tag.name, tag.articles) for tag in tags] == [("energy", 4), ("Élan", 1)]
    assert [tag.weight for tag in tags] == [WEIGHTS, 1]
    page = response.content.decode()
    assert '<a href="/tags/energy/" rel="tag">energy</a> <span class="count">(4 articles)' in page
    assert "secret" not in page


def test_sources_are_those_with_live_articles_with_live_counts_and_website(client, site):
    response = client.get("/sources/")
    assert [(source.name, source.articles) for source in response.context["sources"]] == [
        ("Acme Wire", 4)
    ]
    page = response.content.decode()
    assert '<a class="homepage" href="https://acme.example/" rel="nofollow">website</a>' in page
    assert "Hidden Wire" not in page


def test_a_scheduled_article_is_counted_once_its_time_comes(client, site):
    scheduled = Article.objects.get(title="Not live scheduled")
    Article.objects.filter(pk=scheduled.pk).update(
        publish_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert {tag.name: tag.articles for tag in tag_directory()}["energy"] == 5
    assert [(source.name, source.articles) for source in source_directory()] == [("Acme Wire", 5)]


def test_the_sources_shown_are_those_with_a_live_article_at_every_moment(site):
    """A source's live count from its tally minus its articles that are not live, as
    the directory, the /articles/ filter and the sitemap show it, against each
    source's live articles counted one by one, before and after a go-live, an expiry,
    an unpublishing and a deletion."""
    now = timezone.now()
    make_source("Empty Wire")
    soon = make_source("Soon Wire")
    make_article(source=soon, publish_at=now + dt.timedelta(hours=1))
    ending = make_source("Ending Wire")
    last = make_article(source=ending, expires_at=now + dt.timedelta(hours=2))

    def counted_one_by_one(moment):
        live = Article.objects.live(moment)
        return tuple(
            (source.pk, source.name, source.slug, source.homepage, n)
            for source in Source.objects.order_by("name")
            if (n := live.filter(source=source).count())
        )

    for moment in (now, now + dt.timedelta(hours=1, minutes=1), now + dt.timedelta(hours=3)):
        assert live_source_counts(moment) == counted_one_by_one(moment)
    assert [name for _pk, name, *_ in live_source_counts(now)] == ["Acme Wire", "Ending Wire"]
    Article.objects.filter(pk=last.pk).update(status=Article.Status.DRAFT)
    site.articles.filter(title="Not live expired").delete()
    assert live_source_counts(now) == counted_one_by_one(now)
    assert [name for _pk, name, *_ in live_source_counts(now)] == ["Acme Wire"]


def test_an_empty_site_has_empty_directories_and_past_the_end_is_404(client):
    for path, text in (("/tags/", b"No topics yet"), ("/sources/", b"No sources yet")):
        response = client.get(path)
        assert response.status_code == 200 and text in response.content
        assert client.get(path, {"page": 2}).status_code == 404


def test_the_directories_cost_the_same_queries_for_any_number_of_tags(
    client, django_assert_max_num_queries
):
    source = make_source("Acme Wire")
    for number in range(30):
        make_article(source=source, tags=[f"topic {number}", f"theme {number % 7}"])
    make_article(state="draft", source=source, tags=["draft only"])
    # The tags with their tallies, the tags of articles that are not live.
    with django_assert_max_num_queries(2):
        response = client.get("/tags/")
    assert len(response.context["tags"]) == 37
    with django_assert_max_num_queries(2):
        client.get("/sources/")


@pytest.mark.parametrize(
    ("articles", "most", "weight"), [(1, 1, 1), (1, 100, 1), (10, 100, 3), (100, 100, WEIGHTS)]
)
def test_cloud_weights_follow_the_logarithm_of_the_count(articles, most, weight):
    assert cloud_weight(articles, most) == weight
