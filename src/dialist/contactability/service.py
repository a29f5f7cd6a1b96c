"""Contactability over the stored data: calling policies (the stream's, a list's override),
call attempts (an opt-out puts the number on the stream's ``Opt-outs`` DNC list), and the check
"can I call this contact now, and if not, why and when" (contract §3, §5, §6). The rules
themselves are pure functions in ``rules``, ``zones`` and ``jurisdictions``."""

from __future__ import annotations

import base64
import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, cast

import msgspec
from sqlalchemy.engine import Connection

from dialist import clock, publicids
from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.contactability import judge, numbers, store
from dialist.contactability.models import (
    MAX_ITEMS,
    OUTCOMES,
    Attempt,
    AttemptRequest,
    CallingPolicy,
    ContactabilityItem,
    ContactabilityRequest,
    Decision,
    ListPolicy,
    merge_policy,
    override_from_json,
    policy_from_json,
    stored_override,
    stored_policy,
)
from dialist.contactability.numbers import Known
from dialist.contacts import service as contacts
from dialist.contacts.models import PhoneRow
from dialist.db import driver
from dialist.db.engine import Database
from dialist.dnc import service as dnc
from dialist.errors import NotFoundError, ValidationError
from dialist.lists import service as lists
from dialist.phones import service as phones
from dialist.settings import Settings

ATTEMPT_PREFIX = "ca"
_encode = msgspec.json.encode


def at_instant(value: str | None, *, field: str = "at") -> dt.datetime:
    """``at`` as an aware UTC instant (now when not given); 400 naming ``field`` otherwise."""
    if value is None:
        return dt.datetime.now(dt.UTC)
    return clock.parse_instant(value, field=field)


iso = judge.iso


# ---- calling policies -----------------------------------------------------------------------


def stream_policy(database: Database, *, scope: TenantScope) -> CallingPolicy:
    """The stream's calling policy (the defaults until one is stored)."""
    with database.read() as conn:
        return stored_policy(store.policy(conn, scope, list_id=store.STREAM_POLICY))


def put_stream_policy(database: Database, *, scope: TenantScope, body: object) -> CallingPolicy:
    """Replace the stream's policy (a key left out takes its default)."""
    policy = policy_from_json(body)
    with database.write() as conn:
        store.put_policy(
            conn, scope, list_id=store.STREAM_POLICY, text=_encode(policy).decode(), at=now_iso()
        )
    return policy


def list_policy(database: Database, *, scope: TenantScope, list_public_id: str) -> ListPolicy:
    """A list's override (None: none) and the policy its contacts are called under."""
    list_id = lists.list_key(list_public_id)
    with database.read() as conn:
        lists.must_get(conn, scope, list_id=list_id)
        stored = store.policies(conn, scope, list_ids=[store.STREAM_POLICY, list_id])
    override = stored_override(stored.get(list_id))
    return ListPolicy(
        override=override,
        effective=merge_policy(stored_policy(stored.get(store.STREAM_POLICY)), override),
    )


def put_list_policy(
    database: Database, *, scope: TenantScope, list_public_id: str, body: object
) -> ListPolicy:
    """Set a list's override (only the keys it sets; ``null`` removes it)."""
    list_id = lists.list_key(list_public_id)
    override = override_from_json(body)
    with database.write() as conn:
        lists.lock_list(conn, scope, list_id=list_id)
        stream = stored_policy(store.policy(conn, scope, list_id=store.STREAM_POLICY))
        effective = merge_policy(stream, override)  # 400 when the result is not a valid policy
        text = None if override is None else _encode(override).decode()
        store.put_policy(conn, scope, list_id=list_id, text=text, at=now_iso())
    return ListPolicy(override=override, effective=effective)


# ---- attempts -------------------------------------------------------------------------------


def _contact(
    database: Database, scope: TenantScope, list_public_id: str, contact_public_id: str
) -> dict[str, Any]:
    """The contact as read (with ``_phone``)."""
    _version, doc = contacts.get_contact(
        database, scope=scope, list_public_id=list_public_id, contact_public_id=contact_public_id
    )
    found: dict[str, Any] = msgspec.json.decode(doc)
    return found


def _present_attempt(row: Any) -> Attempt:
    return Attempt(
        _id=publicids.encode(ATTEMPT_PREFIX, row.id),
        contactId=contacts.public_id(row.contact_id),
        e164=row.e164,
        at=row.at,
        outcome=row.outcome,
        note=row.note,
    )


