"""QR codes: what they encode, where that leads, and that each is generated only once."""

from __future__ import annotations

import io
from unittest import mock

import pytest
import zxingcpp
from django.core.files.storage import default_storage
from PIL import Image

from articles import qr
from articles.models import to_base36
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://news.example.com"
    return settings


def qr_url(article, fmt: str = "png") -> str:
    return f"/qr/{article.number}.{fmt}"


def decode_png(data: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
    assert len(results) == 1
    return results[0].text


def test_png_encodes_the_short_link_under_site_url(client):
    article = make_article()
    response = client.get(qr_url(article))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    code = to_base36(article.number)
    assert decode_png(response.content) == f"https://news.example.com/s/{code}"


def test_svg_is_served_as_svg_with_the_same_target(client):
    article = make_article()
    response = client.get(qr_url(article, "svg"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert b"<script" not in response.content


def test_short_link_redirects_permanently_to_the_canonical_page(client):
    article = make_article(title="Scan me")
    target = decode_png(client.get(qr_url(article)).content)
    short_path = target.removeprefix("https://news.example.com")
    response = client.get(short_path)
    assert response.status_code == 301
    assert response["Location"] == article.path
    assert client.get(response["Location"]).status_code == 200


def test_printed_code_still_leads_to_the_article_after_the_slug_changed(client):
    article = make_article(title="Before")
    target = decode_png(client.get(qr_url(article)).content)
    article.slug = "after"
    article.save()
    response = client.get(target.removeprefix("https://news.example.com"))
    assert response.status_code == 301
    assert response["Location"] == article.path
    assert article.path.endswith("-after")


@pytest.mark.parametrize("code", ["zzzzzzzzzzzzzzzzzzzz", "0_1", " 1", "-1", "ABC", "%20", "0"])
def test_short_link_with_a_bad_or_unknown_code_is_404(client, code):
    make_article(number=1)
    assert client.get(f"/s/{code}").status_code == 404


def test_short_link_of_a_hidden_article_is_404(client):
    article = make_article(state="draft")
    assert client.get(article.get_short_url()).status_code == 404


def test_code_is_generated_once_per_article_and_format_then_read_from_storage(client):
    article = make_article()
    with mock.patch.object(qr, "render_qr", wraps=qr.render_qr) as render:
        first_png = client.get(qr_url(article)).content
        first_svg = client.get(qr_url(article, "svg")).content
    assert render.call_count == 2
    stored = sorted(default_storage.listdir("qr")[1])
    assert len(stored) == 2
    assert {name.rsplit(".", 1)[1] for name in stored} == {"png", "svg"}

    with mock.patch.object(qr, "render_qr") as render:
        second_png = client.get(qr_url(article)).content
        second_svg = client.get(qr_url(article, "svg")).content
    render.assert_not_called()
    assert (second_png, second_svg) == (first_png, first_svg)


def test_second_request_serves_the_stored_file(client):
    article = make_article()
    client.get(qr_url(article))
    (name,) = default_storage.listdir("qr")[1]
    with default_storage.open(f"qr/{name}", "wb") as stored:
        stored.write(b"stored bytes")
    with mock.patch.object(qr, "render_qr") as render:
        response = client.get(qr_url(article))
    render.assert_not_called()
    assert response.content == b"stored bytes"


def test_caching_headers_and_304_on_matching_etag(client):
    article = make_article()
    response = client.get(qr_url(article))
    assert "public" in response["Cache-Control"]
    assert "max-age=86400" in response["Cache-Control"]
    etag = response["ETag"]
    assert etag.startswith('"') and etag.endswith('"')

    with mock.patch.object(qr, "render_qr") as render:
        again = client.get(qr_url(article), HTTP_IF_NONE_MATCH=etag)
    render.assert_not_called()
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert "max-age=86400" in again["Cache-Control"]
    assert client.get(qr_url(article), HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_new_site_url_gives_a_new_code_and_etag(client, settings):
    article = make_article()
    first = client.get(qr_url(article))
    settings.SITE_URL = "https://press.example.net"
    second = client.get(qr_url(article))
    assert second["ETag"] != first["ETag"]
    assert decode_png(second.content) == (
        f"https://press.example.net/s/{to_base36(article.number)}"
    )
    assert len(default_storage.listdir("qr")[1]) == 2


@pytest.mark.parametrize("state", ["draft", "scheduled", "expired"])
def test_code_of_a_hidden_article_is_404_for_readers(client, state):
    article = make_article(state=state)
    with mock.patch.object(qr, "render_qr") as render:
        assert client.get(qr_url(article)).status_code == 404
        assert client.get(qr_url(article, "svg")).status_code == 404
    render.assert_not_called()


def test_editor_gets_the_code_of_a_draft_but_no_shared_cache_may_keep_it(client):
    client.force_login(make_user("editor", groups=("Editors",)))
    article = make_article(state="draft")
    response = client.get(qr_url(article))
    assert response.status_code == 200
    assert "public" not in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_unknown_article_code_is_404(client):
    assert client.get("/qr/424242.png").status_code == 404
    assert client.get("/qr/424242.gif").status_code == 404


def test_qr_response_costs_one_query(client, django_assert_num_queries):
    article = make_article()
    client.get(qr_url(article))
    with django_assert_num_queries(1):
        assert client.get(qr_url(article)).status_code == 200
