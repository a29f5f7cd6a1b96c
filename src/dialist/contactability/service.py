"""Contactability over the stored data: calling policies (the stream's, a list's override),
call attempts (an opt-out puts the number on the stream's ``Opt-outs`` DNC list), and the check
"can I call this contact now, and if not, why and when" (contract §3, §5, §6). The rules
themselves are pure functions in ``rules``, ``zones`` and ``jurisdictions``."""

from __future__ import annotations

import base64
import datetime as dt
from collections import defaultdict
from typing import Any

import msgspec

from dialist import publicids
from dialist.auth.models import TenantScope
from dialist.clock import now_iso
from dialist.contactability import jurisdictions, rules, store, zones
from dialist.contactability.models import (
    MAX_ITEMS,
    OUTCOMES,
    Attempt,
    AttemptRequest,
    CallingPolicy,
    ContactabilityItem,
    Decision,
    DncMatch,
    ListPolicy,
    PolicyOverride,
    merge_policy,
    override_from_json,
    policy_from_json,
)
from dialist.contacts import service as contacts
from dialist.db.engine import Database
from dialist.dnc import check as dnc_check
from dialist.dnc import optouts
from dialist.errors import NotFoundError, ValidationError
from dialist.lists import service as lists
from dialist.phones import service as phones
from dialist.settings import Settings

ATTEMPT_PREFIX = "ca"
_LOOK_AHEAD = dt.timedelta(days=14)
_JURISDICTION_CAP = dt.timedelta(hours=24)  # the longest cap the built-in rules have
_encode = msgspec.json.encode