def record_attempt(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    list_public_id: str,
    contact_public_id: str,
    request: AttemptRequest,
) -> Attempt:
    """Record a call attempt to a contact; ``optOut`` also puts the number on the stream's
    ``Opt-outs`` DNC list at once (created on first use)."""
    if request.outcome not in OUTCOMES:
        raise ValidationError(f"outcome must be one of {', '.join(OUTCOMES)}", field="outcome")
    if request.note is not None and len(request.note) > 1000:
        raise ValidationError("note must be at most 1000 characters", field="note")
    at = iso(at_instant(request.at))
    contact = _contact(database, scope, list_public_id, contact_public_id)
    e164 = contact["_phone"]["e164"]
    if request.phoneNumber is not None:
        e164 = phones.normalise(
            request.phoneNumber.strip(), default_region=settings.default_region
        ).e164
        if e164 is None:
            raise ValidationError("phoneNumber is not a phone number", field="phoneNumber")
    if request.outcome == "optOut" and e164 is None:
        raise ValidationError(
            "the contact has no valid number to opt out; send phoneNumber", field="phoneNumber"
        )
    with database.write() as conn:
        list_id = lists.list_key(list_public_id)
        lists.must_get(conn, scope, list_id=list_id)
        key = store.insert_attempt(
            conn,
            scope,
            values={
                "list_id": list_id,
                "contact_id": contacts.contact_key(contact_public_id),
                "e164": e164,
                "at": at,
                "outcome": request.outcome,
                "note": request.note,
                "created_at": now_iso(),
                "created_by": scope.user_id,
            },
        )
    if request.outcome == "optOut" and e164 is not None:
        dnc.opt_out(database, settings, scope=scope, e164=e164)
    return Attempt(
        _id=publicids.encode(ATTEMPT_PREFIX, key),
        contactId=contact_public_id,
        e164=e164,
        at=at,
        outcome=request.outcome,
        note=request.note,
    )


def attempts(
    database: Database,
    *,
    scope: TenantScope,
    list_public_id: str,
    contact_public_id: str,
    limit: int,
) -> list[Attempt]:
    """A contact's attempts, newest first."""
    contacts.get_contact(
        database, scope=scope, list_public_id=list_public_id, contact_public_id=contact_public_id
    )
    with database.read() as conn:
        rows = store.attempts_of_contact(
            conn,
            scope,
            list_id=lists.list_key(list_public_id),
            contact_id=contacts.contact_key(contact_public_id),
            limit=limit,
        )
    return [_present_attempt(row) for row in rows]


# ---- the check ------------------------------------------------------------------------------


def _number_subject(
    settings: Settings, index: int, item: ContactabilityItem
) -> judge.Subject | None:
    """The subject of an item given by number; None for an item naming a contact."""
    if item.contactId is not None:
        where = f"items[{index}]"
        if item.contactListId is None or item.phoneNumber is not None:
            raise ValidationError(
                f"{where}: a contact is named by contactListId and contactId (no phoneNumber)",
                field=f"{where}.contactListId",
            )
        return None
    raw = item.phoneNumber.strip() if item.phoneNumber is not None else ""
    if not raw:
        where = f"items[{index}]"
        raise ValidationError(
            f"{where} must have phoneNumber, or contactListId and contactId",
            field=f"{where}.phoneNumber",
        )
    if item.timeZone is None and item.postalCode is None and item.state is None:
        fields: Mapping[str, Any] = judge.NO_FIELDS
    else:
        fields = {
            name: value
            for name, value in (
                ("timeZone", item.timeZone),
                ("postalCode", item.postalCode),
                ("state", item.state),
            )
            if value is not None
        }
    phone = phones.identify(raw, default_region=settings.default_region)
    if item.contactListId is not None:
        lists.list_key(item.contactListId)
    return judge.Subject(
        phone.e164, phone.valid, phone.region, phone.line_type, fields, item.contactListId
    )


def _number_subjects(
    settings: Settings, items: Sequence[tuple[int, ContactabilityItem]]
) -> list[judge.Subject | None]:
    """``_number_subject`` of each ``(index, item)``; an item with a number and nothing else
    is identified here without the rest of its checks."""
    region = settings.default_region
    subjects: list[judge.Subject | None] = []
    for index, item in items:
        raw = item.phoneNumber
        if raw is not None and _alone(item):
            raw = raw.strip()
            if raw:
                found = phones.identify(raw, default_region=region)
                subjects.append(judge.Subject(*found, judge.NO_FIELDS, None))
                continue
        subjects.append(_number_subject(settings, index, item))
    return subjects


