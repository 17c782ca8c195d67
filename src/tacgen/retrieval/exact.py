"""The exact searcher: float32 dot products with every premise (ReProver's matmul)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from tacgen.data.corpus import AccessibleSet
from tacgen.retrieval.search import masked_topk, select_topk, top_of

_GATHER_FRACTION = 8
"""On CPU, a query whose accessible set is under 1/8 of the corpus scores only those rows."""


class ExactSearcher:
    """Exact top-k by float32 dot product, on the device the embeddings are on.

    On CPU the scores are computed in chunks and selected without a full sort
    (:func:`masked_topk`); on an accelerator the matmul runs there and the selection on CPU.
    """

    exact = True

    def __init__(self, embeddings: torch.Tensor) -> None:
        """Searches ``embeddings``.

        Args:
            embeddings: (premises, dim) float32, on the device to score on (a tensor over a
                memory-mapped file is read only where it is used).
        """
        if embeddings.dim() != 2:
            raise ValueError(f"embeddings must be (premises, dim), got {tuple(embeddings.shape)}")
        self.embeddings = embeddings

    def search(
        self, queries: np.ndarray, k: int, allowed: Sequence[AccessibleSet] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The exact ``k`` best premises of each query (see :class:`Searcher`)."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)  # (queries, dim)
        if self.embeddings.device.type != "cpu":
            on_device = torch.from_numpy(queries).to(self.embeddings.device)
            scores = (on_device @ self.embeddings.T).cpu().numpy()  # (queries, premises), on device
            if allowed is None:
                return _top_rows(scores, k)
            return select_topk(scores, allowed, k)
        matrix = self.embeddings.numpy()  # (premises, dim), no copy
        if allowed is None:
            return _top_rows(queries @ matrix.T, k)  # (queries, premises) scored
        small = [len(a) * _GATHER_FRACTION <= matrix.shape[0] for a in allowed]
        if not any(small):
            return masked_topk(queries, matrix, allowed, k)
        ids = np.empty((len(allowed), k), dtype=np.int64)  # (queries, k)
        values = np.empty((len(allowed), k), dtype=np.float32)  # (queries, k)
        for row in (i for i, is_small in enumerate(small) if is_small):
            rows = allowed[row].indices()  # (accessible,): a mapped file is read only there
            ids[row], values[row] = top_of(rows, matrix[rows] @ queries[row], k)
        large = [i for i, is_small in enumerate(small) if not is_small]
        if large:
            subset = [allowed[i] for i in large]
            ids[large], values[large] = masked_topk(queries[large], matrix, subset, k)
        return ids, values


def _top_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    # The top k of each full (queries, premises) score row.
    every = np.arange(scores.shape[1], dtype=np.int64)  # (premises,)
    ids = np.empty((scores.shape[0], k), dtype=np.int64)  # (queries, k)
    values = np.empty((scores.shape[0], k), dtype=np.float32)  # (queries, k)
    for q, row in enumerate(scores):
        ids[q], values[q] = top_of(every, row, k)
    return ids, values
