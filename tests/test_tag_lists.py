"""Each article's tags as one JSON text (``ArticleTagList``): kept by the database's
triggers, the same as taggit's rows after every kind of write."""

from __future__ import annotations

import json
import threading

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from taggit.models import Tag, TaggedItem

from articles.ingest.runner import import_wire, wire_files
from articles.models import Article, ArticleTagList
from tests.concurrently import needs_concurrent_writers, run_concurrently
from tests.factories import make_article
from tests.tagging_writes import write_tags_every_way

pytestmark = pytest.mark.django_db


def stored() -> dict[int, set[tuple]]:
    """Each list as the triggers left it: article id -> {(tag id, name, slug), ...}."""
    return {
        article_id: {tuple(tag) for tag in json.loads(tags)}
        for article_id, tags in ArticleTagList.objects.values_list("article_id", "tags")
    }


def expected() -> dict[int, set[tuple]]:
    """The same, read from taggit's rows: only articles with a tag have a list."""
    article_type = ContentType.objects.get_for_model(Article)
    lists: dict[int, set[tuple]] = {}
    for object_id, *tag in TaggedItem.objects.filter(content_type=article_type).values_list(
        "object_id", "tag_id", "tag__name", "tag__slug"
    ):
        lists.setdefault(object_id, set()).add(tuple(tag))
    return lists


def assert_exact() -> None:
    assert stored() == expected()


def test_every_write_path_keeps_the_lists_exact():
    write_tags_every_way(assert_exact)
    assert stored()  # some are left


def test_a_renamed_tag_is_renamed_in_every_list_that_holds_it():
    articles = [make_article(title=f"Story {n}", tags=["energy", "markets"]) for n in range(3)]
    make_article(title="Other", tags=["markets"])
    energy = Tag.objects.get(slug="energy")
    energy.name, energy.slug = "Power", "power"
    energy.save()
    assert_exact()
    assert all((energy.pk, "Power", "power") in stored()[article.pk] for article in articles)

    Tag.objects.filter(pk=energy.pk).update(name="Grid")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE taggit_tag SET slug = 'grid' WHERE id = %s", [energy.pk])
    assert_exact()
    assert (energy.pk, "Grid", "grid") in stored()[articles[0].pk]


def test_tags_on_other_models_have_no_list():
    article = make_article(tags=["energy"])
    energy = Tag.objects.get(slug="energy")
    user = User.objects.create_user("someone")
    tagged_user = TaggedItem.objects.create(content_object=user, tag=energy)
    assert set(stored()) == {article.pk}
    energy.name = "Power"
    energy.save()
    assert_exact()
    tagged_user.content_type = ContentType.objects.get_for_model(Article)  # now an article's
    tagged_user.object_id = make_article(title="Another").pk
    tagged_user.save()
    assert len(stored()) == 2
    assert_exact()
    tagged_user.content_type = ContentType.objects.get_for_model(User)
    tagged_user.save()
    assert set(stored()) == {article.pk}
    assert_exact()


def test_an_import_keeps_the_lists_exact():
    make_article(title="Written here", tags=["energy"])
    report = import_wire(wire_files(["tests/data/wire"]))
    assert report.created
    assert_exact()
    assert len(stored()) > 1


def test_a_rolled_back_write_leaves_the_lists_as_they_were():
    article = make_article(tags=["energy"])
    before = stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        article.tags.add("ai")
        Tag.objects.filter(slug="energy").update(name="Power")
        assert stored() != before
        raise RuntimeError("the write fails")
    assert stored() == before


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_keeps_lists_again():
    make_article(tags=["energy", "markets"])
    call_command("flush", "--no-input", verbosity=0)
    assert stored() == {}
    make_article(tags=["energy"])
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_the_migration_lists_the_tags_already_there():
    make_article(title="Before", tags=["energy", "markets"])
    call_command("migrate", "articles", "0016", verbosity=0)
    assert "articles_articletaglist" not in connection.introspection.table_names()
    make_article(title="Without triggers", tags=["markets"])
    call_command("migrate", "articles", verbosity=0)
    assert_exact()
    assert len(stored()) == 2
    make_article(title="After", tags=["energy"])
    assert_exact()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("tagged_before", [[], ["ai"]], ids=["new list", "existing list"])
def test_two_transactions_tagging_one_article_at_once_both_stay_listed(tagged_before):
    """The second waits for the first's list and makes it afresh from what the first
    committed: neither tag is lost, whether the article had a list before or not. (A
    tagging also locks the tally of all articles first, migration 0009, which orders
    the two as well; the lists do not count on it.)"""
    needs_concurrent_writers()
    article = make_article(tags=tagged_before)
    first_tagged = threading.Event()

    def tag_first() -> None:
        with transaction.atomic():
            article.tags.add("energy")
            first_tagged.set()
            threading.Event().wait(0.5)  # the second transaction tags meanwhile

    def tag_second() -> None:
        first_tagged.wait(5)
        with transaction.atomic():
            article.tags.add("markets")

    assert run_concurrently(tag_first, tag_second) == []
    assert_exact()
    assert {slug for _id, _name, slug in stored()[article.pk]} == {
        *tagged_before,
        "energy",
        "markets",
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("renamed_first", [True, False], ids=["renamed first", "tagged first"])
def test_a_tag_renamed_while_an_article_is_tagged_with_it_is_listed_renamed(renamed_first):
    """Tagging locks the tag ``FOR SHARE``: the tagging waits for the rename to commit
    and lists the new name, or the rename waits for the tagging and lists it again."""
    needs_concurrent_writers()
    make_article(title="Tagged before", tags=["energy"])
    article = make_article(title="Tagged meanwhile")
    energy = Tag.objects.get(slug="energy")
    first_began = threading.Event()

    def then_wait() -> None:
        first_began.set()
        threading.Event().wait(0.5)  # the other transaction starts meanwhile

    def rename() -> None:
        if not renamed_first:
            first_began.wait(5)
        with transaction.atomic():
            Tag.objects.filter(pk=energy.pk).update(name="Power")
            if renamed_first:
                then_wait()

    def tag() -> None:
        if renamed_first:
            first_began.wait(5)
        with transaction.atomic():
            TaggedItem.objects.create(content_object=article, tag=energy)
            if not renamed_first:
                then_wait()

    assert run_concurrently(rename, tag) == []
    assert_exact()
    assert stored()[article.pk] == {(energy.pk, "Power", "energy")}


@pytest.mark.django_db(transaction=True)
def test_a_tag_renamed_while_a_batch_tags_with_it_waits_its_turn():
    """A batch holds one article's list, then tags another with the tag being renamed:
    the rename waits for the batch (it takes the lock every tagging takes first) rather
    than holding the tag and waiting for the list, which PostgreSQL ended as a
    deadlock."""
    needs_concurrent_writers()
    first = make_article(title="Tagged with energy", tags=["energy"])
    second = make_article(title="Tagged later")
    energy = Tag.objects.get(slug="energy")
    markets, _created = Tag.objects.get_or_create(name="markets", slug="markets")
    list_held = threading.Event()

    def batch() -> None:
        with transaction.atomic():
            TaggedItem.objects.create(content_object=first, tag=markets)  # holds its list
            list_held.set()
            threading.Event().wait(0.5)  # the rename starts meanwhile
            TaggedItem.objects.create(content_object=second, tag=energy)

    def rename() -> None:
        list_held.wait(5)
        with transaction.atomic():
            Tag.objects.filter(pk=energy.pk).update(name="Power")

    assert run_concurrently(batch, rename) == []
    assert_exact()
    assert stored()[second.pk] == {(energy.pk, "Power", "energy")}
