from django.conf import settings

from .formatting import month_names
from .links import site_links


def site(request):
    """The site's name, absolute base URL and header links, and the month names dates
    print with (newsroom/templating.py), for templates."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "LINKS": site_links(),
        "MONTHS": month_names(),
    }
