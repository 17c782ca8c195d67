"""Reading JSON Lines files with errors that name the file and line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from tacgen.core.errors import TacgenError


def read_json_lines(path: Path, error: type[TacgenError]) -> Iterator[tuple[str, Any]]:
    """The objects of a JSON Lines file, blank lines skipped.

    Args:
        path: the file.
        error: raised, naming ``path:line``, for a line that is not JSON.

    Yields:
        ``(where, value)``: ``"path:line"`` for messages, and the parsed line.
    """
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                yield where, orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise error(f"{where}: invalid JSON: {exc}") from None
