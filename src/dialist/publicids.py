"""Public ids in Kore.ai's shape (``cl-<uuid>``, ``cc-<uuid>``) derived from integer keys.

Rows are keyed by integers so indexes stay small and bulk inserts fast (DESIGN.md §4). The public
id is a UUIDv8 (RFC 9562, vendor-specific layout) holding the key scrambled by a fixed bijection,
plus a check word, so ids look like Kore's, cost no index, and a mistyped id is simply unknown.
Tenancy, not secrecy of ids, is what keeps tenants apart.
"""

from __future__ import annotations

import hashlib
import uuid
from functools import lru_cache

from dialist.errors import NotFoundError

_MASK64 = (1 << 64) - 1
_MUL = 0x9E3779B97F4A7C15  # odd: invertible mod 2**64
_MUL_INV = pow(_MUL, -1, 1 << 64)
_XOR = 0x5DEECE66DA3B1F27


@lru_cache(maxsize=16)
def _salt(prefix: str) -> int:
    digest = hashlib.blake2b(prefix.encode(), digest_size=8).digest()
    return _XOR ^ int.from_bytes(digest, "big")


def _scramble(prefix: str, key: int) -> int:
    return ((key ^ _salt(prefix)) * _MUL) & _MASK64


def _unscramble(prefix: str, value: int) -> int:
    return ((value * _MUL_INV) & _MASK64) ^ _salt(prefix)


def _check(prefix: str, value: int) -> int:
    """58 check bits: the splitmix64 finaliser of the value, salted per prefix."""
    z = (value ^ _salt(prefix)) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return (z ^ (z >> 31)) >> 6


def encode(prefix: str, key: int) -> str:
    """The public id for integer ``key``, e.g. ``encode("cc", 1)`` → ``cc-…``."""
    # _scramble and _check, inlined (an import encodes a million of these).
    salt = _salt(prefix)
    value = ((key ^ salt) * _MUL) & _MASK64
    z = value ^ salt
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    check = (z ^ (z >> 31)) >> 6
    # 64 value bits and a 58-bit check word around the UUIDv8 version and variant bits.
    hi = ((value >> 16) << 16) | (0x8 << 12) | ((value & 0xFFFF) >> 4)
    lo = (0b10 << 62) | ((value & 0xF) << 58) | check
    text = "%016x%016x" % (hi, lo)  # noqa: UP031 - the fastest way to two padded hex words
    return f"{prefix}-{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


@lru_cache(maxsize=4096)
def decode(prefix: str, public_id: str) -> int | None:
    """The integer key of ``public_id``, or ``None`` when it is not one of ours."""
    if not public_id.startswith(prefix + "-") or len(public_id) != len(prefix) + 37:
        return None
    try:
        number = uuid.UUID(public_id[len(prefix) + 1 :]).int
    except ValueError:
        return None
    hi, lo = number >> 64, number & _MASK64
    if (hi >> 12) & 0xF != 0x8 or lo >> 62 != 0b10:
        return None
    value = ((hi >> 16) << 16) | ((hi & 0xFFF) << 4) | ((lo >> 58) & 0xF)
    if lo & ((1 << 58) - 1) != _check(prefix, value):
        return None
    return _unscramble(prefix, value)


def encode_hex24(prefix: str, key: int) -> str:
    """A 24-hex id (Kore's CRM contact ids look like MongoDB ObjectIds) for integer ``key``."""
    value = _scramble(prefix, key)
    return f"{value:016x}{_check(prefix, value) & 0xFFFFFFFF:08x}"


def decode_hex24(prefix: str, public_id: str) -> int | None:
    """The integer key of a 24-hex id, or ``None`` when it is not one of ours."""
    if len(public_id) != 24:
        return None
    try:
        value, check = int(public_id[:16], 16), int(public_id[16:], 16)
    except ValueError:
        return None
    if public_id != public_id.lower() or check != _check(prefix, value) & 0xFFFFFFFF:
        return None
    return _unscramble(prefix, value)


def decode_or_not_found(
    prefix: str, public_id: str, *, what: str, field: str, hex24: bool = False
) -> int:
    """The integer key of ``public_id`` (a 24-hex id with ``hex24``), or the 404 that names it:
    "<what> '<id>' not found", for the request field ``field``."""
    key = decode_hex24(prefix, public_id) if hex24 else decode(prefix, public_id)
    if key is None:
        raise NotFoundError(f"{what} {public_id!r} not found", field=field)
    return key
