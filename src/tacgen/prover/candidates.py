"""Where an expansion's tactics come from: composable candidate sources.

A source proposes scored candidates for a batch of proof states. The model's own search
(beam search or sampling) is one source; a fixed tactic library scored by the model
(teacher forcing, :meth:`~tacgen.generator.interface.TacticGenerator.score_queries`) is
another. Both give scores of one definition (the sum of the tactic's token
log-probabilities), so their lists merge by score: :func:`merge_candidates` keeps the
best score of a tactic proposed twice, orders by score and cuts to the budget.

A new source is a new :class:`CandidateSource` subclass plus one line in :data:`SOURCES`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from tacgen.core.errors import UsageError
from tacgen.core.records import Query
from tacgen.generator.interface import TacticGenerator
from tacgen.generator.options import GenerationOptions
from tacgen.prover.renamings import instances

ScoreKind = Literal["sum", "mean-token"]
SCORES: tuple[ScoreKind, ...] = ("sum", "mean-token")
"""How an edge is scored: the tactic's log-probability (``sum``), or that divided by its
token count (``mean-token``, BFS-Prover's cumulative log-probability over token count: the
tokens the score sums over, as the generator counts them,
:meth:`~tacgen.generator.interface.TacticGenerator.token_counts`; for ByT5, the tactic's
UTF-8 bytes and eos). A node's priority is the sum of its path's edge scores."""


@dataclass(frozen=True)
class Candidate:
    """A tactic to try, with its score and where it came from."""

    tactic: str
    score: float
    """The edge score (see :data:`SCORES`)."""
    origin: str
    """``beam``, ``sample`` or ``library``."""


def edge_score(tactic: str, log_prob: float, kind: ScoreKind, tokens: int | None = None) -> float:
    """The score of an edge under ``kind`` (see :data:`SCORES`).

    Args:
        tactic: the tactic.
        log_prob: its score (the sum of its tokens' log-probabilities).
        kind: ``sum`` or ``mean-token``.
        tokens: the tokens ``log_prob`` sums over; the tactic's UTF-8 bytes and eos when
            None.
    """
    if kind == "sum":
        return log_prob
    return log_prob / max(1, tokens if tokens is not None else len(tactic.encode("utf-8")) + 1)


def _counts(
    generator: TacticGenerator, queries: Sequence[Query], tactics: list[list[str]], kind: ScoreKind
) -> list[list[int | None]]:
    """Token counts for ``mean-token`` (the generator's), none needed for ``sum``."""
    if kind == "sum":
        return [[None] * len(row) for row in tactics]
    return [list(row) for row in generator.token_counts(queries, tactics)]


class CandidateSource(ABC):
    """Proposes candidates for a batch of queries."""

    @abstractmethod
    def propose(
        self, generator: TacticGenerator, queries: Sequence[Query], kind: ScoreKind
    ) -> list[list[Candidate]]:
        """Candidates for each query, scored by ``kind``, in no particular order."""


class ModelSource(CandidateSource):
    """The model's own search: beam search or sampling."""

    def __init__(self, num_samples: int, options: GenerationOptions | None) -> None:
        """Chooses the search.

        Args:
            num_samples: beams (or samples) per query.
            options: decoding options (beam search when None).
        """
        self.num_samples, self.options = num_samples, options
        self.origin = "sample" if options is not None and options.mode == "sample" else "beam"

    def propose(
        self, generator: TacticGenerator, queries: Sequence[Query], kind: ScoreKind
    ) -> list[list[Candidate]]:
        ranked = generator.generate_queries(queries, self.num_samples, self.options)
        counts = _counts(generator, queries, [[t for t, _ in row] for row in ranked], kind)
        return [
            [Candidate(t, edge_score(t, s, kind, n), self.origin) for (t, s), n in zip(row, ns)]
            for row, ns in zip(ranked, counts)
        ]


def rank_prior(rank: int, weight: float) -> float:
    """The library's frequency prior of its ``rank``-th tactic (0: the most frequent).

    Zipf's law estimates a tactic's log-frequency from its rank alone: ``-log(rank + 1)``,
    0 for the most frequent; ``weight`` scales it (0: no prior). A library file is read in
    its order, ``auto``'s is most frequent first.
    """
    return -weight * math.log(rank + 1)


class LibrarySource(CandidateSource):
    """A fixed list of tactics for every state, each scored by the model on that state."""

    def __init__(self, tactics: Sequence[str], prior: float = 0.0, renamings: int = 0) -> None:
        """Takes the library.

        Args:
            tactics: distinct tactics, most frequent first (duplicates are dropped, order
                kept).
            prior: the weight of the frequency prior (:func:`rank_prior`) added to each
                tactic's score; 0 scores by the model alone.
            renamings: on each state, also up to this many of the library's tactics
                renamed to the state's local names (:func:`~tacgen.prover.renamings.instances`),
                each with its template's prior; 0: none.
        """
        self.tactics = list(dict.fromkeys(t for t in tactics if t.strip()))
        if not self.tactics:
            raise UsageError("the tactic library is empty")
        if prior < 0 or not math.isfinite(prior):
            raise UsageError(f"the library prior must be a finite weight >= 0, got {prior}")
        if renamings < 0:
            raise UsageError(f"library renamings must be >= 0, got {renamings}")
        self.prior, self.renamings = prior, renamings

    def _ranked(self, state: str) -> list[tuple[str, int]]:
        """The tactics to score on a state, each with its (template's) rank."""
        own = [(t, rank) for rank, t in enumerate(self.tactics)]
        if not self.renamings:
            return own
        return own + instances(self.tactics, state, self.renamings)

    def propose(
        self, generator: TacticGenerator, queries: Sequence[Query], kind: ScoreKind
    ) -> list[list[Candidate]]:
        ranked = [self._ranked(q.state) for q in queries]
        tactics = [[t for t, _ in row] for row in ranked]
        scores = generator.score_queries(queries, tactics)
        counts = _counts(generator, queries, tactics, kind)
        return [
            [
                Candidate(t, edge_score(t, s, kind, n) + rank_prior(rank, self.prior), "library")
                for (t, rank), s, n in zip(row, row_scores, row_counts)
            ]
            for row, row_scores, row_counts in zip(ranked, scores, counts)
        ]


SOURCES: dict[str, type[CandidateSource]] = {"model": ModelSource, "library": LibrarySource}
"""Every kind of candidate source, by name."""


def merge_candidates(
    lists: Sequence[Sequence[Candidate]], limit: int, reserved: Mapping[str, int] | None = None
) -> list[Candidate]:
    """One ranked list from several sources' candidates for one state.

    Args:
        lists: each source's candidates.
        limit: the most candidates kept.
        reserved: at least this many slots for the best candidates of an origin
            (``{"library": 16}``), when it has them (a tactic counts for every origin that
            proposed it); the rest of ``limit`` goes by score.

    Returns:
        Distinct tactics, each with its best score (and that candidate's origin), best
        first, at most ``limit``; ties keep the order of the sources.
    """
    best: dict[str, Candidate] = {}
    origins: dict[str, set[str]] = {}
    for candidates in lists:
        for candidate in candidates:
            kept = best.get(candidate.tactic)
            origins.setdefault(candidate.tactic, set()).add(candidate.origin)
            if kept is None or candidate.score > kept.score:
                best[candidate.tactic] = candidate
    ranked = sorted(best.values(), key=lambda c: -c.score)
    if not reserved:
        return ranked[:limit]
    chosen: set[str] = set()
    for origin, slots in reserved.items():
        # A tactic that the origin proposed qualifies, whichever source scored it best.
        mine = [c.tactic for c in ranked if origin in origins[c.tactic] and c.tactic not in chosen]
        chosen.update(mine[: min(slots, limit - len(chosen))])
    rest = [c.tactic for c in ranked if c.tactic not in chosen]
    chosen.update(rest[: limit - len(chosen)])
    return [c for c in ranked if c.tactic in chosen]
