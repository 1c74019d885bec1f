"""Page-load benchmark: every public page against the "floor", measured in one run.

Generates a wire corpus, imports it into a fresh database, starts Newsroom under
gunicorn (2 sync workers) beside the floor app (bench/floor.py), loads each page
with ``wrk -t2 -c32 -d<duration>s`` and prints requests/s with the ratio to the
floor measured in the same run (targets.md). Then it repeats the pages with the
server-side page cache on (Redis). Needs ``wrk`` (Debian package ``wrk``).

    .venv/bin/python bench/load_bench.py --articles 10000
    .venv/bin/python bench/load_bench.py --articles 10000 --postgres
"""

from __future__ import annotations

import argparse
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
        results = measure(urls, env, database_url, args.duration)
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
tag = tagged.tags.first()
print(json.dumps({
    "number": tagged.number, "path": tagged.path, "tag": tag.slug, "source": source.slug,
    "year": tagged.publish_at.year, "month": tagged.publish_at.month,
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
        "home": ("listing", "/"),
        "listing /articles/": ("listing", "/articles/"),
        "tag page": ("listing", f"/tags/{s['tag']}/"),
        "source page": ("listing", f"/sources/{s['source']}/"),
        "archive month": ("listing", f"/archive/{s['year']}/{s['month']:02d}/"),
        "RSS feed": ("listing", "/feed/"),
        "search": ("listing", "/search/?q=market"),
        "QR code (PNG)": ("listing", f"/qr/{s['number']}.png"),
        "floor": ("floor", f"/floor/{s['number']}"),
    }


def measure(urls, env, database_url: str, duration: int) -> list[tuple[str, str, float, str]]:
    results = []
    with gunicorn(
        "bench.floor:application", FLOOR_PORT, {**env, "FLOOR_DATABASE_URL": database_url}
    ):
        floor_path = urls["floor"][1]
        floor_before = wrk(FLOOR_PORT, floor_path, duration)
        for cached in (False, True):
            app_env = dict(env)
            if cached:
                flush_redis()
                app_env.update(REDIS_URL=REDIS_URL, NEWSROOM_PAGE_CACHE_SECONDS="300")
            with gunicorn("newsroom.wsgi:application", APP_PORT, app_env):
                for name, (kind, path) in urls.items():
                    if kind == "floor":
                        continue
                    status = warm(APP_PORT, path)
                    if status != 200:
                        results.append((name, kind, 0.0, f"HTTP {status}: skipped"))
                        continue
                    label = f"{name} (cached)" if cached else name
                    rate, note = wrk_with_note(APP_PORT, path, duration)
                    results.append((label, "cached" if cached else kind, rate, note))
        floor_after = wrk(FLOOR_PORT, floor_path, duration)
    floor = (floor_before + floor_after) / 2
    results.insert(
        0, ("floor (before / after)", "floor", floor, f"{floor_before:.0f} / {floor_after:.0f}")
    )
    return results


@contextmanager
def gunicorn(app: str, port: int, env: dict[str, str]):
    command = [PYTHON, "-m", "gunicorn", app, "-w", "2", "-b", f"127.0.0.1:{port}"]
    process = subprocess.Popen([*command, "--log-level", "warning"], env=env, cwd=ROOT)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.1)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def warm(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wrk(port: int, path: str, duration: int) -> float:
    return wrk_with_note(port, path, duration)[0]


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
    floor = results[0][2]
    print(f"\nNewsroom load benchmark: {database_name}, {articles} articles, wrk -t2 -c32")
    print(f"{'page':34} {'req/s':>8} {'x floor':>8}  {'target (must/goal)':18} note")
    for name, kind, rate, note in results:
        must, goal = TARGETS.get(kind, (None, None))
        target = f"{must} / {goal}" if must else ""
        verdict = ""
        if must and rate:
            verdict = (
                "goal met" if rate / floor >= goal else "ok" if rate / floor >= must else "BELOW"
            )
        print(f"{name:34} {rate:8.0f} {rate / floor:8.2f}  {target:18} {verdict} {note}")


def run(command: list[str], env) -> None:
    subprocess.run(command, env=env, cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
