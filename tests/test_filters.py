"""The /articles/ listing: filters, ordering, page size, friendly errors, constant queries."""

from __future__ import annotations

import datetime as dt
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import html5lib
import pytest
from django import forms
from django.db import connection
from django.forms.boundfield import BoundField
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.cards import LATEST
from articles.filters import ArticleFilter, LiveSourceField, source_is_narrower, tally_sizes
from articles.models import Article, Source
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db

URL = "/articles/"


def titles(response) -> list[str]:
    return [article.title for article in response.context["articles"]]


def at(year, month, day, hour=12, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def parse(response):
    return html5lib.parse(response.content, namespaceHTMLElements=False)


def test_lists_live_articles_only_newest_first(client):
    make_article(title="Older", publish_at=at(2024, 1, 1))
    make_article(title="Newer", publish_at=at(2024, 2, 1))
    for state in ("draft", "scheduled", "expired"):
        make_article(title=f"Not live {state}", state=state)
    response = client.get(URL)
    assert response.status_code == 200
    assert titles(response) == ["Newer", "Older"]
    assert b"Not live" not in response.content


def test_oldest_first_on_request(client):
    make_article(title="Older", publish_at=at(2024, 1, 1))
    make_article(title="Newer", publish_at=at(2024, 2, 1))
    assert titles(client.get(URL, {"order": "oldest"})) == ["Older", "Newer"]
    assert titles(client.get(URL, {"order": "newest"})) == ["Newer", "Older"]


def test_filter_by_source_slug(client):
    acme, other = make_source("Acme Wire"), make_source("Other Wire")
    make_article(title="From Acme", source=acme)
    make_article(title="From Other", source=other)
    response = client.get(URL, {"source": "acme-wire"})
    assert titles(response) == ["From Acme"]


def test_source_choices_name_only_sources_with_live_articles(client):
    make_article(title="Live", source=make_source("Visible Wire"))
    make_article(title="Draft", state="draft", source=make_source("Embargoed Wire"))
    response = client.get(URL)
    assert b"Visible Wire" in response.content
    assert b"Embargoed Wire" not in response.content
    bad = client.get(URL, {"source": "embargoed-wire"})
    assert bad.status_code == 400


def source_options(response) -> list[str]:
    select = parse(response).find(".//select[@name='source']")
    return [option.text for option in select.iter("option") if option.get("value")]


def test_the_form_shown_follows_the_live_sources_and_the_values_of_each_request(client):
    """The rendered fields are reused for the same sources and values, never for others."""
    make_article(source=make_source("Acme Wire"))
    scheduled = make_article(source=make_source("Beta Wire"), state="scheduled")
    assert source_options(client.get(URL)) == ["Acme Wire"]
    Article.objects.filter(pk=scheduled.pk).update(publish_at=timezone.now())
    assert source_options(client.get(URL)) == ["Acme Wire", "Beta Wire"]

    wrong = parse(client.get(URL, {"published_after": "2024-13-01"}))
    right = parse(client.get(URL, {"published_after": "2024-12-01"}))
    assert wrong.find(".//div[@class='field field-published_after has-error']") is not None
    assert right.find(".//div[@class='field field-published_after has-error']") is None
    assert right.find(".//input[@name='published_after']").get("value") == "2024-12-01"


def test_forms_share_no_state_between_requests():
    """Each form is given its own copy of the fields: the sources one offers are not
    the next one's, and a bound value or an error stays with its form."""
    form_class = ArticleFilter({}, queryset=Article.objects.none()).get_form_class()
    acme = form_class({"source": "acme"}, source_rows=[(1, "Acme Wire", "acme")])
    beta = form_class({"published_after": "nope"}, source_rows=[(2, "Beta Wire", "beta")])
    assert beta.is_valid() is False and acme.is_valid() is True
    assert list(acme.fields["source"].widget.choices) == [
        ("", "All sources"),
        ("acme", "Acme Wire"),
    ]
    assert list(beta.fields["source"].widget.choices) == [
        ("", "All sources"),
        ("beta", "Beta Wire"),
    ]
    assert acme.cleaned_data["source"].name == "Acme Wire"
    assert "published_after" in beta.errors and not acme.errors


def test_filter_by_several_tags_matches_any_once(client):
    make_article(title="Energy", tags=["energy"])
    make_article(title="Mining", tags=["mining"])
    make_article(title="Both", tags=["energy", "mining"])
    make_article(title="Neither", tags=["biotech"])
    repeated = client.get(URL, {"tag": ["energy", "mining"]})
    assert sorted(titles(repeated)) == ["Both", "Energy", "Mining"]
    comma = client.get(URL, {"tag": "energy, mining"})
    assert sorted(titles(comma)) == ["Both", "Energy", "Mining"]
    assert titles(client.get(URL, {"tag": "ENERGY"})) == ["Both", "Energy"]
    assert titles(client.get(URL, {"tag": "unknown-tag"})) == []
    assert sorted(titles(client.get(URL, {"tag": "energy,unknown-tag"}))) == ["Both", "Energy"]
    assert titles(client.get(URL, {"tag": "unknown-tag,nowhere"})) == []


def test_free_text_matches_words_in_the_title_summary_or_body(client):
    make_article(title="Lithium find in Nevada", summary="Drilling results")
    make_article(title="Quarterly results", summary="A lithium producer reports")
    make_article(title="Mine opens", summary="News", body="<p>The lithium mine in Zürich</p>")
    make_article(title="Unrelated", summary="Nothing here")
    make_article(title="Lithium draft", state="draft")
    assert sorted(titles(client.get(URL, {"q": "LITHIUM"}))) == [
        "Lithium find in Nevada",
        "Mine opens",
        "Quarterly results",
    ]
    assert titles(client.get(URL, {"q": "lithium nevada"})) == ["Lithium find in Nevada"]
    assert titles(client.get(URL, {"q": "zürich"})) == ["Mine opens"]
    assert titles(client.get(URL, {"q": '"lithium" (nevada!'})) == ["Lithium find in Nevada"]


def test_free_text_is_escaped_when_shown_again(client):
    response = client.get(URL, {"q": '<script>alert("x")</script>'})
    assert response.status_code == 200
    assert b'<script>alert("x")' not in response.content
    assert b"&lt;script&gt;" in response.content


def test_dates_are_days_in_the_newsroom_time_zone(client, settings):
    settings.TIME_ZONE = "America/New_York"
    # 03:00 UTC on 10 March is still 9 March in New York.
    make_article(title="Late on the 9th", publish_at=at(2024, 3, 10, 3))
    make_article(title="On the 10th", publish_at=at(2024, 3, 10, 15))
    assert titles(client.get(URL, {"published_after": "2024-03-10"})) == ["On the 10th"]
    assert titles(client.get(URL, {"published_before": "2024-03-09"})) == ["Late on the 9th"]
    both = client.get(URL, {"published_after": "2024-03-09", "published_before": "2024-03-10"})
    assert titles(both) == ["On the 10th", "Late on the 9th"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"published_after": "garbage"}, b"Enter a valid date"),
        ({"published_before": "2024-13-45"}, b"Enter a valid date"),
        ({"published_after": "0001-01-01"}, b"Enter a date between"),
        ({"published_after": "2024-02-01", "published_before": "2024-01-01"}, b"must not be"),
        ({"source": "no-such-source"}, b"Select a valid choice"),
        ({"tag": "not a slug!"}, b"is not a tag name"),
        ({"order": "sideways"}, b"Select a valid choice"),
        ({"per_page": "lots"}, b"Enter a whole number"),
        ({"per_page": "0"}, b"greater than or equal to 1"),
        ({"q": "x" * 201}, b"at most 200 characters"),
    ],
)
def test_invalid_values_get_a_friendly_form_error(client, params, message):
    make_article(title="Live one")
    response = client.get(URL, params)
    assert response.status_code == 400
    assert message in response.content
    assert b'role="alert"' in response.content
    assert b'aria-invalid="true"' in response.content or b"must not be" in response.content
    assert b"Live one" not in response.content


