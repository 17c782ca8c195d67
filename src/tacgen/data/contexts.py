"""What the premise retriever learns from: tactic contexts read from LeanDojo split files.

Every traced tactic is a :class:`TacticContext`: the formatted state before it, its
theorem, and its *positives*, the corpus premises its provenances point to (provenances
not found in the corpus are counted and reported, then ignored). Split files are read by
the one reader (:func:`tacgen.data.cache.load_split`), cache and all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import orjson

from tacgen.core.errors import RecordError
from tacgen.core.records import Position, as_position
from tacgen.data.benchmark import FormatOptions
from tacgen.data.cache import load_split
from tacgen.data.corpus import Corpus

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TacticContext:
    """One traced tactic as the retriever sees it: where it is, its state, its positives."""

    file_path: str
    """Lean file of the theorem."""
    full_name: str
    """Fully qualified name of the theorem."""
    theorem_pos: Position
    """(line, column) where the theorem starts; premises after it are not accessible."""
    state: str
    """The formatted proof state before the tactic (the query)."""
    positives: tuple[int, ...]
    """Sorted corpus indices of the premises the tactic uses (may be empty)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "theorem_pos", as_position(self.theorem_pos, "theorem_pos"))
        if list(self.positives) != sorted(set(self.positives)) or any(
            p < 0 for p in self.positives
        ):
            raise RecordError(f"positives must be sorted, distinct and >= 0: {self.positives}")


@dataclass(frozen=True, slots=True)
class RetrievalExample:
    """A training example: a context and one of its positive premises."""

    context: TacticContext
    """The tactic."""
    positive: int
    """Corpus index of the positive premise (one of ``context.positives``)."""

    def __post_init__(self) -> None:
        if self.positive not in self.context.positives:
            raise RecordError(f"premise {self.positive} is not a positive of its context")


@dataclass(frozen=True, slots=True)
class SplitStats:
    """What loading a split for retrieval found."""

    tactics: int
    """Traced tactics in the file."""
    tactics_with_positives: int
    """Tactics with at least one positive premise found in the corpus."""
    provenances: int
    """Premise provenances of all tactics."""
    provenances_not_found: int
    """Provenances whose premise is not in the corpus (ignored)."""

    def __post_init__(self) -> None:
        if not 0 <= self.tactics_with_positives <= self.tactics:
            raise RecordError("tactics_with_positives must lie in [0, tactics]")
        if not 0 <= self.provenances_not_found <= self.provenances:
            raise RecordError("provenances_not_found must lie in [0, provenances]")


_OPTIONS = FormatOptions(keep_provenances=True)
"""Tactic text is not used by the retriever; the default formatting shares one cache entry."""


def load_contexts(
    path: str | Path,
    corpus: Corpus,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
) -> tuple[list[TacticContext], SplitStats]:
    """Reads a LeanDojo split file into tactic contexts, in file order.

    Args:
        path: the split file (e.g. ``random/train.json``).
        corpus: the corpus that provenances are located in.
        cache_dir: the split cache folder; the default cache when None.
        use_cache: read and write the split cache.

    Returns:
        Every traced tactic's context (with or without positives), and counts.

    Raises:
        BenchmarkFormatError: when the file is not a LeanDojo split (naming the theorem).
    """
    table, _ = load_split(path, _OPTIONS, cache_dir, use_cache)
    assert table.provenances is not None  # asked for by _OPTIONS
    contexts: list[TacticContext] = []
    provenances = not_found = 0
    starts = table.starts.tolist()
    for i in range(len(table)):
        theorem = int(table.theorem_of[i])
        listed = orjson.loads(table.provenances.raw(i))
        found, missing = corpus.locate_provenances(listed)
        provenances += len(listed)
        not_found += missing
        contexts.append(
            TacticContext(
                table.file_paths[theorem],
                table.full_names[theorem],
                tuple(starts[theorem]),  # type: ignore[arg-type]
                table.states[i],
                tuple(sorted(set(found))),
            )
        )
    with_positives = sum(1 for c in contexts if c.positives)
    stats = SplitStats(len(contexts), with_positives, provenances, not_found)
    logger.info(
        "%s: %d tactics, %d with positive premises; %d of %d provenances not in the corpus",
        path,
        stats.tactics,
        stats.tactics_with_positives,
        stats.provenances_not_found,
        stats.provenances,
    )
    return contexts, stats