def _alone(item: ContactabilityItem) -> bool:
    """Whether an item holds a number and nothing else (or nothing at all)."""
    return (
        item.contactId is None
        and item.contactListId is None
        and item.timeZone is None
        and item.postalCode is None
        and item.state is None
    )


def _contact_subjects(
    database: Database, scope: TenantScope, items: Sequence[tuple[int, ContactabilityItem]]
) -> dict[int, judge.Subject]:
    """The subjects of the ``(index, item)`` that name a contact, by index: each list's
    contacts read in one query (404 naming the first item whose contact is not there)."""
    wanted: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for index, item in items:
        if item.contactId is not None and item.contactListId is not None:
            wanted[item.contactListId].append((index, item.contactId))
    subjects: dict[int, judge.Subject] = {}
    for list_public_id, named in wanted.items():
        try:
            found = contacts.with_phones(
                database,
                scope=scope,
                list_public_id=list_public_id,
                contact_public_ids=[contact_id for _, contact_id in named],
            )
        except NotFoundError as error:
            where = f"items[{named[0][0]}]"
            raise NotFoundError(
                f"{where}: {error.message}", field=f"{where}.contactListId"
            ) from None
        for index, contact_id in named:
            row = found.get(contact_id)
            if row is None:
                where = f"items[{index}]"
                missing = contacts.contact_not_found(contact_id)
                raise NotFoundError(f"{where}: {missing.message}", field=f"{where}.contactId")
            subjects[index] = _row_subject(row, list_public_id)
    return subjects


def _row_subject(row: PhoneRow, list_public_id: str) -> judge.Subject:
    return judge.Subject(
        e164=row.e164,
        valid=row.valid,
        region=row.region,
        line_type=row.line_type,
        fields=judge.place_fields(row.doc),
        list_public_id=list_public_id,
    )


def check(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    items: list[ContactabilityItem],
    at_text: str | None,
) -> bytes:
    """The JSON of ``data``: for each item whether it may be called at ``at``, every reason it
    may not, its zones and jurisdictions, and when the window closes or the block ends.

    Items that are a number written as ``+`` and digits and nothing else (what a dialer sends)
    take ``numbers.known`` and ``Judge.decide_known``; the rest are identified, read and judged
    one by one."""
    at = at_instant(at_text)
    judging = judge.Judge(database, scope, at)
    count = len(items)
    raws = [item.phoneNumber if _alone(item) else None for item in items]
    facts = numbers.known(raws, settings.default_region)
    if None not in facts:  # every item a number written as + and digits (the common case)
        known = cast("list[Known]", facts)
        return _results_json(raws, judging.decide_known(cast("list[str]", raws), known))
    e164s: list[str | None] = [None] * count
    answers: list[bytes | None] = [None] * count  # each decision's JSON
    fast = [(i, found) for i, found in enumerate(facts) if found is not None]
    if fast:
        fast_e164s = [items[i].phoneNumber or "" for i, _ in fast]
        decided = judging.decide_known(fast_e164s, [found for _, found in fast])
        for (index, _), e164, answer in zip(fast, fast_e164s, decided, strict=True):
            e164s[index] = e164
            answers[index] = answer
    # The rest (some item is not a number alone): identified, read and judged one by one.
    rest = [(i, item) for i, item in enumerate(items) if answers[i] is None]
    by_number = _number_subjects(settings, rest)
    by_contact = _contact_subjects(database, scope, rest)
    subjects = [
        subject if subject is not None else by_contact[index]
        for (index, _), subject in zip(rest, by_number, strict=True)
    ]
    for (index, _), subject, verdict in zip(rest, subjects, judging.decide(subjects), strict=True):
        e164s[index] = subject.e164
        answers[index] = verdict.json
    return _results_json(e164s, answers)


def _results_json(e164s: Sequence[str | None], answers: Sequence[bytes | None]) -> bytes:
    """``{"results": [...]}``: each item's index, E.164 number and decision (its JSON)."""
    parts: list[str] = []
    append = parts.append
    tails: dict[bytes, str] = {}  # each decision's JSON after its "{"
    for index, (e164, answer) in enumerate(zip(e164s, answers, strict=True)):
        if answer is None:
            raise RuntimeError("an item was not judged")
        tail = tails.get(answer)
        if tail is None:
            tail = tails[answer] = answer[1:].decode()
        # An E.164 number is "+" and digits: nothing in it to escape.
        if e164 is None:
            append(f'{{"index":{index},"e164":null,{tail}')
        else:
            append(f'{{"index":{index},"e164":"{e164}",{tail}')
    return ('{"results":[' + ",".join(parts) + "]}").encode()


