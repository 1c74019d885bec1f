"""The database of targets.md's floor (bench/floor.py's ``/floor/<number>``).

A new SQLite file shaped as a ``startproject`` site's (its default apps migrated)
holding the columns the floor reads from every article row of a Newsroom database,
SQLite or PostgreSQL. The floor opens a connection per request, as ``startproject``'s
settings do, and every new connection reads the file's schema: on Newsroom's own file
(23 tables, 44 indexes, 17 triggers) that cost a third of the floor's requests.
load_bench.py builds it for each run; for ``page_timings.py --floor``:

    .venv/bin/python bench/floor_reference.py sqlite:////tmp/corpus.sqlite3 /tmp/floor
    # prints the URL to set as FLOOR_REFERENCE_DATABASE_URL
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = "id, number, title, summary"


def reference_floor_database(database_url: str, folder: Path) -> str:
    """Build the floor's database in ``folder`` from the article rows of the Newsroom
    database at ``database_url``; return its URL. An earlier copy there is replaced."""
    path = folder / "floor-reference.sqlite3"
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    env = {**os.environ, "FLOOR_DATABASE_URL": url, "FLOOR_REFERENCE_DATABASE_URL": url}
    migrate = [sys.executable, "bench/floor.py", "migrate", "-v0"]
    subprocess.run(migrate, env=env, cwd=ROOT, check=True)
    with sqlite3.connect(path) as copy:
        copy.execute(
            "CREATE TABLE articles_article (id integer PRIMARY KEY, number integer NOT NULL"
            " UNIQUE, title text NOT NULL, summary text NOT NULL)"
        )
        source = dj_database_url.parse(database_url)
        if source["ENGINE"] == "django.db.backends.sqlite3":
            copy.execute("ATTACH DATABASE ? AS pages", [source["NAME"]])
            copy.execute(
                f"INSERT INTO articles_article SELECT {COLUMNS} FROM pages.articles_article"
            )
        else:
            import psycopg

            with psycopg.connect(database_url) as pages:
                copy.executemany(
                    "INSERT INTO articles_article VALUES (?, ?, ?, ?)",
                    pages.execute(f"SELECT {COLUMNS} FROM articles_article"),
                )
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", help="the Newsroom database to copy the rows of")
    parser.add_argument("folder", type=Path, help="where to write floor-reference.sqlite3")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    print(reference_floor_database(args.database_url, args.folder.resolve()))


if __name__ == "__main__":
    main()