def test_page_size_is_capped(client):
    make_article()
    assert client.get(URL, {"per_page": "3"}).context["page"].paginator.per_page == 3
    assert client.get(URL, {"per_page": "100000"}).context["page"].paginator.per_page == 100


def test_pages_past_the_end_are_404(client):
    for number in range(3):
        make_article(title=f"Article {number}")
    assert client.get(URL, {"per_page": 2, "page": 2}).status_code == 200
    assert client.get(URL, {"per_page": 2, "page": 3}).status_code == 404
    assert client.get(URL, {"page": "abc"}).status_code == 404
    assert client.get(URL, {"page": "0"}).status_code == 404


def test_no_match_is_an_empty_page_not_an_error(client):
    make_article(title="Live one")
    response = client.get(URL, {"q": "nothing matches this"})
    assert response.status_code == 200
    assert b"0 articles" in response.content


def test_pagination_links_keep_the_other_parameters(client):
    for number in range(3):
        make_article(title=f"Energy {number}", tags=["energy"])
    response = client.get(URL, {"tag": "energy", "per_page": 1, "page": 2})
    document = parse(response)
    links = {a.get("rel"): a.get("href") for a in document.iter("a") if a.get("rel")}
    for rel, page in (("prev", None), ("next", ["3"])):
        query = parse_qs(urlsplit(links[rel]).query)
        assert query["tag"] == ["energy"]
        assert query["per_page"] == ["1"]
        assert query.get("page") == page


