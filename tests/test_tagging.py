"""with_tags(): every article gets exactly its own tags, in one extra query."""

import pytest

from articles.models import Article
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
