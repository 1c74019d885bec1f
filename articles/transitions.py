"""When the clock next changes what is live: the next publish or expiry time.

Between two writes, what readers may see changes only when an article's publish time
or expiry time passes. Whatever is remembered of the live articles (a cached page, a
kept list of sources) holds until the earliest of those moments after it was read.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet, Subquery

from .models import AFTER_ALL_TIME, Article
from .prepared import PreparedQuery

NEVER = AFTER_ALL_TIME  # no transition to come


def _next_transitions(now: dt.datetime) -> QuerySet:
    next_publish = Article.objects.scheduled(now).order_by("publish_at")
    next_expiry = Article.objects.filter(status=Article.Status.PUBLISHED, expires_at__gt=now)
    return Article.objects.annotate(
        next_publish=Subquery(next_publish.values("publish_at")[:1]),
        next_expiry=Subquery(next_expiry.order_by("expires_at").values("expires_at")[:1]),
    ).values_list("next_publish", "next_expiry")[:1]


# Asked on every request that may be stored or given a max-age when the answer cannot
# be remembered (no shared cache): prepared, since compiling it cost 15x running it.
_NEXT_TRANSITIONS = PreparedQuery(_next_transitions)


def next_transition(now: dt.datetime) -> dt.datetime:
    """The earliest future moment at which an article goes live or expires.

    One query of two scalar subqueries, each an ordered seek on an index
    (article_live_idx, article_expiry_idx), whatever the table size.
    """
    rows = _NEXT_TRANSITIONS.rows(now=now)
    return min((moment for moment in (rows[0] if rows else ()) if moment), default=NEVER)
