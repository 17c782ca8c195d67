"""Precise errors for split files that are not valid JSON or not UTF-8.

Kept apart from the parsing loop: they run only once something is wrong, and re-read the
offending theorem to name it, its line and the field that holds a bad byte.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from tacgen.core.errors import BenchmarkFormatError
from tacgen.data.jsonscan import JsonScanError


def parse_error(
    path: Path, buffer: bytes, index: int, span: tuple[int, int], exc: Exception
) -> BenchmarkFormatError:
    start, end = span
    line = buffer.count(b"\n", 0, start) + 1
    element = buffer[start:end]
    try:
        element.decode("utf-8")
    except UnicodeDecodeError as bad:
        name, field = _locate_replacement(element.decode("utf-8", errors="replace"))
        where = f"theorem #{index}" + (f" ({name})" if name else "") + f" (line {line})"
        return BenchmarkFormatError(
            f"{path}: {where}: field '{field}': invalid UTF-8 at byte {start + bad.start}"
        )
    return BenchmarkFormatError(f"{path}: theorem #{index} (line {line}): invalid JSON: {exc}")


def _locate_replacement(text: str) -> tuple[str | None, str]:
    """(full_name, path of the first field holding U+FFFD) of a theorem decoded with
    ``errors="replace"``; ``"<unknown>"`` when it does not parse even so."""
    try:
        theorem = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None, "<unknown>"
    name = theorem.get("full_name") if isinstance(theorem, dict) else None
    stack: list[tuple[str, Any]] = [("", theorem)]
    while stack:
        field, value = stack.pop()
        if isinstance(value, str) and "\ufffd" in value:
            return (name if isinstance(name, str) else None), field or "<theorem>"
        if isinstance(value, dict):
            items = [(f"{field}.{k}" if field else k, v) for k, v in value.items()]
        elif isinstance(value, list):
            items = [(f"{field}[{i}]", v) for i, v in enumerate(value)]
        else:
            continue
        stack.extend(reversed(items))
    return (name if isinstance(name, str) else None), "<key>"


def whole_file_error(path: Path, buffer: bytes, exc: JsonScanError) -> BenchmarkFormatError:
    try:
        orjson.loads(buffer)
    except orjson.JSONDecodeError as parse_error:
        return BenchmarkFormatError(f"{path}: invalid JSON: {parse_error}")
    return BenchmarkFormatError(f"{path}: expected a JSON list of theorem objects ({exc})")
