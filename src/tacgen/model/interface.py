"""The interface every tactic generator offers to proof search."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from tacgen.data.records import Position

Candidates = list[tuple[str, float]]
"""Tactics with their scores (log-probabilities), best first."""


class TacticGenerator(ABC):
    """Suggests tactics for proof states."""

    def generate(
        self,
        state: str,
        file_path: str,
        theorem_full_name: str,
        theorem_pos: Position,
        num_samples: int,
    ) -> Candidates:
        """Suggests tactics for one state.

        Args:
            state: the pretty-printed proof state.
            file_path: the Lean file of the theorem.
            theorem_full_name: the theorem's full name.
            theorem_pos: the theorem's (line, column).
            num_samples: how many tactics to sample (fewer may come back after deduplication).

        Returns:
            Distinct tactics with their scores, best first.
        """
        return self.batch_generate(
            [state], [file_path], [theorem_full_name], [theorem_pos], num_samples
        )[0]

    @abstractmethod
    def batch_generate(
        self,
        states: Sequence[str],
        file_paths: Sequence[str],
        theorem_full_names: Sequence[str],
        theorem_positions: Sequence[Position],
        num_samples: int,
    ) -> list[Candidates]:
        """Suggests tactics for several states; arguments are as for :meth:`generate`, per state.

        Returns:
            For each state, distinct tactics with their scores, best first.
        """
