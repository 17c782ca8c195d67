"""Splits a top-level JSON array into element byte spans without parsing it whole.

Parsing a 200 MB split with ``json.load`` builds every object at once; scanning for the
top-level element boundaries with numpy lets each theorem be parsed, formatted and
dropped in turn, so peak memory is the file plus the formatted output.
"""

from __future__ import annotations

import itertools
import re

import numpy as np

_BLOCK = 1 << 24
_NONE, _QUOTE, _OPEN, _CLOSE = 0, 1, 2, 3


class JsonScanError(ValueError):
    """The buffer is not a well-formed top-level JSON array of objects."""


def _is_escaped(data: np.ndarray, position: int) -> bool:
    run = 0
    while position - run - 1 >= 0 and data[position - run - 1] == ord("\\"):
        run += 1
    return run % 2 == 1


def _classify(data: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions and classes of the quotes and brackets in data[lo:hi], escapes removed."""
    block = data[lo:hi]
    is_quote = block == ord('"')  # (block,)
    # "[" "{" and "]" "}" differ only in bit 0x20, so two comparisons find all four.
    folded = block | 0x20  # (block,)
    is_open, is_close = folded == ord("{"), folded == ord("}")
    positions = np.flatnonzero(is_quote | is_open | is_close) + lo  # (interesting,)
    local = positions - lo
    kinds = np.where(is_quote[local], _QUOTE, np.where(is_open[local], _OPEN, _CLOSE))
    quotes = positions[kinds == _QUOTE]
    suspects = quotes[(quotes > 0) & (data[np.maximum(quotes - 1, 0)] == ord("\\"))]
    escaped = [q for q in suspects.tolist() if _is_escaped(data, q)]
    if escaped:
        keep = ~np.isin(positions, np.array(escaped, dtype=positions.dtype))
        positions, kinds = positions[keep], kinds[keep]
    return positions, kinds


def element_spans(buffer: bytes) -> np.ndarray:
    """Finds the byte spans of the elements of a top-level JSON array of objects.

    Args:
        buffer: the whole file.

    Returns:
        (elements, 2) int64 array of [start, end) spans, each one ``{...}`` object.

    Raises:
        JsonScanError: when brackets or quotes don't balance, or the top level is not an
            array of objects (the caller re-parses with a real parser for a precise error).
    """
    data = np.frombuffer(buffer, dtype=np.uint8)
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    parity, depth = 0, 0
    for lo in range(0, len(data), _BLOCK):
        positions, kinds = _classify(data, lo, min(lo + _BLOCK, len(data)))
        is_quote = kinds == _QUOTE
        quotes_so_far = parity + np.cumsum(is_quote)  # (interesting,)
        parity = int(quotes_so_far[-1] % 2) if len(kinds) else parity
        outside = ~is_quote & (quotes_so_far % 2 == 0)
        brackets, bracket_kinds = positions[outside], kinds[outside]
        if len(brackets) == 0:
            continue
        delta = np.where(bracket_kinds == _OPEN, 1, -1)  # (brackets,)
        depths = depth + np.cumsum(delta)  # depth after each bracket
        if depths.min() < 0 or (depths[:-1] == 0).any() or (depth == 0 and lo > 0):
            raise JsonScanError("unbalanced brackets at the top level")
        starts.append(brackets[(delta == 1) & (depths == 2)])
        ends.append(brackets[(delta == -1) & (depths == 1)] + 1)
        depth = int(depths[-1])
    if depth != 0 or parity != 0:
        raise JsonScanError("unterminated array, object or string")
    start = np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)
    end = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
    if len(start) != len(end):
        raise JsonScanError("unbalanced elements")
    spans = np.stack([start, end], axis=1).astype(np.int64)
    _check_separators(buffer, spans)
    return spans


_JSON_WHITESPACE = b" \t\r\n"
_FIRST_KEY = re.compile(rb'\{[ \t\r\n]*"[^"\\]{1,64}"')


def guess_element_spans(buffer: bytes) -> list[list[int]] | None:
    """Guesses the element spans of a top-level JSON array of objects, fast.

    Writers such as LeanDojo's ``json.dump`` start every element with the same first
    key, so the elements are guessed to start wherever the first element's opening
    bytes (``{"url"``) occur. The guess is not checked here: it is right exactly when
    every span parses as a JSON object on its own (then the array is the concatenation
    of those objects, and JSON values are self-delimiting); the caller parses every
    span anyway and falls back to ``element_spans`` when one does not parse.

    Args:
        buffer: the whole file.

    Returns:
        [start, end) spans, or None when the layout gives no guess (use
        ``element_spans``).
    """
    first = buffer.find(b"{")
    match = _FIRST_KEY.match(buffer, first) if first >= 0 else None
    if match is None or buffer[:first].strip(_JSON_WHITESPACE) != b"[":
        return None
    starts = [m.start() for m in re.finditer(re.escape(match.group()), buffer)]
    close = buffer.rfind(b"]")
    if close < starts[-1] or buffer[close + 1 :].strip(_JSON_WHITESPACE):
        return None
    spans: list[list[int]] = []
    for start, next_start in itertools.pairwise(starts):
        comma = buffer.rfind(b",", start, next_start)
        if comma < 0 or buffer[comma + 1 : next_start].strip(_JSON_WHITESPACE):
            return None
        spans.append([start, comma])
    spans.append([starts[-1], close])
    return spans


def _squeeze(data: bytes) -> bytes:
    """``data`` without JSON whitespace (space, tab, CR, LF; not VT or FF)."""
    return data.translate(None, _JSON_WHITESPACE)


def _check_separators(buffer: bytes, spans: np.ndarray) -> None:
    # Everything outside the element spans must be "[", commas and "]" (plus whitespace),
    # otherwise the array holds a non-object element or junk.
    if len(spans) == 0:
        if buffer.strip(_JSON_WHITESPACE) != b"[]" and _squeeze(buffer) != b"[]":
            raise JsonScanError("expected a JSON array of objects")
        return
    head, tail = buffer[: spans[0, 0]], buffer[spans[-1, 1] :]
    if head.strip(_JSON_WHITESPACE) != b"[" or tail.strip(_JSON_WHITESPACE) != b"]":
        raise JsonScanError("expected a JSON array of objects")
    data = np.frombuffer(buffer, dtype=np.uint8)
    if (data[spans[:, 0]] != ord("{")).any():
        raise JsonScanError("elements of the array must be objects")
    gaps = zip(spans[:-1, 1].tolist(), spans[1:, 0].tolist())
    if any(buffer[end:start].strip(_JSON_WHITESPACE) != b"," for end, start in gaps):
        raise JsonScanError("elements of the array must be objects separated by commas")
