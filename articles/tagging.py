"""Tags for a list of articles in one query, without taggit's per-article managers.

``prefetch_related("tags")`` builds a filtered manager per article: about 3 ms for a
page of 20. :func:`attach_tags` reads (article, tag) pairs in one query and fills
the same prefetch cache, so ``article.tags.all`` in templates needs no query.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from taggit.models import Tag, TaggedItem

from .prepared import PreparedQuery


def tagged_items(content_type_id: int, **lookup) -> QuerySet:
    """Tagging rows (taggit's ``TaggedItem``) of one content type, filtered by ``lookup``.

    The content type is a value, not a ``ContentType``: the prepared queries that use
    these rows take it as a parameter rather than keep the id they were compiled with.
    """
    return TaggedItem.objects.filter(content_type_id=content_type_id, **lookup)


def has_tagging_row(rows: QuerySet) -> Exists:
    """Whether the outer article is tagged by one of ``rows`` (tagging rows): an index
    probe per article, so the database can walk the articles in another order and
    test each, where ``pk IN (rows)`` starts from the rows."""
    return Exists(rows.filter(object_id=OuterRef("pk")))


def article_type() -> Subquery:
    """The article content type's id as a subquery, found by name as :class:`ArticleTags`
    and the database's triggers find it: a compiled query holds no id that a flushed
    and refilled database would give to another model."""
    return Subquery(ContentType.objects.filter(app_label="articles", model="article").values("pk"))


class ArticleTags(Coalesce):
    """An article's tags as JSON text, ``[[id, name, slug], ...]`` in no set order, to
    read in the same query as the article (:func:`tags_from_json` reads it): its
    ``ArticleTagList`` row, joined by primary key, or no tags.

    A query of its own for the tags of a page's articles was a round trip more on
    every listing page and the article page (about 0.3 ms on PostgreSQL); gathering
    them from taggit's rows in a subquery per article was 40% of a listing's query.
    """

    def __init__(self) -> None:
        super().__init__(F("listed_tags__tags"), Value("[]"), output_field=TextField())


# Parsed and sorted tag lists, by their JSON text: the same lists recur on page after
# page, and parsing and sorting them was a tenth of a listing's Python time. A text
# always gives the same tags, so one kept is never stale; past the limit all are let go.
MAX_KEPT_TAG_LISTS = 8192
_tags_of_text: dict[str, tuple[tuple[int, str, str], ...]] = {}


def tags_from_json(text: str) -> tuple[tuple[int, str, str], ...]:
    """(id, name, slug) of each tag in :class:`ArticleTags`'s JSON, by name."""
    return tags_from_json_texts([text])[0]


def tags_from_json_texts(texts: Sequence[str]) -> list[tuple[tuple[int, str, str], ...]]:
    """:func:`tags_from_json` of each of ``texts`` (a listing's rows). Those not met
    before are parsed as one JSON document: a ``json.loads`` per row cost a listing
    page more than the parsing."""
    found = {text: _tags_of_text.get(text) for text in texts}
    new = [text for text, tags in found.items() if tags is None]
    if new:
        for text, tags in zip(new, json.loads(f"[{','.join(new)}]"), strict=True):
            found[text] = tuple(_by_name(tags))
        if len(_tags_of_text) + len(new) > MAX_KEPT_TAG_LISTS:
            _tags_of_text.clear()
        _tags_of_text.update((text, found[text]) for text in new)
    return [found[text] for text in texts]


def _by_name(tags: list[list]) -> list[tuple[int, str, str]]:
    if len(tags) < 2:
        return [tuple(tag) for tag in tags]
    return sorted(map(tuple, tags), key=lambda tag: by_tag_name(tag[1]))


def by_tag_name(name: str) -> tuple[str, str]:
    """The order tags are shown in, the same on every database: alphabetical, whatever
    the case (``ORDER BY name`` follows each database's collation)."""
    return name.casefold(), name


def _tag_pairs(content_type_id: int, object_ids: list[int]) -> QuerySet:
    return tagged_items(content_type_id, object_id__in=object_ids).values_list(
        "object_id", "tag_id", "tag__name", "tag__slug"
    )


_TAG_PAIRS = PreparedQuery(_tag_pairs)


def tag_rows(model, object_ids: list[int]) -> list[tuple[int, int, str, str]]:
    """(object id, tag id, name, slug) for every tag of these objects, by tag name."""
    if not object_ids:
        return []
    content_type = ContentType.objects.get_for_model(model)
    rows = _TAG_PAIRS.rows(content_type_id=content_type.id, object_ids=list(object_ids))
    return sorted(rows, key=lambda row: by_tag_name(row[2]))


def attach_tags(articles: Sequence) -> None:
    if not articles:
        return
    tags_of: dict[int, list[Tag]] = defaultdict(list)
    for object_id, tag_id, name, slug in tag_rows(type(articles[0]), [a.pk for a in articles]):
        tags_of[object_id].append(Tag(id=tag_id, name=name, slug=slug))
    for article in articles:
        prefetch_tags(article, tags_of[article.pk])


def prefetch_tags(article, tags: list[Tag]) -> None:
    """Fill the article's prefetch cache with ``tags``: ``article.tags.all()`` then
    returns them without a query, as after ``prefetch_related("tags")``."""
    prefetched = Tag.objects.all()
    prefetched._result_cache = tags
    prefetched._prefetch_done = True
    article.__dict__.setdefault("_prefetched_objects_cache", {})["tags"] = prefetched
