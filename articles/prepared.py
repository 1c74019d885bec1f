"""ORM queries compiled to SQL once per process, then run again with new values.

Building a QuerySet and compiling it to SQL is Python work that grows with the
query: about 1 ms for the related-articles query of an article page, several times
what SQLite takes to answer it. The hot queries of the article page always have the
same shape, so :class:`PreparedQuery` compiles each shape once, with stand-in
values, and afterwards only swaps the real values into the parameter list. The
queries are still written with the ORM, so ``Article.objects.live()`` stays the one
definition of what readers may see.

A shape is the database plus the length of every list value (an ``IN`` list of three
tag ids compiles to different SQL from one of five), so the cache stays small.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet

# Stand-ins nobody would store: the compiled parameter list is searched for them. Two
# sets, and the query is compiled with each: if the SQL differs, the query depends on
# the values themselves and cannot be prepared. Integers stay within a 32-bit column's
# range, since Django drops a comparison it knows a column can never satisfy.
_STAND_IN_INTS = (1_900_000_000, 2_000_000_000)
_STAND_IN_TEXT = "\x1fprepared-stand-in-"
_STAND_IN_TIMES = (
    dt.datetime(1901, 2, 3, 4, 5, 6, tzinfo=dt.UTC),
    dt.datetime(1902, 3, 4, 5, 6, 7, tzinfo=dt.UTC),
)


@dataclass(frozen=True)
class _Slot:
    index: int  # position in the SQL parameter list
    name: str
    item: int | None  # position in a list value, None for a scalar
    adapted: bool  # the backend turned the datetime into text (SQLite)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: tuple[_Slot, ...]
    # The backend's and fields' value converters (SQLite's text to datetime), by column:
    # (position, functions, column). They depend on the backend and the settings only.
    converters: tuple


class PreparedQuery:
    """A values_list() query whose SQL is compiled once per shape and database.

    ``build`` receives the values as keyword arguments and returns a QuerySet ending
    in ``values_list()``; it must use every value as a query parameter (a filter
    value, not a Python decision), since it runs once, with stand-ins. ``rows()``
    returns the converted rows as tuples, as ``list(build(**values))`` would.
    """

    def __init__(self, build: Callable[..., QuerySet], using: str = "default") -> None:
        self._build = build
        self._using = using
        self._compiled: dict[tuple, _Compiled] = {}

    def rows(self, **values: Any) -> list[tuple]:
        connection = connections[self._using]
        shape = (connection.vendor, *((name, _length(v)) for name, v in sorted(values.items())))
        compiled = self._compiled.get(shape)
        if compiled is None:
            compiled = self._compiled[shape] = self._compile(values)
        params = list(compiled.params)
        adapted: dict[tuple, Any] = {}  # a time bound several times is adapted once
        for slot in compiled.slots:
            value = values[slot.name] if slot.item is None else values[slot.name][slot.item]
            if slot.adapted:
                key = (slot.name, slot.item)
                if key not in adapted:
                    adapted[key] = connection.ops.adapt_datetimefield_value(value)
                value = adapted[key]
            params[slot.index] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return _converted(rows, compiled.converters, connection)

    def _compile(self, values: dict[str, Any]) -> _Compiled:
        first, second = (self._compile_with(values, which) for which in (0, 1))
        if (first.sql, first.slots) != (second.sql, second.slots):
            raise ValueError("the query's SQL depends on its values: it cannot be prepared")
        return first

    def _compile_with(self, values: dict[str, Any], which: int) -> _Compiled:
        counter = itertools.count(1)
        stand_ins = {name: _stand_in(value, counter, which) for name, value in values.items()}
        queryset = self._build(**stand_ins)
        compiler = queryset.query.get_compiler(using=self._using)
        sql, params = compiler.as_sql()
        wanted = {}
        for name, stand_in in stand_ins.items():
            items = enumerate(stand_in) if isinstance(stand_in, list) else [(None, stand_in)]
            for item, one in items:
                wanted[one] = (name, item, False)
                if isinstance(one, dt.datetime):
                    text = compiler.connection.ops.adapt_datetimefield_value(one)
                    wanted[text] = (name, item, isinstance(text, str))
        slots = tuple(
            _Slot(index, *wanted[param])
            for index, param in enumerate(params)
            if _hashable(param) and param in wanted
        )
        missing = {(name, item) for name, item, _ in wanted.values()} - {
            (slot.name, slot.item) for slot in slots
        }
        if missing:
            raise ValueError(f"values not used as query parameters: {sorted(missing, key=str)}")
        columns = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        return _Compiled(sql, tuple(params), slots, _converters(columns, compiler.connection))


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, (list, tuple)) else None


def _stand_in(value: Any, counter: itertools.count, which: int) -> Any:
    if isinstance(value, (list, tuple)):
        return [_stand_in(one, counter, which) for one in value]
    if isinstance(value, dt.datetime):
        return _STAND_IN_TIMES[which] + dt.timedelta(microseconds=next(counter))
    if isinstance(value, int) and not isinstance(value, bool):
        return _STAND_IN_INTS[which] + next(counter)
    if isinstance(value, str):
        # A lookup that rewrites its string (iexact, contains) leaves no stand-in in
        # the parameters, and the query is refused: only plain comparisons qualify.
        return f"{_STAND_IN_TEXT}{which}-{next(counter)}"
    raise TypeError(
        f"PreparedQuery takes ints, datetimes, strings and lists of them, not {value!r}"
    )


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _converters(columns: list, connection) -> tuple:
    converters = []
    for position, column in enumerate(columns):
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            converters.append((position, tuple(functions), column))
    return tuple(converters)


def _converted(rows: Sequence[tuple], converters: tuple, connection) -> list[tuple]:
    """The rows with the backend's and fields' converters applied."""
    if not converters:
        return [tuple(row) for row in rows]
    converted = []
    for row in rows:
        row = list(row)
        for position, functions, column in converters:
            for function in functions:
                row[position] = function(row[position], column, connection)
        converted.append(tuple(row))
    return converted
