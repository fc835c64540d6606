"""Splitting an intake body into items: NDJSON lines, the items of a JSON array, or one JSON object.

A JSON array is read item by item (``raw_decode``), not with one
``json.loads``: an item nested deeper than the decoder follows (or holding a
number too long to convert) then fails alone, and its neighbours are still
stored. Such an item's end is found by a scan that does not recurse, within
:data:`MAX_SKIPPED_CHARS` per body, so a hostile body costs milliseconds.
Each item keeps the exact bytes it was sent as, for its dead letter.

What cannot be split at all (not UTF-8, not JSON, an unclosed array, a single
document the decoder cannot read) is a :class:`BodyError` (400), and more
items than :data:`MAX_ITEMS` a :class:`TooManyItemsError` (413): the whole
request is refused and nothing is stored.
"""

from __future__ import annotations

import json
import re

from chronicles.errors import BadRequestError, TooLargeError
from chronicles.ingest.parsing import Decoded, RawMessage, Rejection, decode, unreadable

MAX_ITEMS = 10_000
MAX_SKIPPED_CHARS = 256 * 1024  # no entry comes near it: a payload is at most 64 KiB
SOURCE = "http"
_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_STRUCTURE = re.compile(r'"|[\[{]+|[\]}]+')
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"[^\s,\]]+")

Item = Decoded | Rejection


class BodyError(BadRequestError):
    """The body as a whole cannot be read; the message says why and where."""


class TooManyItemsError(TooLargeError, BodyError):
    """More items than one request may carry."""


def ndjson_items(body: bytes) -> list[Item]:
    """One item per non-blank line, each decoded on its own."""
    lines = [line for line in body.splitlines() if line.strip()]
    _check_count(len(lines))
    return [decode(index, RawMessage(line, SOURCE)) for index, line in enumerate(lines)]


def json_items(body: bytes) -> list[Item]:
    """The items of a JSON array, or the one object the body holds."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BodyError(f"the body is not UTF-8 ({error})") from None
    start = _skip_whitespace(text, 0)
    if start == len(text):
        raise BodyError("the body is empty")
    if text[start] == "[":
        return _ArrayReader(text).items(start + 1)
    return [_single(text, start)]


def _single(text: str, start: int) -> Item:
    try:
        document, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as error:
        raise BodyError(f"the body is not JSON ({error}); send an object, an array or NDJSON") from None
    except Exception as error:  # too deep, a number too long: a clear refusal, not a 500
        raise BodyError(f"the body cannot be read: {unreadable(error)}") from None
    if _skip_whitespace(text, end) != len(text):
        raise BodyError(f"the body has more after its JSON value (character {end + 1})")
    return Decoded(0, document, RawMessage(text[start:end].encode(), SOURCE))


class _ArrayReader:
    """Reads the items of the array whose ``[`` is just before the position given to :meth:`items`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.skip_budget = MAX_SKIPPED_CHARS

    def items(self, position: int) -> list[Item]:
        text, found = self.text, list[Item]()
        position = _skip_whitespace(text, position)
        if text.startswith("]", position):
            return self._closed(position, found)
        while True:
            _check_count(len(found) + 1)
            item, position = self._item(position, len(found))
            found.append(item)
            position = _skip_whitespace(text, position)
            if text.startswith("]", position):
                return self._closed(position, found)
            if not text.startswith(",", position):
                raise BodyError(f"the array is not JSON: expected ',' or ']' at character {position + 1}")
            position = _skip_whitespace(text, position + 1)

    def _closed(self, position: int, found: list[Item]) -> list[Item]:
        if _skip_whitespace(self.text, position + 1) != len(self.text):
            raise BodyError(f"the body has more after its array (character {position + 2})")
        return found

    def _item(self, start: int, index: int) -> tuple[Item, int]:
        try:
            document, end = _DECODER.raw_decode(self.text, start)
        except json.JSONDecodeError as error:
            raise BodyError(f"item {index} is not JSON ({error})") from None
        except Exception as error:  # this item's error: find where it ends without the decoder
            end = self._end_of_value(start, index)
            return Rejection(index, None, unreadable(error), self._raw(start, end)), end
        return Decoded(index, document, self._raw(start, end)), end

    def _raw(self, start: int, end: int) -> RawMessage:
        return RawMessage(self.text[start:end].encode(), SOURCE)

    def _end_of_value(self, start: int, index: int) -> int:
        """Where the value at ``start`` ends: strings whole, runs of brackets counted at once, no recursion."""
        text = self.text
        limit = min(len(text), start + self.skip_budget)
        first = text[start] if start < len(text) else ""
        if first not in "[{":
            scalar = (_STRING if first == '"' else _SCALAR).match(text, start, limit)
            end = scalar.end() if scalar else limit
        else:
            end = _end_of_nesting(text, start, limit)
        if end < 0:
            raise BodyError(f"item {index} is not JSON, or longer than {MAX_SKIPPED_CHARS} characters")
        self.skip_budget -= end - start
        return end


def _end_of_nesting(text: str, start: int, limit: int) -> int:
    """The end of the array or object at ``start``, or -1 when it does not close before ``limit``."""
    depth, position = 0, start
    while (token := _STRUCTURE.search(text, position, limit)) is not None:
        run = token.group()
        if run == '"':
            string = _STRING.match(text, token.start(), limit)
            if string is None:
                return -1
            position = string.end()
            continue
        if run[0] in "[{":
            depth += len(run)
        elif depth <= len(run):
            return token.start() + depth
        else:
            depth -= len(run)
        position = token.end()
    return -1


def _skip_whitespace(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    return match.end() if match else position


def _check_count(count: int) -> None:
    if count > MAX_ITEMS:
        raise TooManyItemsError(f"more than {MAX_ITEMS} entries in one request; send smaller batches")
