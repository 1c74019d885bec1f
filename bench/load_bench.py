"""Page-load benchmark: every public page against the "floor", measured in one run.

Generates a wire corpus, imports it into a fresh database, starts Newsroom under
gunicorn (2 sync workers) beside the floor app (bench/floor.py), loads each page
with ``wrk -t2 -c32 -d<duration>s`` and prints requests/s with the ratio to the
floor measured in the same run (targets.md). Then it repeats the pages with the
server-side page cache on (Redis), and, when nginx is installed, behind nginx as a
caching reverse proxy, beside nginx serving the same page as a static file. Needs
``wrk`` (Debian package ``wrk``); ``nginx`` (package ``nginx``) for the last rows.

    .venv/bin/python bench/load_bench.py --articles 10000
    .venv/bin/python bench/load_bench.py --articles 10000 --postgres
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from floor_reference import reference_floor_database

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
APP_PORT, FLOOR_PORT = 8731, 8732
REDIS_URL = "redis://127.0.0.1:6379/15"
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"

TARGETS = {  # page kind -> (must, goal) as ratios to the floor, from targets.md
    "article": (0.8, 1.0),
    "listing": (0.6, 0.9),
    "cached": (2.0, 4.0),
}
PROXY_PORT = 8733
PROXY_TARGET = (0.5, 1.0)  # behind a caching proxy, as ratios to nginx's static figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument("--postgres", action="store_true", help="use PostgreSQL, not SQLite")
    parser.add_argument("--corpus", type=Path, help="an existing corpus folder to import")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")

    work = Path(tempfile.mkdtemp(prefix="newsroom-load-"))
    with database(work, args.postgres) as database_url:
        env = app_env(database_url, work)
        corpus = args.corpus or generate(work / "corpus", args.articles)
        run([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], env)
        started = time.monotonic()
        run([PYTHON, "manage.py", "import_wire", str(corpus), "-v0"], env)
        seconds = time.monotonic() - started
        print(f"import: {args.articles} files in {seconds:.1f}s ({args.articles / seconds:.0f}/s)")
        run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], env)
        urls = sample_urls(env)
        results = measure(urls, env, database_url, args.duration, work)
    report(results, "PostgreSQL" if args.postgres else "SQLite", args.articles)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def app_env(database_url: str, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NEWSROOM_"))}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        SITE_URL=f"http://127.0.0.1:{APP_PORT}",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        MEDIA_ROOT=str(work / "media"),
        DJANGO_LOG_LEVEL="WARNING",
        REDIS_URL="",
    )
    return env


@contextmanager
def database(work: Path, postgres: bool):
    if not postgres:
        yield f"sqlite:///{work / 'bench.sqlite3'}"
        return
    import psycopg

    name = f"newsroom_load_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def generate(out: Path, count: int) -> Path:
    run([PYTHON, "bench/generate_wire.py", "--count", str(count), "--out", str(out)], os.environ)
    return out


SAMPLE_SCRIPT = """
import json
from django.db.models import Count
from articles.models import Article, Source
live = Article.objects.live()
tagged = live.annotate(n=Count("tags")).filter(n__gt=0).order_by("-publish_at").first()
source = Source.objects.filter(articles__in=live).first()
untagged = live.filter(tags__isnull=True).order_by("-publish_at").first()
tag = tagged.tags.first()
other_tag = type(tag).objects.exclude(pk=tag.pk).order_by("name").first()
print(json.dumps({
    "number": tagged.number, "path": tagged.path, "tag": tag.slug, "source": source.slug,
    "other_tag": other_tag.slug if other_tag else tag.slug,
    "year": tagged.publish_at.year, "month": tagged.publish_at.month,
    "untagged": untagged.path if untagged else None,
}))
"""


def sample_urls(env: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Page name -> (kind, path) for the pages under test."""
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", SAMPLE_SCRIPT],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    s = json.loads(out.strip().splitlines()[-1])
    return {
        "article page": ("article", s["path"]),
        # Its related articles come from its source alone (the corpus tags half).
        **({"article page, untagged": ("article", s["untagged"])} if s["untagged"] else {}),
        "home": ("listing", "/"),
        "listing /articles/": ("listing", "/articles/"),
        # Readers filter it too: a source with a tag, two tags, and a word in nearly
        # every article. A word filter is a full-text search through the listing: its
        # target is search's (search_bench.py times /articles/?q= as well).
        "/articles/, source and tag": (
            "listing",
            f"/articles/?source={s['source']}&tag={s['tag']}",
        ),
        "/articles/, two tags": ("listing", f"/articles/?tag={s['tag']}&tag={s['other_tag']}"),
        "/articles/, a common word": ("search", "/articles/?q=market"),
        "tag page": ("listing", f"/tags/{s['tag']}/"),
        "source page": ("listing", f"/sources/{s['source']}/"),
        "archive month": ("listing", f"/archive/{s['year']}/{s['month']:02d}/"),
        "archive year": ("listing", f"/archive/{s['year']}/"),
        "archive index": ("listing", "/archive/"),
        "topics /tags/": ("listing", "/tags/"),
        "sources /sources/": ("listing", "/sources/"),
        "RSS feed": ("listing", "/feed/"),
        # Search has a latency target, not a ratio (median under 50 ms): search_bench.py.
        "search": ("search", "/search/?q=market"),
        "QR code (PNG)": ("listing", f"/qr/{s['number']}.png"),
        "floor (targets.md)": ("floor", f"/floor/{s['number']}"),
        "floor, connection kept open": ("floor", f"/floor-kept/{s['number']}"),
        "floor, raw SQL": ("floor", f"/floor-sql/{s['number']}"),
    }


