"""Any committed write to what public pages show makes the cached pages stale."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import Tag, TaggedItem

from .models import Article, Source
from .pagecache import bump_generation

_batch = threading.local()


def content_changed(**kwargs) -> None:
    if kwargs.get("action", "post_").startswith("pre_"):
        return  # m2m_changed sends pre_add and post_add for one change: the post_ will do
    if getattr(_batch, "depth", 0):
        _batch.changed = True
        return
    # Robust: the write has committed whatever happens; a cache that fails to hear of
    # it is logged, and its pages age out (NEWSROOM_PAGE_CACHE_SECONDS).
    transaction.on_commit(bump_generation, robust=True)


@contextmanager
def one_bump_for_the_batch():
    """Writes inside the block make one bump, registered as the block ends, rather than
    one per saved row (an import batch saves hundreds; each bump is a Redis write that
    empties every server process's memory of pages).

    Use it inside the batch's transaction: the bump then runs when that commits, and
    is dropped only if the whole transaction rolls back. It is registered even when the
    block fails, since the caller may still commit what was written before.
    """
    _batch.depth = getattr(_batch, "depth", 0) + 1
    try:
        yield
    finally:
        _batch.depth -= 1
        if not _batch.depth and getattr(_batch, "changed", False):
            _batch.changed = False
            transaction.on_commit(bump_generation, robust=True)


def connect() -> None:
    for model in (Article, Source, Tag, TaggedItem):
        post_save.connect(content_changed, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"pagecache-del-{model}")
    m2m_changed.connect(content_changed, sender=Article.tags.through, dispatch_uid="pagecache-m2m")
