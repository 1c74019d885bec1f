from django.conf import settings


def site(request):
    """The site's name and absolute base URL, for templates."""
    return {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL}
