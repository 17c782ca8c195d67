"""Device names are checked against what the machine has, in one line. The machine is
simulated (torch's CUDA device count), so both branches run with and without CUDA."""

from __future__ import annotations

import pytest
import torch

from tacgen.nn.device import available_devices, resolve_device


def test_devices_are_checked_on_this_machine() -> None:
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.device_count() else "cpu")
    with pytest.raises(ValueError, match=r"no device 'tpu9' here: choose auto or one of cpu"):
        resolve_device("tpu9")


def test_a_machine_without_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    assert available_devices() == ["cpu"]
    assert resolve_device("auto") == "cpu"
    for name in ("cuda", "cuda:0"):
        with pytest.raises(
            ValueError, match=rf"^no device '{name}' here: choose auto or one of cpu$"
        ):
            resolve_device(name)


def test_a_machine_with_two_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert available_devices() == ["cpu", "cuda:0", "cuda:1"]
    assert resolve_device("auto") == "cuda"
    assert [resolve_device(n) for n in ("cuda", "cuda:1", "cpu")] == ["cuda", "cuda:1", "cpu"]
    with pytest.raises(ValueError, match=r"^no device 'cuda:2' here: .* cpu, cuda:0, cuda:1$"):
        resolve_device("cuda:2")
    with pytest.raises(ValueError, match="no device 'gpu' here"):
        resolve_device("gpu")
