"""Full-text search: live articles only, ranked, highlighted, safe with any input.

Runs on SQLite (FTS5) and PostgreSQL (tsvector) alike: the indexes come from
migration 0003, which builds the test database.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from articles.ingest.runner import import_wire, wire_files
from articles.models import Article
from articles.search import scripts
from articles.search.backends import backend_for
from articles.search.query import MAX_TERMS, parse_query
from articles.search.snippets import from_marked_html, substring_snippet
from tests.factories import make_article, make_source

SEARCH_URL = reverse("articles:search")
HOSTILE_QUERIES = [
    "",
    "   ",
    '"',
    '"unbalanced quote',
    "(",
    "((a) OR",
    ")",
    "*",
    "a*",
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(alpha beta, 2)",
    "alpha AND OR NOT",
    "title:alpha",
    "-alpha",
    "^alpha",
    "alpha + beta",
    "'; DROP TABLE articles_article; --",
    "%_%",
    "\\",
    "&|!<->:*",
    "😀🎉",
    "👍🏽 ✨",
    "\x00alpha",
    "a" * 5000,
    " ".join(["word"] * 200),
]


def search(client, q: str, **params):
    return client.get(SEARCH_URL, {"q": q, **params})


def titles(response) -> list[str]:
    return [article.title for article in response.context["results"]]


def numbers(q: str) -> set[int]:
    return set(backend_for().matching(parse_query(q)).articles.values_list("number", flat=True))


# Query parsing ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "words", "substrings"),
    [
        ("Zürich trade", ("Zürich", "trade"), ()),
        ('"AND" OR (NEAR*)', ("AND", "OR", "NEAR"), ()),
        ("foo_bar-baz's", ("foo", "bar", "baz", "s"), ()),
        ("新闻 发布", (), ("新闻", "发布")),
        ("Tesla 新闻", ("Tesla",), ("新闻",)),
        ("नमस्ते दुनिया", ("नमस्ते", "दुनिया"), ()),
        ("\uff3a\uff55\uff52\uff49\uff43\uff48", ("Zurich",), ()),  # fullwidth
        ("Alpha alpha ALPHA", ("Alpha",), ()),
        ("😀 🎉 !!!", (), ()),
        ("", (), ()),
    ],
)
def test_parse_query_cuts_terms_by_unicode_letters_and_digits(raw, words, substrings):
    query = parse_query(raw)
    assert query.words == words
    assert query.substrings == substrings
    assert query.is_empty == (not (words or substrings))


def test_parse_query_bounds_the_number_and_length_of_terms():
    query = parse_query(" ".join(f"w{i}" for i in range(50)) + " " + "x" * 500)
    assert len(query.terms) == MAX_TERMS
    assert all(len(term) <= 50 for term in parse_query("y" * 190).terms)


def test_migration_keeps_the_same_unsegmented_scripts_as_the_code():
    migration = importlib.import_module("articles.migrations.0003_search")
    assert migration.UNSEGMENTED_CLASS == scripts.UNSEGMENTED_CLASS
    assert migration.UNSEGMENTED_MARKER == scripts.UNSEGMENTED_MARKER


# Snippet HTML ---------------------------------------------------------------------


def test_snippet_html_is_escaped_and_marks_are_balanced():
    marked = 'ong> <p>x &lt;script&gt;alert(1)&lt;/script&gt; \ue000hit\ue001 <a href="/'
    html = from_marked_html(marked)
    assert html == "x &lt;script&gt;alert(1)&lt;/script&gt; <mark>hit</mark>"
    assert from_marked_html("\ue001a\ue000b\ue000c") == "a<mark>bc</mark>"


def test_substring_snippet_marks_every_term_near_the_first_hit():
    text = "开头" * 100 + "今日新闻发布会\uff0c新闻很多" + "结尾" * 100
    html = substring_snippet(text, ("新闻",))
    assert html.count("<mark>新闻</mark>") == 2
    assert html.startswith("\u2026") and html.endswith("\u2026")


# The page -----------------------------------------------------------------------


@pytest.mark.django_db
def test_only_live_articles_are_found(client):
    live = make_article(title="Zephyrine live story")
    for state in ("draft", "scheduled", "expired"):
        make_article(title=f"Zephyrine {state} story", state=state)
    response = search(client, "zephyrine")
    assert response.status_code == 200
    assert titles(response) == [live.title]
    assert b"draft story" not in response.content
    assert b"scheduled story" not in response.content
    assert b"expired story" not in response.content
    assert numbers("zephyrine") == {live.number}


@pytest.mark.django_db
def test_a_scheduled_article_is_found_once_its_time_passes():
    soon = make_article(
        title="Quillwort expedition", publish_at=timezone.now() + dt.timedelta(seconds=1)
    )
    assert numbers("quillwort") == set()
    Article.objects.filter(pk=soon.pk).update(publish_at=timezone.now() - dt.timedelta(seconds=1))
    assert numbers("quillwort") == {soon.number}


@pytest.mark.django_db
def test_every_term_must_match_and_title_ranks_above_body(client):
    in_body = make_article(title="Quarterly report", body="<p>The marmoset count rose.</p>")
    in_summary = make_article(title="Zoo notes", summary="A marmoset was born.")
    in_title = make_article(title="Marmoset colony grows")
    make_article(title="Unrelated", body="<p>Nothing about primates.</p>")
    response = search(client, "marmoset")
    assert titles(response) == [in_title.title, in_summary.title, in_body.title]
    assert titles(search(client, "marmoset colony")) == [in_title.title]
    assert titles(search(client, "marmoset giraffe")) == []


@pytest.mark.django_db
def test_accents_do_not_matter(client):
    article = make_article(title="Trade fair opens in Zürich", body="<p>Café society.</p>")
    assert titles(search(client, "Zurich")) == [article.title]
    assert titles(search(client, "zürich")) == [article.title]
    assert titles(search(client, "cafe")) == [article.title]


@pytest.mark.django_db
def test_chinese_words_are_found_inside_unspaced_text(client):
    body_hit = make_article(title="Press day", body="<p>今日新闻发布会在北京举行。</p>")
    title_hit = make_article(title="上海新闻中心开放")
    make_article(title="Other", body="<p>今日天气很好。</p>")
    make_article(title="Draft", body="<p>新闻草稿</p>", state="draft")
    response = search(client, "新闻")
    assert set(titles(response)) == {body_hit.title, title_hit.title}
    assert "<mark>新闻</mark>" in response.content.decode()
    assert titles(search(client, "新闻 北京")) == [body_hit.title]


@pytest.mark.django_db
def test_words_and_unspaced_terms_combine(client):
    both = make_article(title="Zürich delegation", body="<p>代表团参加新闻发布会</p>")
    make_article(title="Zürich only", body="<p>Nothing else.</p>")
    make_article(title="Only Chinese", body="<p>新闻发布会</p>")
    assert titles(search(client, "zurich 新闻")) == [both.title]


@pytest.mark.django_db
def test_operator_words_are_plain_words(client):
    near = make_article(title="Near the harbour", body="<p>and or not</p>")
    make_article(title="Far away")
    assert titles(search(client, "NEAR")) == [near.title]
    assert titles(search(client, "harbour AND NOT")) == [near.title]


@pytest.mark.django_db
@pytest.mark.parametrize("q", HOSTILE_QUERIES)
def test_hostile_queries_never_raise(client, q):
    make_article(title="Alpha beta word", body="<p>alpha beta word</p>")
    make_article(title="Alpha beta word, unpublished", body="<p>alpha beta word</p>", state="draft")
    response = search(client, q)
    assert response.status_code == 200
    assert response.context["page"] is None or response.context["page"].paginator.count <= 1
    assert b"unpublished" not in response.content


@pytest.mark.django_db
def test_empty_query_shows_a_friendly_hint_and_no_results(client, django_assert_num_queries):
    make_article(title="Anything")
    with django_assert_num_queries(0):
        response = search(client, "  ¿?!  ")
    html = response.content.decode()
    assert response.context["results"] == []
    assert "Type one or more words" in html
    assert "no words to look for" in html
    assert "result" not in re.sub(r"<[^>]+>", "", html).split("Type one")[0].lower()


@pytest.mark.django_db
def test_snippets_highlight_and_never_let_body_markup_through(client):
    make_article(
        title="Safety first",
        summary="",
        body=(
            "<p>Intro text.</p><p><strong>Kestrel</strong> sightings: "
            "&lt;script&gt;alert(1)&lt;/script&gt; and "
            '<a href="https://example.com/kestrel">kestrel</a> notes.</p>'
        ),
    )
    response = search(client, "kestrel")
    html = response.content.decode()
    snippet = re.search(r'<p class="snippet">(.*?)</p>', html, re.S).group(1)
    assert "<mark>Kestrel</mark>" in snippet
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in snippet
    assert "<script" not in html.lower().replace('<script type="application/ld+json"', "")
    assert re.sub(r"</?mark>", "", snippet) == re.sub(
        r"<[^>]+>", "", re.sub(r"</?mark>", "", snippet)
    )


@pytest.mark.django_db
def test_snippet_comes_from_the_text_not_the_title(client):
    make_article(title="Gannet news", summary="Seabirds.", body="<p>The gannet dives.</p>")
    html = search(client, "gannet").content.decode()
    snippet = re.search(r'<p class="snippet">(.*?)</p>', html, re.S).group(1)
    assert "The <mark>gannet</mark> dives" in snippet
    assert "Gannet" not in snippet


@pytest.mark.django_db
def test_page_has_a_labelled_form_a_count_and_is_not_indexed(client):
    article = make_article(title="Lighthouse keepers meet", tags=["coast"])
    response = search(client, "lighthouse")
    html = response.content.decode()
    assert '<meta name="robots" content="noindex">' in html
    assert '<label for="search-q">' in html and 'id="search-q"' in html
    assert 'value="lighthouse"' in html
    assert "1 result for" in html
    assert f'href="{article.path}"' in html
    assert article.source.name in html
    assert article.publish_at.isoformat()[:16] in html
    assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.django_db
def test_query_is_escaped_in_the_page(client):
    response = search(client, '<script>alert("x")</script> lighthouse')
    assert b'<script>alert("x")' not in response.content
    assert b"&lt;script&gt;" in response.content


@pytest.mark.django_db
def test_pages_keep_the_query_and_past_the_end_is_404(client, settings):
    settings.NEWSROOM_PAGE_SIZE = 2
    for i in range(5):
        make_article(title=f"Pelican report {i}")
    first = search(client, "pelican")
    assert len(first.context["results"]) == 2
    assert "?q=pelican&amp;page=2" in first.content.decode()
    third = search(client, "pelican", page=3)
    assert len(third.context["results"]) == 1
    assert search(client, "pelican", page=4).status_code == 404
    assert search(client, "pelican", page="x").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["wombat", "新闻"])
def test_query_count_is_constant(client, settings, django_assert_num_queries, q):
    settings.NEWSROOM_PAGE_SIZE = 50
    sources = [make_source(f"Agency {i}") for i in range(3)]

    def add(count: int) -> None:
        for i in range(count):
            make_article(
                title=f"Wombat {q} news {i}",
                body=f"<p>{q} body {i}</p>",
                source=sources[i % 3],
                tags=[f"tag{i}", "shared"],
            )

    # count, page, tags, snippets; words add the ranking window's edge (and on
    # PostgreSQL the planner's estimate that picks how to find it).
    expected = 4 if not q.isascii() else 6 if connection.vendor == "postgresql" else 5
    add(5)
    with django_assert_num_queries(expected):
        assert len(search(client, q).context["results"]) == 5
    add(35)
    with django_assert_num_queries(expected):
        assert len(search(client, q).context["results"]) == 40


@pytest.mark.django_db
def test_very_common_words_are_ranked_among_the_newest_matches(client, settings):
    settings.NEWSROOM_SEARCH_RANK_WINDOW = 3
    oldest = [make_article(title=f"Osprey {i}", summary="", body="<p>x</p>") for i in range(2)]
    newest = [make_article(title=f"Osprey {i}", summary="", body="<p>x</p>") for i in range(3)]
    response = search(client, "osprey")
    assert {article.pk for article in response.context["results"]} == {a.pk for a in newest}
    assert "the best matches among the newest 3 are shown" in response.content.decode()
    settings.NEWSROOM_SEARCH_RANK_WINDOW = 5
    response = search(client, "osprey")
    assert len(response.context["results"]) == len(oldest + newest)
    assert "the best matches among the newest" not in response.content.decode()


@pytest.mark.django_db
def test_a_window_of_matches_not_live_reads_as_no_match(client, settings):
    """The window counts matches live or not: with none of them live, the page must
    not say the words are in a great many articles."""
    settings.NEWSROOM_SEARCH_RANK_WINDOW = 2
    for state in ("draft", "scheduled", "expired"):
        make_article(title=f"Zebracode {state}", state=state)
    response = search(client, "zebracode")
    assert response.context["results"] == []
    assert "great many articles" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's three ways")
@pytest.mark.parametrize(("others_between", "dense"), [(0, True), (6, False)])
def test_words_past_the_window_are_found_walking_the_articles(settings, others_between, dense):
    """Past the window, SQLite walks the articles: probing each in the full-text index
    where most match (``Edge.dense``), else looking each up in the list of matches;
    either way exactly the live articles with every word."""
    settings.NEWSROOM_SEARCH_RANK_WINDOW = 2
    expected = []
    for number in range(5):
        expected.append(make_article(title=f"Osprey heron {number}"))
        for _ in range(others_between):
            make_article(title="Heron alone")
    make_article(title="Osprey heron not live", state="draft")
    backend, query = backend_for(), parse_query("heron osprey")

    found = backend.with_terms(Article.objects.live(), query)

    assert backend.window_edge(query, 2).dense is dense
    assert sorted(found.values_list("pk", flat=True)) == sorted(a.pk for a in expected)


# The index follows every write path -----------------------------------------------


@pytest.mark.django_db
def test_index_follows_save_update_and_delete():
    article = make_article(title="Albatross sighted", summary="", body="<p>Seabirds.</p>")
    assert numbers("albatross") == {article.number}
    article.title = "Cormorant sighted"
    article.save()
    assert numbers("albatross") == set()
    assert numbers("cormorant") == {article.number}
    Article.objects.filter(pk=article.pk).update(body="<p>Now a puffin too.</p>")
    assert numbers("puffin") == {article.number}
    article.delete()
    assert numbers("cormorant") == set()
    assert numbers("puffin") == set()


@pytest.mark.django_db
def test_index_follows_bulk_create_and_bulk_update():
    source = make_source()
    now = timezone.now()
    created = Article.objects.bulk_create(
        Article(
            number=900_000 + i,
            title=f"Bulk heron {i}",
            body="<p>Heron</p>",
            source=source,
            status=Article.Status.PUBLISHED,
            publish_at=now - dt.timedelta(minutes=1),
            path=f"/202601/{900_000 + i}-bulk-heron",
        )
        for i in range(3)
    )
    assert numbers("heron") == {900_000, 900_001, 900_002}
    stored = list(Article.objects.filter(number__in=[a.number for a in created]))
    for article in stored:
        article.summary = "Egret"
    Article.objects.bulk_update(stored, ["summary"])
    assert numbers("egret") == {900_000, 900_001, 900_002}


@pytest.mark.django_db
def test_imported_wire_stories_are_found():
    report = import_wire(wire_files(["tests/data/wire"]))
    assert report.created
    imported = Article.objects.live().filter(wire_hash__gt="").first()
    word = max(re.findall(r"[^\W\d_]{6,}", imported.title), key=len)
    assert imported.number in numbers(word)


@pytest.mark.django_db(transaction=True)
def test_migration_is_reversible():
    def index_exists() -> bool:
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
            if connection.vendor == "sqlite":
                return "articles_search" in tables
            columns = connection.introspection.get_table_description(cursor, "articles_article")
            return "search_vector" in {column.name for column in columns}

    assert index_exists()
    call_command("migrate", "articles", "0002", verbosity=0)
    assert not index_exists()
    call_command("migrate", "articles", verbosity=0)
    assert index_exists()
    article = make_article(title="Reindexed narwhal")
    assert numbers("narwhal") == {article.number}
