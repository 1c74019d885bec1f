"""Benchmark ``manage.py import_wire``: articles per second and peak memory.

    python bench/import_bench.py                          # SQLite, 10,000 files
    python bench/import_bench.py --postgres               # and PostgreSQL (DATABASE_URL
                                                          # or postgres://postgres@127.0.0.1/)
    python bench/import_bench.py --prefill 100000         # also into a 100,000-article site

For each database it makes a fresh one (an SQLite file in a temporary folder; a
PostgreSQL database it creates and drops), migrates it, and runs the real command
in a child process, so the figures include everything a user waits for except
Python start-up. Peak RSS is the child's own (``os.wait4``). Then it imports the
same files again (all unchanged), and, with ``--prefill N``, imports N other files
first and the corpus after them, to compare the rate into a full site with the rate
into an empty one. The corpus is generated (see generate_wire.py) unless
``--corpus`` names one. Timed figures vary on a shared machine: compare them as
ratios within one run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_wire import generate  # noqa: E402

SUMMARY_RE = re.compile(
    r"(?P<created>\d+) created, (?P<updated>\d+) updated, (?P<unchanged>\d+) unchanged, "
    r"(?P<failed>\d+) failed \((?P<files>\d+) files in (?P<seconds>[\d.]+)s\)"
)
PREFILL_FIRST_NUMBER = 10_000_000
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
TARGETS = {"sqlite": (500, 1600), "postgresql": (300, 1000)}  # articles/s: must, goal


@dataclass
class Run:
    backend: str
    label: str
    files: int
    seconds: float  # as reported by the command: reading, parsing and writing
    wall: float  # the child process, start-up included
    cpu: float  # the child's user + system CPU seconds, start-up included
    peak_rss_mb: float
    counts: dict[str, int]

    @property
    def rate(self) -> float:
        return self.files / self.seconds if self.seconds else float("inf")


def run_command(args: list[str], env: dict[str, str]) -> tuple[str, str, float, float, float]:
    """Run manage.py in a child; return (stdout, stderr, wall s, CPU s, peak RSS in MB)."""
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Read both pipes before reaping, so the child never blocks on a full pipe.
    out, err = _drain(child)
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if child.returncode not in (0, 1):
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{err[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return out, err, wall, cpu, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def _drain(child: subprocess.Popen) -> tuple[str, str]:
    chunks: dict[str, str] = {}

    def read(name: str, stream) -> None:
        chunks[name] = stream.read()

    readers = [
        threading.Thread(target=read, args=("out", child.stdout)),
        threading.Thread(target=read, args=("err", child.stderr)),
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    return chunks["out"], chunks["err"]


def import_run(backend: str, label: str, corpus: Path, env: dict, args) -> Run:
    out, err, wall, cpu, rss = run_command(
        ["import_wire", str(corpus), "--batch-size", str(args.batch), "-v0"], env
    )
    match = SUMMARY_RE.search(out)
    if not match:
        raise SystemExit(f"no summary line in the output:\n{out[-2000:]}\n{err[-2000:]}")
    counts = {key: int(value) for key, value in match.groupdict().items() if key != "seconds"}
    if counts["failed"]:
        print(f"  warning: {counts['failed']} files failed:\n{err[:1000]}", file=sys.stderr)
    run = Run(backend, label, counts["files"], float(match["seconds"]), wall, cpu, rss, counts)
    print(
        f"  {backend:<10} {label:<30} {run.files:>7} files {run.seconds:>7.1f} s "
        f"{run.rate:>6.0f} articles/s  CPU {run.cpu:>6.1f} s  peak RSS {run.peak_rss_mb:>4.0f} MB",
        flush=True,
    )
    return run


# Databases ----------------------------------------------------------------------------


class SQLiteDatabase:
    backend = "sqlite"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / f"bench-{uuid.uuid4().hex[:8]}.sqlite3"
        self.url = f"sqlite:///{self.path}"

    def __enter__(self) -> SQLiteDatabase:
        return self

    def __exit__(self, *exc) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def clone(self) -> SQLiteDatabase:
        """A copy of this database, to import into again from the same start."""
        copy = SQLiteDatabase(self.folder)
        for suffix in ("", "-wal"):
            if Path(f"{self.path}{suffix}").exists():
                shutil.copyfile(f"{self.path}{suffix}", f"{copy.path}{suffix}")
        return copy


class PostgresDatabase:
    """A database of its own on the given server, created here and dropped after."""

    backend = "postgresql"

    def __init__(self, server_url: str, template: str | None = None) -> None:
        parts = urlsplit(server_url)
        self.server_url = server_url
        self.template = template
        self.name = f"nr_import_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.admin_url = urlunsplit(parts._replace(path="/postgres"))
        self.url = urlunsplit(parts._replace(path=f"/{self.name}"))

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(sql)

    def __enter__(self) -> PostgresDatabase:
        template = f' TEMPLATE "{self.template}"' if self.template else ""
        self._admin(f'CREATE DATABASE "{self.name}"{template}')
        return self

    def __exit__(self, *exc) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def clone(self) -> PostgresDatabase:
        """A copy of this database, to import into again from the same start."""
        return PostgresDatabase(self.server_url, template=self.name)


def child_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="false",  # debug mode keeps a log of every query
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or "import-bench-" + "x" * 40,
    )
    return env


def migrate(env: dict) -> None:
    run_command(["migrate", "--no-input", "-v0"], env)


EMPTY, AGAIN, PREFILL, FULL = (
    "into an empty site",
    "same files again",
    "prefill",
    "into a full site",
)


def bench_backend(make_database, corpus: Path, prefill: Path | None, args) -> list[Run]:
    """Import into copies of an empty and of a prefilled database, alternating."""
    runs: list[Run] = []
    with ExitStack() as stack:
        empty = stack.enter_context(make_database())
        migrate(child_env(empty.url))
        full = None
        if prefill is not None:
            full = stack.enter_context(empty.clone())
            runs.append(import_run(full.backend, PREFILL, prefill, child_env(full.url), args))
        for attempt in range(args.repeat):
            with empty.clone() as database:
                env = child_env(database.url)
                runs.append(import_run(database.backend, EMPTY, corpus, env, args))
                if attempt == 0:
                    runs.append(import_run(database.backend, AGAIN, corpus, env, args))
            if full is not None:
                with full.clone() as database:
                    env = child_env(database.url)
                    runs.append(import_run(database.backend, FULL, corpus, env, args))
    return runs


def report(runs: list[Run], prefill: int) -> None:
    print(
        "\nSummary: median of the repeats (rate = files / the command's own elapsed time;"
        " CPU = the child's user + system time, less sensitive to other load)"
    )
    for backend in dict.fromkeys(run.backend for run in runs):
        mine = [run for run in runs if run.backend == backend]
        empty = _median([run for run in mine if run.label == EMPTY])
        again = _median([run for run in mine if run.label == AGAIN])
        must, goal = TARGETS[backend]
        verdict = "BELOW the must"
        if empty.rate >= must:
            verdict = "goal met" if empty.rate >= goal else "must met"
        print(
            f"  {backend}: {empty.rate:,.0f} articles/s into an empty site "
            f"(must {must:,}, goal {goal:,}: {verdict}); unchanged re-import {again.rate:,.0f}/s"
        )
        fulls = [run for run in mine if run.label == FULL]
        if fulls:
            full = _median(fulls)
            ratio, cpu_ratio = full.rate / empty.rate, empty.cpu / full.cpu
            print(
                f"  {backend}: {full.rate:,.0f} articles/s into a site of {prefill:,} articles "
                f"= {ratio:.2f} x the empty-site rate (must 0.8); by CPU time {cpu_ratio:.2f} x"
            )
        peaks = {run.label: f"({run.files:,} files) {run.peak_rss_mb:.0f} MB" for run in mine}
        listed = ", ".join(f"{label} {peak}" for label, peak in peaks.items())
        print(f"  {backend}: peak RSS: {listed} (must < 300 MB at 100,000 files, goal < 150)")


def _median(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.rate)[len(runs) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="files in the corpus")
    parser.add_argument("--corpus", type=Path, help="import these files instead of generating")
    parser.add_argument("--prefill", type=int, default=0, help="articles in the full-site run")
    database_url = os.environ.get("DATABASE_URL", "")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=database_url if database_url.startswith("postgres") else LOCAL_POSTGRES,
        help="also benchmark PostgreSQL on this server (default: DATABASE_URL or local)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument("--batch", type=int, default=500, help="files per transaction")
    parser.add_argument("--repeat", type=int, default=1, help="timed imports of each kind")
    parser.add_argument("--workdir", type=Path, help="where to put corpora and SQLite files")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="import-bench-", dir=args.workdir) as tmp:
        work = Path(tmp)
        corpus = args.corpus
        if corpus is None:
            corpus = work / "corpus"
            started = time.monotonic()
            generate(args.count, corpus)
            print(f"generated {args.count:,} files in {time.monotonic() - started:.1f} s")
        prefill = None
        if args.prefill:
            prefill = work / "prefill"
            started = time.monotonic()
            generate(args.prefill, prefill, seed=7, first_number=PREFILL_FIRST_NUMBER)
            print(f"generated {args.prefill:,} prefill files in {time.monotonic() - started:.1f} s")
        print(f"\nImporting {corpus} (batch size {args.batch}, {args.repeat} x each)")
        runs: list[Run] = []
        if not args.no_sqlite:
            runs += bench_backend(lambda: SQLiteDatabase(work), corpus, prefill, args)
        if args.postgres:
            runs += bench_backend(lambda: PostgresDatabase(args.postgres), corpus, prefill, args)
        report(runs, args.prefill)


if __name__ == "__main__":
    main()