def measure(urls, env, database_url: str, duration: int, work: Path) -> list[tuple]:
    """(page, kind, req/s, note) rows; the first three are the floors (bench/floor.py),
    the mean of the runs before and after the pages."""
    results = []
    floors = {name: path for name, (kind, path) in urls.items() if kind == "floor"}
    pages = {name: page for name, page in urls.items() if page[0] != "floor"}
    floor_env = {
        **env,
        "FLOOR_DATABASE_URL": database_url,
        "FLOOR_REFERENCE_DATABASE_URL": reference_floor_database(database_url, work),
    }
    with gunicorn("bench.floor:application", FLOOR_PORT, floor_env):
        for path in floors.values():
            if (status := warm(FLOOR_PORT, path)) != 200:
                sys.exit(f"the floor {path} answered HTTP {status}: no figure can be measured")
        before = {name: wrk_with_note(FLOOR_PORT, path, duration) for name, path in floors.items()}
        for cached in (False, True):
            app_env = dict(env)
            if cached:
                flush_redis()
                app_env.update(REDIS_URL=REDIS_URL, NEWSROOM_PAGE_CACHE_SECONDS="300")
            with gunicorn("newsroom.wsgi:application", APP_PORT, app_env):
                for name, (kind, path) in pages.items():
                    label, kind = (f"{name} (cached)", "cached") if cached else (name, kind)
                    results.append(load(APP_PORT, path, duration, label, kind))
        after = {name: wrk_with_note(FLOOR_PORT, path, duration) for name, path in floors.items()}
    if shutil.which("nginx"):
        results += behind_proxy(urls, env, duration, work)
    floor_rows = []
    for name in floors:
        (rate_before, errors_before), (rate_after, errors_after) = before[name], after[name]
        note = f"{rate_before:.0f} / {rate_after:.0f} {errors_before} {errors_after}".strip()
        floor_rows.append((name, "floor", (rate_before + rate_after) / 2, note))
    return floor_rows + results


def load(port: int, path: str, duration: int, label: str, kind: str) -> tuple:
    status = warm(port, path)
    if status != 200:
        return (label, kind, 0.0, f"HTTP {status}: skipped")
    rate, note = wrk_with_note(port, path, duration)
    return (label, kind, rate, note)


NGINX_CONF = """
daemon off;
user root;
worker_processes 2;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/nginx-body;
    proxy_temp_path {work}/nginx-proxy;
    fastcgi_temp_path {work}/nginx-fastcgi;
    uwsgi_temp_path {work}/nginx-uwsgi;
    scgi_temp_path {work}/nginx-scgi;
    proxy_cache_path {work}/nginx-cache keys_zone=pages:10m;
    server {{
        listen 127.0.0.1:{port};
        location = /static-page.html {{ root {work}; default_type text/html; }}
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $http_host;
            proxy_cache pages;
        }}
    }}
}}
"""


