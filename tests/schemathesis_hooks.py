"""Schemathesis hooks for ``tests/test_schema_fuzz.py`` (loaded through ``SCHEMATHESIS_HOOKS``).

Each covers a rule the OpenAPI document cannot state, so that "valid requests are accepted"
(positive_data_acceptance) holds for every request the document allows. Only requests generated
as valid (positive) are touched; invalid ones go out as drawn.

- ``Idempotency-Key``: a key names one request, and a key sent again with another method, path
  or body is refused (422 IDEMPOTENCY_KEY_REUSED). JSON Schema cannot say "unique per request"
  and the fuzzer draws the same short keys again and again: each well-formed key is made unique.
- Cursors (``cursor``, ``after``): a cursor is a value the server handed out in ``nextCursor``;
  any other string is refused (400). No pattern can say that: drawn cursors are left out.
- Phone numbers that must parse (a call attempt's ``phoneNumber``, contactability items, the
  ``phoneNumber`` filter of DNC entries):
  the document says "a string"; whether it is a number is phonenumbers' judgement.
- Names and other text with Unicode "format" characters (U+200B, bidi controls, tags) or
  noncharacters: refused by ``validation.display_name``/``text``; a JSON Schema pattern cannot
  name a Unicode category.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from typing import Any

import schemathesis

_KEY = re.compile(r"[!-~]{1,255}")
_CURSORS = ("cursor", "after")
# Operations whose body holds numbers the server parses (their paths end so).
_PARSED_NUMBERS = ("/attempts", "/contactability")


def _positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    return meta is not None and meta.generation.mode.is_positive


def _unnameable(value: Any) -> bool:
    """A string holding a character no JSON Schema pattern can exclude (see above)."""
    if isinstance(value, str):
        return any(
            unicodedata.category(c) in ("Cf", "Cs", "Cn")
            or 0xFDD0 <= ord(c) <= 0xFDEF
            or (ord(c) & 0xFFFE) == 0xFFFE
            for c in value
        )
    if isinstance(value, dict):
        return any(_unnameable(k) or _unnameable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unnameable(v) for v in value)
    return False


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    if not _positive(case):
        return True
    if any(name in (case.query or {}) for name in _CURSORS):
        return False
    if case.path.endswith(_PARSED_NUMBERS) and case.method.upper() == "POST":
        return False
    if case.path.endswith("/entries") and "phoneNumber" in (case.query or {}):
        return False
    return not _unnameable(case.body)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    headers = case.headers or {}
    for name, value in headers.items():
        if name.lower() == "idempotency-key" and isinstance(value, str) and _KEY.fullmatch(value):
            headers[name] = f"fuzz-{uuid.uuid4().hex}"
