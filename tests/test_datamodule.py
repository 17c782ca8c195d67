"""GeneratorDataModule: which splits each stage loads, and how each loader batches them."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from torch.utils.data import SequentialSampler

from conftest import FIXTURES
from tacgen.core.errors import MissingPredictionError
from tacgen.data.predictions import load_predictions, write_predictions
from tacgen.generator.batch import Batch
from tacgen.generator.datamodule import GeneratorDataModule
from tacgen.generator.dataset import GeneratorDataset
from tacgen.nn.resumable import ResumableLoader
from tacgen.nn.sampling import LengthGroupedSampler, ShuffledSampler
from test_formatting import example_rows

TINY = FIXTURES / "tiny"
PREDS = TINY / "predictions.jsonl"
SIZES = {"train": 11, "val": 5, "test": 3}


def make(**kwargs: object) -> GeneratorDataModule:
    """A data module over the fixture folder, no worker processes."""
    options: dict[str, object] = {"batch_size": 4, "eval_batch_size": 2, "num_workers": 0}
    options.update(kwargs)
    return GeneratorDataModule(str(TINY), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("fit", {"train", "val"}),
        ("validate", {"val"}),
        ("test", {"test"}),
        ("predict", {"predict"}),
        (None, {"train", "val", "test", "predict"}),
    ],
)
def test_setup_loads_what_the_stage_needs(stage: str | None, expected: set[str]) -> None:
    """fit: train+val; validate: val; test: test; predict: the test file."""
    dm = make()
    dm.setup(stage)
    assert set(dm.datasets) == expected
    for split, ds in dm.datasets.items():
        name = "test" if split == "predict" else split
        assert ds.data_path == TINY / f"{name}.json" and len(ds) == SIZES[name]
        assert ds.is_train == (split == "train")


def test_setup_is_idempotent_and_predict_file() -> None:
    """Datasets are built once; predict_file picks another split for predict."""
    dm = make(predict_file="val.json")
    dm.setup("fit")
    val = dm.datasets["val"]
    dm.setup("validate")
    assert dm.datasets["val"] is val
    dm.setup("predict")
    assert len(dm.datasets["predict"]) == SIZES["val"]


@pytest.mark.parametrize("group_by_length", [True, False])
def test_train_loader_shuffles_and_drops_last(group_by_length: bool) -> None:
    """The train loader shuffles (new order each epoch) and drops the last partial batch."""
    dm = make(group_by_length=group_by_length)
    dm.setup("fit")
    loader = dm.train_dataloader()
    expected = LengthGroupedSampler if group_by_length else ShuffledSampler
    assert isinstance(loader.sampler, expected) and loader.drop_last
    assert isinstance(loader, ResumableLoader)
    assert len(loader) == SIZES["train"] // 4 == 2
    torch.manual_seed(0)
    epochs = []
    for epoch in range(3):
        loader.sampler.set_epoch(epoch)  # as Lightning does
        batches = list(loader)
        assert len(batches) == 2 and all(isinstance(b, Batch) and len(b) == 4 for b in batches)
        epochs.append([(e.full_name, e.tactic_index) for b in batches for e in b.examples])
    assert len({tuple(order) for order in epochs}) > 1
    all_keys = {(e.full_name, e.tactic_index) for e in dm.datasets["train"].examples}
    assert all(set(order) <= all_keys and len(set(order)) == 8 for order in epochs)


def padded_bytes(dataset: GeneratorDataset, i: int) -> int:
    """State + tactic bytes of example i, truncated to the dataset's budgets."""
    example = dataset.examples[i]
    state = min(len(example.state.encode()), dataset.max_input_length)
    return state + min(len(example.tactic.encode()), dataset.max_output_length)


