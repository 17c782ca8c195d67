"""What ``tacgen report`` shows, computed from results files (and their traces).

:func:`load_run` reads one ``results.jsonl`` (and ``results.trace.jsonl`` beside it, when
the run was traced); :func:`summarize_run` gives Pass@1 with its 95% Wilson interval and the
counts per status; :func:`proved_curve` the proved-vs-seconds and proved-vs-expansions
curves; :func:`compare` what two runs proved alone and together. Rendering is in
:mod:`tacgen.prover.report_html`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tacgen.core.errors import UsageError
from tacgen.prover.results import STATUSES, read_results, summarize

TRACE_SUFFIX = ".trace.jsonl"
"""``results.jsonl`` is traced in ``results.trace.jsonl``."""


def trace_path(results: Path) -> Path:
    """Where the trace of a results file is (``--trace`` writes it there)."""
    return results.with_name(results.name.removesuffix(".jsonl") + TRACE_SUFFIX)


@dataclass(frozen=True)
class Run:
    """One results file, as the report shows it."""

    name: str
    """The file's name, as the report labels it."""
    path: Path
    rows: list[dict[str, Any]]
    """The results, one per theorem (the last one wins if a theorem is repeated)."""
    traces: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """Search trees by (file_path, full_name), when the run was traced."""


def _key(row: dict[str, Any]) -> tuple[str, str]:
    return (str(row.get("file_path", "")), str(row.get("full_name", "")))


def load_run(path: Path, name: str | None = None) -> Run:
    """Reads a results file and its trace, if any.

    Args:
        path: a ``results.jsonl`` written by ``tacgen prove``.
        name: the label; the file name when None.

    Raises:
        UsageError: when the file is missing, empty or not a results file.
    """
    if not path.is_file():
        raise UsageError(f"no results file at {path}")
    rows = {_key(row): row for row in read_results(path)}
    if not rows:
        raise UsageError(f"{path}: no results in it")
    traces: dict[tuple[str, str], dict[str, Any]] = {}
    trace = trace_path(path)
    if trace.is_file():
        for number, line in enumerate(trace.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise UsageError(f"{trace}:{number}: not a trace line") from None
            traces[_key(record)] = record
    return Run(name or path.name, path, list(rows.values()), traces)


def wilson_interval(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% for the default ``z``).

    Args:
        successes: proved theorems.
        trials: attempted theorems.
        z: the normal quantile.

    Returns:
        (low, high); (0, 0) when nothing was attempted.
    """
    if trials <= 0:
        return (0.0, 0.0)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class RunSummary:
    """Pass@1 of a run, its interval and its counts."""

    proved: int
    attempted: int
    pass_at_1: float
    low: float
    high: float
    counts: dict[str, int]
    """Theorems per status, every status present (0 when none)."""
    env: str


def summarize_run(run: Run) -> RunSummary:
    """Pass@1 (proved / attempted; ``env_error`` is not attempted) with a Wilson interval."""
    summary = summarize(run.rows)
    proved = summary.counts.get("proved", 0)
    low, high = wilson_interval(proved, summary.attempted)
    counts: dict[str, int] = {str(s): summary.counts.get(s, 0) for s in STATUSES}
    return RunSummary(proved, summary.attempted, summary.pass_at_1, low, high, counts, summary.env)


def proved_curve(run: Run, by: str) -> tuple[list[float], list[int]]:
    """How many theorems were proved within a budget, as a step curve.

    Args:
        run: the run.
        by: ``"seconds"`` (wall time per theorem) or ``"expansions"``.

    Returns:
        (budgets, proved counts): the sorted budgets at which a proof was found, and the
        number of theorems proved within each.
    """
    if by not in ("seconds", "expansions"):
        raise UsageError(f"by must be seconds or expansions, got {by!r}")
    costs = sorted(float(row.get(by, 0)) for row in run.rows if row["status"] == "proved")
    return costs, list(range(1, len(costs) + 1))


@dataclass(frozen=True)
class Comparison:
    """What two runs proved: alone and both."""

    first: str
    second: str
    only_first: list[str]
    only_second: list[str]
    both: list[str]


def compare(runs: Sequence[Run]) -> list[Comparison]:
    """For every pair of runs (in order), the theorems proved by one only, and by both.

    Theorems are matched by full name: a statements file's runs record the data file's
    path, which can differ between two runs of the same file."""
    proved = [_proved_names(run) for run in runs]
    out = []
    for i in range(len(runs)):
        for j in range(i + 1, len(runs)):
            out.append(
                Comparison(
                    runs[i].name,
                    runs[j].name,
                    sorted(proved[i] - proved[j]),
                    sorted(proved[j] - proved[i]),
                    sorted(proved[i] & proved[j]),
                )
            )
    return out


def _proved_names(run: Run) -> set[str]:
    return {str(row.get("full_name", "")) for row in run.rows if row["status"] == "proved"}
