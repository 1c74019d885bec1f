"""Tags read with articles: with_tags() in one extra query, ArticleTags() in the same one."""

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from taggit.models import Tag, TaggedItem

from articles.models import Article
from articles.tagging import ArticleTags, tags_from_json, tags_from_json_texts
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_each_article_gets_its_own_tags_in_name_order(django_assert_num_queries):
    make_article(title="Energy story", tags=["wind", "Energy"])
    make_article(title="Untagged story")
    make_article(title="Port story", tags=["harbor"])
    with django_assert_num_queries(2):  # the articles, then all their tags
        tags = {
            article.title: [tag.name for tag in article.tags.all()]
            for article in Article.objects.order_by("number").with_tags()
        }
    assert tags == {
        "Energy story": ["Energy", "wind"],
        "Untagged story": [],
        "Port story": ["harbor"],
    }


def test_tags_follow_slicing_and_chaining(django_assert_num_queries):
    for number in range(5):
        make_article(title=f"Story {number}", tags=[f"tag-{number}", "common"])
    page = Article.objects.with_tags().filter(title__startswith="Story").order_by("title")[1:3]
    with django_assert_num_queries(2):
        names = [sorted(tag.slug for tag in article.tags.all()) for article in page]
    assert names == [["common", "tag-1"], ["common", "tag-2"]]


def test_values_querysets_are_left_alone():
    make_article(title="Plain", tags=["x"])
    assert list(Article.objects.with_tags().values_list("title", flat=True)) == ["Plain"]


def test_article_tags_read_in_the_articles_query_are_its_own_in_name_order():
    tagged = make_article(title="Tagged", tags=["wind", "Energy", "abc", "Zürich"])
    make_article(title="Untagged")
    # A row tagging another model with the same object id is not the article's.
    TaggedItem.objects.create(
        content_type=ContentType.objects.get_for_model(User),
        object_id=tagged.pk,
        tag=Tag.objects.create(name="Not an article's", slug="not-an-articles"),
    )
    tags = dict(Article.objects.values_list("title", ArticleTags()))
    # Alphabetical whatever the case, on every database (not the database's collation).
    assert [name for _id, name, _slug in tags_from_json(tags["Tagged"])] == [
        "abc",
        "Energy",
        "wind",
        "Zürich",
    ]
    assert {slug for _id, _name, slug in tags_from_json(tags["Tagged"])} == {
        "wind",
        "energy",
        "abc",
        "zürich",
    }
    assert tags_from_json(tags["Untagged"]) == ()


def test_a_tag_list_met_again_reads_the_same_tags():
    """Parsed lists are kept by their text: a page of repeats gives each its own tags."""
    energy = '[[2, "energy", "energy"], [1, "Élan", "elan"]]'
    single = '[[3, "crypto", "crypto"]]'
    first = tags_from_json_texts([energy, single, "[]"])
    again = tags_from_json_texts([single, energy, energy, "[]"])
    assert first == [((2, "energy", "energy"), (1, "Élan", "elan")), ((3, "crypto", "crypto"),), ()]
    assert again == [first[1], first[0], first[0], ()]