def test_filter_form_controls_are_labelled(client):
    make_article()
    document = parse(client.get(URL))
    form = document.find(".//form")
    labels = {label.get("for") for label in form.iter("label")}
    controls = [*form.iter("input"), *form.iter("select")]
    assert len(controls) == 7
    for control in controls:
        assert control.get("id") in labels, control.get("name")


def test_canonical_link_keeps_meaningful_filters_only(client):
    make_article(tags=["energy"])
    response = client.get(URL, {"tag": "energy", "per_page": "5", "order": "newest"})
    assert b'<link rel="canonical" href="http://testserver/articles/?tag=energy">' in (
        response.content
    )


def _listing_queries(client, count: int) -> int:
    source = make_source("Acme Wire")
    for number in range(count):
        make_article(title=f"Article {number}", source=source, tags=[f"tag{number}", "common"])
    params = {"tag": "common", "source": "acme-wire", "q": "article", "per_page": 50}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert len(response.context["articles"]) == count
    return len(queries)


def test_query_count_does_not_grow_with_the_articles(client):
    few = _listing_queries(client, 5)
    Article.objects.all().delete()
    many = _listing_queries(client, 40)
    assert few == many
    # Count, page with its tags, source choices, the tallies to choose which end to
    # read from (tally_sizes), and one sizing the word's matches to choose whether to
    # count them and how to read them (found_in_many, SQLiteBackend.with_words).
    assert many == 5


@pytest.mark.parametrize("tags", [2, 6])
def test_several_tags_cost_the_same_queries_whatever_their_number(client, tags):
    """The sources offered, the tags' tallies (which name the tags' ids too), the count
    and the page: the same for two tags as for six. The page of tags this small is two
    queries: its articles picked from the tags' sorted copies, then read
    (cards.SortedCopies); PostgreSQL reads the first pages of popular tags in one
    (cards.FirstOfEachTag)."""
    slugs = [f"tag{number}" for number in range(tags)]
    for number in range(3 * tags):
        make_article(title=f"Article {number}", tags=[slugs[number % tags], "other"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"tag": [*slugs, "nowhere"]})
    assert response.context["page"].paginator.count == 3 * tags
    assert len(queries) == 5


