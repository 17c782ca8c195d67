"""Training and evaluation pieces of the dense retriever: losses, metrics, schedule, reading
checkpoints. Plain functions, so that they are tested without a Lightning module."""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch


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
        raise ValueError(f"loss must be 'mse' or 'infonce', got {loss!r}")
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


def warmup_cosine(step: int, warmup: int, total: int) -> float:
    """Learning-rate factor: linear warm-up to 1, then cosine decay to 0 at ``total``.

    Args:
        step: optimizer steps taken.
        warmup: warm-up steps (0 for none).
        total: the step budget; negative for none (the factor stays 1 after warm-up).

    Returns:
        The factor in [0, 1].
    """
    if step < warmup:
        return step / warmup
    if total < 0:
        return 1.0
    if total <= warmup:
        return 0.0
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, (step - warmup) / (total - warmup))))


def build_optimization(
    parameters: Iterable[torch.nn.Parameter],
    lr: float,
    weight_decay: float,
    warmup_steps: int,
    max_steps: int,
    device_type: str,
) -> dict[str, Any]:
    """AdamW over the trainable parameters with the warm-up + cosine schedule, per step.

    Args:
        parameters: the module's parameters (frozen ones are skipped).
        lr: the peak learning rate.
        weight_decay: decoupled weight decay.
        warmup_steps: linear warm-up steps.
        max_steps: the trainer's step budget (-1 for none).
        device_type: the fused kernel is used on ``"cuda"`` only.

    Returns:
        What ``configure_optimizers`` returns.
    """
    trainable = [p for p in parameters if p.requires_grad]
    fused = True if device_type == "cuda" else None
    optimizer = torch.optim.AdamW(trainable, lr=lr, weight_decay=weight_decay, fused=fused)
    factor = functools.partial(warmup_cosine, warmup=warmup_steps, total=max_steps)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}


def read_checkpoint(
    path: Path, config_key: str, init: Callable[..., Any], overrides: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Reads a Lightning checkpoint of a module that stores its model config.

    Args:
        path: the ``.ckpt`` file.
        config_key: the checkpoint key holding the model config.
        init: the module's ``__init__``: stored arguments it does not take (LightningCLI
            adds ``_instantiator``) are dropped.
        overrides: arguments replacing the stored ones.

    Returns:
        ``(constructor arguments with model_config, state_dict)``.

    Raises:
        ValueError: when the file is not such a checkpoint.
    """
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        reason = " ".join(str(error).split())[:200] or type(error).__name__
        raise ValueError(f"cannot read retriever checkpoint {path}: {reason}") from error
    if not isinstance(checkpoint, dict) or config_key not in checkpoint:
        raise ValueError(f"not a PremiseRetriever checkpoint (no {config_key}): {path}")
    accepted = inspect.signature(init).parameters
    stored = {**checkpoint.get("hyper_parameters", {}), **overrides}
    hparams = {k: v for k, v in stored.items() if k in accepted}
    hparams["model_config"] = checkpoint[config_key]
    return hparams, checkpoint["state_dict"]
