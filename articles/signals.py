"""Any committed write to what public pages show makes the cached pages stale."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import Tag, TaggedItem

from .models import Article, Source
from .pagecache import bump_generation


class PendingBump:
    """The bump of the page cache's generation that a transaction's commit will run.

    ``done`` marks one that has run. Django empties the list of commit callbacks before
    running them, so a bump that ran is normally gone from it; the tests' commit-hook
    capture (``django_capture_on_commit_callbacks(execute=True)``) leaves run ones in
    place, and a later change must not take such a one for a pending bump.
    """

    def __init__(self) -> None:
        self.done = False

    def __call__(self) -> None:
        self.done = True
        bump_generation()


def content_changed(**kwargs) -> None:
    """Bump the page cache's generation once the write commits: once per transaction,
    however many rows it saves (an import batch saves hundreds, an article with its
    tags a handful), since each bump is a Redis write that empties every server
    process's memory of pages.

    A bump already waiting on this transaction covers the change: if the savepoint it
    was registered in rolls back, Django drops it, and the next change registers anew.
    """
    if kwargs.get("action", "post_").startswith("pre_"):
        return  # m2m_changed sends pre_add and post_add for one change: the post_ will do
    waiting = transaction.get_connection().run_on_commit
    if any(isinstance(f, PendingBump) and not f.done for _ids, f, _robust in waiting):
        return
    # Robust: the write has committed whatever happens; a cache that fails to hear of
    # it is logged, and its pages age out (NEWSROOM_PAGE_CACHE_SECONDS).
    transaction.on_commit(PendingBump(), robust=True)


def connect() -> None:
    for model in (Article, Source, Tag, TaggedItem):
        post_save.connect(content_changed, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"pagecache-del-{model}")
    m2m_changed.connect(content_changed, sender=Article.tags.through, dispatch_uid="pagecache-m2m")