def check_answer(
    database: Database, settings: Settings, *, scope: TenantScope, request: ContactabilityRequest
) -> bytes:
    """The whole answer of ``POST contactability`` (the envelope around ``check``)."""
    if not 1 <= len(request.items) <= MAX_ITEMS:
        raise ValidationError(f"items must hold 1 to {MAX_ITEMS} items", field="items")
    found = check(database, settings, scope=scope, items=request.items, at_text=request.at)
    return b'{"status":"success","message":"","data":' + found + b"}"


# ---- the contacts callable now --------------------------------------------------------------

_CALLABLE_SCAN = 10_000  # the most contacts one page reads
_CALLABLE_BATCH = 2_000  # the most contacts judged together (one DNC and attempts read each)


class _CallableState(msgspec.Struct, array_like=True):
    """What a ``callable`` cursor holds: the list and the last contact read."""

    list_id: int
    seq: int


def _callable_cursor(list_id: int, seq: int) -> str:
    packed = msgspec.msgpack.encode(_CallableState(list_id, seq))
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


def _callable_start(cursor: str | None, list_id: int) -> int:
    if cursor is None:
        return -1
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        state = msgspec.msgpack.decode(raw, type=_CallableState)
    except (ValueError, msgspec.DecodeError):
        raise ValidationError("cursor is not a cursor of this list", field="cursor") from None
    if state.list_id != list_id:
        raise ValidationError("cursor is not a cursor of this list", field="cursor")
    return state.seq


def callable_page(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    list_public_id: str,
    at_text: str | None,
    limit: int,
    cursor: str | None,
) -> bytes:
    """The JSON of ``data``: the list's contacts callable at ``at``, in list order, each with
    ``_contactability`` (``windowClosesAt``, ``timeZones``), and the cursor of the next page.
    A page reads at most ``_CALLABLE_SCAN`` contacts from its cursor, so a list where few are
    callable gives short pages that still carry a cursor (null at the end of the list).

    The first batch read is a little more than ``limit`` (most contacts of a list are usually
    callable); each further batch is twice the one before."""
    if not 1 <= limit <= MAX_ITEMS:
        raise ValidationError(f"limit must be from 1 to {MAX_ITEMS}", field="limit")
    at = at_instant(at_text)
    list_id = lists.list_key(list_public_id)
    after = _callable_start(cursor, list_id)
    judging = judge.Judge(database, scope, at, reasons=False)
    found: list[bytes] = []
    read = 0
    batch_size = limit + limit // 4 + 8
    abouts: dict[int, tuple[judge.Judged, bytes]] = {}  # most contacts share a few verdicts
    with driver.reading(database) as reader:  # one snapshot for the whole page
        lists.must_exist(reader, scope, list_id=list_id)
        while read < _CALLABLE_SCAN:
            batch = contacts.with_phones_after(
                reader,
                scope=scope,
                list_id=list_id,
                after_seq=after,
                count=min(batch_size, _CALLABLE_SCAN - read),
            )
            if not batch:
                return _callable_json(found, None)
            judged = judging.decide([_row_subject(row, list_public_id) for row in batch], reader)
            for row, verdict in zip(batch, judged, strict=True):
                after = row.seq
                if not verdict.decision.callable:
                    continue
                known = abouts.get(id(verdict))
                if known is None:
                    # Kept with the verdict, so its id is not reused while this page lasts.
                    known = abouts[id(verdict)] = (verdict, _about(verdict.decision))
                about = known[1]
                found.append(row.doc[:-1] + b',"_contactability":' + about + b"}")
                if len(found) == limit:
                    return _callable_json(found, _callable_cursor(list_id, row.seq))
            read += len(batch)
            batch_size = min(batch_size * 2, _CALLABLE_BATCH)
    return _callable_json(found, _callable_cursor(list_id, after))


def _about(decision: Decision) -> bytes:
    """The ``_contactability`` member of a callable contact."""
    return _encode({"windowClosesAt": decision.window_closes_at, "timeZones": decision.time_zones})


def _callable_json(found: list[bytes], next_cursor: str | None) -> bytes:
    return b'{"contacts":[' + b",".join(found) + b'],"nextCursor":' + _encode(next_cursor) + b"}"


def wipe_tenant(conn: Connection, scope: TenantScope) -> dict[str, int]:
    """Inside a write transaction: remove the tenant's calling policies and call attempts (a
    tenant reset, ``standin/reset.py``); rows removed by kind."""
    return store.wipe_tenant(conn, scope)
