"""The one write path for imported stories: ``StoryWriter.write``.

An upsert keyed on the article number that says what it did. Importing the same
file again changes nothing; a changed file updates the article in place (its
address stays); ``draft = true`` imports as a draft. The caller runs each write in
a savepoint, so a story is written whole or not at all.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from articles.models import ARTICLE_PATH_RE, Article, Source

from .story import WireStory


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class StoryWriter:
    """Writes stories into articles; remembers sources across one import run."""

    def __init__(self, *, user=None) -> None:
        self.user = user
        self._sources: dict[str, Source] = {}

    def existing(self, numbers: Iterable[int]) -> dict[int, Article]:
        """The stored articles for these numbers, in one query."""
        return {a.number: a for a in Article.objects.filter(number__in=list(numbers))}

    def outcome_for(self, story: WireStory, existing: Article | None) -> Outcome:
        if existing is None:
            return Outcome.CREATED
        if existing.wire_hash == story.content_hash:
            return Outcome.UNCHANGED
        return Outcome.UPDATED

    def write(self, story: WireStory, existing: Article | None = None) -> tuple[Outcome, Article]:
        """Create or update the article for ``story``; ``existing`` is its stored row."""
        outcome = self.outcome_for(story, existing)
        if outcome is Outcome.UNCHANGED:
            return outcome, existing
        known_sources = set(self._sources)
        try:
            with transaction.atomic():
                source = self.source_named(story.source_name or settings.NEWSROOM_DEFAULT_SOURCE)
                article = existing or Article(number=story.number)
                self._apply(article, story, source, is_new=existing is None)
                article.save()
                article.tags.set(list(story.tags))
        except Exception:
            # Sources first seen in the rolled-back savepoint are gone from the database.
            for name in set(self._sources) - known_sources:
                del self._sources[name]
            raise
        return outcome, article

    def _apply(self, article: Article, story: WireStory, source: Source, *, is_new: bool) -> None:
        article.title = story.title
        article.summary = story.summary
        article.meta_description = story.description
        article.body = story.body
        article.source = source
        article.source_link = story.source_link
        article.image_url = story.image_url
        article.feed_item_id = story.feed_item_id
        article.status = Article.Status.DRAFT if story.draft else Article.Status.PUBLISHED
        article.publish_at = story.published_at
        article.wire_extra = story.extra
        article.wire_raw = story.raw
        article.wire_hash = story.content_hash
        article.imported_at = timezone.now()
        article.updated_by = self.user
        if is_new:  # an existing article keeps its address, so old links keep working
            if story.path:
                article.path = story.path
                article.slug = ARTICLE_PATH_RE.match(story.path)["slug"][:200]
            else:
                article.slug = slugify(story.title)[:200]
        if article.expires_at and article.expires_at <= article.publish_at:
            article.expires_at = None

    def source_named(self, name: str) -> Source:
        """The source with this name, created on first sight."""
        source = self._sources.get(name)
        if source is None:
            source = Source.objects.filter(name=name).first()
            if source is None:
                source = Source.objects.create(name=name, slug=Source.unique_slug_for(name))
            self._sources[name] = source
        return source

    def forget(self) -> None:
        """Drop remembered rows after a rollback that may have removed them."""
        self._sources.clear()
