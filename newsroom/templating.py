"""The public site's template engine: Jinja2, with the helpers its templates call.

The public pages render with Jinja2, which compiles a template to Python code; the
Django template language walks its node tree on every render, which was the largest
single cost in the profiles of the uncached public pages. The admin and the XML
templates (sitemaps, robots.txt) stay with the Django engine, listed after this one
in ``TEMPLATES``.

Undefined names raise (``StrictUndefined``): a misspelt variable is an error in the
tests, not a blank in a reader's page. Autoescaping is on; Django's safe strings and
forms carry ``__html__``, which Jinja2 honours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import jinja2
from django.template import defaultfilters
from django.template.backends import jinja2 as django_jinja2
from django.templatetags.static import static
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone

from articles import around, formatting, links, markup


def url(view_name: str, **kwargs: Any) -> str:
    """``{% url %}``: the path of a named view."""
    return reverse(view_name, kwargs=kwargs or None)


@jinja2.pass_context
def pagination(context, page, order: str = "newest") -> markup.Pagination:
    """The links around ``page`` of this request's listing (see markup.Pagination)."""
    return markup.pagination(context["request"], page, order)


def date(value: dt.date | dt.datetime, format_string: str) -> str:
    """Django's ``date`` filter, in the site's time zone as the Django engine shows it."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = formatting.site_time(value)
    return defaultfilters.date(value, format_string)


@lru_cache(maxsize=256)
def static_url(path: str) -> str:
    """``{% static %}``: a static file's URL, with its content hash in production. The
    manifest is read once per process, so each path's URL is worked out once."""
    return static(path)


def _with_months(print_moment: Callable[..., str]) -> Callable[..., str]:
    """A filter printing a moment with the month names of the page's context
    (``MONTHS``, from the ``site`` context processor), looked up once a page."""

    @jinja2.pass_context
    def filter_(context: jinja2.runtime.Context, moment: dt.datetime) -> str:
        return print_moment(moment, context.get("MONTHS"))

    return filter_


def environment(**options: Any) -> jinja2.Environment:
    env = jinja2.Environment(**{**options, "undefined": jinja2.StrictUndefined})
    env.globals.update(
        url=url,
        static=static_url,
        pagination=pagination,
        slug_path=links.slug_path,
        article_cards=markup.article_cards,
        search_result_cards=markup.search_result_cards,
        article_metadata=markup.article_metadata,
        site_nav=markup.site_nav,
        related_items=markup.related_items,
        around=around.around,
        archive_year_path=links.archive_year_path,
        archive_month_path=lambda moment: links.archive_month_path(*formatting.year_month(moment)),
    )
    env.filters.update(
        date=date,
        pluralize=defaultfilters.pluralize,
        iso_time=formatting.iso_time,
        long_time=_with_months(formatting.long_time),
        long_date=_with_months(formatting.long_date),
        month_name=_with_months(formatting.month_name),
        month_and_year=_with_months(formatting.month_and_year),
        tag_path=lambda tag: links.tag_path(tag.slug),
        source_path=lambda source: links.source_path(source.slug),
        qr_path=links.qr_path,
    )
    return env


class Jinja2(django_jinja2.Jinja2):
    """Django's Jinja2 engine, telling the test client what it rendered.

    The Django engine sends ``template_rendered`` under test, which fills a test
    response's ``context`` and ``templates``; Django's Jinja2 engine does not. The
    signal costs nothing when no test client listens.
    """

    def from_string(self, template_code):
        return Template(self.env.from_string(template_code), self)

    def get_template(self, template_name):
        template = super().get_template(template_name)
        return Template(template.template, self)


class Template(django_jinja2.Template):
    def __init__(self, template, backend):
        super().__init__(template, backend)
        self.name = template.name

    def render(self, context=None, request=None):
        if context is None:
            context = {}
        if template_rendered.receivers:
            template_rendered.send(sender=self, template=self, context=context)
        return super().render(context, request)
