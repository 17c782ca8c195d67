"""Where a checkpoint was saved, and whether resuming from it is exact (in-process, fast).

A toy LightningModule (dropout on) trains on a ``ResumableLoader`` of 10 items in batches of
2 (5 batches an epoch), whose items carry a draw from their ``ItemKey``. A straight run
saves one checkpoint from a chosen hook; a fresh Trainer then resumes from it with the
global random generators scrambled. The batches and losses after the save must be those
of the straight run. ``tests/test_resume.py`` does the real thing (``tacgen fit``, SIGKILL)
for ``last.ckpt`` mid-epoch; this covers the other places a checkpoint comes from:
Lightning's restart logic differs for each (README, "Resuming a killed run").
"""

from __future__ import annotations

import logging
import random
import warnings
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from tacgen.nn.resumable import ItemKey, ResumableLoader, restore_checkpoint_random_states
from tacgen.nn.sampling import ShuffledSampler

SIZE, BATCH = 10, 2
Trace = list[tuple[tuple[int, ...], float]]


class Items(Dataset[tuple[int, torch.Tensor]]):
    def __len__(self) -> int:
        return SIZE

    def __getitem__(self, key: ItemKey) -> tuple[int, torch.Tensor]:
        noise = float(key.numpy_rng().normal())  # like premise dropout: drawn per access
        return key.index, torch.arange(4, dtype=torch.float32) * (key.index + 1) / 10 + noise


