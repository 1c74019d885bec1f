from django.urls import path, re_path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("s/<str:code>", views.short_link, name="short"),
    re_path(r"^qr/(?P<number>[0-9]{1,18})\.(?P<fmt>png|svg)$", views.qr_code, name="qr"),
    # /YYYYMM/<number>-<slug>: the number identifies the article; the rest is checked
    # against the canonical path and redirected when it differs.
    re_path(
        r"^(?P<yyyymm>[0-9]{6})/(?P<number>[0-9]{1,18})(?:-(?P<slug>[^/]*))?/?$",
        views.article_detail,
        name="detail",
    ),
]