@pytest.mark.parametrize("group_by_length", [True, False])
@pytest.mark.parametrize("split", ["val", "test", "predict"])
def test_eval_loaders_keep_every_example_and_last_batch(split: str, group_by_length: bool) -> None:
    """val/test/predict loaders keep the last partial batch and every example once: in file
    order, or for val/test with group_by_length longest first."""
    dm = make(group_by_length=group_by_length)
    dm.setup(None)
    loader = getattr(dm, f"{split}_dataloader")()
    dataset: GeneratorDataset = dm.datasets[split]
    assert not loader.drop_last
    assert len(loader) == math.ceil(len(dataset) / 2)
    batches = list(loader)
    n = len(dataset)
    assert n % 2 == 1 and [len(b) for b in batches] == [2] * (n // 2) + [1]
    rows = [row for b in batches for row in example_rows(b.examples)]
    if group_by_length and split != "predict":
        order = sorted(range(n), key=lambda i: -padded_bytes(dataset, i))  # stable
        assert rows == [example_rows([dataset.examples[i]])[0] for i in order]
        assert rows != example_rows(dataset.examples)  # the fixture is not already sorted
    else:
        assert isinstance(loader.sampler, SequentialSampler)
        assert rows == example_rows(dataset.examples)


def test_loader_before_setup_fails() -> None:
    """Asking for a loader before setup says to call setup."""
    with pytest.raises(RuntimeError, match="setup"):
        make().train_dataloader()


def test_loader_options() -> None:
    """No persistent workers without workers; the collate function is the dataset's."""
    dm = make()
    dm.setup("fit")
    loader = dm.val_dataloader()
    assert loader.num_workers == 0 and not loader.persistent_workers
    assert loader.batch_size == 2 and dm.train_dataloader().batch_size == 4
    batch = next(iter(loader))
    moved = dm.transfer_batch_to_device(batch, torch.device("cpu"), 0)
    assert isinstance(moved, Batch) and torch.equal(moved.state_ids, batch.state_ids)
    assert dm.hparams["batch_size"] == 4 and dm.hparams["eval_batch_size"] == 2


def test_predictions_reach_every_split() -> None:
    """preds_path augments all splits; dropping happens only in training."""
    dm = make(preds_path=str(PREDS), premise_drop_prob=1.0)
    dm.setup(None)
    train = dm.datasets["train"]
    assert all(train[i].state == train.examples[i].state for i in range(len(train)))
    for split in ("val", "test", "predict"):
        ds = dm.datasets[split]
        for i in range(len(ds)):
            assert ds[i].state != ds.examples[i].state
            assert ds[i].state.endswith("\n\n" + ds.examples[i].state)
    loader = dm.val_dataloader()
    first = next(iter(loader.sampler))  # the longest example (group_by_length)
    assert next(iter(loader)).state[0] == dm.datasets["val"][first].state


def test_missing_predictions_through_datamodule(tmp_path: Path) -> None:
    """A prediction missing for one val example fails setup unless allowed (then counted)."""
    predictions = dict(load_predictions(PREDS))
    val = GeneratorDataset(TINY / "val.json")
    first = val.examples[0]
    del predictions[(first.file_path, first.full_name, first.state)]
    path = tmp_path / "preds.jsonl"
    write_predictions(path, [(key, premises, None) for key, premises in predictions.items()])
    with pytest.raises(MissingPredictionError, match="example #0"):
        make(preds_path=str(path)).setup("validate")
    dm = make(preds_path=str(path), allow_missing_predictions=True)
    dm.setup("validate")
    assert dm.datasets["val"].missing_predictions == 1
    assert dm.datasets["val"][0].state == first.state


def test_format_options_reach_datasets() -> None:
    """keep_marks / normalize_tactics / lengths are passed to every dataset."""
    dm = make(keep_marks=False, normalize_tactics=False, max_input_length=77, max_output_length=9)
    dm.setup("fit")
    train = dm.datasets["train"]
    assert train.max_input_length == 77 and train.max_output_length == 9
    assert all("<a>" not in e.tactic for e in train.examples)
    assert "simp only [Nat.add_comm,\n    Nat.mul_comm]  " in {e.tactic for e in train.examples}
    batch = next(iter(dm.train_dataloader()))
    assert batch.state_ids.shape[1] <= 77 and batch.tactic_ids.shape[1] <= 9


def test_invalid_batch_size() -> None:
    """Non-positive batch sizes are refused."""
    with pytest.raises(ValueError):
        make(batch_size=0)


def test_renaming_reaches_the_training_split_only() -> None:
    """rename_locals_prob is passed to the training dataset; evaluation splits never rename."""
    dm = make(rename_locals_prob=1.0)
    dm.setup(None)
    assert dm.datasets["train"].rename_locals_prob == 1.0 and dm.datasets["train"].is_train
    batch = next(iter(dm.train_dataloader()))
    assert any(state != ex.state for state, ex in zip(batch.state, batch.examples))
    for split in ("val", "test", "predict"):
        ds = dm.datasets[split]
        assert all(ds[i].state == ds.examples[i].state for i in range(len(ds)))
