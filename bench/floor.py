"""The "floor": a plain Django view rendering one article row with a template.

"Plain Django" means what ``django-admin startproject`` sets up: its default apps,
middleware and database settings, no caching, and a view written the way Django's
tutorial writes one: ``get_object_or_404`` on a model, then a template. Three floors:

- ``/floor/<number>``: targets.md's floor, "a plain Django view rendering one row from
  SQLite with a template", with startproject's database settings: a connection per
  request (``CONN_MAX_AGE`` 0). It reads ``FLOOR_REFERENCE_DATABASE_URL``, a
  startproject-shaped SQLite copy of the article rows (floor_reference.py), on a
  PostgreSQL run too. Under load_bench.py's load it served about 1,800 requests/s on
  25 Nov 2026, where targets.md gives about 1,200 for this kind of machine; what makes
  the difference is not known (the same view on Newsroom's own 100k SQLite file served
  about 1,240).
- ``/floor-kept/<number>``: the same view on the pages' own database
  (``FLOOR_DATABASE_URL``) with Django's stock backend, its connection kept open
  (``CONN_MAX_AGE`` 600, Django's health checks: a ``SELECT 1`` per request on
  PostgreSQL, which Newsroom's backend avoids; no prepared statements): about 1.5
  times as fast as the first on SQLite.
- ``/floor-sql/<number>``: the row read with a raw cursor on that kept connection, the
  strictest.

Every page is compared with the floors measured in the same run, so figures are
ratios rather than absolute times on a noisy machine. Serve it with
``gunicorn bench.floor:application``; ``FLOOR_REFERENCE_DATABASE_URL`` defaults to
``FLOOR_DATABASE_URL``, which makes ``/floor/`` open connections to the pages' own
database: set it. ``python bench/floor.py migrate`` creates a startproject site's
tables in ``FLOOR_REFERENCE_DATABASE_URL``.
"""

from __future__ import annotations

import os
import sys

import dj_database_url
import django
from django.conf import settings
from django.db import connections, models
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import path

KEPT = "kept"  # the pages' database, its connection kept open

settings.configure(
    DEBUG=False,
    SECRET_KEY="floor-benchmark-only",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django.contrib.staticfiles",
    ],
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
    STATIC_URL="static/",
    DATABASES={
        # startproject's settings: a connection per request.
        "default": dj_database_url.parse(
            os.environ.get("FLOOR_REFERENCE_DATABASE_URL") or os.environ["FLOOR_DATABASE_URL"]
        ),
        KEPT: dj_database_url.parse(
            os.environ["FLOOR_DATABASE_URL"], conn_max_age=600, conn_health_checks=True
        ),
    },
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": True,
            "OPTIONS": {
                "context_processors": [
                    "django.template.context_processors.request",
                    "django.contrib.auth.context_processors.auth",
                    "django.contrib.messages.context_processors.messages",
                ]
            },
        }
    ],
    USE_TZ=True,
)
django.setup()

PAGE = engines["django"].from_string(
    "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{{ title }}</title>"
    "</head><body><main><h1>{{ title }}</h1><p>{{ summary }}</p></main></body></html>"
)


class Row(models.Model):
    """Newsroom's article table, as a plain app would map the columns it shows."""

    number = models.PositiveBigIntegerField(unique=True)
    title = models.CharField(max_length=300)
    summary = models.TextField()

    class Meta:
        app_label = "floor"
        db_table = "articles_article"
        managed = False

    def __str__(self) -> str:
        return self.title


def one_row(request, number: int):
    row = get_object_or_404(Row.objects.only("title", "summary"), number=number)
    return HttpResponse(PAGE.render({"title": row.title, "summary": row.summary}, request))


def one_row_kept(request, number: int):
    row = get_object_or_404(Row.objects.using(KEPT).only("title", "summary"), number=number)
    return HttpResponse(PAGE.render({"title": row.title, "summary": row.summary}, request))


def one_row_sql(request, number: int):
    with connections[KEPT].cursor() as cursor:
        cursor.execute("SELECT title, summary FROM articles_article WHERE number = %s", [number])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    return HttpResponse(PAGE.render({"title": row[0], "summary": row[1]}, request))


urlpatterns = [
    path("floor/<int:number>", one_row),
    path("floor-kept/<int:number>", one_row_kept),
    path("floor-sql/<int:number>", one_row_sql),
]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

if __name__ == "__main__":  # bench/floor.py migrate: a startproject site's tables
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
