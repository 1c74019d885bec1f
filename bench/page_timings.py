"""Milliseconds per request of public pages, in-process: no server, no network, no load.

Calls the WSGI application (``newsroom.wsgi.application``, page-cache front included)
``--repeat`` times per path after a warm-up, and prints the mean. Quicker and steadier
than ``load_bench.py`` for seeing what one change does to one page; ``--profile PATH``
prints where that page's time goes (cProfile). Run it against a database that holds
a corpus, with the settings the site runs with:

    DATABASE_URL=sqlite:////tmp/corpus.sqlite3 DJANGO_DEBUG=false DJANGO_SECRET_KEY=... \\
    DJANGO_ALLOWED_HOSTS=127.0.0.1 .venv/bin/python bench/page_timings.py / /tags/crypto/

Static files must be collected (``manage.py collectstatic``) when debug is off. The
floors of bench/floor.py run the same way: ``bench/page_timings.py --floor
/floor/<number> /floor-kept/<number>`` with ``FLOOR_DATABASE_URL`` set to the pages'
database and ``FLOOR_REFERENCE_DATABASE_URL`` to the copy floor_reference.py makes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="paths, with their query strings")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--floor", action="store_true", help="time bench/floor.py's app")
    parser.add_argument("--profile", action="store_true", help="cProfile the first path")
    args = parser.parse_args()
    if args.floor:
        from bench.floor import application
    else:
        from newsroom.wsgi import application
    if args.profile:
        profile(application, args.paths[0], args.repeat)
        return
    for path in args.paths:
        for _ in range(10):
            status, size = call(application, path)
        started = time.perf_counter()
        for _ in range(args.repeat):
            call(application, path)
        milliseconds = (time.perf_counter() - started) / args.repeat * 1000
        print(f"{milliseconds:8.3f} ms  {status:<24} {size:8d} B  {path}")


def call(application, path: str) -> tuple[str, int]:
    """One GET of ``path``: its status line and body size."""
    path_info, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    statuses = []
    body = b"".join(application(environ, lambda status, headers, *_: statuses.append(status)))
    return statuses[0], len(body)


def profile(application, path: str, repeat: int) -> None:
    for _ in range(10):
        call(application, path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        call(application, path)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
