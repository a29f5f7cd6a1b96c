"""How many leading digits of a string of digits decide whether a pattern matches it.

A pattern of phonenumbers' metadata tests some leading digits one by one (``8``, ``[2-9]``,
``0[1-35-9]``) and then only counts the rest (``\\d{7}``). Among strings of ASCII digits of one
length, the result of ``fullmatch`` or ``match`` (whether it matches and which group took part)
is then the same for all strings that share those leading digits: every step of every path the
regex engine can take through the pattern accepts or refuses a digit by its position alone from
there on. ``deciding_digits`` finds that count by walking the parsed pattern: every position at
which a step that does not accept every digit could read is a deciding one. Positions are
tracked as sets, so optional parts, alternatives and repeats of any length are followed
exactly; a construct this walk does not model (back-references, look-behind, word boundaries)
makes it answer None, and the caller then decides nothing by leading digits. Digits the
caller already knows (``known``) are read as they are: a path on which a step refuses one of
them is not followed.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any

try:  # the standard library's own regex parser (``sre_parse`` under its old, deprecated name)
    _parser: Any = importlib.import_module("re._parser")
    _c: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - a Python without it: nothing is decided by prefix
    _parser = _c = None

_DIGITS = frozenset(range(ord("0"), ord("9") + 1))
# Anchors that read the position only (strings of digits hold no newline).
_POSITION_ONLY = (
    () if _c is None else (_c.AT_END_STRING, _c.AT_END, _c.AT_BEGINNING, _c.AT_BEGINNING_STRING)
)


class _UnmodelledError(Exception):
    """The pattern holds a construct the walk does not follow."""


def deciding_digits(pattern: str, length: int, known: str = "") -> int | None:
    """How many leading digits decide ``re.fullmatch`` / ``re.match`` of ``pattern`` (with its
    groups) over strings of ``length`` ASCII digits that begin with the digits ``known``; None
    when the pattern holds what the walk does not model. A path on which a step refuses a known
    digit is not followed, so the answer can be less than ``len(known)``."""
    if _parser is None:
        return None
    try:
        walk = _Walk(length, known)
        walk.items(_parsed(pattern), frozenset({0}))
    except (_UnmodelledError, RecursionError):
        return None
    return walk.deepest


@lru_cache(maxsize=4_096)
def _parsed(pattern: str) -> Any:
    """The parsed pattern (read only; a country's patterns are walked once per beginning)."""
    return _parser.parse(pattern)


class _Walk:
    """The positions each step of a parsed pattern can start at, and the deepest one read by
    a step that does not accept every digit."""

    def __init__(self, length: int, known: str) -> None:
        self.length = length
        self.known = [ord(character) for character in known[:length]]
        self.deepest = 0

    def items(self, items: Any, starts: frozenset[int]) -> frozenset[int]:
        """Where a match can be after ``items``, from any of ``starts``."""
        for op, argument in items:
            if not starts:
                return starts
            starts = self.item(op, argument, starts)
        return starts

    def item(self, op: Any, argument: Any, starts: frozenset[int]) -> frozenset[int]:
        c = _c
        if op in (c.LITERAL, c.NOT_LITERAL, c.IN, c.ANY):
            return self._one_character(op, argument, starts)
        if op is c.SUBPATTERN:
            return self.items(argument[-1], starts)
        if op is c.BRANCH:
            ends: frozenset[int] = frozenset()
            for branch in argument[1]:
                ends |= self.items(branch, starts)
            return ends
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT)):
            return self._repeat(argument, starts)
        if op is c.AT and argument in _POSITION_ONLY:
            return starts  # reads the position only
        if op is c.ASSERT and argument[0] == 1:  # a look-ahead reads on from where it is
            self.items(argument[1], starts)
            return starts
        raise _UnmodelledError(str(op))

    def _one_character(self, op: Any, argument: Any, starts: frozenset[int]) -> frozenset[int]:
        known, length = self.known, self.length
        ends: set[int] = set()
        every = None  # whether the step accepts every digit, found when first needed
        for start in starts:
            if start < len(known):
                if _accepts(op, argument, known[start]):
                    ends.add(start + 1)
            elif start < length:
                if every is None:
                    every = all(_accepts(op, argument, digit) for digit in _DIGITS)
                if not every:
                    self.deepest = max(self.deepest, start + 1)
                ends.add(start + 1)
        return frozenset(ends)

    def _repeat(self, argument: Any, starts: frozenset[int]) -> frozenset[int]:
        least, most, body = argument
        ends: frozenset[int] = frozenset()
        current = starts
        seen: set[frozenset[int]] = set()
        count = 0
        while current:
            if count >= least:
                ends |= current
                if current in seen:  # further rounds only repeat positions already followed
                    break
                seen.add(current)
            if count == most:
                break
            current = self.items(body, current)
            count += 1
        return ends


def _accepts(op: Any, argument: Any, character: int) -> bool:
    """Whether a one-character step accepts ``character`` (a code point)."""
    c = _c
    if op is c.LITERAL:
        return bool(argument == character)
    if op is c.NOT_LITERAL:
        return bool(argument != character)
    if op is c.ANY:
        return character != ord("\n")
    negated = False
    for kind, value in argument:
        if kind is c.NEGATE:
            negated = True
        elif kind is c.LITERAL:
            if value == character:
                return not negated
        elif kind is c.RANGE:
            if value[0] <= character <= value[1]:
                return not negated
        elif kind is c.CATEGORY and value is c.CATEGORY_DIGIT:
            if character in _DIGITS:
                return not negated
        else:
            raise _UnmodelledError(str(kind))
    return negated
