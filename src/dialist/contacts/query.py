"""The contact query (contract §2): filters, sorts and cursor paging over one list.

Every page costs the same at any depth: it starts from its cursor in an index (list order
``seq``, or ``updatedAt`` through ``ix_contacts_list_updated``, or a number's contacts through
the phone hash index) and reads at most ``Settings.query_scan_rows`` contacts, keeping those
that match the filters. So a filter that matches few contacts of a large list gives short (even
empty) pages with a ``nextCursor`` to follow, never a scan of the whole list in one request.
A sort that no index serves (``field.<name>``) is 400 UNSUPPORTED_QUERY.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

import msgspec

from dialist import clock
from dialist.auth.models import TenantScope
from dialist.contacts import placement, store
from dialist.contacts.models import MAX_LIMIT, QUERY_SORTS, ContactQuery
from dialist.db.engine import Database
from dialist.errors import UnsupportedQueryError, ValidationError
from dialist.lists import service as lists
from dialist.phones import service as phones
from dialist.settings import Settings

_encode = msgspec.json.encode


def instant(value: str, *, field: str) -> str:
    """An ISO 8601 instant as stored (UTC, milliseconds, ``Z``); a time without an offset is
    UTC; 400 naming ``field`` otherwise."""
    return clock.iso(clock.parse_instant(value, field=field, naive_is_utc=True))


def check_sort(value: str) -> str:
    """A sort the query can serve (400 UNSUPPORTED_QUERY for a field sort: no index)."""
    if value in QUERY_SORTS:
        return value
    if value.lstrip("-").startswith("field."):
        raise UnsupportedQueryError(
            f"sort {value!r} cannot be served by an index; sort by createdAt or updatedAt "
            "(either with a leading - for descending) and filter by the field instead",
            field="sort",
        )
    raise ValidationError(
        "sort must be one of createdAt, -createdAt, updatedAt, -updatedAt", field="sort"
    )


def _fingerprint(query: ContactQuery) -> str:
    """What a cursor is tied to: the filters and the sort (not the page size)."""
    shape = msgspec.structs.replace(query, limit=0, cursor=None)
    return hashlib.blake2b(_encode(shape), digest_size=6).hexdigest()


def _cursor(list_id: int, query: ContactQuery, key: tuple[Any, ...]) -> str:
    packed = _encode([list_id, _fingerprint(query), *key])
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


def _position(list_id: int, query: ContactQuery) -> tuple[Any, ...] | None:
    """Where the page starts: the key in the cursor (None: from the start)."""
    if query.cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(query.cursor + "=" * (-len(query.cursor) % 4))
        owner, fingerprint, *key = msgspec.json.decode(raw)
    except (binascii.Error, msgspec.DecodeError, ValueError, TypeError):
        raise ValidationError("cursor is not a cursor of this query", field="cursor") from None
    if owner != list_id or fingerprint != _fingerprint(query):
        raise ValidationError(
            "cursor belongs to another list, filter or sort: send the same filters and sort "
            "as the query that gave it",
            field="cursor",
        )
    by_update = query.sort.lstrip("-") == "updatedAt"
    valid = (
        len(key) == 2 and isinstance(key[0], str) and isinstance(key[1], int)
        if by_update
        else len(key) == 1 and isinstance(key[0], int)
    )
    if not valid:
        raise ValidationError("cursor is not a cursor of this query", field="cursor")
    return tuple(key)


def _phone_key(number: str, settings: Settings) -> str:
    """The dedupe key (E.164, else the text) a contact with this number has."""
    return phones.normalise(number.strip(), default_region=settings.default_region).dedupe_key


def run(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    list_public_id: str,
    query: ContactQuery,
) -> bytes:
    """The JSON of ``data``: the page's contacts (with ``_phone`` and ``version``) and the
    cursor of the next page (null at the end)."""
    if not 1 <= query.limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be from 1 to {MAX_LIMIT}", field="limit")
    list_id = lists.list_key(list_public_id)
    start = _position(list_id, query)
    phone = None
    if query.phone_number is not None:
        key = _phone_key(query.phone_number, settings)
        phone = (placement.phone_hash(key), key)
    for name, _value in query.fields:
        if not store.queryable_field(name):
            raise UnsupportedQueryError(
                f"field.{name} cannot be queried: field names with quotes or backslashes are "
                "not supported",
                field=f"field.{name}",
            )
    with database.read() as conn:
        lists.must_get(conn, scope, list_id=list_id)
        found, last_key, exhausted = store.query(
            conn,
            scope,
            list_id=list_id,
            query=query,
            phone=phone,
            start=start,
            scan=settings.query_scan_rows,
        )
    next_cursor = None if exhausted else _cursor(list_id, query, last_key)
    return b"".join(
        (
            b'{"contacts":[',
            b",".join(found),
            b'],"nextCursor":',
            _encode(next_cursor),
            b"}",
        )
    )
