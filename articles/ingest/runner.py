"""Importing many wire files: batched transactions, each file whole or not at all.

Files are parsed outside any transaction; the parsed stories of a batch are then
written in one transaction by ``StoryWriter.write_batch``: the new articles together
in one savepoint, and if that fails, every story again in a savepoint of its own. So
a file that fails never leaves half an article and never stops the others, while the
database commits once per batch rather than once per file. Files are read lazily,
so memory stays flat however many there are.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, connection, transaction

from .frontmatter import parse_wire_bytes
from .story import WireError, WireStory
from .writer import Outcome, StoryWriter

WIRE_SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ".wire", ".toml", ".yaml", ".yml"}
MAX_FILE_BYTES = 5 * 1024 * 1024

# (display name, a function returning the file's bytes)
WireSource = tuple[str, Callable[[], bytes]]
ResultCallback = Callable[[str, str, str], None]  # (name, outcome or "failed", detail)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.failed} failed"
        )


def wire_files(paths: Iterable[str | os.PathLike]) -> Iterator[WireSource]:
    """Files named directly, and wire files found recursively in folders, in order."""
    for raw_path in paths:
        path = Path(raw_path)
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    candidate = Path(root, name)
                    if not name.startswith(".") and candidate.suffix.lower() in WIRE_SUFFIXES:
                        yield str(candidate), _reader(candidate)
        else:
            yield str(path), _reader(path)


def _reader(path: Path) -> Callable[[], bytes]:
    def read() -> bytes:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise WireError(f"file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB")
            return path.read_bytes()
        except FileNotFoundError:
            raise WireError("no such file") from None
        except OSError as error:
            raise WireError(f"cannot read: {error.strerror}") from None

    return read


def import_wire(
    sources: Iterable[WireSource],
    *,
    dry_run: bool = False,
    batch_size: int = 500,
    user=None,
    on_result: ResultCallback | None = None,
) -> ImportReport:
    """Import wire files; return what happened to each, counted."""
    report = ImportReport()
    writer = StoryWriter(user=user)
    with _bulk_write_settings():
        _import(sources, writer, report, dry_run, batch_size, on_result)
    if report.created + report.updated >= ANALYZE_AFTER_ROWS:
        refresh_planner_statistics()
    return report


# Query planners choose indexes from table statistics. After a large import they are
# stale or missing: related-article queries then took 117 s on PostgreSQL and 10x
# longer on SQLite. ANALYZE takes about 0.1 s on SQLite at 100,000 articles.
ANALYZE_AFTER_ROWS = 1000
ANALYZED_TABLES = (
    "articles_article",
    "articles_source",
    "taggit_tag",
    "taggit_taggeditem",
    "articles_taggedarticle",
    "articles_articletally",  # a row a day: the archive's counts sum a year of them
)
# PostgreSQL queues new rows of a GIN index in a pending list, read in full by every
# search until vacuum merges it. After an import the planner also prices that list so
# high that it scans the table instead: a search for a rare word took 46 ms at 10,000
# articles with the list full, 0.05 ms once merged.
SEARCH_INDEX = "article_search_vector_idx"


def refresh_planner_statistics() -> None:
    """Refresh the planner's statistics after a large import.

    On PostgreSQL, outside a transaction, VACUUM as well: it also merges the search
    index's pending rows and marks the new rows visible to all in the visibility map.
    Until then every index-only scan (the listings' counts) reads the table as well:
    /articles/ took 18 ms instead of 5 at 100,000 articles until autovacuum came by.
    VACUUM cannot run in a transaction (an import from the admin, or a test): there,
    the pending rows are merged and the tables analyzed.
    """
    tables = ", ".join(ANALYZED_TABLES)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        elif not connection.in_atomic_block:
            cursor.execute(f"VACUUM (ANALYZE) {tables}")
        else:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [SEARCH_INDEX])
            cursor.execute(f"ANALYZE {tables}")


def _import(
    sources: Iterable[WireSource],
    writer: StoryWriter,
    report: ImportReport,
    dry_run: bool,
    batch_size: int,
    on_result: ResultCallback | None,
) -> None:
    def record(name: str, outcome: str, detail: str = "") -> None:
        if outcome == "failed":
            report.failures.append((name, detail))
        else:
            report.count(Outcome(outcome))
        if on_result:
            on_result(name, outcome, detail)

    batch: list[tuple[str, WireStory]] = []
    for name, read in sources:
        try:
            batch.append((name, parse_wire_bytes(read())))
        except WireError as error:
            record(name, "failed", str(error))
        except Exception as error:  # a parser bug must fail this file only, never the run
            record(name, "failed", f"unreadable front matter ({type(error).__name__})")
        if len(batch) >= batch_size:
            _write_batch(batch, writer, dry_run, record)
            batch = []
    if batch:
        _write_batch(batch, writer, dry_run, record)


# SQLite, for the length of an import: a 32 MB page cache (the default is 2 MB) keeps the
# indexes of a large site in memory, and checkpointing the write-ahead log every 40 MB
# rather than every 4 MB writes each hot index page back once instead of many times.
# Both are per-connection and restored afterwards; durability is unchanged. Into a site
# of 100,000 articles this takes the import from about 0.77 to 0.82 x the empty-site rate.
SQLITE_IMPORT_PRAGMAS = {"cache_size": -32768, "wal_autocheckpoint": 10000}


@contextmanager
def _bulk_write_settings() -> Iterator[None]:
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection  # tuning, not data: kept out of query logs and counts
    saved = {name: raw.execute(f"PRAGMA {name}").fetchone()[0] for name in SQLITE_IMPORT_PRAGMAS}
    for name, value in SQLITE_IMPORT_PRAGMAS.items():
        raw.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        if connection.connection is raw:  # not closed and reopened meanwhile
            for name, value in saved.items():
                raw.execute(f"PRAGMA {name} = {int(value)}")


def _write_batch(
    batch: list[tuple[str, WireStory]], writer: StoryWriter, dry_run: bool, record
) -> None:
    stories = [story for _name, story in batch]
    if dry_run:
        for (name, _story), outcome in zip(batch, writer.plan(stories), strict=True):
            record(name, outcome.value)
        return
    try:
        with transaction.atomic():
            results = writer.write_batch(stories)
    except DatabaseError as error:  # the commit itself failed: nothing of the batch stayed
        writer.forget()
        results = [error] * len(batch)
    for (name, _story), result in zip(batch, results, strict=True):
        if isinstance(result, Exception):
            record(name, "failed", one_line(result))
        else:
            record(name, result.value)


def one_line(error: Exception) -> str:
    """An error message on one line, for reports."""
    return " ".join(str(error).split()) or type(error).__name__
