"""How many live articles each period of the date archive holds: a year's months on the
year page, the years on the index.

A period's live count is all its articles minus its drafts, scheduled and expired ones
(``cards.period_terms``, index ranges over the few articles that are not live). All its
articles are, from the tallies the database's triggers keep (``ArticleTally``):

- the tallies of the UTC months wholly inside it (scope ``MONTH``, migration 0018):
  twelve rows for a year;
- the tallies of the UTC days wholly inside it but not in those months (scope
  ``DAY``, migration 0016): none when the site's time zone is UTC, where a period's
  bounds are UTC midnights at the start of a month;
- plus the articles of its first and last hours that fall on a UTC day it only partly
  covers, counted from the publish-time index. A period runs from midnight to midnight
  in the site's time zone, which are UTC midnights only when that zone is UTC.

Counting every article of the period read every one of its index entries: a year's
months took 1.7 ms on SQLite and 4.5 on PostgreSQL at 100,000 articles, the index's
years 8 and 12, growing with the archive. Reading the day tallies of the index's
years read every day of them: 0.78 ms a run on PostgreSQL for five years.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    IntegerField,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .cards import period_terms
from .models import Article, ArticleTally, UnseenByPlanner
from .prepared import PreparedQuery


def period_counts(bounds: list[dt.datetime]) -> list[int]:
    """Live articles in each period ``[bounds[i], bounds[i + 1])``, in one query."""
    bounds = list(bounds)
    pieces = [_tallied_pieces(start, end) for start, end in itertools.pairwise(bounds)]
    day_ranges = [
        (first, end, period) for period, (_months, days) in enumerate(pieces) for first, end in days
    ]
    hours = _shared_day_hours(bounds)
    rows = _PERIOD_COUNTS.rows(
        now=timezone.now(),
        bounds=bounds,
        first_months=[first for (first, _end), _days in pieces],
        end_months=[end for (_first, end), _days in pieces],
        first_days=[first for first, _end, _period in day_ranges],
        end_days=[end for _first, end, _period in day_ranges],
        day_periods=[period for _first, _end, period in day_ranges],
        hour_starts=[start for start, _end, _period in hours],
        hour_ends=[end for _start, end, _period in hours],
        hour_periods=[period for _start, _end, period in hours],
    )
    found = dict.fromkeys(range(len(bounds) - 1), 0)
    for period, count in rows:
        # A month that no period covers wholly has none; a range without a tally, no sum.
        if period is not None and count is not None:
            found[period] += count
    return list(found.values())


def _shared_day_hours(bounds: list[dt.datetime]) -> list[tuple[dt.datetime, dt.datetime, int]]:
    """The hours of the UTC days around the bounds that are not midnight in UTC, which a
    bound splits between the periods before and after it, as (start, end, period): no
    tally holds them, so they are counted from the articles."""
    hours = []
    for index, bound in enumerate(bounds):
        if bound == _utc_midnight(bound):
            continue
        day_start, day_end = _utc_day_around(bound)
        if index > 0:
            hours.append((day_start, bound, index - 1))
        if index < len(bounds) - 1:
            hours.append((bound, day_end, index))
    return hours


def _tallied_pieces(
    start: dt.datetime, end: dt.datetime
) -> tuple[tuple[int, int], list[tuple[int, int]]]:
    """The tallies that count ``[start, end)``: its whole UTC months, as the first one's
    number (YYYYMM) and the number of the month after the last, the same twice when
    there is none; and its whole UTC days outside them, as ranges of day numbers
    (YYYYMMDD, the end excluded)."""
    first_day, end_day = _whole_days(start, end)
    first_month = _month_start(first_day)
    if first_month < first_day:
        first_month = _next_month(first_month)
    end_month = max(first_month, _month_start(end_day))
    if first_month == end_month:  # no whole month: its whole days alone
        days = [(first_day, end_day)]
    else:
        days = [(first_day, first_month), (end_month, end_day)]
    months = (month_number(first_month), month_number(end_month))
    return months, [(day_number(a), day_number(b)) for a, b in days if a < b]


def month_number(moment: dt.datetime) -> int:
    """The UTC month of ``moment`` as the month tallies number it: YYYYMM."""
    month = moment.astimezone(dt.UTC)
    return month.year * 100 + month.month


def _month_start(utc_midnight: dt.datetime) -> dt.datetime:
    return utc_midnight.replace(day=1)


def _next_month(month_start: dt.datetime) -> dt.datetime:
    return (month_start + dt.timedelta(days=32)).replace(day=1)


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
    first_months: list[int],
    end_months: list[int],
    first_days: list[int],
    end_days: list[int],
    day_periods: list[int],
    hour_starts: list[dt.datetime],
    hour_ends: list[dt.datetime],
    hour_periods: list[int],
) -> QuerySet:
    """Rows of (period index or NULL, term) whose sums by period are the live counts.

    The months' tallies and the articles that are not live are a few terms, each one
    range grouped by period, whatever the number of periods: a term per period made a
    statement PostgreSQL planned again on every run (5 ms for a year's months). The
    edges outside the site's UTC months, none in UTC, are a term each.
    """
    not_live = period_terms(now, bounds[0], bounds[-1])[1:]
    period = _period_of_time(bounds)
    months = ArticleTally.objects.filter(
        scope=ArticleTally.Scope.MONTH, subject__gte=first_months[0], subject__lt=end_months[-1]
    )
    terms = [
        _by_period(months, _period_of_range(first_months, end_months), Sum("articles")),
        *(_by_period(term, period, -Count("*")) for term in not_live),
    ]
    # The day tallies and the shared days' hours: a range of an index each, one term
    # per range, its bounds unseen by PostgreSQL's planner (see UnseenByPlanner). As one
    # OR of ranges, the generic plan it kept read the whole range between the first and
    # the last and tested every row against them (16 ms for the hours of five local
    # years); seeing each run's ranges, it planned the statement again on every run.
    for first, end, index in zip(first_days, end_days, day_periods, strict=True):
        days = ArticleTally.objects.filter(
            scope=ArticleTally.Scope.DAY,
            subject__gte=UnseenByPlanner(first, BigIntegerField()),
            subject__lt=UnseenByPlanner(end, BigIntegerField()),
        )
        terms.append(_in_period(days, index, Sum("articles")))
    for start, end, index in zip(hour_starts, hour_ends, hour_periods, strict=True):
        hours = Article.objects.order_by().filter(
            publish_at__gte=UnseenByPlanner(start), publish_at__lt=UnseenByPlanner(end)
        )
        terms.append(_in_period(hours, index, Count("*")))
    return terms[0].union(*terms[1:], all=True)


def _period_of_time(bounds: list[dt.datetime]) -> Case:
    """The period of an article's publish time, which lies between the first and last
    bounds."""
    whens = [
        When(publish_at__lt=end, then=_literal(index)) for index, end in enumerate(bounds[1:-1])
    ]
    return Case(*whens, default=_literal(len(bounds) - 2), output_field=IntegerField())


def _period_of_range(firsts: list[int], ends: list[int]) -> Case:
    """The period ``i`` of a tally whose subject is in ``[firsts[i], ends[i])``, ranges
    that follow each other in order; NULL outside them."""
    whens = []
    for index, (first, end) in enumerate(zip(firsts, ends, strict=True)):
        whens += [
            When(subject__lt=first, then=Value(None)),
            When(subject__lt=end, then=_literal(index)),
        ]
    return Case(*whens, default=Value(None), output_field=IntegerField())


def _literal(number: int) -> RawSQL:
    # A period's number, written into the SQL rather than passed: it is the same on
    # every run, and would be one parameter more for each period in each term.
    return RawSQL(str(int(number)), (), output_field=IntegerField())


def _in_period(rows: QuerySet, index: int, total) -> QuerySet:
    """(``index``, ``total`` of ``rows``): rows that all fall in one period."""
    in_period = rows.order_by().annotate(period=Value(index, IntegerField())).values("period")
    return in_period.annotate(n=total).values_list("period", "n")


def _by_period(rows: QuerySet, period: Case, total) -> QuerySet:
    grouped = rows.order_by().annotate(period=period).values("period")
    return grouped.annotate(n=total).values_list("period", "n")


# Compiling the terms cost more than running them: prepared, per number of periods.
_PERIOD_COUNTS = PreparedQuery(_period_count_terms)