def behind_proxy(urls, env, duration: int, work: Path) -> list[tuple]:
    """nginx serving the article page as a static file, then as a proxy cache in front
    of Newsroom with ``NEWSROOM_HTTP_MAX_AGE`` on (the proxy honours Cache-Control)."""
    article = urls["article page"][1]
    app_env = {**env, "NEWSROOM_HTTP_MAX_AGE": "60"}
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(work=work, port=PROXY_PORT, app_port=APP_PORT))
    rows = []
    with gunicorn("newsroom.wsgi:application", APP_PORT, app_env):
        with urllib.request.urlopen(f"http://127.0.0.1:{APP_PORT}{article}") as response:
            (work / "static-page.html").write_bytes(response.read())
        nginx = subprocess.Popen(["nginx", "-c", str(conf)])
        try:
            wait_for(PROXY_PORT, "/static-page.html")
            static = load(PROXY_PORT, "/static-page.html", duration, "nginx, static file", "static")
            rows.append(static)
            for name in ("article page", "home"):
                label = f"{name} (behind nginx proxy cache)"
                rows.append(load(PROXY_PORT, urls[name][1], duration, label, "proxy"))
        finally:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(timeout=30)
    return rows


@contextmanager
def gunicorn(app: str, port: int, env: dict[str, str]):
    command = [PYTHON, "-m", "gunicorn", app, "-w", "2", "-b", f"127.0.0.1:{port}"]
    if control_socket_option():
        command.append("--no-control-socket")  # two servers run at once: one socket each
    process = subprocess.Popen([*command, "--log-level", "warning"], env=env, cwd=ROOT)
    try:
        wait_for(port, "/")
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


@functools.cache
def control_socket_option() -> bool:
    """Whether this gunicorn opens a control socket by default (newer releases)."""
    help_text = subprocess.run(
        [PYTHON, "-m", "gunicorn", "--help"], capture_output=True, text=True
    ).stdout
    return "--no-control-socket" in help_text


def wait_for(port: int, path: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)


def warm(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wrk_with_note(port: int, path: str, duration: int) -> tuple[float, str]:
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{duration}s", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, f"{errors.group(1)} non-2xx responses!" if errors else ""


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def report(results, database_name: str, articles: int) -> None:
    floor, kept_floor, sql_floor = (rate for _name, _kind, rate, _note in results[:3])
    static = next((rate for _name, kind, rate, _note in results if kind == "static"), 0)
    print(f"\nNewsroom load benchmark: {database_name}, {articles} articles, wrk -t2 -c32")
    print("x floor: against targets.md's floor, a plain Django view (ORM and template) on")
    print(f"  SQLite with startproject's settings (targets.md: ~1,200 req/s; here {floor:.0f});")
    print("x kept: against the same view on this run's database, its connection kept open;")
    print("x SQL: against that, reading the row with a raw cursor; x static: nginx's file.")
    print("The verdicts compare x floor (x static for the proxy rows) with targets.md.")
    header = (
        f"{'page':42} {'req/s':>8} {'x floor':>8} {'x kept':>7} {'x SQL':>6}  {'target':10} verdict"
    )
    print(header)
    for name, kind, rate, note in results:
        if kind == "proxy":
            must, goal = PROXY_TARGET
            ratio = rate / static if static else 0
        else:
            must, goal = TARGETS.get(kind, (None, None))
            ratio = rate / floor
        target = f"{must} / {goal}" if must else ""
        verdict = ""
        if kind == "search":
            verdict = "(target: median under 50 ms, see search_bench.py)"
        if must and rate:
            verdict = "goal met" if ratio >= goal else "ok" if ratio >= must else "BELOW"
            if kind == "proxy":
                verdict += f" ({ratio:.2f} x static)"
        print(
            f"{name:42} {rate:8.0f} {rate / floor:8.2f} {rate / kept_floor:7.2f} "
            f"{rate / sql_floor:6.2f}  "
            f"{target:10} {verdict} {note}"
        )


def run(command: list[str], env) -> None:
    subprocess.run(command, env=env, cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
