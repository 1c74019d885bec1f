"""Benchmark /search/ and /articles/?q=: time a set of queries over N generated articles.

    python bench/search_bench.py                        # SQLite and PostgreSQL, 100,000 articles
    python bench/search_bench.py --count 10000 --database sqlite
    python bench/search_bench.py --keep                 # keep the databases for a second run
    python bench/search_bench.py --reuse                # time again on kept databases

For each database it makes a fresh one (an SQLite file in /tmp; a PostgreSQL database
``nr_search_bench`` on the local server, or DATABASE_URL's server), migrates it (so
the search indexes of migration 0003 exist and their triggers run on every insert),
fills it with ``bulk_create`` in batches, and times the search view itself (query
parsing, the database queries, snippets and template rendering, without HTTP), and the
listing with the words as its filter, each query ``--repeat`` times after one warm-up.
It prints the median and 95th percentile per query and page and over all runs of each
page, against the target: median under 50 ms, goal 10 ms.

The corpus: ~2,500-character HTML bodies of sentences mixing 60 very common business
words with a Zipf-distributed vocabulary of 20,000 made-up words; 2% of the articles
mention an accented place name, 5% have a Chinese sentence; 10% are drafts, scheduled or expired;
half are tagged. Generation is deterministic (``--seed``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from itertools import accumulate
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PG_NAME = "nr_search_bench"
SQLITE_PATH = Path("/tmp/nr_search_bench.sqlite3")
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
TARGET_MS, GOAL_MS = 50.0, 10.0

COMMON = [
    "company", "announced", "quarterly", "results", "investment", "growth", "market",
    "shares", "revenue", "partnership", "technology", "strategic", "expansion", "customers",
    "platform", "leading", "industry", "innovation", "infrastructure", "demand", "analysts",
    "reported", "billion", "million", "percent", "trading", "volume", "stock", "investors",
    "momentum", "regulatory", "approval", "launch", "product", "development", "cloud",
    "artificial", "intelligence", "energy", "storage", "production", "pipeline", "clinical",
    "trial", "acquisition", "agreement", "board", "directors", "chief", "executive",
    "officer", "statement", "outlook",
]  # fmt: skip
PLACES = ["Zürich", "Genève", "São Paulo", "Köln", "Malmö", "Besançon"]
CHINESE = [
    "今日新闻发布会在北京举行\uff0c公司公布了季度业绩。",
    "上海证券交易所的投资者关注人工智能和能源存储。",
    "董事会批准了新的战略合作协议\uff0c市场反应积极。",
]
SYLLABLES = ["ka", "re", "mo", "ti", "sa", "lu", "ne", "vo", "pi", "da", "go", "be", "ru", "ze"]


def vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) + rng.choice("nrstlx"))
    return sorted(words, key=lambda word: (len(word), word))


class Corpus:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rare = vocabulary(self.rng)
        self.cum_weights = list(accumulate(1 / rank for rank in range(1, len(self.rare) + 1)))

    def sentence(self) -> str:
        count = self.rng.randint(12, 24)
        common = self.rng.choices(COMMON, k=count // 2)
        rare = self.rng.choices(self.rare, cum_weights=self.cum_weights, k=count - count // 2)
        words = common + rare
        self.rng.shuffle(words)
        return words[0].capitalize() + " " + " ".join(words[1:]) + "."

    def body(self, number: int) -> str:
        paragraphs, size = [], 0
        while size < 2500:
            text = " ".join(self.sentence() for _ in range(self.rng.randint(3, 5)))
            if self.rng.random() < 0.02 and not paragraphs:
                text += f" The meeting took place in {self.rng.choice(PLACES)}."
            if self.rng.random() < 0.01:
                text = self.rng.choice(CHINESE) + " " + text
            paragraphs.append(f"<p>{text}</p>")
            size += len(paragraphs[-1])
        link = f"https://example.com/{number:x}"
        return "".join(paragraphs) + f'<p>More: <a href="{link}">{link}</a></p>'


def fill(count: int, seed: int, batch: int = 2000) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone
    from taggit.models import Tag, TaggedItem

    from articles.models import Article, Source

    corpus = Corpus(seed)
    rng = corpus.rng
    sources = [Source.objects.create(name=f"Agency {i}", slug=f"agency-{i}") for i in range(40)]
    tags = [Tag.objects.create(name=f"topic {i}", slug=f"topic-{i}") for i in range(20)]
    content_type = ContentType.objects.get_for_model(Article)
    now = timezone.now()
    started = time.perf_counter()
    for first in range(1, count + 1, batch):
        articles = []
        for number in range(first, min(first + batch, count + 1)):
            publish_at = now - dt.timedelta(minutes=number)
            state = rng.random()
            status, expires_at = Article.Status.PUBLISHED, None
            if state < 0.04:
                status = Article.Status.DRAFT
            elif state < 0.07:
                publish_at = now + dt.timedelta(days=1, minutes=number)
            elif state < 0.10:
                expires_at = publish_at + dt.timedelta(seconds=30)
            title = corpus.sentence()[:-1][:120]
            articles.append(
                Article(
                    number=number,
                    title=title,
                    slug=f"story-{number}",
                    summary=corpus.sentence(),
                    body=corpus.body(number),
                    source=rng.choice(sources),
                    status=status,
                    publish_at=publish_at,
                    expires_at=expires_at,
                    path=f"/{publish_at:%Y%m}/{number}-story-{number}",
                )
            )
        with transaction.atomic():
            created = Article.objects.bulk_create(articles)
            TaggedItem.objects.bulk_create(
                TaggedItem(content_type=content_type, object_id=article.pk, tag=tag)
                for article in created
                if article.number % 2
                for tag in rng.sample(tags, 2)
            )
        done = min(first + batch - 1, count)
        print(f"  {done:>7} articles, {done / (time.perf_counter() - started):,.0f}/s", end="\r")
    print()


def queries(seed: int) -> list[tuple[str, str]]:
    rare = vocabulary(random.Random(seed))  # the made-up words the corpus uses
    return [
        ("very common word (in ~every article)", "company"),
        ("two very common words", "quarterly results"),
        ("three very common words", "energy storage pipeline"),
        ("frequent made-up word (Zipf rank 3)", rare[2]),
        ("mid made-up word (Zipf rank 200)", rare[199]),
        ("rare made-up word (Zipf rank 5,000)", rare[4999]),
        ("common + rare", f"market {rare[4999]}"),
        ("accent-folded place (0.3%)", "Zurich"),
        ("Chinese term, substring (1.5%; 5% CJK)", "新闻"),
        ("Chinese + Latin", "新闻 company"),
        ("no match", "xylophonequartz"),
        ("operators and punctuation", '"company" AND (NEAR* -results'),
    ]


def time_queries(repeat: int, seed: int) -> dict[str, list[float]]:
    """Milliseconds of each run of each query, by page: /search/, and /articles/ with
    the words as its filter (a full-text search through the listing)."""
    from django.db import connection, reset_queries
    from django.test import RequestFactory

    from articles.browse_views import article_list
    from articles.search.views import search

    factory = RequestFactory()
    pages = {"/search/": search, "/articles/?q=": article_list}
    everything: dict[str, list[float]] = {page: [] for page in pages}
    print(f"  {'query':<40} {'results':>8} {'page':<14} {'median ms':>10} {'p95 ms':>8}")
    for label, q in queries(seed):
        count = _result_count(q)
        for page, view in pages.items():
            request = factory.get(page.split("?")[0], {"q": q})
            view(request)  # warm-up
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                view(request)
                timings.append((time.perf_counter() - started) * 1000)
                reset_queries()
            everything[page] += timings
            median, high = statistics.median(timings), p95(timings)
            print(f"  {label:<40} {count:>8} {page:<14} {median:>10.1f} {high:>8.1f}")
            label, count = "", ""
    connection.close()
    return everything


def _result_count(q: str) -> str:
    from articles.search.backends import backend_for
    from articles.search.query import parse_query

    query = parse_query(q)
    if query.is_empty:
        return "0"
    matches = backend_for().matching(query)
    return f"{matches.articles.count()}{'*' if matches.narrowed else ''}"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from articles.ingest.runner import refresh_planner_statistics

    if not args.reuse:
        call_command("migrate", verbosity=0)
        print(f"  filling {args.count:,} articles with bulk_create")
        fill(args.count, args.seed)
        # What an import leaves behind: the search index merged, statistics fresh.
        refresh_planner_statistics()
    timings = time_queries(args.repeat, args.seed)
    print("  * = ranked among the newest matches only (the ranking window)")
    for page, runs in timings.items():
        median, high = statistics.median(runs), p95(runs)
        verdict = (
            "goal met" if median < GOAL_MS else "target met" if median < TARGET_MS else "MISSED"
        )
        print(
            f"  {page} all queries: median {median:.1f} ms, p95 {high:.1f} ms "
            f"(target median < {TARGET_MS:.0f} ms, goal < {GOAL_MS:.0f} ms): {verdict}"
        )


def _server_url(database_url: str, name: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def run_database(kind: str, args: argparse.Namespace) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "search-bench-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "NEWSROOM_PAGE_CACHE_SECONDS": "0",
        "PYTHONPATH": str(ROOT),
    }
    server = os.environ.get("DATABASE_URL", "")
    if kind == "postgres":
        server = server if server.startswith("postgres") else LOCAL_POSTGRES
        env["DATABASE_URL"] = _server_url(server, PG_NAME)
        if not args.reuse:
            _postgres_admin(server, f'DROP DATABASE IF EXISTS "{PG_NAME}"')
            _postgres_admin(server, f'CREATE DATABASE "{PG_NAME}"')
    else:
        env["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    print(f"{kind}: {env['DATABASE_URL']}")
    command = [sys.executable, __file__, "--child", "--count", str(args.count)]
    command += ["--repeat", str(args.repeat), "--seed", str(args.seed)]
    command += ["--reuse"] if args.reuse else []
    try:
        subprocess.run(command, env=env, check=True, cwd=ROOT)
    finally:
        if not args.keep and kind == "postgres":
            _postgres_admin(server, f'DROP DATABASE IF EXISTS "{PG_NAME}"')
        if not args.keep and kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)


def _postgres_admin(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(_server_url(server, "postgres"), autocommit=True) as admin:
        admin.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--reuse", action="store_true", help="time kept databases again")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    for kind in ("sqlite", "postgres") if args.database == "both" else (args.database,):
        run_database(kind, args)


if __name__ == "__main__":
    main()