def test_unfiltered_count_is_the_live_articles(client):
    make_article(title="Live one")
    make_article(title="Live two")
    for state in ("draft", "scheduled", "expired"):
        make_article(title=f"Not live {state}", state=state)
    response = client.get(URL)
    assert response.context["page"].paginator.count == 2
    assert b"2 articles." in response.content


def test_the_latest_listing_count_agrees_with_live_at_every_moment():
    now = timezone.now()
    hour = dt.timedelta(hours=1)
    make_article(title="Live, no expiry")
    make_article(title="Live until tomorrow", expires_at=now + 24 * hour)
    make_article(title="Expires at once", publish_at=now - 2 * hour, expires_at=now)
    make_article(title="Scheduled, expiring", publish_at=now + hour, expires_at=now + 2 * hour)
    for state in ("draft", "scheduled", "expired"):
        make_article(title=f"Not live {state}", state=state)
    for moment in (now - 3 * hour, now - hour, now, now + 90 * dt.timedelta(minutes=1)):
        with mock.patch("django.utils.timezone.now", return_value=moment):
            assert LATEST.cards().count() == Article.objects.live().count(), moment


def test_a_source_is_offered_and_accepted_once_its_first_article_is_live(client):
    scheduled = make_article(title="Soon", state="scheduled", source=make_source("Later Wire"))
    assert b"Later Wire" not in client.get(URL).content
    assert client.get(URL, {"source": "later-wire"}).status_code == 400
    with mock.patch("django.utils.timezone.now", return_value=scheduled.publish_at):
        assert b"Later Wire" in client.get(URL).content
        assert titles(client.get(URL, {"source": "later-wire"})) == ["Soon"]
    assert b"Later Wire" not in client.get(URL).content


def test_the_chosen_source_is_selected_and_canonical(client):
    acme = make_source("Acme Wire")
    make_article(source=acme)
    make_article(source=make_source("Other Wire"))
    response = client.get(URL, {"source": "acme-wire"})
    assert response.context["filter"].form.cleaned_data["source"].pk == acme.pk
    selected = [
        option.get("value")
        for option in parse(response).iter("option")
        if option.get("selected") is not None
    ]
    assert selected == ["acme-wire"]
    assert b'href="http://testserver/articles/?source=acme-wire"' in response.content


def field_group_tree(html: str) -> list:
    """The elements of a field group's HTML, as (tag, attributes, text) in document order."""
    fragment = html5lib.parseFragment(html, namespaceHTMLElements=False)
    return [
        (element.tag, dict(element.attrib), (element.text or "").strip())
        for element in fragment.iter()
        if isinstance(element.tag, str)
    ]


@pytest.mark.parametrize(
    "params",
    [
        None,
        {},
        {"q": '<b>"quoted"</b> & more', "tag": "a,b", "order": "oldest", "per_page": "7"},
        {"source": "acme-wire", "published_after": "2024-01-02"},
        {"source": "nobody", "published_after": "garbage", "per_page": "0", "order": "up"},
        {"tag": "not a slug!", "q": "x" * 201, "published_before": "0001-01-01"},
    ],
)
def test_fields_render_as_django_form_templates_do(params):
    make_article(source=make_source("Acme Wire"))
    make_article(source=make_source("Beta & <Sons>"))
    filterset = ArticleFilter(params, queryset=Article.objects.none())
    filterset.is_valid()
    for field in filterset.form:
        assert field.rendered_in_python(), field.name
        ours = field_group_tree(str(field.as_field_group()))
        django = field_group_tree(str(BoundField.as_field_group(field)))
        assert ours == django, field.name


def test_other_widgets_keep_django_templates():
    form = ArticleFilter({}, queryset=Article.objects.none()).form
    form.fields["extra"] = forms.BooleanField(label="Extra", required=False)
    field = form["extra"]
    assert not field.rendered_in_python()
    assert 'type="checkbox"' in str(field.as_field_group())