def collate(items: list[tuple[int, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor([i for i, _ in items]), torch.stack([x for _, x in items])


class Data(L.LightningDataModule):
    def train_dataloader(self) -> ResumableLoader:
        sampler = ShuffledSampler(SIZE, seed=0)
        return ResumableLoader(
            Items(), sampler=sampler, batch_size=BATCH, drop_last=True, collate_fn=collate
        )

    def val_dataloader(self) -> DataLoader[Any]:
        items = [Items()[ItemKey(i, i)] for i in range(SIZE)]
        return DataLoader(items, batch_size=5, collate_fn=collate, generator=torch.Generator())


class Toy(L.LightningModule):
    def __init__(self, trace: Trace) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(
            torch.nn.Linear(4, 8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 1)
        )
        self.trace = trace

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        index, x = batch
        loss = self.net(x).pow(2).mean()
        self.trace.append((tuple(index.tolist()), round(float(loss), 7)))
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self.net(batch[1]).mean()

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        if self.trainer.state.fn == "fit":  # as T5Module does
            restore_checkpoint_random_states(checkpoint)

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=0.05)


class SaveOnce(L.Callback):
    """Saves one checkpoint from ``hook`` at (epoch, batch index), noting the batches done."""

    def __init__(self, hook: str, at: tuple[int, int], path: Path, trace: Trace) -> None:
        self.hook, self.at, self.path, self.trace = hook, at, path, trace
        self.done: int | None = None

    def _save(self, trainer: L.Trainer) -> None:
        if self.done is None:
            trainer.save_checkpoint(self.path)
            self.done = len(self.trace)

    def on_train_batch_end(self, trainer: L.Trainer, *args: Any) -> None:
        if self.hook == "batch" and (trainer.current_epoch, args[-1]) == self.at:
            self._save(trainer)

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if self.hook == "epoch" and trainer.current_epoch == self.at[0]:
            self._save(trainer)

    def on_validation_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if self.hook == "val" and not trainer.sanity_checking:
            self._save(trainer)

    def on_train_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if self.hook == "end":
            self._save(trainer)


def fit(
    trace: Trace, callbacks: list[L.Callback], ckpt: Path | None = None, **options: Any
) -> None:
    options.setdefault("limit_val_batches", 0)
    trainer = L.Trainer(
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        callbacks=callbacks,
        **options,
    )
    trainer.fit(Toy(trace), Data(), ckpt_path=ckpt)


@pytest.fixture(autouse=True)
def _quiet() -> Any:
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
    torch.set_num_threads(threads)


SCENARIOS = {
    # (hook, (epoch, batch index), Trainer options)
    "mid-epoch, max_steps": ("batch", (0, 2), {"max_steps": 12}),
    "mid-epoch of epoch 1, max_epochs": ("batch", (1, 2), {"max_epochs": 3}),
    "last batch of an epoch": ("batch", (0, 4), {"max_steps": 15}),
    "train epoch end, max_steps": ("epoch", (0, 0), {"max_steps": 15}),
    "train epoch end, max_epochs": ("epoch", (0, 0), {"max_epochs": 3}),
    "validation at epoch end": ("val", (0, 0), {"max_steps": 15, "limit_val_batches": 1}),
    "validation mid-epoch": (
        "val",
        (0, 0),
        {"max_steps": 12, "limit_val_batches": 1, "val_check_interval": 2},
    ),
    "accumulation boundary": ("batch", (0, 3), {"max_steps": 6, "accumulate_grad_batches": 2}),
    "reloaded loaders": (
        "batch",
        (1, 2),
        {"max_steps": 15, "reload_dataloaders_every_n_epochs": 1},
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_resume_is_exact(name: str, tmp_path: Path) -> None:
    hook, at, options = SCENARIOS[name]
    straight: Trace = []
    saver = SaveOnce(hook, at, tmp_path / "saved.ckpt", straight)
    fit(straight, [saver], **options)
    assert saver.done is not None and 0 < saver.done < len(straight)
    resumed: Trace = []
    torch.manual_seed(12345), random.seed(1), np.random.seed(1)  # the run's own state wins
    fit(resumed, [], tmp_path / "saved.ckpt", **options)
    assert resumed == straight[saver.done :]


@pytest.mark.parametrize(("first", "total"), [(7, 15), (10, 15)])
def test_extending_a_finished_run_is_exact(tmp_path: Path, first: int, total: int) -> None:
    """``last.ckpt`` of the end of training (mid-epoch, or at an epoch's end), resumed with
    a larger ``max_steps``: Lightning counts one epoch ahead there, the data do not."""
    finished: Trace = []
    fit(finished, [SaveOnce("end", (0, 0), tmp_path / "end.ckpt", finished)], max_steps=first)
    straight: Trace = []
    fit(straight, [], max_steps=total)
    resumed: Trace = []
    torch.manual_seed(12345), random.seed(1), np.random.seed(1)
    fit(resumed, [], tmp_path / "end.ckpt", max_steps=total)
    assert finished == straight[:first] and resumed == straight[first:]


def test_a_checkpoint_inside_gradient_accumulation_is_not_exact(tmp_path: Path) -> None:
    """The README's stated limit: partial gradients are not in checkpoints. (LastCheckpoint
    saves after optimizer steps only, so its checkpoints are never of this kind.)"""
    straight: Trace = []
    saver = SaveOnce("batch", (0, 2), tmp_path / "mid.ckpt", straight)
    fit(straight, [saver], max_steps=6, accumulate_grad_batches=2)
    resumed: Trace = []
    fit(resumed, [], tmp_path / "mid.ckpt", max_steps=6, accumulate_grad_batches=2)
    assert saver.done is not None
    expected = straight[saver.done :]
    assert [b for b, _ in resumed] == [b for b, _ in expected]  # the data are right
    assert [loss for _, loss in resumed] != [loss for _, loss in expected]


@pytest.mark.parametrize(("stage", "restored"), [("fit", True), ("validate", False)])
def test_t5_module_restores_the_loaders_random_states_when_fitting(
    stage: str, restored: bool
) -> None:
    """What makes "train epoch end, max_epochs" exact for the generator and the retriever;
    evaluation keeps the states ``seed_everything`` gave."""
    from types import SimpleNamespace

    from tacgen.nn.module import T5Module

    loader = Data().train_dataloader()
    torch.manual_seed(3)
    checkpoint = {"loops": {"fit_loop": {"state_dict": {"combined_loader": [loader.state_dict()]}}}}
    expected = torch.rand(3)
    torch.manual_seed(99)
    trainer = SimpleNamespace(state=SimpleNamespace(fn=stage))
    module = SimpleNamespace(_trainer=trainer, trainer=trainer, provenance=None)
    T5Module.on_load_checkpoint(module, checkpoint)  # type: ignore[arg-type]
    assert torch.equal(torch.rand(3), expected) is restored
