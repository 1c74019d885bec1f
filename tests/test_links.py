"""Tag and source paths match what the URL resolver serves."""

import pytest
from django.urls import resolve, reverse

from articles.links import source_path, tag_path


@pytest.mark.parametrize("slug", ["energy", "real-estate", "acme-wire-2"])
def test_paths_equal_reversed_urls_and_resolve(slug):
    assert tag_path(slug) == reverse("articles:tag", kwargs={"slug": slug})
    assert source_path(slug) == reverse("articles:source", kwargs={"slug": slug})
    assert resolve(tag_path(slug)).kwargs == {"slug": slug}


def test_odd_characters_are_quoted_into_one_segment():
    assert tag_path("a/b?c") == "/tags/a%2Fb%3Fc/"
