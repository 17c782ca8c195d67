"""The warm-up + cosine schedule, the optimizer, and their wiring into the LightningModule."""

from __future__ import annotations

import itertools
import math
import pickle

import pytest
import torch

from tacgen.nn.optim import build_optimizer, build_scheduler, warmup_cosine_factor


def test_linear_warmup_from_zero() -> None:
    assert warmup_cosine_factor(0, 10, 100) == 0.0
    assert warmup_cosine_factor(5, 10, 100) == pytest.approx(0.5)
    assert warmup_cosine_factor(10, 10, 100) == pytest.approx(1.0)


def test_cosine_decay_ends_at_zero() -> None:
    assert warmup_cosine_factor(55, 10, 100) == pytest.approx(0.5)
    assert warmup_cosine_factor(100, 10, 100) == pytest.approx(0.0, abs=1e-12)
    assert warmup_cosine_factor(150, 10, 100) == pytest.approx(0.0, abs=1e-12)
    expected = 0.5 * (1 + math.cos(math.pi * 30 / 90))
    assert warmup_cosine_factor(40, 10, 100) == pytest.approx(expected)
    values = [warmup_cosine_factor(s, 10, 100) for s in range(10, 101)]
    assert all(a >= b for a, b in itertools.pairwise(values))


@pytest.mark.parametrize("max_steps", [None, -1])
def test_constant_after_warmup_without_budget(max_steps: int | None) -> None:
    assert warmup_cosine_factor(3, 4, max_steps) == pytest.approx(0.75)
    assert all(warmup_cosine_factor(s, 4, max_steps) == 1.0 for s in (4, 100, 10**6))


def test_no_warmup_and_budget_inside_warmup() -> None:
    assert warmup_cosine_factor(0, 0, 10) == 1.0
    assert warmup_cosine_factor(0, 0, None) == 1.0
    assert warmup_cosine_factor(5, 10, 8) == pytest.approx(0.5)
    assert warmup_cosine_factor(10, 10, 8) == 0.0


def test_scheduler_steps_the_learning_rate() -> None:
    weight = torch.nn.Parameter(torch.zeros(2))
    optimizer = build_optimizer([weight], lr=1e-3)
    scheduler = build_scheduler(optimizer, warmup_steps=2, max_steps=6)
    lrs = []
    for _ in range(7):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert lrs[:3] == pytest.approx([0.0, 5e-4, 1e-3])
    assert lrs[-1] == pytest.approx(0.0, abs=1e-12)
    pickle.dumps(scheduler.state_dict())  # checkpoints must be able to store it


def test_optimizer_options() -> None:
    frozen = torch.nn.Parameter(torch.zeros(1), requires_grad=False)
    trained = torch.nn.Parameter(torch.zeros(1))
    optimizer = build_optimizer([frozen, trained], lr=0.1, weight_decay=0.01)
    assert isinstance(optimizer, torch.optim.AdamW)
    group = optimizer.param_groups[0]
    assert group["params"] == [trained]
    assert group["weight_decay"] == 0.01
    assert not group["fused"]  # fused only on CUDA
    with pytest.raises(ValueError, match="warmup_steps"):
        build_scheduler(optimizer, -1, None)


def test_configure_optimizers_uses_trainer_max_steps() -> None:
    import lightning as L

    from model_fixtures import SMALL_CONFIG
    from tacgen.generator.module import RetrievalAugmentedGenerator

    module = RetrievalAugmentedGenerator(model_config=SMALL_CONFIG, lr=2e-3, warmup_steps=4)
    trainer = L.Trainer(max_steps=20, accelerator="cpu", logger=False, enable_checkpointing=False)
    module.trainer = trainer
    config = module.configure_optimizers()
    assert config["lr_scheduler"]["interval"] == "step"
    scheduler = config["lr_scheduler"]["scheduler"]
    assert scheduler.lr_lambdas[0](4) == 1.0
    assert scheduler.lr_lambdas[0](20) == pytest.approx(0.0, abs=1e-12)
    assert config["optimizer"].param_groups[0]["lr"] == 0.0  # warm-up starts at zero
    assert scheduler.base_lrs == [2e-3]