@pytest.mark.parametrize(
    "query",
    [
        {"tag": "energy"},
        {"tag": "ENERGY"},  # tags are matched lower-cased
        {"tag": "energy,markets"},  # any of several
        {"tag": "energy,markets,solar"},  # an article with two of them is listed once
        {"tag": "markets,no-such-tag"},
        {"source": "acme-wire"},
        {"published_after": "2024-01-02"},
        {"published_before": "2024-01-02"},
        {"published_after": "2024-01-02", "published_before": "2024-01-03"},
        {"order": "oldest"},
        {"tag": "energy", "order": "oldest"},
        {"tag": "energy,markets", "order": "oldest"},
        {"source": "acme-wire", "order": "oldest"},
        {"published_before": "2024-01-02", "order": "oldest"},
        {"tag": "energy", "published_after": "2024-01-02"},
        {"tag": "energy", "published_before": "2024-01-02", "order": "oldest"},
        {"tag": "energy", "published_after": "2024-01-01", "published_before": "2024-01-03"},
        {"source": "acme-wire", "published_after": "2024-01-02"},
        {"source": "acme-wire", "published_before": "2024-01-02", "order": "oldest"},
        {"tag": "energy", "per_page": "2"},
        {"source": "acme-wire", "order": "oldest", "per_page": "1"},
    ],
)
def test_prepared_listings_show_what_the_filters_select(client, query):
    """Tags, one source or a date range alone, or one tag or source in a date range, in
    either order and any page size, is read from a prepared listing (prepared_listing);
    it must list what the filter's own queryset lists."""
    acme, other = make_source("Acme Wire"), make_source("Other Wire")
    for day in (1, 2, 3):
        for source in (acme, other):
            make_article(
                title=f"{source.name} day {day}",
                source=source,
                tags=["energy", "solar"] if day == 3 else ["energy"] if day == 1 else ["markets"],
                publish_at=at(2024, 1, day, hour=23, minute=30),  # late: a day later in UTC+
            )
    for state in ("draft", "scheduled", "expired"):
        make_article(title=f"Not live {state}", state=state, source=acme, tags=["energy"])
    filterset = ArticleFilter(query, queryset=Article.objects.none())
    assert filterset.is_valid()
    live = Article.objects.live().order_by("-publish_at", "-number")
    expected = [article.title for article in filterset.filter_queryset(live)]

    response = client.get(URL, query)

    assert expected and "Not live" not in " ".join(expected)
    assert titles(response) == expected[: int(query.get("per_page", 20))]
    assert response.context["page"].paginator.count == len(expected)


def test_a_date_given_alone_leaves_the_other_side_open(client):
    make_article(title="Ancient", publish_at=dt.datetime(999, 6, 1, tzinfo=dt.UTC))
    make_article(title="Recent", publish_at=at(2024, 1, 1))
    assert titles(client.get(URL, {"published_before": "2100-01-01"})) == ["Recent", "Ancient"]
    assert titles(client.get(URL, {"published_after": "1000-01-01"})) == ["Recent"]


def test_any_page_size_lists_what_the_site_page_size_lists(client):
    for day in range(1, 8):
        make_article(title=f"Day {day}", tags=["energy"], publish_at=at(2024, 1, day))
    site_size = titles(client.get(URL, {"tag": "energy"}))
    pages_of_three = [
        title
        for page in (1, 2, 3)
        for title in titles(client.get(URL, {"tag": "energy", "per_page": "3", "page": page}))
    ]
    assert pages_of_three == site_size


def test_a_free_text_without_words_is_not_a_filter(client):
    make_article(title="Anything")
    response = client.get(URL, {"q": "!!! ..."})
    assert titles(response) == ["Anything"]
    assert b"(filtered)" not in response.content
    assert b"match these filters" not in response.content


