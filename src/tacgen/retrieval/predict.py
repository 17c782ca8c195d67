"""Retrieved premises for every state of a split folder, for the generator's ``preds_path``.

Keys are exactly the generator data module's: the theorem's ``file_path``, its
``full_name`` and the *formatted* state, taken from the data layer's formatted examples
(:func:`tacgen.data.cache.load_split`), so every generator example finds its prediction.
Each distinct key is retrieved once; states are encoded in batches sorted by length.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tacgen.core.errors import UsageError
from tacgen.core.paths import resolve_split_folder
from tacgen.core.records import Premise, Query
from tacgen.data.benchmark import FormatOptions
from tacgen.data.cache import load_split
from tacgen.data.predictions import PredictionKey, write_predictions
from tacgen.nn.sampling import map_longest_first
from tacgen.retrieval.interface import Retriever

DEFAULT_SPLITS = ("train.json", "val.json", "test.json")
"""The split files predicted by default."""


@dataclass(frozen=True)
class PredictStats:
    """What :func:`write_retrieval_predictions` wrote."""

    examples: int
    """Examples (traced tactics) of all splits read."""
    queries: int
    """Distinct keys retrieved for (lines written)."""

    def __post_init__(self) -> None:
        if not 0 <= self.queries <= self.examples:
            raise ValueError("queries must lie in [0, examples]")


def split_queries(paths: Sequence[Path]) -> tuple[list[Query], int]:
    """The distinct (file, theorem, state) queries of split files, in file order.

    Args:
        paths: split files.

    Returns:
        The queries, and the number of examples they came from.
    """
    queries: dict[PredictionKey, Query] = {}
    examples = 0
    for path in paths:
        table, _ = load_split(path, FormatOptions())
        examples += len(table)
        for i, state in enumerate(table.states):
            theorem = int(table.theorem_of[i])
            key = (table.file_paths[theorem], table.full_names[theorem], state)
            if key not in queries:
                start = table.starts[theorem]
                queries[key] = Query(state, key[0], key[1], (int(start[0]), int(start[1])))
    return list(queries.values()), examples


def write_retrieval_predictions(
    retriever: Retriever,
    data_path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    k: int = 100,
    batch_size: int = 64,
    splits: Sequence[str] = DEFAULT_SPLITS,
    progress: bool = False,
) -> PredictStats:
    """Retrieves premises for every state of the splits and writes a predictions file.

    Args:
        retriever: any retriever (the dense one, BM25).
        data_path: the split folder (or ``tacgen:demo/random``).
        out: the JSON Lines predictions file to write (atomically).
        k: premises per state, best first, with their scores.
        batch_size: states per retrieval batch.
        splits: split file names inside ``data_path``.
        progress: show a progress bar.

    Returns:
        How many examples were read and lines written.
    """
    if k < 1 or batch_size < 1:
        raise UsageError("k and batch_size must be >= 1")
    folder = resolve_split_folder(Path(data_path))
    queries, examples = split_queries([folder / name for name in splits])

    def retrieve(batch: list[int]) -> list[list[tuple[Premise, float]]]:
        return retriever.retrieve_queries([queries[i] for i in batch], k)

    lengths = [len(q.state.encode("utf-8")) for q in queries]
    retrieved = map_longest_first(retrieve, lengths, batch_size, progress, "retrieve", "state")
    rows = (
        ((q.file_path, q.full_name, q.state), [p for p, _ in result], [s for _, s in result])
        for q, result in zip(queries, retrieved)
    )
    write_predictions(Path(out), rows)
    return PredictStats(examples, len(queries))
