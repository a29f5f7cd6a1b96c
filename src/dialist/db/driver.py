"""Reads written out for the driver, for the hot paths that judge many numbers at once (the
contactability check, the callable page, the DNC check): there, building statements with
SQLAlchemy's expression language and running them through its result machinery cost more than
the database's own work. The statements are plain SQL strings made once per backend at import
(``per_backend``), run on the DBAPI cursor of a connection that is already in a transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple, TypeVar

import msgspec
from sqlalchemy.engine import Connection

from dialist.db.engine import Database

T = TypeVar("T")


class Backend(NamedTuple):
    """How a backend's driver takes parameters: the placeholder, what follows a column to say
    it is one of the values of one parameter, and that parameter's value for a list; the same
    for a list of words (text values without a comma: E.164 numbers and their prefixes)."""

    name: str
    p: str
    in_one: str
    listed: Callable[[Sequence[Any]], Any]
    in_words: str
    words: Callable[[Sequence[str]], str]


def _json_array(values: Sequence[Any]) -> str:
    return msgspec.json.encode(list(values)).decode()


def _comma_separated(values: Sequence[str]) -> str:
    joined = ",".join(values)
    if joined.count(",") != max(len(values) - 1, 0) or (len(values) == 1 and not joined):
        raise ValueError("a word holds a comma, or is empty")
    return joined


BACKENDS = {
    # SQLite reads the values from a JSON array, PostgreSQL from an array: either way the
    # statement is the same for any number of values. PostgreSQL takes words as one text it
    # splits: psycopg writes an array parameter element by element in Python (~2 ms for
    # 1,000 numbers, as long as the lookups themselves).
    "sqlite": Backend(
        "sqlite",
        "?",
        "IN (SELECT value FROM json_each(?))",
        _json_array,
        "IN (SELECT value FROM json_each(?))",
        _json_array,
    ),
    "postgresql": Backend(
        "postgresql",
        "%s",
        "= ANY(%s)",
        list,
        "= ANY(string_to_array(%s, ','))",
        _comma_separated,
    ),
}


def per_backend(build: Callable[[Backend], T]) -> dict[str, T]:
    """``build`` (statements written with a backend's placeholders) for each backend."""
    return {name: build(backend) for name, backend in BACKENDS.items()}


class Reader:
    """A DBAPI cursor inside a transaction, and its backend."""

    __slots__ = ("backend", "cursor")

    def __init__(self, cursor: Any, backend: Backend) -> None:
        self.cursor = cursor
        self.backend = backend

    def rows(self, statements: dict[str, str], params: Sequence[Any]) -> list[Any]:
        """Every row of this backend's statement, as the driver gives them (tuples)."""
        self.cursor.execute(statements[self.backend.name], params)
        found: list[Any] = self.cursor.fetchall()
        return found

    def listed(self, values: Sequence[Any]) -> Any:
        """The value of a parameter that holds a list (see ``Backend.in_one``)."""
        return self.backend.listed(values)

    def words(self, values: Sequence[str]) -> Any:
        """The value of a parameter that holds a list of words (see ``Backend.in_words``)."""
        return self.backend.words(values)


def reader(conn: Connection) -> Reader:
    """A reader on a SQLAlchemy connection that is in a transaction (its driver's cursor)."""
    return Reader(conn.connection.driver_connection.cursor(), BACKENDS[conn.dialect.name])  # type: ignore[union-attr]


@contextmanager
def reading(database: Database) -> Iterator[Reader]:
    """A reader in a read transaction of its own (``Database.raw_read``: one snapshot)."""
    with database.raw_read() as cursor:
        yield Reader(cursor, BACKENDS["sqlite" if database.is_sqlite else "postgresql"])
