"""Every way an article's tags and the columns beside them are written, in one
scenario: for the tables the database's triggers keep from taggit's rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from articles.models import Article
from tests.factories import make_article, make_source


def write_tags_every_way(check: Callable[[], None]) -> None:
    """Tag, retag and delete articles through the ORM, in bulk and in raw SQL, and
    change what decides their liveness, calling ``check`` after each kind of write."""
    first = make_article(title="First", tags=["energy", "markets"])
    second = make_article(title="Second", state="draft", tags=["energy"])
    make_article(title="Untagged")
    check()

    source = make_source()
    bulk = Article.objects.bulk_create(
        Article(title=f"Bulk {n}", number=900_000 + n, source=source, path=f"/bulk/{n}")
        for n in range(4)
    )
    energy = Tag.objects.get(slug="energy")
    article_type = ContentType.objects.get_for_model(Article)
    TaggedItem.objects.bulk_create(
        TaggedItem(content_type=article_type, object_id=article.pk, tag=energy) for article in bulk
    )
    check()

    first.tags.add("ai")
    first.tags.remove("markets")
    second.tags.set(["markets", "ai"])
    bulk[0].tags.clear()
    check()

    # What decides liveness, changed by a save, by a queryset update and by raw SQL.
    second.status, second.publish_at = Article.Status.PUBLISHED, timezone.now()
    second.save()
    Article.objects.filter(pk=first.pk).update(expires_at=timezone.now() + dt.timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE articles_article SET status = 'draft' WHERE id = %s", [bulk[1].pk])
    check()

    markets = Tag.objects.get(slug="markets")
    TaggedItem.objects.filter(object_id=second.pk, tag=markets).update(tag=energy)
    TaggedItem.objects.filter(object_id=bulk[2].pk).update(object_id=bulk[0].pk)
    check()

    first.delete()  # its tagged rows go with it
    Article.objects.filter(pk=bulk[2].pk).delete()
    with connection.cursor() as cursor:  # a raw delete takes taggit's rows (migration 0014)
        cursor.execute("DELETE FROM articles_article WHERE id = %s", [bulk[3].pk])
    check()
    energy.delete()  # its tagged rows go with it
    check()
