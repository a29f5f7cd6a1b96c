"""One record of a file → a contact ready to place, or the reason it cannot be one (pure).

The costly part of an import (validating, normalising phones, encoding) happens here, with no
database access, so it runs before the chunk's write transaction and can be tested alone.
"""

from __future__ import annotations

from typing import Any

import msgspec

from dialist.contacts import service as contacts
from dialist.contacts.models import (
    MAX_KEY_LENGTH,
    MAX_VALUE_LENGTH,
    PreparedContact,
    is_reserved,
)
from dialist.imports import files
from dialist.imports.files import MAX_COLUMNS, Record
from dialist.imports.mapping import PHONE, Plan
from dialist.phones import service as phones
from dialist.phones.models import PhoneDetails

Problem = tuple[str, str]  # (code, message)
_encode = msgspec.json.encode


class AdditionalPhone(msgspec.Struct):
    """A further phone column of a contact, normalised like the first."""

    field: str
    phone: PhoneDetails


class RowMaker:
    """Turns records into prepared contacts, with one import's options; remembers the plan of
    each distinct set of columns (JSON records may differ from one another)."""

    def __init__(
        self,
        *,
        overrides: dict[str, str],
        default_region: str,
        reject_invalid_phones: bool,
    ) -> None:
        self.overrides = overrides
        self.default_region = default_region
        self.reject_invalid_phones = reject_invalid_phones
        self._plans: dict[tuple[str, ...], tuple[Plan, Problem | None]] = {}

    def plan(self, columns: tuple[str, ...]) -> tuple[Plan, Problem | None]:
        """The plan for records with these columns, and what is wrong with their names."""
        found = self._plans.get(columns)
        if found is None:
            if len(self._plans) > 10_000:
                self._plans.clear()
            bad = next((c for c in columns if not files.good_name(c)), None)
            problem = (
                None
                if bad is None
                else (
                    "INVALID_RECORD",
                    f"field names must be 1-{MAX_KEY_LENGTH} printable characters",
                )
            )
            found = self._plans[columns] = (Plan(columns, self.overrides), problem)
        return found

    def unique_id(self, record: Record) -> str | None:
        """The row's uniqueId as the mapping finds it (for reporting rows that are invalid)."""
        if record.values is None:
            return None
        plan, _ = self.plan(tuple(record.values))
        column = plan.mapping.get("uniqueId")
        return contacts.unique_key_of(record.values.get(column)) if column else None

    def make(self, record: Record) -> PreparedContact | Problem:
        """The contact a record becomes, or its problem."""
        if record.error is not None:
            return record.error
        values = record.values or {}
        if len(values) > MAX_COLUMNS and sum(1 for k in values if not is_reserved(k)) > MAX_COLUMNS:
            return "INVALID_RECORD", f"a record may have at most {MAX_COLUMNS} fields"
        plan, problem = self.plan(tuple(values))
        if problem is not None:
            return problem
        fields: dict[str, Any] = {}
        targets = plan.targets
        for column, value in values.items():
            target = targets.get(column)
            if target is None or value is None or value == "":
                continue
            if type(value) is str:
                if len(value) > MAX_VALUE_LENGTH or "\x00" in value:
                    return _value_problem(column, value) or ("INVALID_RECORD", column)
            else:
                problem = _value_problem(column, value)
                if problem is not None:
                    return problem
            fields[target] = value
        return self._contact(fields, plan, record.row)

    def _contact(self, fields: dict[str, Any], plan: Plan, row: int) -> PreparedContact | Problem:
        raw = fields.get(PHONE)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return "PHONE_REQUIRED", "the row has no phoneNumber"
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            return "INVALID_PHONE_NUMBER", "phoneNumber must be text or a number"
        zone = fields.get("timeZone")
        if zone is not None:
            if not isinstance(zone, str) or not phones.is_time_zone(zone.strip()):
                return "INVALID_TIME_ZONE", f"timeZone {zone!r} is not an IANA time zone"
            zone = fields["timeZone"] = zone.strip()
        if "contactPriority" in fields:
            priority = _priority(fields["contactPriority"])
            if priority is None:
                return "INVALID_PRIORITY", "contactPriority must be a whole number from 0"
            fields["contactPriority"] = priority
        phone = self._normalise(raw, zone)
        if not phone.valid and self.reject_invalid_phones:
            return "INVALID_PHONE_NUMBER", invalid_phone_message(phone, self.default_region)
        extra = [
            AdditionalPhone(field, self._normalise(fields[field], zone))
            for field in plan.phones
            if field in fields and isinstance(fields[field], str | int) and str(fields[field])
        ]
        return contacts.prepare_one(
            phone, fields, import_row=row, phone_extra=_encode(extra) if extra else None
        )

    def _normalise(self, raw: object, zone: str | None) -> PhoneDetails:
        text = _number_text(raw)
        return phones.normalise(text, default_region=self.default_region, given_time_zone=zone)


def invalid_phone_message(phone: PhoneDetails, default_region: str) -> str:
    """Why a row's number is not valid: for a number written without "+", the region it was
    read in and how to read the file in another (refused rows and flagged rows alike)."""
    return phones.invalid_message(
        phone,
        region=default_region,
        how_to_change="import the file with another defaultRegion "
        "(dialist import --default-region XX)",
    )


def flagged_phone_message(item: PreparedContact, default_region: str) -> str | None:
    """For a row added with ``invalidPhones=flag`` whose number is not valid, why (None when
    it is valid); read from the prepared row's stored columns, in ``PhoneDetails`` order."""
    if item.phone_columns[2]:
        return None
    return invalid_phone_message(PhoneDetails(*item.phone_columns), default_region)


def _number_text(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def _value_problem(column: str, value: object) -> Problem | None:
    if isinstance(value, str):
        if len(value) > MAX_VALUE_LENGTH:
            return "VALUE_TOO_LONG", f"{column} is longer than {MAX_VALUE_LENGTH} characters"
        if "\x00" in value:
            return "INVALID_RECORD", f"{column} holds a NUL character"
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
        return "INVALID_RECORD", f"{column} is too large a number"
    return None


def _priority(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < 2**31 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and 0 <= value < 2**31 else None
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        number = int(value.strip())
        return number if number < 2**31 else None
    return None
