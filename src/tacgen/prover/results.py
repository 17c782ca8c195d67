"""``results.jsonl``: one line per theorem, flushed as each ends, resumable after a kill.

A file cut mid-line (a kill while writing) is repaired when it is opened again: the partial
line is dropped, so that theorem runs again, and every complete line is kept.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO, get_args

from tacgen.core.errors import UsageError
from tacgen.prover.search import ProofResult, Status

logger = logging.getLogger(__name__)

STATUSES: tuple[Status, ...] = get_args(Status)


def repair(path: Path) -> int:
    """Drops a partial last line (no newline) from a results file.

    Args:
        path: the file (nothing happens when it does not exist).

    Returns:
        How many bytes were dropped.
    """
    if not path.is_file():
        return 0
    with open(path, "rb+") as handle:
        data = handle.read()
        keep = data.rfind(b"\n") + 1
        if keep == len(data):
            return 0
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
    logger.warning("%s: dropped a partial last line (%d bytes)", path, len(data) - keep)
    return len(data) - keep


def read_results(path: Path) -> list[dict[str, Any]]:
    """The results recorded in a file, in order.

    A last line that does not parse (a run killed while writing it) is skipped with a
    warning; a complete last line without its newline is kept. ``tacgen prove`` drops a
    cut line with :func:`repair` and searches that theorem again.

    Raises:
        UsageError: naming the line, when a complete line is not a result.
    """
    rows: list[dict[str, Any]] = []
    if not path.is_file():
        return rows
    lines = path.read_bytes().split(b"\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            if number == len(lines):  # no newline after it: cut by a kill
                logger.warning("%s:%d: skipped a partial last line", path, number)
                break
            raise UsageError(f"{path}:{number}: not a result line: {error}") from None
        if not isinstance(row, dict) or row.get("status") not in STATUSES:
            raise UsageError(f"{path}:{number}: not a result line (no valid status)")
        rows.append(row)
    return rows


class JsonLinesAppender:
    """Appends JSON lines, each flushed and synced before the next (a kill loses at most the
    line being written, which :func:`repair` drops when the file is opened again)."""

    def __init__(self, path: Path) -> None:
        """Opens (after :func:`repair`) a file for appending."""
        path.parent.mkdir(parents=True, exist_ok=True)
        repair(path)
        self._handle: TextIO = open(path, "a", encoding="utf-8")  # noqa: SIM115

    def append(self, row: dict[str, Any]) -> None:
        """Appends one line durably."""
        self._handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        """Closes the file."""
        self._handle.close()


class ResultsWriter(JsonLinesAppender):
    """Appends results, one JSON line each, flushed and synced before the next theorem."""

    def __init__(self, path: Path, env: str) -> None:
        """Opens (after :func:`repair`) a results file for appending.

        Args:
            path: the file.
            env: the environment's name, recorded on every line.
        """
        super().__init__(path)
        self.env = env

    def write(self, result: ProofResult) -> None:
        """Appends one result durably."""
        self.append({**asdict(result), "proof": list(result.proof), "env": self.env})


class TraceWriter(JsonLinesAppender):
    """Appends search trees (``tacgen prove --trace``), one JSON line per theorem, to
    ``results.trace.jsonl`` beside ``results.jsonl`` (see :mod:`tacgen.prover.observer`)."""

    def write(self, record: dict[str, Any]) -> None:
        """Appends one theorem's tree durably."""
        self.append(record)


@dataclass(frozen=True)
class Summary:
    """Counts of a results file and its Pass@1."""

    counts: dict[str, int]
    env: str

    @property
    def attempted(self) -> int:
        """Theorems whose search ran (every status but ``env_error``)."""
        return sum(n for status, n in self.counts.items() if status != "env_error")

    @property
    def pass_at_1(self) -> float:
        """proved / attempted (0 when nothing was attempted)."""
        return self.counts.get("proved", 0) / self.attempted if self.attempted else 0.0

    def line(self) -> str:
        """``Pass@1 (replay): proved/attempted = 0.500 (env_error: 0; ...)``."""
        name = "Pass@1 (replay)" if self.env == "replay" else "Pass@1"
        others = ", ".join(f"{s} {self.counts.get(s, 0)}" for s in STATUSES[1:])
        return (
            f"{name}: {self.counts.get('proved', 0)}/{self.attempted} = {self.pass_at_1:.3f} "
            f"({others}; env_error not attempted)"
        )


def summarize(rows: Iterable[dict[str, Any]]) -> Summary:
    """The summary of result rows (one environment's).

    Args:
        rows: results, as read by :func:`read_results`.

    Returns:
        The summary.
    """
    rows = list(rows)
    envs = {row.get("env", "") for row in rows}
    counts = Counter(row["status"] for row in rows)
    return Summary(dict(counts), envs.pop() if len(envs) == 1 else "mixed")


def proof_file_name(name: str) -> str:
    """``NAME.lean`` for a theorem name (characters a file name should not hold become ``_``)."""
    return re.sub(r"[^\w.'-]", "_", name).lstrip(".") + ".lean"


def export_proofs(rows: Iterable[dict[str, Any]], directory: Path) -> int:
    """Writes the Lean source of every proved result that has one, one file per theorem.

    Args:
        rows: results, as read by :func:`read_results`.
        directory: where the ``NAME.lean`` files go (created when missing).

    Returns:
        How many files were written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = 0
    for row in rows:
        source = row.get("proof_source")
        if row.get("status") == "proved" and isinstance(source, str) and source:
            path = directory / proof_file_name(str(row.get("full_name", "")))
            path.write_text(source, encoding="utf-8")
            written += 1
    return written
