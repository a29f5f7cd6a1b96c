"""The elements of a JSON array read from a byte stream in blocks, in bounded memory.

Why not a streaming JSON library: ijson's C backend builds a prefix per nesting level (memory
quadratic in the depth: a 200 KB file of nested brackets took gigabytes) and reads a string
holding half a surrogate pair as ``?``. Here the array is only split into its elements, and
msgspec decodes them: a stretch of flat objects in one call, anything else one element at a
time, found by a scan that follows strings and nesting and refuses nesting deeper than
:data:`MAX_DEPTH` and elements longer than :data:`MAX_ELEMENT_BYTES`.
tests/imports/test_file_edge_cases.py holds it to ``json.loads``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any, NamedTuple, NoReturn

import msgspec

MAX_DEPTH = 64  # an element nested deeper than this fails the file
MAX_ELEMENT_BYTES = 4 << 20  # and so does a longer element (memory stays bounded)


class JsonArrayError(Exception):
    """The stream is not a JSON array (the message names the line)."""


class Element(NamedTuple):
    """One element of a JSON array, as it is in the file, and the line it starts on."""

    data: bytes
    line: int


_SPACE = rb"[ \t\r\n]*+"
_STRING = rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_space = re.compile(_SPACE).match
_flat_object = re.compile(rb'\{(?:[^"{}\[\]]++|' + _STRING + rb")*+\}", re.S).match
_token = re.compile(rb'[^"{}\[\],]++|' + _STRING + rb"|.", re.S).match
_object_then_comma = re.compile(rb"\}" + _SPACE + rb",")
_decode_flat = msgspec.json.Decoder(list[dict[str, str | int | float | bool | None]]).decode
_BLOCK = 1 << 20  # bytes read at a time (more while one element is longer)
_TAIL = 1 << 16  # where in a block to look for the end of its last whole object


class JsonArray:
    """The elements of the JSON array a byte stream holds, read in blocks: in bounded memory
    whatever the file (nesting deeper than :data:`MAX_DEPTH` fails it), and fast for a file
    of objects. It yields a list of the decoded elements of a stretch of the block that
    msgspec reads as a whole (the elements up to the block's last ``},``: such a stretch
    decodes as an array only if it ends between two elements), else one :class:`Element` at a
    time, each found by a scan that follows strings and nesting. It checks the array's own
    syntax; whether each :class:`Element` is JSON is left to the caller."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._buf = b""
        self._pos = 0  # where reading has got to in _buf
        self._eof = False
        self._line = 1  # the line of _buf[_counted]
        self._counted = 0
        self._scan_to = 0  # read one element at a time up to here

    def __iter__(self) -> Iterator[list[Any] | Element]:
        self._skip_space()
        if not self._buf.startswith(b"[", self._pos):
            raise JsonArrayError("a JSON file must hold one array of objects")
        self._pos += 1
        self._skip_space()
        if self._buf.startswith(b"]", self._pos):
            self._pos += 1
        else:
            yield from self._elements()
        self._skip_space()
        if self._pos < len(self._buf):
            self._fail(self._pos, "more after the array")

    def _elements(self) -> Iterator[list[Any] | Element]:
        while True:
            if self._pos >= self._scan_to:
                values = self._stretch()
                if values is not None:
                    yield values
                    self._skip_space()
                    continue
            end = self._element_end()
            start = self._pos
            if end == start:
                self._fail(start, "an element is missing")
            if end - start > MAX_ELEMENT_BYTES:
                self._fail(start, f"an element is longer than {MAX_ELEMENT_BYTES:,} bytes")
            yield Element(self._buf[start:end], self._line_at(start))
            self._pos = end
            self._skip_space()
            if self._buf.startswith(b",", self._pos):
                self._pos += 1
                self._skip_space()
            elif self._buf.startswith(b"]", self._pos):
                self._pos += 1
                return
            else:
                self._fail(self._pos, "expected , or ] after an element")

    def _stretch(self) -> list[Any] | None:
        """The elements up to the last ``},`` of the block, decoded, when they decode as an
        array nested no deeper than allowed; else None, and one element at a time up to there."""
        if not self._eof and len(self._buf) - self._pos < _BLOCK:
            self._more()
        ends = list(_object_then_comma.finditer(self._buf, max(self._pos, len(self._buf) - _TAIL)))
        if not ends:
            self._scan_to = len(self._buf)
            return None
        last = ends[-1]
        values = _decoded_stretch(b"[" + self._buf[self._pos : last.start() + 1] + b"]")
        if values is None:
            self._scan_to = last.end()
            return None
        self._pos = last.end()
        return values

    def _element_end(self) -> int:
        """Where the element at the reading position ends (reading on as needed)."""
        flat = _flat_object(self._buf, self._pos)
        if flat:
            return flat.end()
        depth = 0
        at = self._pos
        while True:
            token = _token(self._buf, at)
            if not self._eof and (
                token is None
                or token.end() == len(self._buf)
                or (self._buf[at] == 0x22 and token.end() == at + 1)  # a string cut short
            ):
                if len(self._buf) - self._pos > MAX_ELEMENT_BYTES:
                    self._fail(self._pos, f"an element is longer than {MAX_ELEMENT_BYTES:,} bytes")
                at -= self._pos
                self._more()
                at += self._pos
                continue
            if token is None:
                self._fail(at, "the file ends inside the array")
            byte = self._buf[at]
            if byte in b"[{":
                depth += 1
                if depth > MAX_DEPTH:
                    self._fail(at, f"an element is nested deeper than {MAX_DEPTH} levels")
            elif byte in b"]}":
                if depth == 0:
                    return at
                depth -= 1
                if depth == 0:
                    return token.end()
            elif byte == 0x2C and depth == 0:  # ","
                return at
            at = token.end()

    def _skip_space(self) -> None:
        while True:
            self._pos = _space(self._buf, self._pos).end()  # type: ignore[union-attr]  # matches ""
            if self._pos < len(self._buf) or not self._more():
                return

    def _more(self) -> bool:
        """Read on, keeping what is not yet read (a block, or as much again while one element
        outgrows it); False at the end of the file."""
        if self._eof:
            return False
        data = self._stream.read(max(_BLOCK, len(self._buf) - self._pos))
        if not data:
            self._eof = True
            return False
        self._line = self._line_at(self._pos)
        self._buf = self._buf[self._pos :] + data
        self._scan_to = max(self._scan_to - self._pos, 0)
        self._pos = self._counted = 0
        return True

    def _line_at(self, at: int) -> int:
        """The line of ``_buf[at]`` (``at`` never before the last one asked)."""
        self._line += self._buf.count(b"\n", self._counted, at)
        self._counted = at
        return self._line

    def _fail(self, at: int, why: str) -> NoReturn:
        raise JsonArrayError(f"the file is not valid JSON (line {self._line_at(at)}): {why}")


def _decoded_stretch(stretch: bytes) -> list[Any] | None:
    """The elements of ``stretch`` (a JSON array), or None unless msgspec reads them all and
    none nests deeper than :data:`MAX_DEPTH`."""
    try:
        flat: list[Any] = _decode_flat(stretch)  # in C, and flat objects have no depth to measure
        return flat
    except msgspec.ValidationError:  # some element is not a flat object
        pass
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        return None
    try:
        values: list[Any] = msgspec.json.decode(stretch)
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        return None
    return None if _too_deep(values) else values


def _too_deep(values: list[Any]) -> bool:
    """Whether one of ``values`` nests deeper than :data:`MAX_DEPTH`."""
    level = values
    for _ in range(MAX_DEPTH):
        level = [
            inner
            for value in level
            if type(value) is dict or type(value) is list
            for inner in (value.values() if type(value) is dict else value)
        ]
        if not level:
            return False
    return any(type(value) is dict or type(value) is list for value in level)
