"""The public article page: its address, what it shows, who may see it, what it costs."""

from __future__ import annotations

import datetime as dt
import io
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.models import Article
from tests.factories import make_article, make_source, make_user

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


# A small HTML tree, enough to assert on structure instead of substrings -----------------


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None = None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join("".join(parts).split())

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        """Elements named ``tag`` whose attributes contain the given values
        (``class_="x"`` matches one class among several)."""
        found = []
        for node in self.iter():
            if node.tag != tag:
                continue
            if all(_attr_matches(node, name, value) for name, value in attrs.items()):
                found.append(node)
        return found

    def find(self, tag: str, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]


def _attr_matches(node: Node, name: str, value: str) -> bool:
    name = name.rstrip("_").replace("_", "-")
    actual = node.attrs.get(name)
    if actual is None:
        return False
    if name in {"class", "rel"}:
        return value in actual.split()
    return actual == value


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: bytes | str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    builder.close()
    return builder.root


def png_upload(name: str = "lead.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://news.example.com"
    return settings


@pytest.fixture
def editor(client):
    user = make_user("editor", groups=("Editors",))
    client.force_login(user)
    return user


# What the page shows -------------------------------------------------------------------


def test_page_shows_the_article(client, site):
    source = make_source("Coastal Press Service")
    article = make_article(
        title="Harbor City Approves Wind Farm",
        summary="The council voted 7-2.",
        meta_description="Harbor City approves a 40-turbine wind farm.",
        body='<p>First paragraph.</p><p>Second <a href="https://example.org/">link</a>.</p>',
        source=source,
        source_link="https://wire.example.org/items/1/",
        image_url="https://images.example.org/wind.jpg",
        image_alt="Turbines off the coast",
        tags=["energy", "Harbor City"],
    )
    response = client.get(article.path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = parse(response.content)

    assert page.find("h1").text() == "Harbor City Approves Wind Farm"
    time = page.find("article").find_all("time")[0]
    assert dt.datetime.fromisoformat(time.attrs["datetime"]) == article.publish_at
    credit = page.find("a", class_="source")
    assert credit.attrs["href"] == "https://wire.example.org/items/1/"
    assert "nofollow" in credit.attrs["rel"].split()
    assert credit.text() == "Coastal Press Service"
    assert page.find("p", class_="lede").text() == "The council voted 7-2."
    body = page.find("div", class_="body")
    assert [p.text() for p in body.find_all("p")] == ["First paragraph.", "Second link."]
    assert "nofollow" in body.find("a").attrs["rel"].split()
    assert {li.text() for li in page.find("ul", class_="tags").find_all("li")} == {
        "energy",
        "Harbor City",
    }
    lead = page.find("figure", class_="lead-image").find("img")
    assert lead.attrs["src"] == "https://images.example.org/wind.jpg"
    assert lead.attrs["alt"] == "Turbines off the coast"
    qr = page.find("figure", class_="qr").find("img")
    assert qr.attrs["alt"].startswith("QR code")
    assert qr.attrs["src"] == f"/qr/{article.number}.png"
    head = page.find("head")
    assert head.find("link", rel="canonical").attrs["href"] == (
        f"https://news.example.com{article.path}"
    )
    description = head.find("meta", name="description").attrs["content"]
    assert description == "Harbor City approves a 40-turbine wind farm."
    assert not head.find_all("meta", name="robots")
    assert head.find("title").text().startswith("Harbor City Approves Wind Farm")


def test_meta_description_falls_back_to_the_summary(client):
    article = make_article(summary="Only a summary.", meta_description="")
    page = parse(client.get(article.path).content)
    assert page.find("meta", name="description").attrs["content"] == "Only a summary."


def test_source_without_link_is_credited_as_plain_text(client):
    article = make_article(source=make_source("Quiet Wire"), source_link="")
    page = parse(client.get(article.path).content)
    assert not page.find_all("a", class_="source")
    assert page.find("span", class_="source").text() == "Quiet Wire"


def test_uploaded_image_is_shown_with_its_alt_text(client):
    article = make_article(image=png_upload(), image_alt="A red rectangle")
    assert article.image.name.endswith(".png")
    page = parse(client.get(article.path).content)
    image = page.find("figure", class_="lead-image").find("img")
    assert image.attrs["src"] == article.image.url
    assert image.attrs["src"].startswith("/media/articles/")
    assert image.attrs["alt"] == "A red rectangle"


def test_image_without_alt_text_uses_the_title(client):
    article = make_article(title="Bridge Opens", image_url="https://img.example.org/b.jpg")
    image = parse(client.get(article.path).content).find("figure", class_="lead-image")
    assert image.find("img").attrs["alt"] == "Bridge Opens"


def test_no_image_no_figure(client):
    article = make_article()
    assert not parse(client.get(article.path).content).find_all("figure", class_="lead-image")


def test_title_summary_and_tags_are_escaped(client):
    article = make_article(
        title="<script>alert(1)</script> & more",
        summary='<img src=x onerror="alert(2)">',
        tags=["<b>bold</b>"],
    )
    response = client.get(article.path)
    page = parse(response.content)
    assert page.find("h1").text() == "<script>alert(1)</script> & more"
    assert page.find("p", class_="lede").text() == '<img src=x onerror="alert(2)">'
    assert not page.find("article").find_all("script")
    assert not page.find("p", class_="lede").find_all("img")
    assert page.find("ul", class_="tags").find("li").text() == "<b>bold</b>"


def test_body_saved_through_the_orm_is_served_sanitized(client):
    article = make_article(
        body='<p onclick="x()">Safe</p><script>alert(1)</script><iframe src="//e.x"></iframe>'
    )
    body = parse(client.get(article.path).content).find("div", class_="body")
    assert not body.find_all("script") and not body.find_all("iframe")
    assert "onclick" not in body.find("p").attrs
    assert body.text() == "Safe"


# Addresses -----------------------------------------------------------------------------


def test_imported_article_is_served_at_the_wire_url_exactly(client):
    article = make_article(title="Wire story", number=99260)
    Article.objects.filter(pk=article.pk).update(path="/202507/99260-amazon-considers")
    assert client.get("/202507/99260-amazon-considers").status_code == 200


@pytest.mark.parametrize(
    "wrong",
    [
        "/{month}/{number}-wrong-slug",
        "/{month}/{number}",
        "/{month}/{number}-",
        "/{month}/{number}-{slug}/",
        "/199901/{number}-{slug}",
    ],
)
def test_right_number_elsewhere_redirects_permanently_to_the_canonical_path(client, wrong):
    article = make_article(title="Canonical story")
    month, _rest = article.path.strip("/").split("/")
    url = wrong.format(month=month, number=article.number, slug=article.slug)
    response = client.get(url)
    assert response.status_code == 301
    assert response["Location"] == article.path


def test_redirect_keeps_the_query_string(client):
    article = make_article()
    response = client.get(f"{article.path}-old?utm_source=qr")
    assert response.status_code == 301
    assert response["Location"] == f"{article.path}?utm_source=qr"


def test_old_slug_redirects_to_the_new_path(client):
    article = make_article(title="First title")
    old_path = article.path
    article.slug = "second-title"
    article.save()
    assert article.path != old_path
    response = client.get(old_path)
    assert response.status_code == 301
    assert response["Location"] == article.path
    assert client.get(article.path).status_code == 200


@pytest.mark.parametrize("url", ["/202611/424242-nothing", "/202611/999999999999999999-x"])
def test_unknown_number_is_404(client, url):
    make_article()
    assert client.get(url).status_code == 404


def test_404_page_is_the_sites_own(client):
    response = client.get("/202611/424242-nothing")
    page = parse(response.content)
    assert response.status_code == 404
    assert page.find("main").find("h1").text() == "Page not found"
    assert page.find("main").find("a", href="/").text() == "Go to the latest news"


# Who may see what ----------------------------------------------------------------------

HIDDEN_STATES = ["draft", "scheduled", "expired"]


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_hidden_article_is_404_for_anonymous_readers(client, state):
    article = make_article(state=state)
    assert client.get(article.path).status_code == 404
    assert client.get(article.path + "-other").status_code == 404  # no redirect leaks it


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_hidden_article_is_404_for_logged_in_readers_without_edit_permission(client, state):
    article = make_article(state=state)
    reader = make_user("reader")
    reader.is_staff = False
    reader.save()
    client.force_login(reader)
    assert client.get(article.path).status_code == 404
    client.force_login(make_user("staff-without-perms"))  # staff, but no change_article
    assert client.get(article.path).status_code == 404


@pytest.mark.parametrize(
    ("state", "banner_start"),
    [("draft", "Draft"), ("scheduled", "Scheduled for"), ("expired", "Expired on")],
)
def test_editor_previews_hidden_article_with_banner_never_cache_and_noindex(
    client, editor, state, banner_start
):
    article = make_article(state=state, title="Not yet out")
    response = client.get(article.path)
    assert response.status_code == 200
    page = parse(response.content)
    banner = page.find("p", class_="preview-banner")
    assert banner.text().startswith(banner_start)
    assert "not visible to readers" in banner.text()
    if state == "scheduled":
        when = dt.datetime.fromisoformat(banner.find("time").attrs["datetime"])
        assert when == article.publish_at
    cache_control = response["Cache-Control"]
    assert "no-cache" in cache_control and "no-store" in cache_control
    assert "private" in cache_control
    robots = page.find("head").find("meta", name="robots").attrs["content"]
    assert "noindex" in robots
    assert page.find("h1").text() == "Not yet out"


def test_editor_sees_a_live_article_without_banner(client, editor):
    article = make_article()
    page = parse(client.get(article.path).content)
    assert not page.find_all("p", class_="preview-banner")
    assert not page.find_all("meta", name="robots")


def test_editor_preview_redirects_to_the_canonical_path_too(client, editor):
    article = make_article(state="draft")
    response = client.get(article.path + "-x")
    assert response.status_code == 301
    assert response["Location"] == article.path


def test_wire_path_with_a_unicode_slug_is_served_and_redirected_to(client):
    article = make_article(title="Tokyo", number=88001)
    Article.objects.filter(pk=article.pk).update(path="/202611/88001-東京の天気")
    assert client.get("/202611/88001-東京の天気").status_code == 200
    assert (
        client.get("/202611/88001-%E6%9D%B1%E4%BA%AC%E3%81%AE%E5%A4%A9%E6%B0%97").status_code == 200
    )
    response = client.get("/202611/88001")
    assert response.status_code == 301
    assert response["Location"] == "/202611/88001-%E6%9D%B1%E4%BA%AC%E3%81%AE%E5%A4%A9%E6%B0%97"
