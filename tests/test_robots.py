"""robots.txt: keeps crawlers out of the admin and points them to the sitemap index."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_robots_txt_disallows_the_admin_and_names_the_sitemap_index(client, settings):
    settings.SITE_URL = "https://news.example.com"
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = [line.strip() for line in response.text.splitlines() if line.strip()]
    assert lines == [
        "User-agent: *",
        "Disallow: /admin/",
        "Sitemap: https://news.example.com/sitemap.xml",
    ]


def test_robots_txt_costs_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/robots.txt").status_code == 200


def test_robots_txt_only_answers_reads(client):
    assert client.post("/robots.txt").status_code == 405
