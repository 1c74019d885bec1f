"""One definition of "live", checked at its edges."""

import datetime as dt

import pytest
from django.utils import timezone

from articles.models import Article, not_live_terms
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def live_numbers(now=None):
    return set(Article.objects.live(now).values_list("number", flat=True))


@pytest.mark.parametrize(
    ("state", "is_live"),
    [("live", True), ("draft", False), ("scheduled", False), ("expired", False)],
)
def test_each_state_is_live_or_not(state, is_live):
    article = make_article(state=state)
    assert (article.number in live_numbers()) is is_live
    assert article.state == state
    assert article.is_live is is_live


def test_publish_time_exactly_now_is_live():
    now = timezone.now()
    article = make_article(publish_at=now)
    assert article.number in live_numbers(now)
    assert article.number not in live_numbers(now - dt.timedelta(microseconds=1))


def test_expiry_exactly_now_is_no_longer_live():
    now = timezone.now()
    article = make_article(publish_at=now - dt.timedelta(hours=1), expires_at=now)
    assert article.number not in live_numbers(now)
    assert article.number in live_numbers(now - dt.timedelta(microseconds=1))


def test_scheduled_article_goes_live_when_its_time_passes_without_any_job():
    article = make_article(state="scheduled")
    assert article.number not in live_numbers()
    assert article.number in live_numbers(article.publish_at + dt.timedelta(seconds=1))


def test_the_not_live_terms_are_exactly_what_live_leaves_out_and_disjoint():
    now = timezone.now()
    articles = [make_article(state=state) for state in ("live", "draft", "scheduled", "expired")]
    articles.append(make_article(title="A draft with a past publish time", state="draft"))
    Article.objects.filter(pk=articles[-1].pk).update(publish_at=now - dt.timedelta(days=3))
    articles.append(make_article(publish_at=now, title="Goes live exactly now"))
    articles.append(
        make_article(publish_at=now - dt.timedelta(hours=1), expires_at=now, title="Expires now")
    )
    live = set(Article.objects.live(now).values_list("pk", flat=True))
    terms = [
        set(Article.objects.filter(term).values_list("pk", flat=True))
        for term in not_live_terms(now)
    ]
    not_live = set().union(*terms)
    assert sum(len(term) for term in terms) == len(not_live)  # disjoint: counts add up
    assert live.isdisjoint(not_live)
    assert live | not_live == {article.pk for article in articles}
    assert len(live) == 2  # the live one and the one going live exactly now
