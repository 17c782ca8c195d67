"""Optimizer and learning-rate schedule of every tacgen module: AdamW, warm-up, cosine."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from typing import Any

import torch
from torch.optim.lr_scheduler import LambdaLR

from tacgen.core.errors import ConfigError


def warmup_cosine_factor(step: int, warmup_steps: int, max_steps: int | None) -> float:
    """The learning-rate multiplier at an optimizer step.

    Linear warm-up from 0 to 1 over ``warmup_steps``, then cosine decay reaching 0 at
    ``max_steps`` (and staying there). Without a step budget (``max_steps`` None or
    negative, as Lightning's ``max_steps=-1``) the factor stays 1 after warm-up.

    Args:
        step: the number of optimizer steps taken so far (0 for the first step).
        warmup_steps: length of the warm-up; 0 disables it.
        max_steps: the total number of steps, or None / negative for no budget.

    Returns:
        The multiplier in [0, 1].
    """
    if step < warmup_steps:
        return step / warmup_steps
    if max_steps is None or max_steps < 0:
        return 1.0
    decay_steps = max_steps - warmup_steps
    if decay_steps <= 0:
        # The budget ends during (or right at the end of) warm-up.
        return 0.0
    progress = min(1.0, (step - warmup_steps) / decay_steps)
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def build_optimizer(
    parameters: Iterable[torch.nn.Parameter],
    lr: float,
    weight_decay: float = 0.0,
    device_type: str = "cpu",
) -> torch.optim.AdamW:
    """AdamW over the trainable parameters.

    Args:
        parameters: the model's parameters; frozen ones are skipped.
        lr: the peak learning rate.
        weight_decay: decoupled weight decay.
        device_type: where the parameters live; the fused kernel is used on ``"cuda"``
            only, the one place it is both available and faster.

    Returns:
        The optimizer.
    """
    if not lr > 0 or weight_decay < 0:
        raise ConfigError(f"need lr > 0 and weight_decay >= 0, got {lr} and {weight_decay}")
    trainable = [p for p in parameters if p.requires_grad]
    fused = True if device_type == "cuda" else None
    return torch.optim.AdamW(trainable, lr=lr, weight_decay=weight_decay, fused=fused)


def build_scheduler(
    optimizer: torch.optim.Optimizer, warmup_steps: int, max_steps: int | None
) -> LambdaLR:
    """The warm-up + cosine schedule of :func:`warmup_cosine_factor`, stepped per step.

    Args:
        optimizer: the optimizer whose learning rates are scaled.
        warmup_steps: length of the linear warm-up.
        max_steps: the total number of steps, or None / negative for no budget.

    Returns:
        The scheduler (a ``functools.partial`` lambda, so its state dict pickles).
    """
    if warmup_steps < 0:
        raise ConfigError(f"warmup_steps must be >= 0, got {warmup_steps}")
    factor = functools.partial(warmup_cosine_factor, warmup_steps=warmup_steps, max_steps=max_steps)
    return LambdaLR(optimizer, lr_lambda=factor)


def configure_adamw(
    parameters: Iterable[torch.nn.Parameter],
    lr: float,
    weight_decay: float,
    warmup_steps: int,
    max_steps: int | None,
    device_type: str,
) -> dict[str, Any]:
    """What ``configure_optimizers`` returns: AdamW and the per-step schedule.

    Args:
        parameters: the module's parameters (frozen ones are skipped).
        lr: the peak learning rate.
        weight_decay: decoupled weight decay.
        warmup_steps: linear warm-up steps.
        max_steps: the trainer's step budget (None or -1 for none).
        device_type: the fused kernel is used on ``"cuda"`` only.

    Returns:
        ``{"optimizer": ..., "lr_scheduler": {"scheduler": ..., "interval": "step"}}``.
    """
    optimizer = build_optimizer(parameters, lr, weight_decay, device_type)
    scheduler = build_scheduler(optimizer, warmup_steps, max_steps)
    return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}
