"""Reading a corpus file: entries parsed and checked, imports ordered (see ``corpus``).

Every error is a :class:`CorpusError` naming the corpus file, the line (or list entry),
the Lean file and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tacgen.core.errors import CorpusError
from tacgen.core.records import Premise, as_position

__all__ = ["CorpusError", "RawFile", "parse_entry", "read_entries", "topological_order"]


@dataclass(frozen=True)
class RawFile:
    """One parsed corpus entry, before import resolution."""

    path: str
    """Lean file path."""
    imports: list[str]
    """Imported Lean file paths."""
    premises: list[Premise]
    """Kept premises, sorted by position."""
    where: str
    """Where the entry is in the corpus file, e.g. ``line 3``."""
    dropped: int
    """Premises dropped for no full name or empty code."""


def read_entries(path: Path, data: bytes) -> list[tuple[str, Any]]:
    # A .json list when the first non-blank byte is "[", else JSON lines.
    if data.lstrip()[:1] == b"[":
        try:
            items = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise CorpusError(f"{path}: not valid JSON: {exc}") from None
        return [(f"entry {i}", item) for i, item in enumerate(items)]
    entries = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append((f"line {number}", orjson.loads(line)))
        except orjson.JSONDecodeError as exc:
            raise CorpusError(f"{path}:{number}: not valid JSON: {exc}") from None
    return entries


def _parse_premise(obj: Any, i: int, lean_path: str) -> Premise | None:
    # Raises ValueError naming the field; None means "drop" (no name or empty code).
    if not isinstance(obj, dict):
        raise ValueError(f"field premises[{i}]: expected an object, got {type(obj).__name__}")
    for key in ("code", "start", "end"):
        if key not in obj:
            raise ValueError(f"field premises[{i}].{key} is missing")
    name, code = obj.get("full_name"), obj["code"]
    if (name is not None and not isinstance(name, str)) or not isinstance(code, str):
        bad = "code" if isinstance(name, str | None) else "full_name"
        raise ValueError(f"field premises[{i}].{bad}: expected a string, got {obj[bad]!r:.80}")
    start = as_position(obj["start"], f"field premises[{i}].start")
    end = as_position(obj["end"], f"field premises[{i}].end")
    if start > end:
        raise ValueError(f"field premises[{i}]: start {list(start)} is after end {list(end)}")
    if not name or not code.strip():
        return None
    return Premise(lean_path, name, start, end, code)


def _check_order(premises: list[Premise]) -> None:
    names: set[str] = set()
    for prev, cur in zip([None, *premises], premises):
        if cur.full_name in names:
            raise ValueError(f"duplicate premise full_name {cur.full_name!r}")
        names.add(cur.full_name)
        same_span = prev is not None and (prev.start, prev.end) == (cur.start, cur.end)
        if prev is not None and cur.start < prev.end and not same_span:
            raise ValueError(
                f"premise {cur.full_name} {list(cur.start)}-{list(cur.end)} overlaps "
                f"premise {prev.full_name} {list(prev.start)}-{list(prev.end)}"
            )


def parse_entry(corpus: Path, where: str, obj: Any) -> RawFile:
    lean_path = obj.get("path") if isinstance(obj, dict) else None
    context = f"{corpus}: {where} (Lean file {lean_path!r})"
    if not isinstance(obj, dict):
        raise CorpusError(f"{context}: expected an object, got {type(obj).__name__}")
    for key in ("path", "imports", "premises"):
        if key not in obj:
            raise CorpusError(f"{context}: field {key} is missing")
    imports, raw_premises = obj["imports"], obj["premises"]
    if not isinstance(lean_path, str) or not lean_path:
        raise CorpusError(f"{context}: field path: expected a non-empty string")
    if not isinstance(imports, list) or not all(isinstance(i, str) for i in imports):
        raise CorpusError(f"{context}: field imports: expected a list of strings")
    if not isinstance(raw_premises, list):
        raise CorpusError(f"{context}: field premises: expected a list")
    try:
        parsed = [_parse_premise(p, i, lean_path) for i, p in enumerate(raw_premises)]
        kept = sorted((p for p in parsed if p is not None), key=lambda p: (p.start, p.end))
        _check_order(kept)
    except ValueError as exc:
        raise CorpusError(f"{context}: {exc}") from None
    return RawFile(lean_path, imports, kept, where, len(parsed) - len(kept))


def topological_order(corpus: Path, raws: list[RawFile], imports: list[list[int]]) -> list[int]:
    # Iterative DFS post-order (imports first); input order breaks ties, so it is deterministic.
    state = [0] * len(raws)  # 0 unseen, 1 on the stack, 2 done
    order: list[int] = []
    for root in range(len(raws)):
        if state[root]:
            continue
        stack, state[root] = [(root, 0)], 1
        while stack:
            node, i = stack[-1]
            if i == len(imports[node]):
                stack.pop()
                state[node] = 2
                order.append(node)
                continue
            stack[-1] = (node, i + 1)
            child = imports[node][i]
            if state[child] == 1:
                chain = [n for n, _ in stack[[n for n, _ in stack].index(child) :]] + [child]
                cycle = " -> ".join(raws[n].path for n in chain)
                raise CorpusError(
                    f"{corpus}: {raws[child].where} (Lean file {raws[child].path!r}): "
                    f"field imports: import cycle {cycle}"
                )
            if state[child] == 0:
                state[child] = 1
                stack.append((child, 0))
    return order