def test_a_tag_filter_for_an_unknown_tag_lists_nothing(client):
    make_article(title="Tagged", tags=["energy"])
    response = client.get(URL, {"tag": "no-such-tag"})
    assert response.status_code == 200
    assert titles(response) == []


def test_offered_sources_are_the_choices_the_choices_setter_would_make():
    field = LiveSourceField(empty_label="All sources")
    field.offer([(1, "Acme Wire", "acme-wire"), (2, "Ölwerk & Söhne", "olwerk")])
    expected = forms.ChoiceField(
        choices=[("", "All sources"), ("acme-wire", "Acme Wire"), ("olwerk", "Ölwerk & Söhne")]
    )
    assert field.choices == expected.choices
    assert field.widget.choices == expected.widget.choices


@pytest.mark.parametrize(
    ("source_slug", "tags", "read_from"),
    [
        # Tallies count the articles that are not live too: the small source has 5
        # articles, the big one 19; "rare" tags 4 articles, "common" 9. Reading a tagging
        # row costs ROW_LOOKUP_COST (3) probes of the source's articles.
        ("small-wire", "common,rare", "the source"),  # 5 < 3 x 13
        ("big-wire", "rare,no-such-tag", "the tags"),  # 19 > 3 x 4
        ("big-wire", "rare,common", "the source"),  # 19 < 3 x 13
        ("big-wire", "common", "the copies"),  # one tag: a range of its copies
        ("small-wire", "rare", "the copies"),  # none of them
    ],
)
def test_a_source_and_tags_list_the_same_from_either_end(client, source_slug, tags, read_from):
    """A source with several tags is read from whichever end is narrower
    (source_is_narrower), with one tag from its copies beside the tag: each lists
    exactly the source's live articles with any of the tags."""
    small, big = make_source("Small Wire"), make_source("Big Wire")
    for number in range(2):
        make_article(title=f"Small {number}", source=small, tags=["common"])
    for number in range(16):
        tagged = ["rare"] if number == 0 else ["common"] if number < 5 else []
        make_article(title=f"Big {number}", source=big, tags=tagged)
    for state in ("draft", "scheduled", "expired"):
        make_article(title=f"Not live {state}", state=state, source=small, tags=["common"])
        make_article(title=f"Not live big {state}", state=state, source=big, tags=["rare"])
    wanted = set(tags.split(","))
    expected = [
        article.title
        for article in Article.objects.live().order_by("-publish_at", "-number")
        if article.source.slug == source_slug and wanted & set(article.tags.names())
    ]

    response = client.get(URL, {"source": source_slug, "tag": tags})

    if read_from != "the copies":
        size = tally_sizes(Source.objects.get(slug=source_slug).pk, sorted(wanted))
        assert source_is_narrower(size) is (read_from == "the source")
    assert titles(response) == expected
    assert response.context["page"].paginator.count == len(expected)
    oldest = client.get(URL, {"source": source_slug, "tag": tags, "order": "oldest"})
    assert titles(oldest) == expected[::-1]


def test_words_in_very_many_articles_list_their_first_matches_without_a_count(client, settings):
    """Past the search's ranking window a word's matches are paged without a count, and,
    as /search/ ranks them, only the first window of them in the listing's order is
    listed: without a count nothing else bounds how far a page number reads."""
    settings.NEWSROOM_SEARCH_RANK_WINDOW = 3
    for day in range(1, 6):
        make_article(title=f"Osprey {day}", publish_at=at(2024, 1, day))
        make_article(title=f"Heron {day}", publish_at=at(2024, 1, day, hour=13))
    for state in ("draft", "scheduled", "expired"):
        make_article(title=f"Osprey not live {state}", state=state)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # PostgreSQL judges by the planner's estimate
            cursor.execute("ANALYZE articles_article")

    first = client.get(URL, {"q": "osprey", "per_page": 2})
    second = client.get(URL, {"q": "osprey", "per_page": 2, "page": 2})

    assert first.context["page"].paginator is None
    assert titles(first) + titles(second) == ["Osprey 5", "Osprey 4", "Osprey 3"]
    assert first.context["page"].has_next() and not second.context["page"].has_next()
    assert client.get(URL, {"q": "osprey", "per_page": 2, "page": 3}).status_code == 404
    assert b"the newest 3 are listed" in first.content
    oldest = client.get(URL, {"q": "osprey", "order": "oldest"})
    assert titles(oldest) == ["Osprey 1", "Osprey 2", "Osprey 3"]
    assert b"the oldest 3 are listed" in oldest.content