def at_instant(value: str | None, *, field: str = "at") -> dt.datetime:
    """``at`` as an aware UTC instant (now when not given); 400 naming ``field`` otherwise."""
    if value is None:
        return dt.datetime.now(dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            f"{field} must be an ISO 8601 instant with an offset or Z", field=field
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValidationError(f"{field} must have an offset or Z", field=field)
    return parsed.astimezone(dt.UTC)


def iso(moment: dt.datetime) -> str:
    """An instant as dialist writes them: UTC, milliseconds, ``Z``."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


# ---- calling policies -----------------------------------------------------------------------


def _stored_policy(text: str | None) -> CallingPolicy:
    return CallingPolicy() if text is None else msgspec.json.decode(text, type=CallingPolicy)


def _stored_override(text: str | None) -> PolicyOverride | None:
    return None if text is None else msgspec.json.decode(text, type=PolicyOverride)


def stream_policy(database: Database, *, scope: TenantScope) -> CallingPolicy:
    """The stream's calling policy (the defaults until one is stored)."""
    with database.read() as conn:
        return _stored_policy(store.policy(conn, scope, list_id=store.STREAM_POLICY))


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
    override = _stored_override(stored.get(list_id))
    return ListPolicy(
        override=override,
        effective=merge_policy(_stored_policy(stored.get(store.STREAM_POLICY)), override),
    )


def put_list_policy(
    database: Database, *, scope: TenantScope, list_public_id: str, body: object
) -> ListPolicy:
    """Set a list's override (only the keys it sets; ``null`` removes it)."""
    list_id = lists.list_key(list_public_id)
    override = override_from_json(body)
    with database.write() as conn:
        lists.lock_list(conn, scope, list_id=list_id)
        stream = _stored_policy(store.policy(conn, scope, list_id=store.STREAM_POLICY))
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
        optouts.opt_out(database, settings, scope=scope, e164=e164)
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


class _Subject(msgspec.Struct, kw_only=True):
    """One item, resolved: the number, the fields the rules read, the list it is in."""

    e164: str | None
    valid: bool
    fields: dict[str, Any]
    list_public_id: str | None


def _subject(
    database: Database, settings: Settings, scope: TenantScope, index: int, item: ContactabilityItem
) -> _Subject:
    where = f"items[{index}]"
    if item.contactId is not None:
        if item.contactListId is None or item.phoneNumber is not None:
            raise ValidationError(
                f"{where}: a contact is named by contactListId and contactId (no phoneNumber)",
                field=f"{where}.contactListId",
            )
        try:
            contact = _contact(database, scope, item.contactListId, item.contactId)
        except NotFoundError as error:
            raise NotFoundError(f"{where}: {error.message}", field=f"{where}.contactId") from None
        phone = contact["_phone"]
        return _Subject(
            e164=phone["e164"],
            valid=bool(phone["valid"]),
            fields={k: v for k, v in contact.items() if k != "_phone"},
            list_public_id=item.contactListId,
        )
    if item.phoneNumber is None or not item.phoneNumber.strip():
        raise ValidationError(
            f"{where} must have phoneNumber, or contactListId and contactId",
            field=f"{where}.phoneNumber",
        )
    fields: dict[str, Any] = {
        name: value
        for name, value in (
            ("timeZone", item.timeZone),
            ("postalCode", item.postalCode),
            ("state", item.state),
        )
        if value is not None
    }
    phone = phones.normalise(item.phoneNumber.strip(), default_region=settings.default_region)
    if item.contactListId is not None:
        lists.list_key(item.contactListId)
    return _Subject(
        e164=phone.e164, valid=phone.valid, fields=fields, list_public_id=item.contactListId
    )


def _dnc_matches(
    database: Database,
    settings: Settings,
    scope: TenantScope,
    subjects: list[_Subject],
    at: dt.datetime,
) -> list[list[DncMatch]]:
    """Every DNC entry matching each subject's number at ``at``: one check per contact list."""
    by_list: dict[str | None, list[int]] = defaultdict(list)
    for index, subject in enumerate(subjects):
        if subject.e164 is not None:
            by_list[subject.list_public_id].append(index)
    found: list[list[DncMatch]] = [[] for _ in subjects]
    for list_public_id, indexes in by_list.items():
        checked = dnc_check.check(
            database,
            settings,
            scope=scope,
            phone_numbers=[subjects[i].e164 or "" for i in indexes],
            contact_list_public_id=list_public_id,
            at=iso(at),
        )
        for index, result in zip(indexes, checked.results, strict=True):
            found[index] = [
                DncMatch(
                    dnc_list_id=match.dncListId,
                    entry_id=match.entryId,
                    scope=match.scope,
                    value=match.value,
                    reason=match.reason,
                    source=match.source,
                    expires_at=None
                    if match.expiresAt is None
                    else dt.datetime.fromisoformat(match.expiresAt),
                )
                for match in result.matches
            ]
    return found


def _decide(
    database: Database,
    settings: Settings,
    scope: TenantScope,
    subjects: list[_Subject],
    at: dt.datetime,
) -> list[Decision]:
    """The decision for each subject at ``at``: its list's policy, its attempts and DNC
    matches read for the whole batch at once."""
    with database.read() as conn:
        list_keys = {
            s.list_public_id: lists.list_key(s.list_public_id) for s in subjects if s.list_public_id
        }
        stored = store.policies(conn, scope, list_ids=[store.STREAM_POLICY, *list_keys.values()])
        stream = _stored_policy(stored.get(store.STREAM_POLICY))
        effective = {
            public: merge_policy(stream, _stored_override(stored.get(key)))
            for public, key in list_keys.items()
        }
        longest = max(
            [_JURISDICTION_CAP]
            + [
                dt.timedelta(hours=cap.within_hours)
                for policy in [stream, *effective.values()]
                for cap in policy.attempt_caps
            ]
        )
        tried = store.attempt_times(
            conn,
            scope,
            e164s=[s.e164 for s in subjects if s.e164],
            since=iso(at - longest - _LOOK_AHEAD),
            until=iso(at + _LOOK_AHEAD),
        )
    matches = _dnc_matches(database, settings, scope, subjects, at)
    decisions = []
    for subject, dnc_matches in zip(subjects, matches, strict=True):
        found = zones.contact_zones(e164=subject.e164, fields=subject.fields)
        decisions.append(
            rules.evaluate(
                at=at,
                policy=effective[subject.list_public_id] if subject.list_public_id else stream,
                e164=subject.e164,
                valid=subject.valid,
                zones=found.zones,
                zone_source=found.source,
                jurisdictions=jurisdictions.contact_jurisdictions(
                    e164=subject.e164, fields=subject.fields
                ),
                attempts=[dt.datetime.fromisoformat(t) for t in tried.get(subject.e164 or "", [])],
                dnc_matches=dnc_matches,
            )
        )
    return decisions


def check(
    database: Database,
    settings: Settings,
    *,
    scope: TenantScope,
    items: list[ContactabilityItem],
    at_text: str | None,
) -> bytes:
    """The JSON of ``data``: for each item whether it may be called at ``at``, every reason it
    may not, its zones and jurisdictions, and when the window closes or the block ends."""
    at = at_instant(at_text)
    subjects = [_subject(database, settings, scope, i, item) for i, item in enumerate(items)]
    decisions = _decide(database, settings, scope, subjects, at)
    results = [
        b'{"index":%d,"e164":%s,' % (index, _encode(subject.e164)) + _encode(decision)[1:]
        for index, (subject, decision) in enumerate(zip(subjects, decisions, strict=True))
    ]
    return b'{"results":[' + b",".join(results) + b"]}"


# ---- the contacts callable now --------------------------------------------------------------

_CALLABLE_BATCH = 500  # contacts judged together (one DNC and attempts read each)
_CALLABLE_SCAN = 10_000  # the most contacts one page reads


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
    callable gives short pages that still carry a cursor (null at the end of the list)."""
    if not 1 <= limit <= MAX_ITEMS:
        raise ValidationError(f"limit must be from 1 to {MAX_ITEMS}", field="limit")
    at = at_instant(at_text)
    list_id = lists.list_key(list_public_id)
    after = _callable_start(cursor, list_id)
    found: list[bytes] = []
    read = 0
    while read < _CALLABLE_SCAN:
        batch = contacts.after(
            database,
            scope=scope,
            list_public_id=list_public_id,
            after_seq=after,
            count=min(_CALLABLE_BATCH, _CALLABLE_SCAN - read),
        )
        if not batch:
            return _callable_json(found, None)
        docs = [msgspec.json.decode(doc) for _seq, doc in batch]
        subjects = [
            _Subject(
                e164=doc["_phone"]["e164"],
                valid=bool(doc["_phone"]["valid"]),
                fields={k: v for k, v in doc.items() if k != "_phone"},
                list_public_id=list_public_id,
            )
            for doc in docs
        ]
        decisions = _decide(database, settings, scope, subjects, at)
        for (seq, doc), decision in zip(batch, decisions, strict=True):
            after = seq
            if not decision.callable:
                continue
            about = _encode(
                {
                    "windowClosesAt": decision.window_closes_at,
                    "timeZones": decision.time_zones,
                }
            )
            found.append(doc[:-1] + b',"_contactability":' + about + b"}")
            if len(found) == limit:
                return _callable_json(found, _callable_cursor(list_id, seq))
        read += len(batch)
    return _callable_json(found, _callable_cursor(list_id, after))


def _callable_json(found: list[bytes], next_cursor: str | None) -> bytes:
    return b'{"contacts":[' + b",".join(found) + b'],"nextCursor":' + _encode(next_cursor) + b"}"
