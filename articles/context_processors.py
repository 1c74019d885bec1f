from django.conf import settings

from .links import site_links


def site(request):
    """The site's name, absolute base URL and header links, for templates."""
    return {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, "LINKS": site_links()}
