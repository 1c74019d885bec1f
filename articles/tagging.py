"""Tags for a list of articles in one query, without taggit's per-article managers.

``prefetch_related("tags")`` builds a filtered manager per article: about 3 ms for a
page of 20. :func:`attach_tags` reads (article, tag) pairs in one query and fills
the same prefetch cache, so ``article.tags.all`` in templates needs no query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from taggit.models import Tag, TaggedItem

from .prepared import PreparedQuery


def tagged_items(content_type_id: int, **lookup) -> QuerySet:
    """Tagging rows (taggit's ``TaggedItem``) of one content type, filtered by ``lookup``.

    The content type is a value, not a ``ContentType``: the prepared queries that use
    these rows take it as a parameter rather than keep the id they were compiled with.
    """
    return TaggedItem.objects.filter(content_type_id=content_type_id, **lookup)


def _tag_pairs(content_type_id: int, object_ids: list[int]) -> QuerySet:
    return (
        tagged_items(content_type_id, object_id__in=object_ids)
        .order_by("tag__name")
        .values_list("object_id", "tag_id", "tag__name", "tag__slug")
    )


_TAG_PAIRS = PreparedQuery(_tag_pairs)


def tag_rows(model, object_ids: list[int]) -> list[tuple[int, int, str, str]]:
    """(object id, tag id, name, slug) for every tag of these objects, by tag name."""
    if not object_ids:
        return []
    content_type = ContentType.objects.get_for_model(model)
    return _TAG_PAIRS.rows(content_type_id=content_type.id, object_ids=list(object_ids))


def attach_tags(articles: Sequence) -> None:
    if not articles:
        return
    tags_of: dict[int, list[Tag]] = defaultdict(list)
    for object_id, tag_id, name, slug in tag_rows(type(articles[0]), [a.pk for a in articles]):
        tags_of[object_id].append(Tag(id=tag_id, name=name, slug=slug))
    for article in articles:
        prefetched = Tag.objects.all()
        prefetched._result_cache = tags_of[article.pk]
        prefetched._prefetch_done = True
        article.__dict__.setdefault("_prefetched_objects_cache", {})["tags"] = prefetched
