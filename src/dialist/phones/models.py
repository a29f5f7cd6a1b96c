"""What dialist knows about one phone number."""

from __future__ import annotations

from typing import NamedTuple

import msgspec


class PhoneDetails(msgspec.Struct, frozen=True, omit_defaults=True):
    """A number as given (``raw``) and what was derived from it, with provenance.

    ``assumed`` says how the number was read when that was an assumption (only then is it
    written): ``international`` for digits without "+" that are no number of the default
    region, read as "+" and the same digits (``00`` read as an international prefix too).
    """

    raw: str
    e164: str | None
    valid: bool
    invalidReason: str | None  # noqa: N815 - JSON field name
    lineType: str | None  # noqa: N815
    region: str | None
    timeZone: str | None  # noqa: N815
    timeZoneSource: str | None  # noqa: N815
    timeZoneAmbiguous: bool  # noqa: N815
    assumed: str | None = None

    @property
    def dedupe_key(self) -> str:
        """Two numbers are the same contact number when these are equal."""
        return self.e164 or self.raw.strip()


class Identity(NamedTuple):
    """What judging a number and checking it against DNC lists need of it: ``normalise``'s
    ``e164``, ``valid``, ``region`` and ``lineType``, without the rest."""

    e164: str | None
    valid: bool
    region: str | None
    line_type: str | None
