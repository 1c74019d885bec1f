"""``manage.py import_wire PATH [PATH ...]``: import wire files and folders."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from articles.ingest.runner import import_wire, wire_files

PROGRESS_EVERY = 1000


# A batch's numbers are looked up in one query; PostgreSQL takes at most 65,535 bound
# parameters in one (server-side binding, see settings).
MAX_BATCH_SIZE = 10_000


class Command(BaseCommand):
    help = "Import wire copy files (TOML or YAML front matter + HTML body); folders recursively."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="wire files or folders")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report without writing"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help=f"files per transaction (default 500, at most {MAX_BATCH_SIZE})",
        )

    def handle(self, *args, paths, dry_run=False, batch_size=500, verbosity=1, **options):
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise CommandError(f"--batch-size must be between 1 and {MAX_BATCH_SIZE}")
        started = time.monotonic()
        seen = 0

        def on_result(name: str, outcome: str, detail: str) -> None:
            nonlocal seen
            seen += 1
            if outcome == "failed":
                self.stderr.write(f"{name}: {detail}")
            elif verbosity >= 2:
                self.stdout.write(f"{name}: {outcome}")
            if verbosity >= 1 and seen % PROGRESS_EVERY == 0:
                rate = seen / max(time.monotonic() - started, 1e-9)
                self.stdout.write(f"... {seen} files ({rate:.0f}/s)")

        report = import_wire(
            wire_files(paths), dry_run=dry_run, batch_size=batch_size, on_result=on_result
        )
        elapsed = time.monotonic() - started
        prefix = "Dry run: " if dry_run else ""
        style = self.style.ERROR if report.failed else self.style.SUCCESS
        self.stdout.write(
            style(f"{prefix}{report.summary()} ({report.total} files in {elapsed:.2f}s)")
        )
        if report.failed:
            raise SystemExit(1)
