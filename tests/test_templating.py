"""The public pages' Jinja2 engine: strict about names, escaping by default."""

from __future__ import annotations

import datetime as dt

import jinja2
import pytest
from django.template import engines
from django.utils.safestring import mark_safe


@pytest.fixture
def jinja():
    return engines["jinja2"]


def test_a_misspelt_name_is_an_error_not_a_blank(jinja):
    template = jinja.from_string("<h1>{{ artcle.title }}</h1>")
    with pytest.raises(jinja2.UndefinedError):
        template.render({"article": {"title": "Hello"}})


def test_values_are_escaped_and_safe_strings_are_not_escaped_twice(jinja):
    template = jinja.from_string("{{ text }}|{{ html }}")
    rendered = template.render({"text": '<script>"x"</script>', "html": mark_safe("<b>bold</b>")})
    assert rendered == "&lt;script&gt;&#34;x&#34;&lt;/script&gt;|<b>bold</b>"


def test_the_date_filter_shows_local_time_like_djangos(jinja, settings):
    settings.TIME_ZONE = "America/New_York"
    template = jinja.from_string('{{ moment|date("j F Y, H:i") }}')
    moment = dt.datetime(2024, 1, 5, 3, 7, tzinfo=dt.UTC)
    assert template.render({"moment": moment}) == "4 January 2024, 22:07"


def test_public_pages_render_with_jinja_and_the_admin_with_django(client, admin_client):
    page = client.get("/search/")
    assert [template.name for template in page.templates] == ["articles/search.html"]
    assert page.context["q"] == ""
    admin = admin_client.get("/admin/")
    assert admin.status_code == 200
    assert "admin/index.html" in [template.name for template in admin.templates]


def test_dates_print_with_the_pages_month_names_or_look_them_up(jinja, rf):
    """A page's context holds the month names (the ``site`` context processor), so its
    dates do not each ask for the active language; a render without them asks."""
    moment = dt.datetime(2024, 1, 4, 12, tzinfo=dt.UTC)
    template = jinja.from_string("{{ moment|long_date }} | {{ moment|month_and_year }}")
    assert template.render({"moment": moment}) == "4 January 2024 | January 2024"
    shouting = ("", *(name.upper() for name in ("January", "February", "March") * 4))
    assert (
        template.render({"moment": moment, "MONTHS": shouting}) == "4 JANUARY 2024 | JANUARY 2024"
    )
    page = template.render({"moment": moment}, request=rf.get("/"))
    assert page == "4 January 2024 | January 2024"
