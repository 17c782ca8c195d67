"""ReProver's retrieval-augmented ByT5 tactic generator."""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import lightning as L
import torch
from lightning.pytorch.loggers import TensorBoardLogger

from tacgen.data.formatting import format_augmented_state, remove_marks
from tacgen.data.records import Batch, Position
from tacgen.data.tokenizer import ByteTokenizer
from tacgen.model import retrieval_hooks
from tacgen.model.beam_search import beam_search, generated_tokens, rank_candidates
from tacgen.model.callbacks import ValidationSummary
from tacgen.model.interface import Candidates, TacticGenerator
from tacgen.model.loading import (
    build_seq2seq,
    check_checkpoint_file,
    config_from_dict,
    export_pretrained,
    model_from_config,
)
from tacgen.model.metrics import TopkAccuracy
from tacgen.model.optim import build_optimizer, build_scheduler
from tacgen.retrieval.base import PremiseRetrieverLike, load_retriever

_CONFIG_KEY = "t5_config"
"""Where checkpoints keep the T5 config, so that they reload without network access."""


class RetrievalAugmentedGenerator(TacticGenerator, L.LightningModule):
    """ByT5 generating a tactic from a proof state prefixed by retrieved premises."""

    def __init__(
        self,
        model_name: str = "tiny",
        lr: float = 5e-4,
        warmup_steps: int = 2000,
        num_beams: int = 5,
        length_penalty: float = 0.0,
        max_input_length: int = 2300,
        max_output_length: int = 512,
        retriever_ckpt: str | None = None,
        eval_num_retrieved: int = 100,
        log_io_every_n_steps: int = 500,
        weight_decay: float = 0.0,
        model_config: dict[str, Any] | None = None,
        retriever_corpus: str | None = None,
        retriever_index: str | None = None,
    ) -> None:
        """Builds the generator.

        Args:
            model_name: a named architecture trained from scratch (``"tiny"``,
                ``"byt5-small"``), a ``config.json`` path (from scratch), a directory written
                by ``save_pretrained`` (e.g. ReProver's published generator), or a hub name
                in the local cache.
            lr: peak learning rate of AdamW.
            warmup_steps: optimizer steps of linear warm-up before the cosine decay.
            num_beams: beams (and returned candidates) of beam search in validation.
            length_penalty: beam scores are ``log p / length ** length_penalty``.
            max_input_length: input budget in bytes/tokens (premises + state).
            max_output_length: the most tokens generated for a tactic, eos included.
            retriever_ckpt: a premise retriever checkpoint (``tacgen retriever fit``) used
                by ``generate`` and in validation/test instead of the data module's
                predictions; None for none (a retriever object can also be assigned to
                ``retriever``; it never becomes part of the generator's parameters).
            eval_num_retrieved: premises retrieved per state by ``generate`` and in
                validation/test when a retriever is attached.
            log_io_every_n_steps: log an input/target example to TensorBoard every this many
                training steps; 0 disables it.
            weight_decay: AdamW's decoupled weight decay.
            model_config: a T5 config dict; when given, it takes precedence over
                ``model_name`` and the model is built from it with random weights (checkpoints
                store it, so that they reload without network access).
            retriever_corpus: the retriever's corpus; the one it was trained with when None.
            retriever_index: an embeddings file (``tacgen index``) for that corpus; when
                None the corpus is encoded when the retriever is loaded.
        """
        super().__init__()
        _check_positive(num_beams=num_beams, max_input_length=max_input_length)
        _check_positive(max_output_length=max_output_length)
        if eval_num_retrieved < 0 or warmup_steps < 0 or log_io_every_n_steps < 0:
            raise ValueError(
                "eval_num_retrieved, warmup_steps and log_io_every_n_steps must be >= 0"
            )
        self.save_hyperparameters()
        self.lr = lr
        self.warmup_steps = warmup_steps
        self.weight_decay = weight_decay
        self.num_beams = num_beams
        self.length_penalty = length_penalty
        self.max_input_length = max_input_length
        self.max_output_length = max_output_length
        self.eval_num_retrieved = eval_num_retrieved
        self.log_io_every_n_steps = log_io_every_n_steps
        if model_config is not None:
            self.model = model_from_config(config_from_dict(model_config, "model_config"))
        else:
            self.model = build_seq2seq(model_name)
        self.tokenizer = ByteTokenizer()
        self.retriever: PremiseRetrieverLike | None = (
            load_retriever(retriever_ckpt, retriever_corpus, retriever_index)
            if retriever_ckpt
            else None
        )
        ks = range(1, num_beams + 1)
        self.topk_val = torch.nn.ModuleList([TopkAccuracy(k) for k in ks])
        self.topk_test = torch.nn.ModuleList([TopkAccuracy(k) for k in ks])
        self._last_io_step = -1

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "retriever":
            # Outside the module tree: not trained, not checkpointed, not switched to train().
            object.__setattr__(self, name, retrieval_hooks.prepare_retriever(value))
            return
        super().__setattr__(name, value)

    # ---------------------------------------------------------------- training

    def forward(
        self, state_ids: torch.Tensor, state_mask: torch.Tensor, tactic_ids: torch.Tensor
    ) -> torch.Tensor:
        """Teacher-forced loss.

        Args:
            state_ids: (batch, input_len) input ids.
            state_mask: (batch, input_len) input attention mask.
            tactic_ids: (batch, output_len) target ids, padding set to -100.

        Returns:
            The mean token cross-entropy (scalar).
        """
        output = self.model(input_ids=state_ids, attention_mask=state_mask, labels=tactic_ids)
        loss: torch.Tensor = output.loss
        return loss

    def on_fit_start(self) -> None:
        # from_pretrained and load() leave eval mode, and Lightning >= 2.2 keeps whatever
        # mode the module had; dropout must be on while training.
        self.train()

    def on_train_epoch_start(self) -> None:
        # Again per epoch, in case a callback or hook switched to eval mode in between.
        self.train()

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        """Computes and logs ``loss_train``; logs an example now and then."""
        loss = self(batch.state_ids, batch.state_mask, batch.tactic_ids)
        self.log("loss_train", loss, on_epoch=True, sync_dist=True, batch_size=len(batch))
        every = self.log_io_every_n_steps
        if every and self.global_step % every == 0 and self.global_step != self._last_io_step:
            self._last_io_step = self.global_step  # once per step under gradient accumulation
            self._log_io_texts("train", batch)
        return loss

    def configure_optimizers(self) -> Any:
        """AdamW with linear warm-up and cosine decay to 0 at ``trainer.max_steps``."""
        optimizer = build_optimizer(self.parameters(), self.lr, self.weight_decay, self.device.type)
        max_steps = self.trainer.max_steps if self._trainer is not None else None
        scheduler = build_scheduler(optimizer, self.warmup_steps, max_steps)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }

    def transfer_batch_to_device(
        self, batch: Any, device: torch.device, dataloader_idx: int
    ) -> Any:
        """Moves a :class:`Batch` with ``Batch.to``: Lightning cannot rebuild frozen dataclasses."""
        if isinstance(batch, Batch):
            return batch.to(device)
        return super().transfer_batch_to_device(batch, device, dataloader_idx)

    # ---------------------------------------------------------------- evaluation

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        """Logs ``loss_val`` and ``top{k}_acc_val`` for k = 1..num_beams."""
        self._evaluate("val", batch, batch_idx, cast(Sequence[TopkAccuracy], self.topk_val))

    def test_step(self, batch: Batch, batch_idx: int) -> None:
        """Logs ``loss_test`` and ``top{k}_acc_test`` for k = 1..num_beams."""
        self._evaluate("test", batch, batch_idx, cast(Sequence[TopkAccuracy], self.topk_test))

    def configure_callbacks(self) -> list[L.Callback]:
        """A one-line validation summary (loss, top-k accuracy) after each validation."""
        return [ValidationSummary()]

    def _evaluate(
        self, split: str, batch: Batch, batch_idx: int, metrics: Sequence[TopkAccuracy]
    ) -> None:
        size = len(batch)
        if self.retriever is not None and self.eval_num_retrieved > 0:
            batch = retrieval_hooks.augment_batch(
                self.retriever,
                batch,
                self.device,
                self.eval_num_retrieved,
                self.max_input_length,
                self.tokenizer,
            )
        loss = self(batch.state_ids, batch.state_mask, batch.tactic_ids)
        self.log(f"loss_{split}", loss, on_epoch=True, sync_dist=True, batch_size=size)
        candidates = self._generate_from_ids(batch.state_ids, batch.state_mask, self.num_beams)
        predictions = [[text for text, _ in row] for row in candidates]
        for metric in metrics:
            metric.update(predictions, list(batch.tactic))
            # Logging the metric object lets Lightning sum its counts across processes.
            name = f"top{metric.k}_acc_{split}"
            self.log(name, metric, on_step=False, on_epoch=True, sync_dist=True, batch_size=size)
        if batch_idx == 0:
            self._log_io_texts(split, batch, predictions[0])

    def _log_io_texts(
        self, split: str, batch: Batch, predictions: Sequence[str] | None = None
    ) -> None:
        """Logs the first example's input, target and predictions as TensorBoard text."""
        if not isinstance(self.logger, TensorBoardLogger) or len(batch) == 0:
            return
        # Four-space indentation makes markdown show Lean code verbatim.
        lines = ["**input**", _indent(batch.state[0]), "**target**", _indent(batch.tactic[0])]
        if predictions is not None:
            lines += ["**predictions**", _indent("\n".join(predictions))]
        self.logger.experiment.add_text(f"io_{split}", "\n\n".join(lines), self.global_step)

    # ---------------------------------------------------------------- generation

    def batch_generate(
        self,
        states: Sequence[str],
        file_paths: Sequence[str],
        theorem_full_names: Sequence[str],
        theorem_positions: Sequence[Position],
        num_samples: int,
    ) -> list[Candidates]:
        """Suggests tactics for several states with beam search (``num_samples`` beams).

        With a retriever attached, ``eval_num_retrieved`` premises are retrieved per state
        and prepended within ``max_input_length``. Scores are sequence log-probabilities
        (eos included) divided by ``length ** length_penalty``; marks are removed.

        Args:
            states: the proof states.
            file_paths: for each state, the Lean file of its theorem.
            theorem_full_names: for each state, the theorem's full name.
            theorem_positions: for each state, the theorem's (line, column).
            num_samples: beams, and candidates before deduplication, per state.

        Returns:
            For each state, distinct tactics with their scores, best first.
        """
        n = len(states)
        if not len(file_paths) == len(theorem_full_names) == len(theorem_positions) == n:
            raise ValueError("batch_generate needs one file path, name and position per state")
        if n == 0:
            return []
        texts = list(states)
        if self.retriever is not None and self.eval_num_retrieved > 0:
            retrieved = retrieval_hooks.retrieve(
                self.retriever,
                self.device,
                states,
                file_paths,
                theorem_full_names,
                theorem_positions,
                self.eval_num_retrieved,
            )
            budget = self.max_input_length
            texts = [format_augmented_state(s, p, budget, 0.0) for s, p in zip(states, retrieved)]
        ids, mask = self.tokenizer.batch_encode(texts, self.max_input_length)
        return self._generate_from_ids(ids.to(self.device), mask.to(self.device), num_samples)

    def _generate_from_ids(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, num_beams: int
    ) -> list[Candidates]:
        """Beam search from encoded inputs; decoded, unmarked, deduplicated, best first."""
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.inference_mode():
                sequences, scores = beam_search(
                    self.model,
                    input_ids,  # (batch, input_len)
                    attention_mask,  # (batch, input_len)
                    num_beams,
                    self.max_output_length,
                    self.length_penalty,
                )  # (batch, beams, out_len), (batch, beams)
        finally:
            self.model.train(was_training)
        eos = self.tokenizer.eos_token_id
        results: list[Candidates] = []
        for rows, row_scores in zip(sequences.tolist(), scores.tolist()):
            texts = [
                remove_marks(self.tokenizer.decode(generated_tokens(row, eos))) for row in rows
            ]
            results.append(rank_candidates(texts, row_scores))
        return results

    # ---------------------------------------------------------------- persistence

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        config = self.model.config.to_dict()
        checkpoint[_CONFIG_KEY] = config
        hparams = checkpoint.get("hyper_parameters")
        if isinstance(hparams, dict):
            # So that Lightning's own load_from_checkpoint rebuilds the model from the stored
            # config too, instead of fetching model_name again.
            hparams["model_config"] = config

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], device: str | torch.device = "cpu", **overrides: Any
    ) -> RetrievalAugmentedGenerator:
        """Loads a generator for inference, without network access.

        Args:
            path: a Lightning ``.ckpt`` written by this class (the model is rebuilt from the
                config stored in it), or a transformers directory (``save_pretrained``).
            device: where to put the model.
            **overrides: constructor arguments replacing the stored hyperparameters (e.g.
                ``num_beams``, ``max_input_length``).

        Returns:
            The generator, in eval mode, on ``device``.

        Raises:
            FileNotFoundError: when ``path`` does not exist.
            ValueError: when ``path`` is neither a directory nor a checkpoint of this class.
        """
        source = Path(path)
        if source.is_dir():
            generator = cls(**{**overrides, "model_name": str(source)})
        elif source.is_file():
            generator = cls._from_checkpoint(source, overrides)
        else:
            raise FileNotFoundError(f"generator checkpoint does not exist: {source}")
        return generator.to(device).eval()

    @classmethod
    def _from_checkpoint(cls, path: Path, overrides: dict[str, Any]) -> RetrievalAugmentedGenerator:
        check_checkpoint_file(path)
        try:
            checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise ValueError(f"cannot read checkpoint {path}: {first_line}") from error
        if not isinstance(checkpoint, dict) or _CONFIG_KEY not in checkpoint:
            raise ValueError(
                f"not a RetrievalAugmentedGenerator checkpoint (no {_CONFIG_KEY}): {path}"
            )
        # LightningCLI adds its own keys (e.g. "_instantiator") to the stored hyperparameters.
        accepted = inspect.signature(cls.__init__).parameters
        stored = checkpoint.get("hyper_parameters", {})
        hparams = {k: v for k, v in {**stored, **overrides}.items() if k in accepted}
        hparams["model_config"] = checkpoint[_CONFIG_KEY]
        generator = cls(**hparams)
        generator.load_state_dict(checkpoint["state_dict"])
        return generator

    def export(self, out_dir: str | os.PathLike[str], overwrite: bool = False) -> Path:
        """Writes the model and tokenizer as a transformers directory.

        Args:
            out_dir: the directory to create (written atomically).
            overwrite: replace an existing non-empty directory.

        Returns:
            The export directory.
        """
        return export_pretrained(self.model, out_dir, overwrite=overwrite)


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines() or [""])
