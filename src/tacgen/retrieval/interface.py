"""The retriever interface: k best accessible premises per proof state, with scores."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from tacgen.data.records import Position, Premise
from tacgen.retrieval.corpus import AccessibleSet, Corpus


def check_batch(
    states: Sequence[str],
    file_paths: Sequence[str],
    theorem_full_names: Sequence[str],
    theorem_positions: Sequence[Position],
    k: int,
) -> None:
    """Checks that a retrieval batch is consistent.

    Args:
        states: the proof states.
        file_paths: the theorems' Lean files, one per state.
        theorem_full_names: the theorems' full names, one per state.
        theorem_positions: the theorems' starts, one per state.
        k: how many premises per state.

    Raises:
        ValueError: when the lengths differ or ``k`` < 1.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    lengths = {
        "file_paths": len(file_paths),
        "theorem_full_names": len(theorem_full_names),
        "theorem_positions": len(theorem_positions),
    }
    for name, n in lengths.items():
        if n != len(states):
            raise ValueError(f"{name} has {n} entries but there are {len(states)} states")


class Retriever(ABC):
    """A premise retriever over a :class:`Corpus` that honours accessibility."""

    corpus: Corpus
    """The premises retrieved from."""

    @abstractmethod
    def batch_retrieve(
        self,
        states: Sequence[str],
        file_paths: Sequence[str],
        theorem_full_names: Sequence[str],
        theorem_positions: Sequence[Position],
        k: int,
    ) -> list[list[tuple[Premise, float]]]:
        """Retrieves premises for a batch of proof states.

        Args:
            states: the proof states.
            file_paths: for each state, its theorem's Lean file.
            theorem_full_names: for each state, its theorem's full name.
            theorem_positions: for each state, its theorem's start (line, column).
            k: how many premises per state.

        Returns:
            For each state, up to ``k`` (premise, score) pairs, best first, all accessible
            from the theorem (fewer when fewer are accessible).
        """

    def retrieve(
        self,
        state: str,
        file_path: str,
        theorem_full_name: str,
        theorem_pos: Position,
        k: int,
    ) -> list[tuple[Premise, float]]:
        """Retrieves premises for one proof state (see :meth:`batch_retrieve`).

        Args:
            state: the proof state.
            file_path: its theorem's Lean file.
            theorem_full_name: its theorem's full name.
            theorem_pos: its theorem's start.
            k: how many premises.

        Returns:
            Up to ``k`` (premise, score) pairs, best first.
        """
        return self.batch_retrieve([state], [file_path], [theorem_full_name], [theorem_pos], k)[0]

    def retrieve_premises(
        self,
        states: Sequence[str],
        file_paths: Sequence[str],
        theorem_full_names: Sequence[str],
        theorem_positions: Sequence[Position],
        k: int,
    ) -> list[list[Premise]]:
        """The generator's hook (:class:`~tacgen.retrieval.base.PremiseRetrieverLike`).

        Args:
            states: the proof states.
            file_paths: for each state, its theorem's Lean file.
            theorem_full_names: for each state, its theorem's full name.
            theorem_positions: for each state, its theorem's start.
            k: how many premises per state.

        Returns:
            For each state, up to ``k`` premises, best first.
        """
        results = self.batch_retrieve(states, file_paths, theorem_full_names, theorem_positions, k)
        return [[premise for premise, _ in row] for row in results]

    def accessible_sets(
        self, file_paths: Sequence[str], theorem_positions: Sequence[Position]
    ) -> list[AccessibleSet]:
        """The accessible premises of each theorem.

        Args:
            file_paths: the theorems' Lean files.
            theorem_positions: the theorems' starts.

        Returns:
            One :class:`AccessibleSet` per theorem.
        """
        return [self.corpus.accessible(p, pos) for p, pos in zip(file_paths, theorem_positions)]
