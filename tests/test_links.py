"""Tag and source paths match what the URL resolver serves."""

import pytest
from django.urls import resolve, reverse

from articles import links
from articles.links import source_path, tag_path


@pytest.mark.parametrize("slug", ["energy", "real-estate", "acme-wire-2"])
def test_paths_equal_reversed_urls_and_resolve(slug):
    assert tag_path(slug) == reverse("articles:tag", kwargs={"slug": slug})
    assert source_path(slug) == reverse("articles:source", kwargs={"slug": slug})
    assert resolve(tag_path(slug)).kwargs == {"slug": slug}


@pytest.mark.parametrize("number, fmt", [(1, "png"), (98765, "svg"), (10**17, "png")])
def test_qr_paths_equal_reversed_urls_and_resolve(number, fmt):
    path = links.qr_path(number, fmt)
    assert path == reverse("articles:qr", kwargs={"number": number, "fmt": fmt})
    assert resolve(path).kwargs == {"number": str(number), "fmt": fmt}


@pytest.mark.parametrize(("year", "month"), [(2024, 1), (1999, 12), (2030, 7), (2054, 3)])
def test_archive_paths_equal_reversed_urls_and_resolve(year, month):
    year_path, month_path = links.archive_year_path(year), links.archive_month_path(year, month)
    assert year_path == reverse("articles:archive_year", kwargs={"year": str(year)})
    assert month_path == reverse(
        "articles:archive_month", kwargs={"year": str(year), "month": f"{month:02d}"}
    )
    assert resolve(month_path).kwargs == {"year": str(year), "month": f"{month:02d}"}


def test_odd_characters_are_quoted_into_one_segment():
    assert tag_path("a/b?c") == "/tags/a%2Fb%3Fc/"


def test_links_follow_the_url_prefix_of_a_site_served_under_a_path():
    from django.urls import get_script_prefix, set_script_prefix

    before = get_script_prefix()
    try:
        assert links.tag_path("energy") == "/tags/energy/"
        set_script_prefix("/news/")
        assert links.tag_path("energy") == "/news/tags/energy/"
        assert links.short_path("2n9c") == "/news/s/2n9c"
        assert links.qr_path(7, "svg") == "/news/qr/7.svg"
        assert links.archive_month_path(2024, 3) == "/news/archive/2024/03/"
        assert links.site_links()["home"] == "/news/"
        set_script_prefix("/news2054-9876/")  # the stand-ins' digits in the prefix
        assert links.archive_month_path(2024, 3) == "/news2054-9876/archive/2024/03/"
        assert links.archive_year_path(2024) == "/news2054-9876/archive/2024/"
    finally:
        set_script_prefix(before)
    assert links.site_links()["home"] == "/"
