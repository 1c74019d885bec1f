"""The WSGI application: Django, behind the page cache's fast path for hits."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

django_application = get_wsgi_application()

from articles.pagecache import PageCacheApp  # noqa: E402  (needs Django set up)

application = PageCacheApp(django_application)
