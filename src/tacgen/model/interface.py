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


def generate_by_length(
    generator: TacticGenerator,
    states: Sequence[str],
    file_paths: Sequence[str],
    theorem_full_names: Sequence[str],
    theorem_positions: Sequence[Position],
    num_samples: int,
    batch_size: int,
    progress: bool = False,
) -> list[Candidates]:
    """``batch_generate`` over many states, in batches of similar length.

    A batch is padded to its longest state, and every decoding step attends to the
    padding, so states are batched longest first; results come back in input order.

    Args:
        generator: any tactic generator.
        states: the proof states; the other sequences give, per state, what
            :meth:`TacticGenerator.generate` takes.
        file_paths: for each state, the Lean file of its theorem.
        theorem_full_names: for each state, the theorem's full name.
        theorem_positions: for each state, the theorem's (line, column).
        num_samples: tactics asked for per state.
        batch_size: states per ``batch_generate`` call.
        progress: show a tqdm progress bar (when there is more than one state).

    Returns:
        For each state, in input order, distinct tactics with their scores, best first.
    """
    from tqdm import tqdm

    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = sorted(range(len(states)), key=lambda i: -len(states[i].encode("utf-8")))
    results: list[Candidates] = [[] for _ in states]
    bar = tqdm(
        total=len(states), desc="generate", unit="state", disable=not progress or len(states) < 2
    )
    for lo in range(0, len(order), batch_size):
        batch = order[lo : lo + batch_size]
        ranked = generator.batch_generate(
            [states[i] for i in batch],
            [file_paths[i] for i in batch],
            [theorem_full_names[i] for i in batch],
            [theorem_positions[i] for i in batch],
            num_samples,
        )
        for i, candidates in zip(batch, ranked):
            results[i] = candidates
        bar.update(len(batch))
    bar.close()
    return results
