"""The one write path for imported stories: ``StoryWriter``.

An upsert keyed on the article number that says what it did. Importing the same
file again changes nothing; a changed file updates the article in place (its
address stays); ``draft = true`` imports as a draft.

Every story is written whole or not at all. :meth:`StoryWriter.write_batch`
writes a batch: the new articles of a batch are inserted together in one
savepoint, with their tags; if anything in that savepoint fails it is rolled back
and every story of the batch is written again one by one (``_write_one``), one
savepoint each, so the failure lands on the one story that caused it and the others are
written. Both paths prepare rows the same way (``Article.prepare_for_save``: the
body is sanitized, slug and path are filled) and send the same signals.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, router, transaction
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from articles.models import ARTICLE_PATH_RE, Article, Source

from .story import WireStory


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


# What happened to one story of a batch: an outcome, or the error that stopped it.
Result = Outcome | Exception

# Errors that fail one story and not the run; anything else is a bug and propagates.
STORY_ERRORS = (DatabaseError, ValueError)

# Rows per INSERT statement: bounds the size of one query (bodies are a few KB each).
BULK_ROWS = 200


class StoryWriter:
    """Writes stories into articles; remembers sources and tags across one import run."""

    def __init__(self, *, user=None) -> None:
        self.user = user
        self._sources: dict[str, Source] = {}
        self._tags: dict[str, Tag] = {}
        self._content_type: ContentType | None = None

    # Looking up what is stored ---------------------------------------------------

    def stored_hashes(self, numbers: Iterable[int]) -> dict[int, str]:
        """The content hash of the stored article of each of these numbers, in one query."""
        return dict(
            Article.objects.filter(number__in=set(numbers)).values_list("number", "wire_hash")
        )

    def plan(self, stories: Sequence[WireStory]) -> list[Outcome]:
        """What writing these stories would do, in order, without writing (one query)."""
        stored = self.stored_hashes(story.number for story in stories)
        outcomes = []
        for story in stories:
            outcomes.append(_outcome(stored.get(story.number), story))
            stored[story.number] = story.content_hash
        return outcomes

    # Writing ---------------------------------------------------------------------

    def write_batch(self, stories: Sequence[WireStory]) -> list[Result]:
        """Write a batch of stories; one result per story, in order.

        Call it inside a transaction. New articles are inserted together; changed
        ones, and a number seen twice in the batch, are written one by one after
        them, in file order.
        """
        stored = self.stored_hashes(story.number for story in stories)
        results: list[Result | None] = [None] * len(stories)
        fresh: dict[int, int] = {}  # number -> index of the story creating it
        later: list[int] = []
        for index, story in enumerate(stories):
            if story.number in fresh:
                later.append(index)
            elif story.number not in stored:
                fresh[story.number] = index
            elif stored[story.number] == story.content_hash:
                results[index] = Outcome.UNCHANGED
            else:
                later.append(index)
        if fresh:
            created = [stories[index] for index in fresh.values()]
            try:
                self._create_many(created)
            except STORY_ERRORS:
                later = sorted([*fresh.values(), *later])
            else:
                for index in fresh.values():
                    results[index] = Outcome.CREATED
        if later:
            rows = Article.objects.in_bulk({stories[i].number for i in later}, field_name="number")
            for index in later:
                story = stories[index]
                try:
                    results[index], rows[story.number] = self._write_one(
                        story, rows.get(story.number)
                    )
                except STORY_ERRORS as error:
                    results[index] = error
                    # The savepoint rolled back: the row in memory may not match any more.
                    rows.pop(story.number, None)
                    if again := Article.objects.filter(number=story.number).first():
                        rows[story.number] = again
        return results  # type: ignore[return-value]

    def _write_one(
        self, story: WireStory, existing: Article | None
    ) -> tuple[Outcome, Article | None]:
        outcome = _outcome(existing.wire_hash if existing else None, story)
        if outcome is Outcome.UNCHANGED:
            return outcome, existing
        with self._forget_on_error(), transaction.atomic():
            article = existing or Article(number=story.number)
            self._apply(article, story, is_new=existing is None)
            article.save()
            self._save_tags([(article, story.tags)], replace=existing is not None)
        return outcome, article

    def _create_many(self, stories: Sequence[WireStory]) -> None:
        """Insert new articles and their tags together: all of them, or none."""
        using = router.db_for_write(Article)
        with self._forget_on_error(), transaction.atomic(using=using):
            articles = []
            for story in stories:
                article = Article(number=story.number)
                self._apply(article, story, is_new=True)
                article.prepare_for_save()
                pre_save.send(Article, instance=article, raw=False, using=using)
                articles.append(article)
            Article.objects.bulk_create(articles, batch_size=BULK_ROWS)
            for article in articles:
                post_save.send(Article, instance=article, created=True, raw=False, using=using)
            self._save_tags(
                [(article, story.tags) for article, story in zip(articles, stories, strict=True)],
                replace=False,
            )

    def _apply(self, article: Article, story: WireStory, *, is_new: bool) -> None:
        article.title = story.title
        article.summary = story.summary
        article.meta_description = story.description
        article.body = story.body
        article.source = self.source_named(story.source_name or settings.NEWSROOM_DEFAULT_SOURCE)
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

    # Tags ------------------------------------------------------------------------

    def _save_tags(self, tagged: list[tuple[Article, tuple[str, ...]]], *, replace: bool) -> None:
        """Give each article exactly these tags: insert what is missing, drop the rest."""
        content_type = self._article_type()
        current: dict[int, set[int]] = {}
        if replace:
            for object_id, tag_id in TaggedItem.objects.filter(
                content_type=content_type, object_id__in=[a.pk for a, _names in tagged]
            ).values_list("object_id", "tag_id"):
                current.setdefault(object_id, set()).add(tag_id)
        rows: list[TaggedItem] = []
        added: list[tuple[Article, set[int]]] = []
        for article, names in tagged:
            wanted = {self.tag_named(name).pk for name in names}
            have = current.get(article.pk, set())
            if have - wanted:
                TaggedItem.objects.filter(
                    content_type=content_type, object_id=article.pk, tag_id__in=have - wanted
                ).delete()
            new_rows = self.tagged_items(article, sorted(wanted - have))
            rows.extend(new_rows)
            if new_rows:
                added.append((article, {row.tag_id for row in new_rows}))
        TaggedItem.objects.bulk_create(rows)
        for article, tag_ids in added:
            m2m_changed.send(
                TaggedItem, instance=article, action="post_add", reverse=False,
                model=Tag, pk_set=tag_ids, using=router.db_for_write(TaggedItem),
            )  # fmt: skip

    def tagged_items(self, article: Article, tag_ids: list[int]) -> list[TaggedItem]:
        """The rows linking one article to its tags (the step tests break on purpose)."""
        content_type = self._article_type()
        return [
            TaggedItem(content_type=content_type, object_id=article.pk, tag_id=tag_id)
            for tag_id in tag_ids
        ]

    def tag_named(self, name: str) -> Tag:
        """The tag with this name (case-insensitively when taggit is), created on first sight."""
        case_insensitive = getattr(settings, "TAGGIT_CASE_INSENSITIVE", False)
        key = name.lower() if case_insensitive else name
        tag = self._tags.get(key)
        if tag is None:
            lookup = {"name__iexact": name} if case_insensitive else {"name": name}
            tag = Tag.objects.filter(**lookup).order_by("pk").first()
            if tag is None:
                tag = Tag.objects.create(name=name)
            self._tags[key] = tag
        return tag

    def _article_type(self) -> ContentType:
        if self._content_type is None:
            self._content_type = ContentType.objects.get_for_model(Article)
        return self._content_type

    # Sources ---------------------------------------------------------------------

    def source_named(self, name: str) -> Source:
        """The source with this name, created on first sight."""
        source = self._sources.get(name)
        if source is None:
            source = Source.objects.filter(name=name).first()
            if source is None:
                source = Source.objects.create(name=name, slug=Source.unique_slug_for(name))
            self._sources[name] = source
        return source

    # Remembered rows ---------------------------------------------------------------

    @contextmanager
    def _forget_on_error(self) -> Iterator[None]:
        """Forget sources and tags first seen in a savepoint that rolls back."""
        known_sources, known_tags = set(self._sources), set(self._tags)
        try:
            yield
        except BaseException:
            for name in set(self._sources) - known_sources:
                del self._sources[name]
            for key in set(self._tags) - known_tags:
                del self._tags[key]
            raise

    def forget(self) -> None:
        """Drop remembered rows after a rollback that may have removed them."""
        self._sources.clear()
        self._tags.clear()


def _outcome(stored_hash: str | None, story: WireStory) -> Outcome:
    if stored_hash is None:
        return Outcome.CREATED
    if stored_hash == story.content_hash:
        return Outcome.UNCHANGED
    return Outcome.UPDATED
