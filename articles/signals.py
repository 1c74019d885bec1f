"""Any committed write to what public pages show makes the cached pages stale."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import Tag, TaggedItem

from .models import Article, Source
from .pagecache import bump_generation


def content_changed(**kwargs) -> None:
    # Robust: the write has committed whatever happens; a cache that fails to hear of
    # it is logged, and its pages age out (NEWSROOM_PAGE_CACHE_SECONDS).
    transaction.on_commit(bump_generation, robust=True)


def connect() -> None:
    for model in (Article, Source, Tag, TaggedItem):
        post_save.connect(content_changed, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"pagecache-del-{model}")
    m2m_changed.connect(content_changed, sender=Article.tags.through, dispatch_uid="pagecache-m2m")