def test_words_in_fewer_articles_than_the_window_are_counted(client, settings):
    settings.NEWSROOM_SEARCH_RANK_WINDOW = 10
    for day in range(1, 4):
        make_article(title=f"Osprey {day}", publish_at=at(2024, 1, day))
    response = client.get(URL, {"q": "osprey"})
    assert response.context["page"].paginator.count == 3
    assert b"3 articles match these filters" in response.content


@pytest.mark.parametrize("tag_on_every_article", [True, False])
def test_common_words_with_tags_list_the_same_from_either_end(
    client, settings, tag_on_every_article
):
    """Without a count, a popular tag is tested per article walking the newest ones, a
    rare one read from its rows (latest_first_is_cheaper): the same articles either way."""
    settings.NEWSROOM_SEARCH_RANK_WINDOW = 3
    for day in range(1, 11):
        birds = tag_on_every_article or day == 4
        make_article(
            title=f"Osprey {day}", tags=["birds"] if birds else [], publish_at=at(2024, 1, day)
        )
    make_article(title="Osprey not live", state="draft", tags=["birds"])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE articles_article")
    matching = [f"Osprey {day}" for day in range(10, 0, -1) if tag_on_every_article or day == 4]
    expected = matching[:3]  # the window's worth, as above

    response = client.get(URL, {"q": "osprey", "tag": "birds", "per_page": 3})
    listed = titles(response)
    while response.context["page"].has_next():
        number = response.context["page"].next_page_number()
        response = client.get(URL, {"q": "osprey", "tag": "birds", "per_page": 3, "page": number})
        listed += titles(response)

    assert response.context["page"].paginator is None
    assert listed == expected


def test_page_links_are_named_by_the_listing_order(client):
    for day in (1, 2, 3):
        make_article(title=f"Day {day}", publish_at=at(2024, 1, day))
    oldest = client.get(URL, {"order": "oldest", "per_page": 1, "page": 2}).content.decode()
    newest = client.get(URL, {"per_page": 1, "page": 2}).content.decode()
    assert '>Older</a>\n  <span>Page 2 of 3</span>\n  <a rel="next"' in oldest
    assert '<a rel="next" href="/articles/?order=oldest&amp;per_page=1&amp;page=3">Newer</a>' in (
        oldest
    )
    assert ">Newer</a>\n  <span>Page 2 of 3</span>" in newest


def test_other_page_sizes_leave_the_prepared_slices_alone(client):
    for day in (1, 2, 3):
        make_article(title=f"Day {day}", publish_at=at(2024, 1, day))
    client.get(URL, {"order": "oldest"})
    prepared = {order: set(shapes) for order, shapes in LATEST._slices.items()}
    assert titles(client.get(URL, {"order": "oldest", "per_page": 2, "page": 2})) == ["Day 3"]
    assert {order: set(shapes) for order, shapes in LATEST._slices.items()} == prepared


def test_words_found_only_in_articles_not_live_read_as_words_found_nowhere(client, settings):
    """Whether words are counted depends on all their matches, live or not; a listing
    of none of them must not tell that they are many."""
    settings.NEWSROOM_SEARCH_RANK_WINDOW = 2
    for state in ("draft", "scheduled", "expired") * 2:
        make_article(title=f"Zebracode {state}", state=state)
    make_article(title="Something else")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE articles_article")

    hidden = client.get(URL, {"q": "zebracode"})
    nowhere = client.get(URL, {"q": "nosuchword"})

    assert titles(hidden) == titles(nowhere) == []
    assert b"0 articles match these filters" in hidden.content
    assert b"0 articles match these filters" in nowhere.content


