"""Each article's tags with its liveness columns beside them (``TaggedArticle``): kept by
the database's triggers, the same as the tables after every kind of write."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from articles.ingest.runner import import_wire, wire_files
from articles.models import Article, TaggedArticle
from tests.concurrently import needs_concurrent_writers, run_concurrently
from tests.factories import make_article, make_source
from tests.tagging_writes import write_tags_every_way

pytestmark = pytest.mark.django_db

# The article's columns each copy keeps: its source and its liveness.
LIVENESS = ("source_id", "status", "publish_at", "number", "expires_at")


def stored() -> set[tuple]:
    """The copies as the triggers left them."""
    return set(TaggedArticle.objects.values_list("tag_id", "article_id", *LIVENESS))


def expected() -> set[tuple]:
    """The same rows, read from taggit's rows and the articles."""
    article_type = ContentType.objects.get_for_model(Article)
    tagged = TaggedItem.objects.filter(content_type=article_type).values_list("tag_id", "object_id")
    articles = {row[0]: row[1:] for row in Article.objects.values_list("id", *LIVENESS)}
    return {(tag_id, pk, *articles[pk]) for tag_id, pk in tagged if pk in articles}


def assert_exact() -> None:
    assert stored() == expected()


def test_every_write_path_keeps_the_copies_exact():
    write_tags_every_way(assert_exact)
    assert stored()  # some are left


def test_an_article_moved_to_another_source_moves_its_copies():
    article = make_article(tags=["energy", "markets"])
    other = make_source("Other Wire")
    article.source = other
    article.save()
    assert_exact()
    assert {source for (source,) in TaggedArticle.objects.values_list("source_id")} == {other.pk}
    Article.objects.filter(pk=article.pk).update(source=make_source("Third Wire"))
    assert_exact()


def test_tags_on_other_models_have_no_copy():
    article = make_article(tags=["energy"])
    energy = Tag.objects.get(slug="energy")
    tagged_user = TaggedItem.objects.create(
        content_object=User.objects.create_user("someone"), tag=energy
    )
    assert len(stored()) == 1
    tagged_user.content_type = ContentType.objects.get_for_model(Article)  # now an article's
    tagged_user.object_id = make_article(title="Another").pk
    tagged_user.save()
    assert len(stored()) == 2
    assert_exact()
    tagged_user.content_type = ContentType.objects.get_for_model(User)
    tagged_user.save()
    assert {row[1] for row in stored()} == {article.pk}
    assert_exact()


def test_an_import_keeps_the_copies_exact():
    make_article(title="Written here", tags=["energy"])
    report = import_wire(wire_files(["tests/data/wire"]))
    assert report.created
    assert_exact()
    assert len(stored()) > 1


def test_a_rolled_back_write_leaves_the_copies_as_they_were():
    article = make_article(tags=["energy"])
    before = stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        article.tags.add("ai")
        Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
        assert stored() != before
        raise RuntimeError("the write fails")
    assert stored() == before


def test_live_copies_are_those_of_live_articles():
    for state in ("live", "draft", "scheduled", "expired"):
        make_article(title=f"The {state} one", state=state, tags=["energy"])
    now = timezone.now()
    live_ids = set(Article.objects.live(now).values_list("pk", flat=True))
    assert set(TaggedArticle.objects.live(now).values_list("article_id", flat=True)) == live_ids
    assert len(live_ids) == 1


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_starts_copying_again():
    make_article(tags=["energy", "markets"])
    call_command("flush", "--no-input", verbosity=0)
    assert stored() == set()
    make_article(tags=["energy"])
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_the_tags_already_there():
    make_article(title="Before", tags=["energy", "markets"])
    call_command("migrate", "articles", "0010", verbosity=0)
    assert "articles_taggedarticle" not in connection.introspection.table_names()
    make_article(title="Without triggers", state="draft", tags=["markets"])
    call_command("migrate", "articles", verbosity=0)
    assert_exact()
    assert len(stored()) == 3
    make_article(title="After", tags=["energy"])
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_a_tag_added_while_its_article_is_published_copies_the_published_article():
    """The copy reads its article FOR SHARE: the tag waits for the publication to commit
    and copies the article as published, not as the draft it was when the tag began."""
    needs_concurrent_writers()
    article = make_article(title="Draft", state="draft")
    published = threading.Event()

    def publish() -> None:
        with transaction.atomic():
            Article.objects.filter(pk=article.pk).update(
                status=Article.Status.PUBLISHED, publish_at=timezone.now()
            )
            published.set()
            threading.Event().wait(0.5)  # the tag's transaction starts meanwhile

    def tag() -> None:
        published.wait(5)
        with transaction.atomic():
            article.tags.add("energy")

    assert run_concurrently(publish, tag) == []
    assert_exact()
    assert TaggedArticle.objects.get().status == Article.Status.PUBLISHED
