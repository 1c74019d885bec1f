"""How many live articles each period of the date archive holds: a year's months on the
year page, the years on the index.

A period's live count is all its articles minus its drafts, scheduled and expired ones
(``cards.period_terms``, index ranges over the few articles that are not live). All its
articles are:

- the tallies of the UTC days wholly inside it (``ArticleTally``, scope ``DAY``, kept
  by the database's triggers: migration 0016), a few hundred rows for a year;
- plus the articles of its first and last hours that fall on a UTC day it only partly
  covers, counted from the publish-time index. A period runs from midnight to midnight
  in the site's time zone, which are UTC midnights only when that zone is UTC.

Counting every article of the period read every one of its index entries: a year's
months took 1.7 ms on SQLite and 4.5 on PostgreSQL at 100,000 articles, the index's
years 8 and 12, growing with the archive.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .cards import period_terms
from .models import Article, ArticleTally
from .prepared import PreparedQuery


def period_counts(bounds: list[dt.datetime]) -> list[int]:
    """Live articles in each period ``[bounds[i], bounds[i + 1])``, in one query."""
    bounds = list(bounds)
    whole_days = [_whole_days(start, end) for start, end in itertools.pairwise(bounds)]
    # The UTC days around the bounds that are not midnight in UTC, which two periods
    # share (or one, at either end), counted from the articles.
    shared = [_utc_day_around(bound) for bound in bounds if bound != _utc_midnight(bound)]
    rows = _PERIOD_COUNTS.rows(
        now=timezone.now(),
        bounds=bounds,
        first_days=[day_number(first) for first, _ in whole_days],
        end_days=[day_number(end) for _, end in whole_days],
        shared_starts=[start for start, _ in shared],
        shared_ends=[end for _, end in shared],
    )
    found = dict.fromkeys(range(len(bounds) - 1), 0)
    for period, count in rows:
        if period is not None:  # a day that no period covers wholly
            found[period] += count
    return list(found.values())


def live_span() -> tuple[dt.datetime, dt.datetime] | None:
    """The publish times of the first and the last live article, or None: two ordered
    LIMIT 1 lookups, which walk the publish-time index and stop at once (MIN and MAX
    over live() would read every live row to check its expiry), in one query."""
    rows = _LIVE_SPAN.rows(now=timezone.now())
    first, last = rows[0] if rows else (None, None)
    return None if first is None else (first, last)


def _live_span(now: dt.datetime) -> QuerySet:
    # The first live article's row, with the last one's time beside it.
    live = Article.objects.live(now)
    last = Subquery(live.order_by("-publish_at").values("publish_at")[:1])
    return live.order_by("publish_at").values_list("publish_at", last)[:1]


_LIVE_SPAN = PreparedQuery(_live_span)


def day_number(moment: dt.datetime) -> int:
    """The UTC day of ``moment`` as the day tallies number it: YYYYMMDD."""
    day = moment.astimezone(dt.UTC)
    return day.year * 10_000 + day.month * 100 + day.day


def _whole_days(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The UTC days wholly inside ``[start, end)``, as the first one's midnight and the
    midnight after the last; the same moment twice when there is none."""
    first = _utc_midnight(start)
    if first < start:
        first += dt.timedelta(days=1)
    return first, max(first, _utc_midnight(end))


def _utc_day_around(moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = _utc_midnight(moment)
    return start, start + dt.timedelta(days=1)


def _utc_midnight(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _period_count_terms(
    now: dt.datetime,
    bounds: list[dt.datetime],
    first_days: list[int],
    end_days: list[int],
    shared_starts: list[dt.datetime],
    shared_ends: list[dt.datetime],
) -> QuerySet:
    """Rows of (period index or NULL, term) whose sums by period are the live counts:
    a few terms, each one range grouped by period, whatever the number of periods. A
    term per period made a statement PostgreSQL planned again on every run (5 ms for
    a year's months)."""
    # All the periods' articles, then their drafts, scheduled and expired ones.
    everything, *not_live = period_terms(now, bounds[0], bounds[-1])
    period = _period_of_time(bounds)
    days = ArticleTally.objects.filter(
        scope=ArticleTally.Scope.DAY, subject__gte=first_days[0], subject__lt=end_days[-1]
    )
    terms = [
        _by_period(days, _period_of_day(first_days, end_days), Sum("articles")),
        *(_by_period(term, period, -Count("*")) for term in not_live),
    ]
    if shared_starts:
        on_shared_days = Q()
        for start, end in zip(shared_starts, shared_ends, strict=True):
            on_shared_days |= Q(publish_at__gte=start, publish_at__lt=end)
        terms.append(_by_period(everything.filter(on_shared_days), period, Count("*")))
    return terms[0].union(*terms[1:], all=True)


def _period_of_time(bounds: list[dt.datetime]) -> Case:
    """The period of an article's publish time, which lies between the first and last
    bounds."""
    whens = [
        When(publish_at__lt=end, then=_literal(index)) for index, end in enumerate(bounds[1:-1])
    ]
    return Case(*whens, default=_literal(len(bounds) - 2), output_field=IntegerField())


def _period_of_day(first_days: list[int], end_days: list[int]) -> Case:
    """The period that wholly covers a day tally's day, or NULL."""
    whens = []
    for index, (first, end) in enumerate(zip(first_days, end_days, strict=True)):
        whens += [
            When(subject__lt=first, then=Value(None)),
            When(subject__lt=end, then=_literal(index)),
        ]
    return Case(*whens, default=Value(None), output_field=IntegerField())


def _literal(number: int) -> RawSQL:
    # A period's number, written into the SQL rather than passed: it is the same on
    # every run, and would be one parameter more for each period in each term.
    return RawSQL(str(int(number)), (), output_field=IntegerField())


def _by_period(rows: QuerySet, period: Case, total) -> QuerySet:
    grouped = rows.order_by().annotate(period=period).values("period")
    return grouped.annotate(n=total).values_list("period", "n")


# Compiling the terms cost more than running them: prepared, per number of periods.
_PERIOD_COUNTS = PreparedQuery(_period_count_terms)
