"""Running writers at the same time, each on its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection


def needs_concurrent_writers() -> None:
    """Skip the test unless the database lets two transactions write at once."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a database with concurrent writers (PostgreSQL)")


def run_concurrently(*writers: Callable[[], None], timeout: float = 30) -> list[Exception]:
    """Run each writer in a thread of its own, which opens its own connection and
    closes it at the end, and wait for them all; the errors they raised, and a
    ``TimeoutError`` for each still running after ``timeout`` seconds."""
    errors: list[Exception] = []

    def run(writer: Callable[[], None]) -> None:
        try:
            writer()
        except Exception as error:  # returned to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(writer,)) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        if thread.is_alive():
            errors.append(TimeoutError(f"a writer still runs after {timeout} s"))
    return errors
