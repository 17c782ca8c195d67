"""Choosing the device a model runs on."""

from __future__ import annotations

import re

from tacgen.core.errors import UsageError

_DEVICE = re.compile(r"(cpu|cuda)(?::(\d+))?")


def available_devices() -> list[str]:
    """The devices this machine offers: ``cpu``, then ``cuda:0``, ``cuda:1``, ..."""
    import torch

    return ["cpu"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]


def resolve_device(name: str) -> str:
    """The device that ``name`` means, checked against what the machine has.

    Args:
        name: ``"auto"`` (CUDA when available, else the CPU), ``"cpu"``, ``"cuda"``,
            ``"cuda:1"``, ...

    Returns:
        A torch device string.

    Raises:
        UsageError: for a device this machine does not have (the message lists them).
    """
    devices = available_devices()
    if name == "auto":
        return "cuda" if len(devices) > 1 else "cpu"
    match = _DEVICE.fullmatch(name)
    wanted = name if match is None or match.group(2) else f"{name}:0"
    if match is None or (match.group(1) == "cuda" and wanted not in devices):
        raise UsageError(f"no device {name!r} here: choose auto or one of {', '.join(devices)}")
    return name