def test_query_count_of_a_listing_without_a_count_does_not_grow(client, settings):
    settings.NEWSROOM_SEARCH_RANK_WINDOW = 4
    queries = []
    for count in (5, 40):
        Article.objects.all().delete()
        for number in range(count):
            make_article(title=f"Article {number}", tags=[f"tag{number}", "common"])
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE articles_article")
        params = {"tag": "common", "q": "article", "per_page": 50}
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, params)
        assert response.context["page"].paginator is None
        assert len(response.context["articles"]) == 4  # the window's worth
        queries.append(len(captured))
    # Page with its tags, source choices, the word's matches sized (found_in_many),
    # the tallies that choose how the tags are read (tally_sizes): no count.
    assert queries == [4, 4]


def test_a_source_and_tags_read_their_tallies_once(client):
    source = make_source("Big Wire")
    for number in range(8):
        make_article(source=source, tags=["rare"] if number == 0 else [])
    make_article(tags=["scarce"])  # another source's
    with CaptureQueriesContext(connection) as captured:  # several tags: the tallies choose
        response = client.get(URL, {"source": "big-wire", "tag": "rare,scarce"})
    assert len(response.context["articles"]) == 1
    tallies = [query for query in captured if '"articles_articletally"."scope"' in query["sql"]]
    assert len(tallies) == 1


@pytest.mark.parametrize("popular", [True, False])
def test_several_tags_on_very_many_articles_are_listed_without_a_count(client, popular):
    """Past ``COUNTED_TAG_ROWS`` rows, several tags are paged without a count, every page
    listed, each article once, whichever way the tags' pages are read."""
    for day in range(1, 9):
        tags = ["birds", "fish"] if popular or day in (2, 7) else ["other"]
        make_article(title=f"Day {day}", tags=tags, publish_at=at(2024, 1, day))
    make_article(title="Not live", state="draft", tags=["birds"])
    expected = [f"Day {day}" for day in range(8, 0, -1) if popular or day in (2, 7)]
    with mock.patch("articles.filters.COUNTED_TAG_ROWS", 3):
        pages = [
            client.get(URL, {"tag": "birds,fish", "per_page": 2, "page": number})
            for number in range(1, len(expected) // 2 + 1)
        ]
        past_the_end = client.get(URL, {"tag": "birds,fish", "per_page": 2, "page": len(pages) + 1})
        oldest = client.get(URL, {"tag": "birds,fish", "order": "oldest"})
    assert [title for page in pages for title in titles(page)] == expected
    assert all(page.context["page"].paginator is None for page in pages)
    assert b"Listed newest first, without a count." in pages[0].content
    assert b"Not live" not in b"".join(page.content for page in pages)
    assert past_the_end.status_code == 404
    assert titles(oldest) == expected[::-1]
    counted = client.get(URL, {"tag": "birds,fish"})  # at most COUNTED_TAG_ROWS rows
    assert counted.context["page"].paginator.count == len(expected)


def test_a_narrow_source_with_several_popular_tags_is_still_counted(client):
    narrow = make_source("Narrow Wire")
    make_article(title="Narrow", source=narrow, tags=["birds"], publish_at=at(2024, 1, 1))
    for day in range(1, 7):
        make_article(title=f"Elsewhere {day}", tags=["birds", "fish"], publish_at=at(2024, 1, day))
    with mock.patch("articles.filters.COUNTED_TAG_ROWS", 3):
        response = client.get(URL, {"source": narrow.slug, "tag": "birds,fish"})
    assert titles(response) == ["Narrow"]
    assert response.context["page"].paginator.count == 1
