"""Judging many numbers at one instant, fast: the rules of ``rules`` over the stored data.

A ``Judge`` serves one request of one tenant at one instant ``at``:
- the calling policies are read once (the stream's, each list's override);
- each batch of subjects reads its numbers' attempts and DNC matches in one query each;
- where a number is (its zones and jurisdictions) comes from ``places``, remembered by prefix;
- the decision of a subject with no attempt and no DNC entry depends only on its policy, zones
  and jurisdictions and whether its number is valid, so it is made once per such combination
  and shared (a list of a million contacts in a handful of zones makes a handful); a subject
  whose DNC entries never expire takes that shared decision with the DNC reasons added
  (``rules.with_lasting_dnc``); only subjects with attempts or an expiring entry are judged
  one by one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

import msgspec

from dialist import clock
from dialist.auth.models import TenantScope
from dialist.contactability import jurisdictions, places, rules, store, zones
from dialist.contactability.dnc_reasons import LastingReasons
from dialist.contactability.models import (
    CallingPolicy,
    Decision,
    DncMatch,
    merge_policy,
    stored_override,
    stored_policy,
)
from dialist.contactability.numbers import Known
from dialist.db import driver
from dialist.db.driver import Reader
from dialist.db.engine import Database
from dialist.dnc import service as dnc
from dialist.lists import service as lists

_LOOK_AHEAD = dt.timedelta(days=14)
_JURISDICTION_CAP = dt.timedelta(hours=24)  # the longest cap the built-in rules have
_encode = msgspec.json.encode
_MAX_WHERES = 50_000  # combinations of place and fields remembered


class Subject(NamedTuple):
    """One number to judge: its stored or normalised facts, the fields the rules read (time
    zone, ZIP, state), and the contact list it is judged for (None: the stream only)."""

    e164: str | None
    valid: bool
    region: str | None
    line_type: str | None
    fields: Mapping[str, Any]
    list_public_id: str | None


class Judged(NamedTuple):
    """A decision and its JSON (an object, as ``Decision`` encodes)."""

    decision: Decision
    json: bytes


class _Stretch(NamedTuple):
    """A callable decision and the instants it holds for: from ``start``, the instant it was
    made at, to ``end``, its ``windowClosesAt``. Nothing blocks anywhere in between and the
    first block after any instant of it is ``end`` (the rules' edges do not move with the
    instant asked about), so the same decision, byte for byte, is the answer at every instant
    of ``[start, end)``."""

    start: dt.datetime
    end: dt.datetime
    judged: Judged


# Callable stretches remembered across requests, by policy, zones, jurisdictions and validity
# (a list in a handful of zones has a handful); the cache starts again when full.
_MAX_STRETCHES = 10_000
_stretches: dict[tuple[Any, ...], _Stretch] = {}
# The same stretches by policy, number place and validity: what a number with nothing else to
# judge it by is answered from without working out its zones and jurisdictions.
_place_stretches: dict[tuple[Any, ...], _Stretch] = {}


class PlaceFields(msgspec.Struct):
    """The fields of a contact document the rules read; the rest is skipped when decoding."""

    timeZone: Any = None  # noqa: N815 - the contact's own field names
    postalCode: Any = None  # noqa: N815
    zip: Any = None
    zipCode: Any = None  # noqa: N815
    state: Any = None

    def as_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__struct_fields__}


_place_fields = msgspec.json.Decoder(PlaceFields)


NO_FIELDS: Mapping[str, Any] = MappingProxyType({})
_NOTHING_SET = (None,) * len(PlaceFields.__struct_fields__)


def place_fields(doc: bytes) -> Mapping[str, Any]:
    """The fields the rules read, from a contact's JSON document (``NO_FIELDS`` when it sets
    none of them, as most contacts do)."""
    found = _place_fields.decode(doc)
    if msgspec.structs.astuple(found) == _NOTHING_SET:
        return NO_FIELDS
    return found.as_fields()


iso = clock.iso


class Judge:
    """Decisions for one tenant at one instant (see the module's text)."""

    def __init__(
        self, database: Database, scope: TenantScope, at: dt.datetime, *, reasons: bool = True
    ) -> None:
        """``reasons=False``: only whether each subject is callable matters (the callable
        page), so a subject a DNC entry blocks gets ``BLOCKED`` without its reasons made."""
        self._reasons = reasons
        self._database = database
        self._scope = scope
        self._at = at
        self._at_text = iso(at)
        self._stream: CallingPolicy | None = None
        self._policies: dict[str | None, CallingPolicy] = {}
        self._policy_keys: dict[str | None, bytes] = {}  # each policy's JSON, as a cache key
        self._shared: dict[tuple[Any, ...], Judged] = {}
        self._plans: dict[Any, _Plan] = {}
        # The decisions of subjects with a number and nothing else to judge them by (no DNC
        # entry, no attempt, no fields), by list, place and validity.
        self._plain_kinds: dict[tuple[Any, ...], Judged] = {}
        self._dnc_list_ids: dict[int, str] = {}  # public ids of DNC lists, each made once
        # Each shared decision's JSON split where DNC reasons go, by the identity of that JSON
        # (kept beside the split, so the identity is not reused while the judge lasts).
        self._dnc_splits: dict[int, tuple[bytes, bytes, bytes]] = {}
        self._lasting = LastingReasons()

    def decide(self, subjects: Sequence[Subject], reader: Reader | None = None) -> list[Judged]:
        """The decision for each subject at the judge's instant (read with ``reader``, else
        in a read transaction of its own)."""
        if reader is None:
            with driver.reading(self._database) as own:
                return self.decide(subjects, own)
        list_ids = {s.list_public_id: None for s in subjects}
        self._read_policies(reader, [public for public in list_ids if public is not None])
        tried = self._attempt_times(reader, [s.e164 for s in subjects if s.e164])
        matches: dict[str | None, Mapping[str, Sequence[DncMatch]]] = {}
        for public in list_ids:
            wanted = [s.e164 for s in subjects if s.e164 and s.list_public_id == public]
            matches[public] = self._dnc_matches(reader, public, wanted)
        judged: list[Judged] = []
        plain = self._plain_kinds
        for subject in subjects:
            e164 = subject.e164
            if not e164:
                judged.append(self._judge(subject, _NONE, _NONE))
                continue
            dnc = matches[subject.list_public_id].get(e164, _NONE)
            attempts = tried.get(e164, _NONE) if tried else _NONE
            if dnc or attempts or subject.fields is not NO_FIELDS:
                judged.append(self._judge(subject, attempts, dnc))
                continue
            # The common case, a number with no DNC entry, no attempt and no fields: its
            # decision is that of its list, place and validity, made once per judge.
            kind = (
                subject.list_public_id,
                places.place_of(e164, subject.region, subject.line_type)
                if subject.valid
                else places.NOWHERE,
                subject.valid,
            )
            found = plain.get(kind)
            if found is None:
                found = plain[kind] = self._plain_kind(subject, kind)
            judged.append(found)
        return judged

    def decide_known(self, e164s: Sequence[str], known: Sequence[Known]) -> list[bytes]:
        """The JSON of each decision (as ``Judged.json``) for numbers given alone and judged
        for the stream (no list, no fields), whose facts are ``known`` (``numbers.known``).
        A number that only DNC entries without expiry block gets its shared decision with
        their reasons written in (``_with_lasting_dnc``)."""
        with driver.reading(self._database) as reader:
            self._read_policies(reader, [])
            tried = self._attempt_times(reader, e164s)
            blocked = dnc.matching(
                reader, self._scope, contact_list_id=None, numbers=e164s, at=self._at_text
            )
        found: list[bytes] = []
        append = found.append
        plain = self._plain_kinds
        for e164, facts in zip(e164s, known, strict=True):
            attempts = tried.get(e164, _NONE) if tried else _NONE
            entries = blocked.get(e164) if blocked else None
            shared = plain.get(facts.kind)
            if shared is None and not attempts:
                subject = _known_subject(e164, facts)
                shared = plain[facts.kind] = self._plain_kind(subject, facts.kind)
            if shared is not None and not attempts:
                if not entries:
                    append(shared.json)
                    continue
                if all(entry.expires_at is None for entry, _ in entries):
                    append(self._with_lasting_dnc(shared, entries))
                    continue
            subject = _known_subject(e164, facts)
            matches = self._matches(entries) if entries else _NONE
            append(self._judge(subject, attempts, matches).json)
        return found

    def _with_lasting_dnc(self, shared: Judged, entries: _Entries) -> bytes:
        """The JSON of ``rules.with_lasting_dnc(shared.decision, matches)``, written from the
        shared decision's JSON split where the DNC reasons go (made once per decision)."""
        around = self._dnc_splits.get(id(shared.json))
        if around is None:
            placeholder = _encode(rules.dnc_reason(_PLACEHOLDER))
            whole = _encode(rules.with_lasting_dnc(shared.decision, [_PLACEHOLDER]))
            head, tail = whole.split(placeholder)
            around = self._dnc_splits[id(shared.json)] = (head, tail, shared.json)
        lasting = self._lasting
        reasons = b",".join(lasting.json(entry, dnc_list) for entry, dnc_list in entries)
        return around[0] + reasons + around[1]

    def _plain_kind(self, subject: Subject, kind: tuple[Any, ...]) -> Judged:
        """The decision of a subject with a number and nothing else to judge it by, whose
        list, place and validity are ``kind``: from the stretches remembered across requests
        by policy, place and validity when the judge's instant lies in one (most requests
        ask about places an earlier one asked about), else as ``_judge`` makes it."""
        key = (self._policy_keys[subject.list_public_id], *kind[1:])
        known = _place_stretches.get(key)
        if known is not None and known.start <= self._at < known.end:
            return known.judged
        judged = self._judge(subject, _NONE, _NONE)
        decision = judged.decision
        if decision.callable and decision.window_closes_at is not None:
            if len(_place_stretches) >= _MAX_STRETCHES:
                _place_stretches.clear()
            _place_stretches[key] = _Stretch(self._at, decision.window_closes_at, judged)
        return judged

    # ---- reading -----------------------------------------------------------------------------

    def _read_policies(self, reader: Reader, list_public_ids: list[str]) -> None:
        missing = [public for public in list_public_ids if public not in self._policies]
        if self._stream is not None and not missing:
            return
        keys = {public: lists.list_key(public) for public in missing}
        for key in keys.values():
            lists.must_exist(reader, self._scope, list_id=key)  # 404 for a list not there
        stored = store.policies_read(
            reader, self._scope, list_ids=[store.STREAM_POLICY, *keys.values()]
        )
        if self._stream is None:
            self._stream = stored_policy(stored.get(store.STREAM_POLICY))
            self._policies[None] = self._stream
            self._policy_keys[None] = _encode(self._stream)
        for public, key in keys.items():
            self._policies[public] = merge_policy(self._stream, stored_override(stored.get(key)))
            self._policy_keys[public] = _encode(self._policies[public])

    def _attempt_times(self, reader: Reader, e164s: Sequence[str]) -> Mapping[str, Sequence[str]]:
        """The attempts to these numbers that a rule or a look ahead may count."""
        return store.attempt_times(
            reader,
            self._scope,
            e164s=e164s,
            since=iso(self._at - self._longest_cap() - _LOOK_AHEAD),
            until=iso(self._at + _LOOK_AHEAD),
        )

    def _longest_cap(self) -> dt.timedelta:
        return max(
            [_JURISDICTION_CAP]
            + [
                dt.timedelta(hours=cap.within_hours)
                for policy in self._policies.values()
                for cap in policy.attempt_caps
            ]
        )

    def _dnc_matches(
        self, reader: Reader, list_public_id: str | None, numbers: Sequence[str]
    ) -> Mapping[str, Sequence[DncMatch]]:
        """The DNC entries that match each of these numbers (``_BLOCKING`` for each number
        blocked, with ``reasons=False``)."""
        if not numbers:
            return {}
        contact_list_id = None if list_public_id is None else lists.list_key(list_public_id)
        at = self._at_text
        if not self._reasons:
            blocked = dnc.blocked_numbers(
                reader, self._scope, contact_list_id=contact_list_id, numbers=numbers, at=at
            )
            return dict.fromkeys(blocked, _BLOCKING)
        found = dnc.matching(
            reader, self._scope, contact_list_id=contact_list_id, numbers=numbers, at=at
        )
        return {e164: self._matches(entries) for e164, entries in found.items()}

    def _matches(self, entries: _Entries) -> list[DncMatch]:
        """Stored DNC entries (each with its list) as the rules read them."""
        list_ids = self._dnc_list_ids
        return [
            DncMatch(
                dnc_list_id=list_ids.get(entry.list_id)
                or list_ids.setdefault(entry.list_id, dnc.public_id(entry.list_id)),
                entry_id=dnc.entry_public_id(entry.id),
                scope=dnc_list.scope,
                value=entry.value,
                reason=entry.reason,
                source=entry.source,
                expires_at=None
                if entry.expires_at is None
                else dt.datetime.fromisoformat(entry.expires_at),
            )
            for entry, dnc_list in entries
        ]

    # ---- judging -----------------------------------------------------------------------------

    def _plan(self, subject: Subject) -> _Plan:
        """What the decision of a subject with no attempt and no DNC entry depends on (its
        list, zones, jurisdictions, validity): per combination of its list, its number's place,
        the fields the rules read and its validity. Where such a combination is (its zones and
        jurisdictions) is remembered across requests (``_wheres``)."""
        place = places.number_place(
            subject.e164, valid=subject.valid, region=subject.region, line_type=subject.line_type
        )
        fields = subject.fields
        number_ok = bool(subject.valid and subject.e164)
        key: tuple[Any, ...] | None = (
            subject.list_public_id,
            place,
            number_ok,
            *((fields.get(name) for name in PlaceFields.__struct_fields__) if fields else ()),
        )
        try:
            found = self._plans.get(key)
        except TypeError:  # a field holding a list or an object: not a key
            key, found = None, None
        if found is not None:
            return found
        where = None if key is None else _wheres.get(key[1:])
        if where is None:
            zoned = zones.contact_zones(e164=subject.e164, fields=fields, known=place.zones)
            found_in = jurisdictions.contact_jurisdictions(
                e164=subject.e164, fields=fields, known=place.jurisdictions
            )
            where = _Where(
                zoned, found_in, (tuple(zoned.zones), zoned.source, tuple(found_in), number_ok)
            )
            if key is not None:
                if len(_wheres) >= _MAX_WHERES:
                    _wheres.clear()
                _wheres[key[1:]] = where
        found = _Plan(where.zones, where.jurisdictions, (subject.list_public_id, *where.tail))
        if key is not None and len(self._plans) < _MAX_WHERES:
            self._plans[key] = found
        return found

    def _plain(self, key: tuple[Any, ...], judge: Callable[[], Decision]) -> Judged:
        """The decision of a number with no attempt and no DNC entry (``key``: its policy,
        zones, jurisdictions, validity), from the stretches remembered across requests when
        the judge's instant lies in one, else made now (and remembered if callable)."""
        known = _stretches.get(key)
        if known is not None and known.start <= self._at < known.end:
            return known.judged
        decision = judge()
        judged = Judged(decision, _encode(decision))
        if decision.callable and decision.window_closes_at is not None:
            if len(_stretches) >= _MAX_STRETCHES:
                _stretches.clear()
            _stretches[key] = _Stretch(self._at, decision.window_closes_at, judged)
        return judged

    def _judge(self, subject: Subject, attempts: Sequence[str], dnc: Sequence[DncMatch]) -> Judged:
        if dnc is _BLOCKING:
            return BLOCKED
        plan = self._plan(subject)
        if attempts or (dnc and any(match.expires_at is not None for match in dnc)):
            return self._evaluate(subject, plan, attempts, dnc)
        shared = plan.judged
        if shared is None:
            shared = self._shared.get(plan.shared_key)
            if shared is None:
                shared = self._shared[plan.shared_key] = self._plain(
                    (self._policy_keys[subject.list_public_id], *plan.shared_key[1:]),
                    lambda: self._evaluate(subject, plan, (), ()).decision,
                )
            plan.judged = shared
        if not dnc:
            return shared
        decision = rules.with_lasting_dnc(shared.decision, list(dnc))
        return Judged(decision, _encode(decision))

    def _evaluate(
        self, subject: Subject, plan: _Plan, attempts: Sequence[str], dnc: Sequence[DncMatch]
    ) -> Judged:
        decision = rules.evaluate(
            at=self._at,
            policy=self._policies[subject.list_public_id],
            e164=subject.e164,
            valid=subject.valid,
            zones=plan.zones.zones,
            zone_source=plan.zones.source,
            jurisdictions=plan.jurisdictions,
            attempts=[dt.datetime.fromisoformat(t) for t in attempts],
            dnc_matches=list(dnc),
        )
        return Judged(decision, _encode(decision))


def _known_subject(e164: str, facts: Known) -> Subject:
    """The subject of a number given alone, judged for the stream (``Judge.decide_known``)."""
    return Subject(e164, facts.valid, facts.region, facts.line_type, NO_FIELDS, None)


class _Where(NamedTuple):
    """Where a kind of subject is: its zones, its jurisdictions, and those with its validity
    as a key of the decisions shared by such subjects."""

    zones: zones.ContactZones
    jurisdictions: list[str]
    tail: tuple[Any, ...]


# By place, validity and the fields the rules read (a list of a million contacts in a few
# thousand places has a few thousand); the cache starts again when full.
_wheres: dict[tuple[Any, ...], _Where] = {}


class _Plan:
    """What ``Judge._plan`` works out for a kind of subject, and its shared decision once made
    (a subject with no attempt and no DNC entry)."""

    __slots__ = ("judged", "jurisdictions", "shared_key", "zones")

    def __init__(
        self, zoned: zones.ContactZones, where: list[str], shared_key: tuple[Any, ...]
    ) -> None:
        self.zones = zoned
        self.jurisdictions = where
        self.shared_key = shared_key
        self.judged: Judged | None = None


_NONE: tuple[Any, ...] = ()
# Stored DNC entries that match a number, each with its list (``dnc.matching``).
_Entries = Sequence[tuple[dnc.DncEntryRow, dnc.DncListRow]]
# A match written where real ones go, to find that place in a decision's JSON.
_PLACEHOLDER = DncMatch(dnc_list_id="\u0000placeholder", entry_id="\u0000placeholder")
# What a judge with ``reasons=False`` knows of a number a DNC entry blocks (one object, told
# apart by identity), and answers.
_BLOCKING: tuple[DncMatch, ...] = (DncMatch(dnc_list_id="", entry_id=""),)
BLOCKED = Judged(
    Decision(
        callable=False,
        reasons=[],
        time_zones=[],
        time_zone_source=None,
        jurisdictions=[],
        window_closes_at=None,
        next_eligible_at=None,
    ),
    b"{}",
)
