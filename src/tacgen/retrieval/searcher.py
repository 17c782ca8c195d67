"""Searchers: the k nearest premises of query embeddings, and accessibility above them.

A :class:`Searcher` answers ``search(queries, k, allowed) -> (ids, scores)``. The exact
searcher (:mod:`tacgen.retrieval.exact`) scores every premise in float32; an approximate
(ANN) searcher (:mod:`tacgen.retrieval.ann`) reads a compressed index. :class:`AccessibleSearch`
sits above both and keeps accessibility exact: it over-fetches candidates from the
approximate searcher (which may use the accessible sets to steer its search), filters them
by accessibility, and falls back to an exact search of the accessible premises for the
queries where fewer than ``k`` survive, counting how often.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tacgen.data.corpus import AccessibleSet
from tacgen.retrieval.exact import ExactSearcher
from tacgen.retrieval.search import accessible_top


class Searcher(Protocol):
    """Nearest premises by dot product."""

    exact: bool
    """Whether results are the exact float32 top-k (else approximate)."""

    def search(
        self, queries: np.ndarray, k: int, allowed: Sequence[AccessibleSet] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best premises of each query.

        Args:
            queries: (queries, dim) float32 unit vectors.
            k: how many premises per query.
            allowed: one accessible set per query to restrict to, or None for all premises.
                Exact searchers return the exact top-k of these; approximate ones may use
                them to steer their search, and are filtered by :class:`AccessibleSearch`.

        Returns:
            ``(ids, scores)``: (queries, k) int64 and float32, best first, padded with
            -1 and -inf.
        """
        ...


@dataclass(frozen=True)
class SearchSettings:
    """How :class:`AccessibleSearch` over-fetches from an approximate searcher."""

    overfetch: int = 4
    """Candidates asked of the approximate searcher per wanted premise."""
    min_candidates: int = 64
    """At least this many candidates per query (a small k still gets a deep search)."""

    def __post_init__(self) -> None:
        if self.overfetch < 1 or self.min_candidates < 1:
            raise ValueError("overfetch and min_candidates must be >= 1")

    def candidates(self, k: int, premises: int) -> int:
        """Candidates to fetch for ``k`` wanted premises out of ``premises``."""
        return min(premises, max(k * self.overfetch, self.min_candidates))


@dataclass
class SearchStats:
    """Counters of :class:`AccessibleSearch`: queries, and exact fallbacks among them."""

    queries: int = 0
    """Queries asked with an approximate searcher in place."""
    direct: int = 0
    """Of those, the ones with so few accessible premises that they were searched exactly
    at once (no more than the candidates that would be fetched)."""
    fallbacks: int = 0
    """Of those, the ones searched approximately, then exactly because fewer than k of the
    candidates were accessible."""

    @property
    def fallback_rate(self) -> float:
        """``fallbacks / queries`` (0 before any query)."""
        return self.fallbacks / self.queries if self.queries else 0.0

    @property
    def direct_rate(self) -> float:
        """``direct / queries`` (0 before any query)."""
        return self.direct / self.queries if self.queries else 0.0


class AccessibleSearch:
    """The k best accessible premises: over-fetch, filter, exact fallback (counted)."""

    def __init__(
        self,
        exact: ExactSearcher,
        approximate: Searcher | None = None,
        settings: SearchSettings | None = None,
        premises: int | None = None,
    ) -> None:
        """Puts accessibility above the searchers.

        Args:
            exact: the exact searcher (used alone, or for the fallback).
            approximate: an ANN searcher to over-fetch candidates from, or None to search
                exactly.
            settings: over-fetch settings.
            premises: the corpus size (caps the candidates); no cap when None.
        """
        self.exact_searcher, self.approximate = exact, approximate
        self.settings = settings or SearchSettings()
        self.premises = premises if premises is not None else np.iinfo(np.int64).max
        self.stats = SearchStats()

    def search(
        self, queries: np.ndarray, k: int, allowed: Sequence[AccessibleSet]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best accessible premises of each query.

        Args:
            queries: (queries, dim) float32.
            k: how many premises per query.
            allowed: one accessible set per query.

        Returns:
            ``(ids, scores)``: (queries, k) int64 and float32, best first, padded with -1
            and -inf when fewer than ``k`` premises are accessible. Every id is accessible.
        """
        if len(allowed) != queries.shape[0]:
            raise ValueError(f"{queries.shape[0]} queries but {len(allowed)} accessible sets")
        if self.approximate is None:
            return self.exact_searcher.search(queries, k, allowed)
        m = self.settings.candidates(k, self.premises)
        direct = [q for q, access in enumerate(allowed) if len(access) <= m]
        rest = [q for q, access in enumerate(allowed) if len(access) > m]
        ids = np.full((len(allowed), k), -1, dtype=np.int64)  # (queries, k)
        values = np.full((len(allowed), k), -np.inf, dtype=np.float32)  # (queries, k)
        short = list(direct)
        if rest:
            subset = [allowed[q] for q in rest]
            candidates, scores = self.approximate.search(queries[rest], m, subset)  # (rest, m)
            for row, q in enumerate(rest):
                found = accessible_top(candidates[row], scores[row], allowed[q], k)
                if found is None:
                    short.append(q)
                else:
                    ids[q], values[q] = found
        if short:
            subset = [allowed[q] for q in short]
            ids[short], values[short] = self.exact_searcher.search(queries[short], k, subset)
        self.stats.queries += len(allowed)
        self.stats.direct += len(direct)
        self.stats.fallbacks += len(short) - len(direct)
        return ids, values
