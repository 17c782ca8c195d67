"""Choosing the device a model runs on."""

from __future__ import annotations


def resolve_device(name: str) -> str:
    """The device that ``name`` means: ``"auto"`` is CUDA when available, else the CPU.

    Args:
        name: ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...

    Returns:
        A torch device string.
    """
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name
