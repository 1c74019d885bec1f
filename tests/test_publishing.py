"""articles.publishing: who may publish and unpublish, and what each does to the times."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from articles.models import Article
from articles.publishing import PublishNow, Unpublish, can_publish, execute_all
from articles.roles import CONTRIBUTORS, EDITORS, WIRE_DESK
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db


def live_numbers():
    return set(Article.objects.live().values_list("number", flat=True))


@pytest.fixture
def editor():
    return make_user("eddie", groups=(EDITORS,))


@pytest.mark.parametrize(
    ("groups", "superuser", "allowed"),
    [
        ((EDITORS,), False, True),
        ((), True, True),
        ((CONTRIBUTORS,), False, False),
        ((WIRE_DESK,), False, False),
        ((), False, False),
    ],
)
def test_only_editors_and_superusers_may_publish(groups, superuser, allowed):
    user = make_user("someone", groups=groups, superuser=superuser)
    assert can_publish(user) is allowed


@pytest.mark.parametrize("action", [PublishNow, Unpublish])
def test_contributor_is_refused_and_nothing_changes(action):
    contributor = make_user("carla", groups=(CONTRIBUTORS,))
    article = make_article(state="draft" if action is PublishNow else "live")
    with pytest.raises(PermissionDenied):
        action(article, contributor).execute()
    article.refresh_from_db()
    assert article.state == ("draft" if action is PublishNow else "live")


def test_inactive_editor_may_not_publish(editor):
    editor.is_active = False
    assert not can_publish(editor)


def test_publish_now_makes_a_draft_live_at_now(editor):
    article = make_article(state="draft")
    before = timezone.now()
    PublishNow(article, editor).execute()
    article.refresh_from_db()
    assert article.number in live_numbers()
    assert before <= article.publish_at <= timezone.now()
    assert article.updated_by == editor


def test_publish_now_keeps_a_past_publish_time(editor):
    earlier = timezone.now() - dt.timedelta(days=3)
    article = make_article(state="draft", publish_at=earlier)
    PublishNow(article, editor).execute()
    article.refresh_from_db()
    assert article.publish_at == earlier
    assert article.number in live_numbers()


def test_publish_now_brings_a_scheduled_article_forward(editor):
    article = make_article(state="scheduled")
    now = timezone.now()
    PublishNow(article, editor).execute(now)
    article.refresh_from_db()
    assert article.publish_at == now
    assert article.number in live_numbers()


def test_publish_now_clears_a_past_expiry_but_keeps_a_future_one(editor):
    expired = make_article(state="expired")
    future_expiry = timezone.now() + dt.timedelta(days=5)
    draft = make_article(state="draft", expires_at=future_expiry)
    execute_all(PublishNow, [expired, draft], editor)
    expired.refresh_from_db()
    draft.refresh_from_db()
    assert expired.expires_at is None
    assert draft.expires_at == future_expiry
    assert {expired.number, draft.number} <= live_numbers()


def test_unpublish_takes_a_live_article_off_the_site_and_keeps_its_times(editor):
    article = make_article(state="live")
    publish_at = article.publish_at
    Unpublish(article, editor).execute()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.publish_at == publish_at
    assert article.number not in live_numbers()


def test_execute_all_checks_the_user_even_with_nothing_to_do():
    with pytest.raises(PermissionDenied):
        execute_all(PublishNow, [], make_user("carla", groups=(CONTRIBUTORS,)))
