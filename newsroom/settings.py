"""Newsroom settings: one module, configured from environment variables (12-factor).

Every variable has a working default for local use except ``DJANGO_SECRET_KEY``,
which is required as soon as debug mode is off. The README lists them all.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

TRUE_VALUES = {"1", "true", "yes", "on"}


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in TRUE_VALUES


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string "
            '(python -c "import secrets; print(secrets.token_urlsafe(50))"), '
            "or set DJANGO_DEBUG=true for local development."
        )
    SECRET_KEY = "django-insecure-local-development-key-never-used-with-debug-off"

SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("NEWSROOM_SITE_NAME", "Newsroom")
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.hostname:
    raise ImproperlyConfigured(f"SITE_URL must be an absolute http(s) URL, got {SITE_URL!r}")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS") or [_site.hostname, "127.0.0.1", "localhost"]
if DEBUG:
    ALLOWED_HOSTS += ["testserver"]
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS") or [
    f"{_site.scheme}://{_site.netloc}"
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django_filters",
    "django_prose_editor",
    "taggit",
    "articles",
]

MIDDLEWARE = [
    # First, so the pages it stores carry every header the others add.
    "articles.pagecache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

# The public pages are Jinja2 templates (templates/jinja2/, see newsroom/templating.py);
# the admin and the XML templates (the rest of templates/) use the Django engine.
TEMPLATES = [
    {
        "NAME": "jinja2",
        "BACKEND": "newsroom.templating.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "newsroom.templating.environment",
            "context_processors": ["articles.context_processors.site"],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]

# Database: DATABASE_URL, defaulting to an SQLite file in the project folder.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=600,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, converting each query's placeholders once (newsroom/db/sqlite3).
    DATABASES["default"]["ENGINE"] = "newsroom.db.sqlite3"
    # Connections are kept open as on PostgreSQL: opening one and running the pragmas
    # below cost about 0.8 ms a request, and an open one keeps its prepared statements.
    # WAL lets readers run beside the writer, and IMMEDIATE transactions make
    # concurrent writers queue instead of failing with "database is locked" half-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }

# Server-side prepared statements on PostgreSQL: psycopg prepares a query it has run
# five times and PostgreSQL stops planning it again, which was a third of an article
# page's time (four queries, about 0.15 ms of planning each). Django leaves them off
# because a pooler in transaction mode (PgBouncer before 1.21) cannot keep them: behind
# one, set DATABASE_PREPARED_STATEMENTS=false.
_postgres = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if _postgres:
    # Django's backend, checking a kept connection without a round trip per request
    # (newsroom/db/postgresql).
    DATABASES["default"]["ENGINE"] = "newsroom.db.postgresql"
# Kept connections listen for PostgreSQL's notifications of committed writes, so lists
# read from the live articles are kept in the process until one (articles/kept.py).
# A pooler in transaction mode delivers no notifications: behind one, set it false.
if _postgres:
    DATABASES["default"]["CONTENT_NOTIFICATIONS"] = env_bool("DATABASE_NOTIFICATIONS", default=True)
if _postgres and env_bool("DATABASE_PREPARED_STATEMENTS", default=True):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en-us")
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# A shared cache (Redis) is what lets every server process see the same page cache.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {
            "BACKEND": "newsroom.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # Sites sharing one Redis database must never serve each other's pages.
            "KEY_PREFIX": hashlib.sha256(SITE_URL.encode()).hexdigest()[:12],
            # A Redis that stops answering is a cache miss within a second, not a hang.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "newsroom"}
    )
}
# Only a shared cache is seen by every server process (see articles/pagecache.py).
NEWSROOM_SHARED_CACHE = bool(REDIS_URL)
# Seconds a rendered public page may be served from the cache (see articles/pagecache.py);
# on by default only with a shared cache.
NEWSROOM_PAGE_CACHE_SECONDS = int(
    os.environ.get("NEWSROOM_PAGE_CACHE_SECONDS", "300" if REDIS_URL else "0")
)
if NEWSROOM_PAGE_CACHE_SECONDS > 0 and not REDIS_URL:
    raise ImproperlyConfigured(
        "NEWSROOM_PAGE_CACHE_SECONDS needs REDIS_URL: a cache private to each server process "
        "would keep serving an unpublished article from the processes that did not see the edit."
    )
# Cache-Control max-age for anonymous public pages: opt-in, since a proxy cannot be told
# that an article was unpublished. Never reaches past the next scheduled change.
NEWSROOM_HTTP_MAX_AGE = int(os.environ.get("NEWSROOM_HTTP_MAX_AGE", "0"))

TAGGIT_CASE_INSENSITIVE = True

# Newsroom's own settings.
NEWSROOM_DEFAULT_SOURCE = os.environ.get("NEWSROOM_DEFAULT_SOURCE", "Newsroom Wire")
NEWSROOM_PAGE_SIZE = int(os.environ.get("NEWSROOM_PAGE_SIZE", "20"))
# A search matching more articles than this ranks only the newest this many of them.
NEWSROOM_SEARCH_RANK_WINDOW = int(os.environ.get("NEWSROOM_SEARCH_RANK_WINDOW", "2000"))
# Items per feed, each with its full article: 20 are about 80 KB, a day of a busy wire.
NEWSROOM_FEED_SIZE = max(1, min(int(os.environ.get("NEWSROOM_FEED_SIZE", "20")), 200))
# How many feed items' markup each server process remembers, per format (RSS, Atom),
# keyed by everything an item shows (articles/feed_items.py); 0 remembers none. Read
# once per process, when the feeds are first imported.
NEWSROOM_FEED_ITEMS_REMEMBERED = max(
    0, int(os.environ.get("NEWSROOM_FEED_ITEMS_REMEMBERED", "256"))
)

# Security: safe defaults that `manage.py check --deploy` accepts when debug is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# The admin's messages live in its session. The default storage also tries a signed
# cookie first, and builds that cookie's signer on every request, public pages too.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# The live-article indexes hold the id as a non-key column on PostgreSQL (migration
# 0010); SQLite's indexes always hold the rowid, so there Django leaves it out, rightly.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
if not DEBUG and _site.scheme == "https":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # HSTS for subdomains and the preload list bind the whole parent domain (preloading is
    # hard to undo), so they stay opt-in: leaving them off is a decision, not an oversight.
    SILENCED_SYSTEM_CHECKS += [
        *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
        *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
    ]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
