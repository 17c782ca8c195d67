"""Device names are checked against what the machine has, in one line."""

from __future__ import annotations

import pytest


def test_devices_are_checked() -> None:
    from tacgen.nn.device import available_devices, resolve_device

    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") in ("cpu", "cuda")
    with pytest.raises(ValueError, match=r"no device 'tpu9' here: choose auto or one of cpu"):
        resolve_device("tpu9")
    if len(available_devices()) == 1:  # a machine without CUDA
        with pytest.raises(ValueError, match="no device 'cuda' here"):
            resolve_device("cuda")
