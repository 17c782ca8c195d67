"""Statements files: the JSON Lines benchmarks that REPL-based provers evaluate on.

One object a line, as in DeepSeek-Prover-V1.5's ``datasets/minif2f.jsonl``: ``name``,
``split``, ``informal_prefix`` (optional), ``formal_statement`` (the Lean statement, ending
in ``:= by``), ``goal`` (optional) and ``header`` (optional, ``import Mathlib`` when absent).
Each becomes a :class:`~tacgen.prover.environment.Theorem` named by ``name``, whose
``file_path`` is the statements file as given.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tacgen.core.errors import UsageError
from tacgen.core.paths import resolve_data_path
from tacgen.prover.environment import Theorem
from tacgen.prover.theorems import select_theorems

DEFAULT_HEADER = "import Mathlib"
"""The header of a statement that gives none (miniF2F's statements need Mathlib)."""


def is_statements_file(path: str | Path) -> bool:
    """Whether a data path is a statements file (``.jsonl``) rather than a LeanDojo split."""
    return str(path).endswith(".jsonl")


def _field(row: dict[str, Any], key: str, where: str, required: bool = True) -> str:
    value = row.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise UsageError(f"{where}: {key!r} must be a non-empty string")
    return value


def _theorem(row: Any, path: str | Path, line: int) -> tuple[Theorem, str]:
    where = f"{path}:{line}"
    if not isinstance(row, dict):
        raise UsageError(f"{where}: not a JSON object")
    name = _field(row, "name", where)
    statement = _field(row, "formal_statement", where).rstrip()
    if not statement.endswith(":= by"):
        raise UsageError(f"{where}: formal_statement of {name} must end in ':= by'")
    header = _field(row, "header", where, required=False) or DEFAULT_HEADER
    split = _field(row, "split", where, required=False)
    theorem = Theorem(name, str(path), "", "", (line, 1), (), statement, header.rstrip())
    return theorem, split


def load_statements(
    path: str | Path,
    split: str | None = None,
    names: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Theorem]:
    """The theorems of a statements file, in file order.

    Args:
        path: the ``.jsonl`` file (``tacgen:demo/...`` allowed).
        split: keep only the lines of this ``split`` (``valid``, ``test``).
        names: keep only these names (each must exist).
        limit: keep at most this many (after ``split`` and ``names``).

    Returns:
        The theorems, with ``statement`` and ``header`` set and no traced steps.

    Raises:
        UsageError: naming the file and line of a malformed line, or for an unknown name,
            a duplicate name, or an empty selection.
    """
    resolved = resolve_data_path(path)
    theorems: list[Theorem] = []
    seen: set[str] = set()
    with open(resolved, encoding="utf-8") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as error:
                raise UsageError(f"{path}:{line}: not JSON: {error}") from None
            theorem, row_split = _theorem(row, path, line)
            if theorem.full_name in seen:
                raise UsageError(f"{path}:{line}: {theorem.full_name} appears twice")
            seen.add(theorem.full_name)
            if split is None or row_split == split:
                theorems.append(theorem)
    theorems = select_theorems(theorems, path, names, limit)
    if not theorems:
        raise UsageError(f"{path} has no statements" + (f" in split {split!r}" if split else ""))
    return theorems
