"""The public pages' lookups: one live article by number, with its source, its tags and
what its page shows around it (one query); a tag or source by slug; tags by slugs.

Each is prepared once per process (see prepared.py): building and compiling the
query cost more than running it. The article lookup reads only what a page shows:
not the stored wire file (``wire_raw``, ``wire_extra``), which can be many times the
size of the body.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from taggit.models import Tag

from .around import around_columns, around_from_json
from .cards import SOURCE_FIELDS, TAG_FIELDS
from .models import WIRE_FILE_FIELDS, Article, Source
from .prepared import PreparedQuery
from .tagging import ArticleTags, prefetch_tags, tags_from_json

ARTICLE_FIELDS = tuple(
    field.attname for field in Article._meta.concrete_fields if field.name not in WIRE_FILE_FIELDS
)


def _live_by_number(number: int, now) -> QuerySet:
    the_article = Article.objects.filter(number=number)
    return the_article.live(now).values_list(
        *ARTICLE_FIELDS,
        *(f"source__{name}" for name in SOURCE_FIELDS),
        ArticleTags(),
        *around_columns(now, the_article),
    )


_LIVE_BY_NUMBER = PreparedQuery(_live_by_number)


def live_article(number: int) -> Article | None:
    """The live article numbered ``number`` (one query), its source and tags loaded, and
    its neighbours and related articles in ``article.around`` (see around.py)."""
    rows = _LIVE_BY_NUMBER.rows(number=int(number), now=timezone.now())
    if not rows:
        return None
    *row, tags, previous, following, related = rows[0]
    split = len(ARTICLE_FIELDS)
    article = Article.from_db("default", ARTICLE_FIELDS, row[:split])
    article.source = Source.from_db("default", SOURCE_FIELDS, row[split:])
    prefetch_tags(
        article, [Tag(id=pk, name=name, slug=slug) for pk, name, slug in tags_from_json(tags)]
    )
    article.around = around_from_json(previous, following, related)
    return article


_TAG_BY_SLUG = PreparedQuery(lambda slug: Tag.objects.filter(slug=slug).values_list(*TAG_FIELDS))


def tag_by_slug(slug: str) -> Tag:
    """The tag with this slug, or a 404."""
    rows = _TAG_BY_SLUG.rows(slug=slug)
    if not rows:
        raise Http404("No such tag")
    return Tag.from_db("default", TAG_FIELDS, rows[0])


_SOURCE_BY_SLUG = PreparedQuery(
    lambda slug: Source.objects.filter(slug=slug).values_list(*SOURCE_FIELDS)
)


_TAG_IDS_BY_SLUGS = PreparedQuery(
    lambda slugs: Tag.objects.filter(slug__in=slugs).order_by("pk").values_list("pk")
)


def tag_ids_by_slugs(slugs: list[str]) -> list[int]:
    """The ids of the tags with these slugs; a slug no tag has is left out."""
    return [pk for (pk,) in _TAG_IDS_BY_SLUGS.rows(slugs=list(slugs))] if slugs else []


def source_by_slug(slug: str) -> Source:
    """The source with this slug, or a 404."""
    rows = _SOURCE_BY_SLUG.rows(slug=slug)
    if not rows:
        raise Http404("No such source")
    return Source.from_db("default", SOURCE_FIELDS, rows[0])
