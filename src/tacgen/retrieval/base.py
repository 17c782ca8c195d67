"""What the generator needs from a premise retriever."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from tacgen.data.records import Position, Premise


@runtime_checkable
class PremiseRetrieverLike(Protocol):
    """Anything that retrieves premises for proof states (the dense retriever, a stub)."""

    def retrieve_premises(
        self,
        states: Sequence[str],
        file_paths: Sequence[str],
        theorem_full_names: Sequence[str],
        theorem_positions: Sequence[Position],
        k: int,
    ) -> list[list[Premise]]:
        """Retrieves premises for a batch of states.

        Args:
            states: the proof states.
            file_paths: for each state, the Lean file of its theorem.
            theorem_full_names: for each state, the theorem's full name.
            theorem_positions: for each state, the theorem's (line, column).
            k: how many premises to return per state.

        Returns:
            For each state, up to ``k`` premises, best first.
        """
        ...


def load_retriever(path: str) -> PremiseRetrieverLike:
    """Loads a premise retriever checkpoint.

    Args:
        path: the checkpoint.

    Returns:
        The retriever.

    Raises:
        FileNotFoundError: when ``path`` does not exist.
        NotImplementedError: always otherwise, for now: dense retriever checkpoints are not
            supported yet.
    """
    if not Path(path).exists():
        raise FileNotFoundError(f"retriever checkpoint does not exist: {path}")
    raise NotImplementedError(
        f"cannot load retriever {path}: dense retriever checkpoints are not supported yet; "
        "attach a PremiseRetrieverLike object to the generator's `retriever` instead"
    )
