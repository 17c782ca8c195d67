"""Training and evaluation pieces of the dense retriever: the losses and ranking metrics.
Plain functions, so that they are tested without a Lightning module."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from tacgen.core.errors import ConfigError


def similarity_loss(
    similarity: torch.Tensor, labels: torch.Tensor, loss: str, temperature: float
) -> torch.Tensor:
    """The training loss of a (contexts, premises) similarity matrix.

    Args:
        similarity: (batch, premises) dot products of unit vectors.
        labels: (batch, premises) 1 for the context's positives, else 0.
        loss: ``"mse"``: mean squared error to the labels (as published); ``"infonce"``:
            minus the log of the softmax mass on the positives, averaged over contexts.
        temperature: the similarity scale of ``"infonce"``.

    Returns:
        The scalar loss.
    """
    if loss == "mse":
        return torch.nn.functional.mse_loss(similarity, labels)
    if loss != "infonce":
        raise ConfigError(f"loss must be 'mse' or 'infonce', got {loss!r}")
    logits = similarity / temperature  # (batch, premises)
    positives = logits.masked_fill(labels == 0, -math.inf)  # (batch, premises)
    return (logits.logsumexp(-1) - positives.logsumexp(-1)).mean()


def ranking_metrics(indices: np.ndarray, positives: Sequence[Sequence[int]]) -> np.ndarray:
    """Recall@1, Recall@10 and reciprocal rank of each query.

    Args:
        indices: (queries, k) retrieved premise indices, best first (-1 padding).
        positives: each query's positive premise indices (non-empty).

    Returns:
        (queries, 3) float32: the share of the positives in the top 1 and in the top 10,
        and 1 / rank of the first positive in the top k (0 when there is none).
    """
    out = np.zeros((len(positives), 3), dtype=np.float32)  # (queries, 3)
    for q, (row, pos) in enumerate(zip(indices, positives)):
        hits = np.isin(row, np.asarray(pos, dtype=np.int64))  # (k,)
        first = np.flatnonzero(hits)
        out[q] = (
            hits[:1].sum() / len(pos),
            hits[:10].sum() / len(pos),
            1.0 / (first[0] + 1) if len(first) else 0.0,
        )
    return out
