"""The interface every tactic generator offers to proof search, editors and servers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from tacgen.core.errors import UsageError
from tacgen.core.records import Position, Query, make_queries
from tacgen.generator.options import Candidates, GenerationOptions

__all__ = ["Candidates", "TacticGenerator", "generate_by_length"]


class TacticGenerator(ABC):
    """Suggests tactics for proof states.

    Implementations provide :meth:`generate_queries`; ReProver's ``generate`` and
    ``batch_generate`` signatures are the public edge built on it.
    """

    @abstractmethod
    def generate_queries(
        self, queries: Sequence[Query], num_samples: int, options: GenerationOptions | None = None
    ) -> list[Candidates]:
        """Suggests tactics for several queries.

        Args:
            queries: the proof states and their theorems.
            num_samples: tactics asked for per query (fewer may come back after
                deduplication and filtering); at most ``MAX_NUM_SAMPLES``.
            options: decoding mode, sampling parameters, tactic prefix and filters
                (:class:`GenerationOptions`); beam search when None.

        Returns:
            For each query, distinct tactics with their scores (log-probabilities), best
            first.
        """

    def score_queries(
        self, queries: Sequence[Query], tactics: Sequence[Sequence[str]]
    ) -> list[list[float]]:
        """Scores given tactics for several queries, teacher-forced, with the definition of
        the scores :meth:`generate_queries` returns, so that the two lists compare (a tactic
        library beside beam search).

        Args:
            queries: the proof states and their theorems.
            tactics: for each query, the tactics to score.

        Returns:
            For each query, the score (log-probability) of each of its tactics, in order.

        Raises:
            UsageError: when this generator cannot score (the default).
        """
        raise UsageError(f"{type(self).__name__} cannot score given tactics")

    def token_counts(
        self, queries: Sequence[Query], tactics: Sequence[Sequence[str]]
    ) -> list[list[int]]:
        """How many tokens each tactic's score sums over (``--score mean-token`` divides by
        it), for tactics this generator has just generated or scored for these queries.

        The default is the byte-level count: the tactic's UTF-8 bytes and eos (ByT5, and
        tacgen's byte-level causal tokenizer with a template whose end is eos). A generator
        with another tokenizer overrides it.

        Args:
            queries: the queries of the call that gave the tactics.
            tactics: for each query, its tactics.

        Returns:
            For each query, the token count of each of its tactics, in order.
        """
        return [[len(t.encode("utf-8")) + 1 for t in row] for row in tactics]

    def score(
        self,
        state: str,
        tactics: Sequence[str],
        file_path: str = "",
        theorem_full_name: str = "",
        theorem_pos: Position = (0, 0),
    ) -> list[float]:
        """Scores given tactics for one state (see :meth:`score_queries`).

        Args:
            state: the pretty-printed proof state.
            tactics: the tactics to score.
            file_path: the Lean file of the theorem (for retrieval).
            theorem_full_name: the theorem's full name.
            theorem_pos: the theorem's (line, column).

        Returns:
            The score of each tactic, in order.
        """
        query = Query(state, file_path, theorem_full_name, theorem_pos)
        return self.score_queries([query], [list(tactics)])[0]

    def generate(
        self,
        state: str,
        file_path: str,
        theorem_full_name: str,
        theorem_pos: Position,
        num_samples: int,
        options: GenerationOptions | None = None,
    ) -> Candidates:
        """Suggests tactics for one state.

        Args:
            state: the pretty-printed proof state.
            file_path: the Lean file of the theorem.
            theorem_full_name: the theorem's full name.
            theorem_pos: the theorem's (line, column).
            num_samples: how many tactics to ask for (fewer may come back after
                deduplication).
            options: see :meth:`generate_queries`.

        Returns:
            Distinct tactics with their scores, best first.
        """
        query = Query(state, file_path, theorem_full_name, theorem_pos)
        return self.generate_queries([query], num_samples, options)[0]

    def batch_generate(
        self,
        states: Sequence[str],
        file_paths: Sequence[str],
        theorem_full_names: Sequence[str],
        theorem_positions: Sequence[Position],
        num_samples: int,
        options: GenerationOptions | None = None,
    ) -> list[Candidates]:
        """Suggests tactics for several states; the lists give, per state, what
        :meth:`generate` takes.

        Args:
            states: the pretty-printed proof states.
            file_paths: for each state, the Lean file of its theorem.
            theorem_full_names: for each state, the theorem's full name.
            theorem_positions: for each state, the theorem's (line, column).
            num_samples: how many tactics to ask for per state.
            options: see :meth:`generate_queries`.

        Returns:
            For each state, distinct tactics with their scores, best first.
        """
        queries = make_queries(states, file_paths, theorem_full_names, theorem_positions)
        return self.generate_queries(queries, num_samples, options) if queries else []


def generate_by_length(
    generator: TacticGenerator,
    queries: Sequence[Query],
    num_samples: int,
    batch_size: int,
    progress: bool = False,
    options: GenerationOptions | None = None,
) -> list[Candidates]:
    """``generate_queries`` over many queries, in batches of similar length.

    A batch is padded to its longest state, and every decoding step attends to the
    padding, so states are batched longest first; results come back in input order.

    Args:
        generator: any tactic generator.
        queries: the proof states and their theorems.
        num_samples: tactics asked for per query.
        batch_size: queries per ``generate_queries`` call.
        progress: show a tqdm progress bar (when there is more than one query).
        options: see :meth:`TacticGenerator.generate_queries`.

    Returns:
        For each query, in input order, distinct tactics with their scores, best first.
    """
    from tacgen.nn.sampling import map_longest_first

    if batch_size < 1:
        raise UsageError(f"batch_size must be at least 1, got {batch_size}")

    def generate(batch: list[int]) -> list[Candidates]:
        return generator.generate_queries([queries[i] for i in batch], num_samples, options)

    lengths = [len(q.state.encode("utf-8")) for q in queries]
    return map_longest_first(generate, lengths, batch_size, progress, "generate", "state")
