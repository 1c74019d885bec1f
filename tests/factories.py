"""Plain factory functions for tests: short to call, explicit about what they make."""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth.models import Group, User
from django.utils import timezone

from articles.models import Article, Source

_numbers = itertools.count(500_000)


def make_source(name: str = "Wire Service", **fields) -> Source:
    source, _created = Source.objects.get_or_create(
        name=name, defaults={"slug": Source.unique_slug_for(name), **fields}
    )
    return source


def make_article(
    *,
    title: str = "A headline",
    state: str = "live",
    tags: list[str] | None = None,
    source: Source | None = None,
    number: int | None = None,
    **fields,
) -> Article:
    """An article in the given reader-facing state: live, draft, scheduled or expired."""
    now = timezone.now()
    publish_at, expires_at, status = {
        "live": (now - dt.timedelta(hours=1), None, Article.Status.PUBLISHED),
        "draft": (None, None, Article.Status.DRAFT),
        "scheduled": (now + dt.timedelta(days=1), None, Article.Status.PUBLISHED),
        "expired": (
            now - dt.timedelta(days=2),
            now - dt.timedelta(days=1),
            Article.Status.PUBLISHED,
        ),
    }[state]
    values = {
        "title": title,
        "summary": f"Summary of {title}",
        "body": f"<p>Body of {title}</p>",
        "source": source or make_source(),
        "status": status,
        "publish_at": publish_at,
        "expires_at": expires_at,
        "number": next(_numbers) if number is None else number,
    }
    values.update(fields)
    article = Article.objects.create(**values)
    if tags:
        article.tags.set(tags)
    return article


def make_user(username: str, *, groups: tuple[str, ...] = (), superuser: bool = False) -> User:
    user = User.objects.create_user(
        username, password="a-long-test-password", is_staff=True, is_superuser=superuser
    )
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user
