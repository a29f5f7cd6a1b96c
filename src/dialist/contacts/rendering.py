"""SQL that renders a contact when it is read: its ``_phone`` object from the number's columns,
and its document with ``_phone`` and ``version`` spliced in (bytes on both backends). A change
of how a contact renders is a change here, never a data migration."""

from __future__ import annotations

_PHONE_MEMBERS = (
    ("raw", "phone_raw", "text"),
    ("e164", "phone_e164", "text"),
    ("valid", "phone_valid", "bool"),
    ("invalidReason", "phone_invalid_reason", "text"),
    ("lineType", "phone_line_type", "text"),
    ("region", "phone_region", "text"),
    ("timeZone", "time_zone", "text"),
    ("timeZoneSource", "time_zone_source", "text"),
    ("timeZoneAmbiguous", "time_zone_ambiguous", "bool"),
)
# Members written only when their column is not NULL (as ``PhoneDetails`` omits them).
_PHONE_OPTIONAL_MEMBERS = (("assumed", "phone_assumed"),)


def _phone_json(dialect: str) -> str:
    """SQL text of a contact's ``_phone`` object, rendered from its columns (the same members,
    in the same order, as ``phones.models.PhoneDetails``), with ``additionalPhones`` when the
    contact has any."""
    parts = []
    for i, (member, column, kind) in enumerate(_PHONE_MEMBERS):
        head = ("{" if i == 0 else ",") + f'"{member}":'
        if kind == "bool":
            value = f"CASE WHEN {column} THEN 'true' ELSE 'false' END"
        elif dialect == "sqlite":
            value = f"json_quote({column})"
        else:
            value = f"coalesce(to_json({column})::text, 'null')"
        parts.append(f"'{head}' || {value}")
    for member, column in _PHONE_OPTIONAL_MEMBERS:
        value = f"json_quote({column})" if dialect == "sqlite" else f"to_json({column})::text"
        parts.append(f"CASE WHEN {column} IS NULL THEN '' ELSE ',\"{member}\":' || {value} END")
    if dialect == "sqlite":
        extra = "CASE WHEN phone_extra IS NULL THEN '' ELSE ',\"additionalPhones\":' || "
        extra += "CAST(phone_extra AS TEXT) END"
    else:
        extra = "CASE WHEN phone_extra IS NULL THEN '' ELSE ',\"additionalPhones\":' || "
        extra += "convert_from(phone_extra, 'UTF8') END"
    return " || ".join(parts) + f" || {extra} || '}}'"


def _with_members(dialect: str, *, phone: bool, version: bool) -> str:
    """SQL of a contact's document with ``_phone`` and/or ``version`` spliced in before its
    closing brace (bytes on both backends). No brace of its own outside quotes: callers put it
    in ``str.format`` templates, so braces are doubled."""
    if not (phone or version):
        return "doc"
    members = []
    if phone:
        members.append("',\"_phone\":' || " + _phone_json(dialect))
    if version:
        by = "json_quote(updated_by)" if dialect == "sqlite" else "to_json(updated_by)::text"
        members.append(
            "CASE WHEN updated_by IS NULL THEN '' ELSE ',\"updatedBy\":' || " + by + " END"
        )
        members.append("',\"version\":' || version")
    added = " || ".join(members)
    if dialect == "sqlite":
        text = f"CAST(substr(doc, 1, length(doc) - 1) || {added} || '}}' AS BLOB)"
    else:
        text = f"substring(doc from 1 for length(doc) - 1) || convert_to({added} || '}}', 'UTF8')"
    return text.replace("{", "{{").replace("}", "}}")


def _phone_bytes(dialect: str) -> str:
    text = _phone_json(dialect)
    made = f"CAST({text} AS BLOB)" if dialect == "sqlite" else f"convert_to({text}, 'UTF8')"
    return made.replace("{", "{{").replace("}", "}}")


# A contact's ``_phone`` object alone (bytes), per backend, for ``str.format`` templates.
PHONE = {d: _phone_bytes(d) for d in ("sqlite", "postgresql")}
# The document as getAllContacts?include=phone returns it, and as one contact is read (with
# its version), per backend.
WITH_PHONE = {d: _with_members(d, phone=True, version=False) for d in ("sqlite", "postgresql")}
FULL = {d: _with_members(d, phone=True, version=True) for d in ("sqlite", "postgresql")}
