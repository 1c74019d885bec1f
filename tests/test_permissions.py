"""Roles in the admin: contributors can never publish or schedule, by any route.

Every test logs a real user of a role in and goes through the admin's URLs.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_source, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:articles_article_changelist"
ADD = "admin:articles_article_add"
CHANGE = "admin:articles_article_change"
IMPORT = "admin:articles_article_import"


def live_numbers():
    return set(Article.objects.live().values_list("number", flat=True))


def form_data(article=None, **overrides):
    """A complete change-form POST, as the browser sends it (split date and time)."""
    source = article.source if article else make_source()
    data = {
        "title": article.title if article else "Council approves budget",
        "slug": article.slug if article else "council-approves-budget",
        "summary": "The summary.",
        "body": "<p>The body.</p>",
        "tags": "",
        "source": source.pk,
        "source_link": "",
        "feed_item_id": "",
        "image_url": "",
        "image_alt": "",
        "meta_description": "",
        "status": "draft",
        "publish_at_0": "",
        "publish_at_1": "",
        "expires_at_0": "",
        "expires_at_1": "",
    }
    data.update(overrides)
    return data


def publish_fields(moment):
    local = timezone.localtime(moment)
    return {
        "status": "published",
        "publish_at_0": local.strftime("%Y-%m-%d"),
        "publish_at_1": local.strftime("%H:%M:%S"),
    }


def action_post(client, action, *articles):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [a.pk for a in articles], "index": 0},
    )


# Contributors ---------------------------------------------------------------------


def test_contributor_adding_with_status_published_in_the_post_gets_a_draft(client, contributor):
    past = timezone.now() - dt.timedelta(hours=1)
    response = client.post(reverse(ADD), form_data(**publish_fields(past)))
    assert response.status_code == 302
    article = Article.objects.get(slug="council-approves-budget")
    assert article.status == Article.Status.DRAFT
    assert article.publish_at is None
    assert article.number not in live_numbers()
    assert article.updated_by == contributor


def test_contributor_can_edit_a_draft_but_a_forged_status_stays_draft(client, contributor):
    article = make_article(state="draft", title="Old title")
    future = timezone.now() + dt.timedelta(days=1)
    response = client.post(
        reverse(CHANGE, args=[article.pk]),
        form_data(article, title="New title", **publish_fields(future)),
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "New title"
    assert article.status == Article.Status.DRAFT
    assert article.publish_at is None
    assert Article.objects.scheduled().count() == 0


def test_contributor_sees_publishing_fields_read_only(client, contributor):
    article = make_article(state="draft")
    page = client.get(reverse(CHANGE, args=[article.pk])).content.decode()
    assert 'name="title"' in page
    assert 'name="status"' not in page
    assert 'name="publish_at_0"' not in page
    assert 'name="expires_at_0"' not in page


@pytest.mark.parametrize("state", ["scheduled", "live", "expired"])
def test_contributor_cannot_change_a_published_article(client, contributor, state):
    article = make_article(state=state, title="Untouched")
    url = reverse(CHANGE, args=[article.pk])
    page = client.get(url)
    assert page.status_code == 200  # the read-only view
    assert 'name="title"' not in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    response = client.post(url, form_data(article, title="Changed", status="draft"))
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == "Untouched"
    assert article.state == state


def test_contributor_does_not_see_the_publish_actions(client, contributor):
    make_article(state="draft")
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert 'value="publish_now"' not in page
    assert 'value="unpublish"' not in page


def test_contributor_forged_publish_action_is_refused(client, contributor):
    draft = make_article(state="draft")
    live = make_article(state="live")
    for action, article in [("publish_now", draft), ("unpublish", live)]:
        response = action_post(client, action, article)
        assert response.status_code in {200, 302}
    assert draft.number not in live_numbers()
    assert live.number in live_numbers()


def test_contributor_gets_403_on_the_import_page(client, contributor):
    assert client.get(reverse(IMPORT)).status_code == 403
    assert client.post(reverse(IMPORT), {}).status_code == 403
    assert "Import wire files" not in client.get(reverse(CHANGELIST)).content.decode()


def test_contributor_cannot_delete(client, contributor):
    article = make_article(state="draft")
    response = client.post(reverse("admin:articles_article_delete", args=[article.pk]), {"post": 1})
    assert response.status_code == 403
    assert Article.objects.filter(pk=article.pk).exists()


# Editors ------------------------------------------------------------------------------


def test_editor_publishes_now_and_unpublishes_by_action(client, editor):
    drafts = [make_article(state="draft"), make_article(state="scheduled")]
    response = action_post(client, "publish_now", *drafts)
    assert response.status_code == 302
    assert {a.number for a in drafts} <= live_numbers()
    assert all(
        a.updated_by == editor for a in Article.objects.filter(pk__in=[d.pk for d in drafts])
    )

    response = action_post(client, "unpublish", drafts[0])
    assert response.status_code == 302
    assert drafts[0].number not in live_numbers()
    assert drafts[1].number in live_numbers()


def test_editor_sees_the_publish_actions(client, editor):
    make_article()
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert 'value="publish_now"' in page
    assert 'value="unpublish"' in page


def test_editor_schedules_through_the_form(client, editor):
    article = make_article(state="draft")
    future = (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0)
    response = client.post(
        reverse(CHANGE, args=[article.pk]), form_data(article, **publish_fields(future))
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.state == Article.State.SCHEDULED
    assert article.publish_at == future


def test_editor_publishing_without_a_time_gets_a_form_error_not_a_500(client, editor):
    article = make_article(state="draft")
    response = client.post(
        reverse(CHANGE, args=[article.pk]), form_data(article, status="published")
    )
    assert response.status_code == 200
    assert "A published article needs a publish time" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_editor_expiry_before_publish_gets_a_form_error(client, editor):
    article = make_article(state="draft")
    now = timezone.now()
    data = form_data(article, **publish_fields(now))
    earlier = timezone.localtime(now - dt.timedelta(days=1))
    data |= {"expires_at_0": earlier.strftime("%Y-%m-%d"), "expires_at_1": "00:00:00"}
    response = client.post(reverse(CHANGE, args=[article.pk]), data)
    assert response.status_code == 200
    assert "The expiry time must be after the publish time." in response.content.decode()


# Wire desk -----------------------------------------------------------------------------


def test_wire_desk_views_articles_but_cannot_change_or_publish(client, wire_desk):
    article = make_article(state="draft")
    assert client.get(reverse(CHANGELIST)).status_code == 200
    page = client.get(reverse(CHANGE, args=[article.pk])).content.decode()
    assert 'name="_save"' not in page
    assert client.get(reverse(ADD)).status_code == 403
    action_post(client, "publish_now", article)
    assert article.number not in live_numbers()


def test_wire_desk_opens_the_import_page_from_the_changelist(client, wire_desk):
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert reverse(IMPORT) in page
    assert client.get(reverse(IMPORT)).status_code == 200


def test_staff_without_any_role_gets_403_everywhere(client):
    client.force_login(make_user("nobody"))
    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.get(reverse(IMPORT)).status_code == 403


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(reverse(IMPORT))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
