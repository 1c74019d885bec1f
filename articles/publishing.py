"""Permission-checked state changes: publish now, unpublish.

One class per action, Wagtail-style: ``check()`` raises ``PermissionDenied``
unless the user holds ``articles.publish_article``, and ``execute()`` checks
first, then changes and saves the article. The admin's actions and any other
caller go through these classes, so the rule lives in one place. Nothing here
stores "live": liveness stays derived from status and times by
``Article.objects.live()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .models import Article

PUBLISH_PERMISSION = "articles.publish_article"


def can_publish(user) -> bool:
    """Whether ``user`` may publish, schedule and unpublish articles."""
    return bool(user and user.is_active and user.has_perm(PUBLISH_PERMISSION))


class ArticleAction:
    """A state change of one article, made by one user."""

    label = ""

    def __init__(self, article: Article, user) -> None:
        self.article = article
        self.user = user

    @classmethod
    def check_user(cls, user) -> None:
        """Raise ``PermissionDenied`` unless ``user`` may run this action."""
        if not can_publish(user):
            raise PermissionDenied(f"You may not {cls.label.lower()} articles.")

    def check(self) -> None:
        self.check_user(self.user)

    def execute(self, now: datetime | None = None) -> Article:
        self.check()
        self.apply(now or timezone.now())
        self.article.updated_by = self.user
        self.article.save()
        return self.article

    def apply(self, now: datetime) -> None:
        raise NotImplementedError


class PublishNow(ArticleAction):
    """Make the article live now.

    The status becomes published. The publish time becomes now unless the article
    already has one in the past (an article published earlier keeps its date); an
    expiry time already passed is cleared, or the article would stay hidden.
    """

    label = "Publish"

    def apply(self, now: datetime) -> None:
        article = self.article
        article.status = Article.Status.PUBLISHED
        if article.publish_at is None or article.publish_at > now:
            article.publish_at = now
        if article.expires_at is not None and article.expires_at <= now:
            article.expires_at = None


class Unpublish(ArticleAction):
    """Take the article off the site: back to draft, its times kept for later."""

    label = "Unpublish"

    def apply(self, now: datetime) -> None:
        self.article.status = Article.Status.DRAFT


def execute_all(
    action: type[ArticleAction], articles: Iterable[Article], user, now: datetime | None = None
) -> int:
    """Run ``action`` on every article in one transaction; refuse all if not allowed."""
    action.check_user(user)
    articles = list(articles)
    now = now or timezone.now()
    with transaction.atomic():
        for article in articles:
            action(article, user).execute(now)
    return len(articles)
