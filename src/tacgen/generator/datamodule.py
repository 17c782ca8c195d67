"""``GeneratorDataModule``: train/val/test loaders of a LeanDojo split folder."""

from __future__ import annotations

from typing import Any

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader

from tacgen.core.errors import ConfigError
from tacgen.core.paths import resolve_data_path, resolve_split_folder
from tacgen.core.records import Premise
from tacgen.data.predictions import PredictionKey, load_predictions
from tacgen.generator.batch import Batch
from tacgen.generator.dataset import GeneratorDataset
from tacgen.nn.resumable import ResumableLoader
from tacgen.nn.sampling import EpochSampler, LengthGroupedSampler, ShuffledSampler


class GeneratorDataModule(L.LightningDataModule):
    """Loaders for a split folder holding ``train.json``, ``val.json`` and ``test.json``.

    ``setup("fit")`` loads train and val, ``"validate"`` val, ``"test"`` test and
    ``"predict"`` the predict file (test by default). Only the training loader shuffles
    and drops the last partial batch; memory is pinned when CUDA is available. With
    ``group_by_length``, training batches hold examples of similar length (shuffled groups)
    and validation/test run longest first; predict always keeps file order.
    """

    def __init__(
        self,
        data_path: str,
        *,
        batch_size: int = 8,
        eval_batch_size: int = 64,
        num_workers: int = 2,
        max_input_length: int = 2300,
        max_output_length: int = 512,
        premise_drop_prob: float = 0.5,
        rename_locals_prob: float = 0.0,
        keep_marks: bool = True,
        normalize_tactics: bool = True,
        preds_path: str | None = None,
        allow_missing_predictions: bool = False,
        train_file: str = "train.json",
        val_file: str = "val.json",
        test_file: str = "test.json",
        predict_file: str | None = None,
        cache_dir: str | None = None,
        use_cache: bool = True,
        group_by_length: bool = True,
    ) -> None:
        """Configures the loaders; nothing is read until ``setup``.

        Args:
            data_path: the split folder (e.g. ``leandojo_benchmark_4/random``), or
                ``tacgen:demo/random`` for the bundled demo.
            batch_size: training batch size.
            eval_batch_size: validation/test/predict batch size.
            num_workers: data loader worker processes.
            max_input_length: model input budget in bytes (linked to the model's).
            max_output_length: target budget in bytes (linked to the model's).
            premise_drop_prob: in training, the probability of skipping each premise.
            rename_locals_prob: in training, the probability of renaming an example's
                declared local names (``h₁``, ``hp``, ``x``) to fresh ones in its state and
                tactics, so that the model learns to copy names from the state; 0 (the
                default, ReProver's training) keeps the traced names.
            keep_marks: keep ``<a>…</a>`` marks in tactics and premises.
            normalize_tactics: collapse whitespace runs in tactics.
            preds_path: retrieved premises for all splits (JSON Lines or ReProver's
                pickle); None trains without retrieval.
            allow_missing_predictions: examples without a prediction get no premises
                (counted) instead of an error.
            train_file: training split file name inside ``data_path``.
            val_file: validation split file name.
            test_file: test split file name.
            predict_file: split used by ``predict``; ``test_file`` when None.
            cache_dir: cache folder for formatted splits; the default cache when None.
            use_cache: read and write the cache of formatted splits.
            group_by_length: batch examples of similar length (state + tactic bytes), so
                that batches carry little padding; False gives plain random batches.
        """
        super().__init__()
        if batch_size <= 0 or eval_batch_size <= 0:
            raise ConfigError("batch sizes must be positive")
        self.save_hyperparameters()
        self.data_path = resolve_split_folder(data_path)
        if num_workers < 0:
            raise ConfigError(f"num_workers must be >= 0, got {num_workers}")
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size
        self.num_workers = num_workers
        self._predictions: dict[PredictionKey, list[Premise]] | None = None
        self.datasets: dict[str, GeneratorDataset] = {}

    def _predictions_once(self) -> dict[PredictionKey, list[Premise]] | None:
        preds_path = self.hparams["preds_path"]
        if preds_path is not None and self._predictions is None:
            self._predictions = dict(load_predictions(preds_path))
        return self._predictions

    def _dataset(self, split: str, file_name: str, is_train: bool) -> GeneratorDataset:
        if split not in self.datasets:
            h = self.hparams
            self.datasets[split] = GeneratorDataset(
                self.data_path / file_name,
                max_input_length=h["max_input_length"],
                max_output_length=h["max_output_length"],
                premise_drop_prob=h["premise_drop_prob"],
                rename_locals_prob=h["rename_locals_prob"],
                keep_marks=h["keep_marks"],
                normalize_tactics=h["normalize_tactics"],
                is_train=is_train,
                allow_missing_predictions=h["allow_missing_predictions"],
                cache_dir=h["cache_dir"],
                use_cache=h["use_cache"],
                predictions=self._predictions_once(),
            )
        return self.datasets[split]

    def provenance(self) -> dict[str, Any]:
        """What a checkpoint records of its training data (see :mod:`tacgen.data.provenance`)."""
        from tacgen.data.provenance import file_sha256, frequent_tactics, record

        h = self.hparams
        files = {split: dataset.data_path for split, dataset in self.datasets.items()}
        preds = h["preds_path"]
        cache = (h["cache_dir"], h["use_cache"])
        extra = {
            "format": {"keep_marks": h["keep_marks"], "normalize_tactics": h["normalize_tactics"]},
            "preds_path": preds,
            "preds_sha256": file_sha256(resolve_data_path(preds), *cache) if preds else None,
        }
        keys = self.theorem_keys("train") if "train" in self.datasets else []
        if "train" in self.datasets:  # the tactic library of tacgen prove --library auto
            tactics = self.datasets["train"].examples.tactics
            extra["frequent_tactics"] = frequent_tactics(tactics[i] for i in range(len(tactics)))
        return record(self.data_path, files, keys, extra, *cache)

    def theorem_keys(self, split: str) -> list[tuple[str, str]]:
        """(file_path, full_name) of the theorems of a loaded split."""
        table = self.datasets[split].examples
        return list(zip(table.file_paths, table.full_names))

    def setup(self, stage: str | None = None) -> None:
        """Loads the splits a stage needs (``fit``, ``validate``, ``test``, ``predict``)."""
        h = self.hparams
        if stage in (None, "fit"):
            self._dataset("train", h["train_file"], is_train=True)
        if stage in (None, "fit", "validate"):
            self._dataset("val", h["val_file"], is_train=False)
        if stage in (None, "test"):
            self._dataset("test", h["test_file"], is_train=False)
        if stage in (None, "predict"):
            self._dataset("predict", h["predict_file"] or h["test_file"], is_train=False)

    def _loader(self, split: str, batch_size: int, train: bool) -> DataLoader[Batch]:
        if split not in self.datasets:
            raise RuntimeError(f"call setup() before asking for the {split} loader")
        dataset = self.datasets[split]
        options: dict[str, Any] = {
            "batch_size": batch_size,
            "num_workers": self.num_workers,
            "collate_fn": dataset.collate,
            "pin_memory": torch.cuda.is_available(),
            "persistent_workers": self.num_workers > 0,
        }
        grouped = self.hparams["group_by_length"]
        if train:
            # Position, random states and premise-dropout draws survive a kill -9.
            sampler: EpochSampler = (
                LengthGroupedSampler(_padding_lengths(dataset), batch_size, shuffle=True)
                if grouped
                else ShuffledSampler(len(dataset))
            )
            return ResumableLoader(dataset, sampler=sampler, drop_last=True, **options)
        if grouped and split != "predict":
            options["sampler"] = LengthGroupedSampler(
                _padding_lengths(dataset), batch_size, shuffle=False
            )
        # A generator of its own: validation draws nothing from the global RNGs, so a
        # resumed run's dropout draws match an uninterrupted one's.
        return DataLoader(dataset, generator=torch.Generator(), **options)  # type: ignore[arg-type]

    def train_dataloader(self) -> DataLoader[Batch]:
        """Shuffled training batches (grouped by length); the last partial batch is dropped."""
        return self._loader("train", self.batch_size, train=True)

    def val_dataloader(self) -> DataLoader[Batch]:
        """Validation batches, longest first (file order without ``group_by_length``)."""
        return self._loader("val", self.eval_batch_size, train=False)

    def test_dataloader(self) -> DataLoader[Batch]:
        """Test batches, longest first (file order without ``group_by_length``)."""
        return self._loader("test", self.eval_batch_size, train=False)

    def predict_dataloader(self) -> DataLoader[Batch]:
        """Batches of the predict split in file order."""
        return self._loader("predict", self.eval_batch_size, train=False)


def _padding_lengths(dataset: GeneratorDataset) -> np.ndarray:
    """Bytes of each example's state and tactic after truncation: what its batch pads to.

    Retrieved premises are not counted: they fill the input up to the budget anyway.
    """
    states = np.minimum(dataset.examples.states.byte_lengths(), dataset.max_input_length)
    tactics = np.minimum(dataset.examples.tactics.byte_lengths(), dataset.max_output_length)
    return states + tactics  # (examples,)
