"""The theorems of a LeanDojo split file, read by the one split reader."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tacgen.core.errors import UsageError
from tacgen.core.paths import resolve_data_path
from tacgen.data.benchmark import FormatOptions
from tacgen.data.cache import load_split
from tacgen.prover.environment import Theorem, TracedStep

_OPTIONS = FormatOptions(keep_marks=False, keep_states_after=True)


def load_theorems(
    path: str | Path, names: Sequence[str] | None = None, limit: int | None = None
) -> list[Theorem]:
    """The theorems of a split file that have traced tactics, in file order.

    Args:
        path: a split file (``random/test.json``, ``tacgen:demo/random/test.json``).
        names: keep only these full names (each must exist).
        limit: keep at most this many (after ``names``).

    Returns:
        The theorems, each with its traced steps (states and tactics formatted, marks off).

    Raises:
        UsageError: for an unknown name, or a split without traced tactics.
    """
    resolved = resolve_data_path(path)
    table, stats = load_split(resolved, _OPTIONS)
    if table.num_theorems == 0:
        raise UsageError(
            f"{resolved}: none of its {stats.theorems} theorems has traced tactics to prove"
        )
    assert table.states_after is not None  # asked for by _OPTIONS
    steps: list[list[TracedStep]] = [[] for _ in range(table.num_theorems)]
    for i in range(len(table)):
        step = TracedStep(table.states[i], table.tactics[i], table.states_after[i])
        steps[int(table.theorem_of[i])].append(step)
    starts = table.starts.tolist()
    theorems = [
        Theorem(
            table.full_names[t],
            table.file_paths[t],
            table.urls[t],
            table.commits[t],
            (starts[t][0], starts[t][1]),
            tuple(steps[t]),
        )
        for t in range(table.num_theorems)
    ]
    return select_theorems(theorems, resolved, names, limit)


def select_theorems(
    theorems: list[Theorem],
    source: str | Path,
    names: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Theorem]:
    """``--theorems NAME ...`` (in that order) and ``--limit N`` applied to a file's theorems.

    Args:
        theorems: the file's theorems, in file order.
        source: the file, for the error message.
        names: keep only these full names (each must exist).
        limit: keep at most this many (after ``names``).

    Raises:
        UsageError: for an unknown name, or a limit below 1.
    """
    if names:
        by_name = {theorem.full_name: theorem for theorem in theorems}
        unknown = [name for name in names if name not in by_name]
        if unknown:
            raise UsageError(f"{source} has no theorem named {', '.join(unknown)}")
        theorems = [by_name[name] for name in dict.fromkeys(names)]
    if limit is not None:
        if limit < 1:
            raise UsageError(f"--limit must be at least 1, got {limit}")
        theorems = theorems[:limit]
    return theorems
