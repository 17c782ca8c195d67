"""Top-k over accessible premises without sorting the corpus per query.

Ranking rule (what a full sort would give, made deterministic): higher score first, and among
equal scores the lower premise index first. Scores are assumed finite (no NaN).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tacgen.data.corpus import AccessibleSet

_CHUNK_ELEMENTS = 1 << 25
"""Score matrices are computed this many floats (128 MiB) at a time."""
_SAMPLE = 4096
"""Scores sampled per row to estimate a candidate threshold."""
_DIRECT_FRACTION = 8
"""Accessible sets below 1/8 of the corpus are ranked directly (gathering them is cheaper)."""


def _rank(candidates: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    # Sorts candidate premise indices by (-score, index) and pads to k with (-1, -inf).
    order = np.lexsort((candidates, -scores))[:k]
    indices = np.full(k, -1, dtype=np.int64)  # (k,)
    values = np.full(k, -np.inf, dtype=np.float32)  # (k,)
    indices[: len(order)] = candidates[order]
    values[: len(order)] = scores[order]
    return indices, values


def top_of(candidates: np.ndarray, values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The exact top ``k`` of ``candidates`` scored ``values`` (ties: lower index first).

    Args:
        candidates: (candidates,) int64 premise indices.
        values: (candidates,) float32 their scores.
        k: how many are wanted.

    Returns:
        ``(indices, scores)``: (k,) int64 and float32, best first, padded with -1, -inf.
    """
    if len(candidates) > k:
        threshold = np.partition(values, len(values) - k)[len(values) - k]
        keep = values >= threshold
        candidates, values = candidates[keep], values[keep]
    return _rank(candidates, values, k)


def accessible_top(
    ids: np.ndarray, scores: np.ndarray, access: AccessibleSet, k: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """The accessibility filter: the ``k`` best accessible candidates, if ``k`` survive.

    The one filter of every search: the exact search applies it to the best scores of a
    full row, the approximate one to what its index returned.

    Args:
        ids: (candidates,) premise indices; -1 (padding) is dropped.
        scores: (candidates,) their scores.
        access: the premises the query may use.
        k: how many are wanted.

    Returns:
        ``(indices, scores)``, (k,) int64 and float32, best first (ties: lower index
        first); None when fewer than ``k`` candidates are accessible.
    """
    valid = ids >= 0
    ids, scores = ids[valid], scores[valid]
    keep = access.mask(ids)
    if int(keep.sum()) < k:
        return None
    return top_of(ids[keep], scores[keep], k)


def all_accessible_top(
    row: np.ndarray, access: AccessibleSet, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The exact top ``k`` of every accessible premise of a full score row (padded)."""
    candidates = access.indices()  # (accessible,)
    return top_of(candidates, row[candidates], k)


def _threshold(row: np.ndarray, m: int) -> float:
    # About the m-th largest score, read off an evenly strided sample of the row: it costs
    # a partition of the sample, not of the row. Only the candidate count depends on it.
    stride = max(1, row.shape[0] // _SAMPLE)
    sample = row[::stride]  # (<= 2 * _SAMPLE,)
    j = max(0, len(sample) - -(-m * len(sample) // row.shape[0]))
    return float(np.partition(sample, j)[j])


def _select_row(
    row: np.ndarray, access: AccessibleSet, k: int, overfetch: int
) -> tuple[np.ndarray, np.ndarray]:
    """The top ``k`` accessible premises of one score row, exactly as a full masked sort."""
    n = row.shape[0]
    available = len(access)
    if available * _DIRECT_FRACTION <= n:
        return all_accessible_top(row, access, k)
    # Expect about m * available / n survivors among the m best: aim for k * overfetch.
    m = min(n, -(-k * overfetch * n // max(available, 1)))
    while m < n:
        # Every score >= the threshold (ties included) is a candidate, so any accessible
        # premise outside the candidates scores strictly less than every survivor: the
        # result is exact whatever the threshold, which only sets how many candidates.
        candidates = np.flatnonzero(row >= _threshold(row, m))  # (about m,)
        found = accessible_top(candidates, row[candidates], access, k)
        if found is not None:
            return found
        m *= overfetch
    return all_accessible_top(row, access, k)


def select_topk(
    scores: np.ndarray, accessible: Sequence[AccessibleSet], k: int, overfetch: int = 4
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best accessible premises of each row of a score matrix.

    Args:
        scores: (queries, premises) float32 scores.
        accessible: one accessible set per query.
        k: how many premises per query.
        overfetch: candidates fetched per wanted premise before filtering (grows by this
            factor when too few survive).

    Returns:
        ``(indices, scores)``: (queries, k) int64 and float32, best first; rows with fewer
        than ``k`` accessible premises are padded with index -1 and score -inf.
    """
    if scores.ndim != 2 or scores.shape[0] != len(accessible):
        raise ValueError(f"scores {scores.shape} must be (queries={len(accessible)}, premises)")
    if k < 1 or overfetch < 2:
        raise ValueError(f"need k >= 1 and overfetch >= 2, got k={k}, overfetch={overfetch}")
    indices = np.empty((len(accessible), k), dtype=np.int64)  # (queries, k)
    values = np.empty((len(accessible), k), dtype=np.float32)  # (queries, k)
    for q, access in enumerate(accessible):
        if access.premise_file.shape[0] != scores.shape[1]:
            raise ValueError(
                f"accessible set {q} is over {access.premise_file.shape[0]} premises, "
                f"scores over {scores.shape[1]}"
            )
        indices[q], values[q] = _select_row(scores[q], access, k, overfetch)
    return indices, values


def masked_topk(
    queries: np.ndarray,
    embeddings: np.ndarray,
    accessible: Sequence[AccessibleSet],
    k: int,
    overfetch: int = 4,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` premises of highest dot-product similarity that each query may use.

    Equal to a full sort of each query's accessible scores (ties: lower index first), but
    never sorts the corpus: it partitions an over-fetched candidate set, filters it by
    accessibility, and falls back to ranking all accessible premises when too few survive.

    Args:
        queries: (queries, dim) float32.
        embeddings: (premises, dim) float32.
        accessible: one accessible set per query.
        k: how many premises per query.
        overfetch: candidates fetched per wanted premise before filtering.

    Returns:
        ``(indices, scores)``: (queries, k) int64 and float32, best first, padded with
        index -1 and score -inf when fewer than ``k`` premises are accessible.
    """
    if queries.ndim != 2 or embeddings.ndim != 2 or queries.shape[1] != embeddings.shape[1]:
        raise ValueError(
            f"queries {queries.shape} and embeddings {embeddings.shape} must be 2-D "
            "with the same width"
        )
    if queries.shape[0] != len(accessible):
        raise ValueError(f"{queries.shape[0]} queries but {len(accessible)} accessible sets")
    rows = max(1, _CHUNK_ELEMENTS // max(embeddings.shape[0], 1))
    parts = []
    for lo in range(0, queries.shape[0], rows):
        scores = queries[lo : lo + rows] @ embeddings.T  # (chunk, premises)
        parts.append(select_topk(scores, accessible[lo : lo + rows], k, overfetch))
    if not parts:
        return np.empty((0, k), dtype=np.int64), np.empty((0, k), dtype=np.float32)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
