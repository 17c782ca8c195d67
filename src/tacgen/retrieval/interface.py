"""The one retriever interface: the k best accessible premises per proof state, with scores.

BM25, the dense retriever and any user retriever subclass :class:`Retriever`; the
generator uses retrievers only through it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from tacgen.core.errors import UsageError
from tacgen.core.records import Position, Premise, Query, make_queries
from tacgen.data.corpus import AccessibleSet, Corpus

Retrieved = list[tuple[Premise, float]]
"""Premises with their scores, best first."""


class Retriever(ABC):
    """A premise retriever over a :class:`Corpus` that honours accessibility.

    Implementations provide :meth:`retrieve_queries`; the other methods are built on it.
    """

    corpus: Corpus
    """The premises retrieved from."""

    @abstractmethod
    def retrieve_queries(self, queries: Sequence[Query], k: int) -> list[Retrieved]:
        """Retrieves premises for several proof states.

        Args:
            queries: the formatted proof states and their theorems (the file and position
                decide which premises are accessible).
            k: how many premises per query (at least 1).

        Returns:
            For each query, up to ``k`` (premise, score) pairs, best first, all accessible
            from the theorem (fewer when fewer are accessible).
        """

    def batch_retrieve(
        self,
        states: Sequence[str],
        file_paths: Sequence[str],
        theorem_full_names: Sequence[str],
        theorem_positions: Sequence[Position],
        k: int,
    ) -> list[Retrieved]:
        """:meth:`retrieve_queries` with ReProver-style parallel lists.

        Args:
            states: the proof states.
            file_paths: for each state, its theorem's Lean file.
            theorem_full_names: for each state, its theorem's full name.
            theorem_positions: for each state, its theorem's start (line, column).
            k: how many premises per state.

        Returns:
            For each state, up to ``k`` (premise, score) pairs, best first.
        """
        check_k(k)
        queries = make_queries(states, file_paths, theorem_full_names, theorem_positions)
        return self.retrieve_queries(queries, k) if queries else []

    def retrieve(
        self,
        state: str,
        file_path: str,
        theorem_full_name: str,
        theorem_pos: Position,
        k: int,
    ) -> Retrieved:
        """Retrieves premises for one proof state.

        Args:
            state: the proof state.
            file_path: its theorem's Lean file.
            theorem_full_name: its theorem's full name.
            theorem_pos: its theorem's start.
            k: how many premises.

        Returns:
            Up to ``k`` (premise, score) pairs, best first.
        """
        check_k(k)
        return self.retrieve_queries([Query(state, file_path, theorem_full_name, theorem_pos)], k)[
            0
        ]

    def accessible_sets(self, queries: Sequence[Query]) -> list[AccessibleSet]:
        """The accessible premises of each query's theorem: those its file may use
        (imports, and its own file before the theorem), or, for a file outside the corpus,
        those of the modules the query's ``imports`` name (see :meth:`Corpus.accessible_to`).

        Args:
            queries: the queries.

        Returns:
            One :class:`AccessibleSet` per query.
        """
        return [self.corpus.accessible_to(q.file_path, q.position, q.imports) for q in queries]


def check_k(k: int) -> None:
    """Refuses a premise count below 1.

    Args:
        k: premises asked for per query.

    Raises:
        UsageError: when ``k`` < 1.
    """
    if k < 1:
        raise UsageError(f"k must be >= 1, got {k}")
