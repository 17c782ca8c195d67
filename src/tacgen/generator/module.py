"""``RetrievalAugmentedGenerator``: ReProver's ByT5 tactic generator as a LightningModule.

It trains (teacher-forced loss), validates and tests (loss and beam-search top-k
accuracy), and predicts (ranked tactics for every state of a split). Decoding goes through
:func:`~tacgen.generator.decoding.decode_candidates` and inputs through
:class:`~tacgen.generator.inputs.InputBuilder`, the same code as
:func:`~tacgen.generator.inference.load_generator`'s generators.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import lightning as L
import torch
from lightning.pytorch.loggers import TensorBoardLogger

from tacgen.core.errors import ConfigError
from tacgen.core.records import Query
from tacgen.generator.backends import TorchBackend
from tacgen.generator.batch import Batch
from tacgen.generator.callbacks import ValidationSummary, prediction_rows
from tacgen.generator.decoding import decode_candidates
from tacgen.generator.inference import GENERATOR_SPEC, InferenceGenerator
from tacgen.generator.inputs import training_inputs
from tacgen.generator.interface import TacticGenerator
from tacgen.generator.metrics import TopkAccuracy, topk_metrics
from tacgen.generator.options import Candidates, GenerationOptions
from tacgen.nn.checkpoint import export_pretrained
from tacgen.nn.module import T5Module
from tacgen.nn.tokenizer import ByteTokenizer
from tacgen.retrieval.interface import Retriever

if TYPE_CHECKING:
    from transformers import T5ForConditionalGeneration


class RetrievalAugmentedGenerator(T5Module, TacticGenerator, spec=GENERATOR_SPEC):
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
        num_retrieved: int = 100,
        log_io_every_n_steps: int = 500,
        weight_decay: float = 0.0,
        model_config: dict[str, Any] | None = None,
        retriever_corpus: str | None = None,
        retriever_index: str | None = None,
        keep_marks: bool = True,
        eval_num_retrieved: int | None = None,
        retriever_exact: bool = False,
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
                by ``generate`` and in validation/test/predict instead of the data module's
                predictions; None for none (:meth:`attach_retriever` attaches any
                :class:`Retriever`; it never becomes part of the generator's parameters).
            num_retrieved: premises retrieved per state by ``generate`` and in
                validation/test/predict when a retriever is attached.
            log_io_every_n_steps: log an input/target example to TensorBoard every this many
                training steps; 0 disables it.
            weight_decay: AdamW's decoupled weight decay.
            model_config: a T5 config dict; when given, it takes precedence over
                ``model_name`` and the model is built from it with random weights (checkpoints
                store it, so that they reload without network access).
            retriever_corpus: the retriever's corpus; the one it was trained with when None.
            retriever_index: an embeddings file (``tacgen index``) for that corpus; when
                None the corpus is encoded when the retriever is loaded.
            keep_marks: keep ``<a>…</a>`` in retrieved premises (linked from the data
                module's ``keep_marks`` by the command line).
            eval_num_retrieved: deprecated alias of ``num_retrieved`` (older configs).
            retriever_exact: search the embeddings exactly even when an ANN index is
                beside ``retriever_index``.
        """
        super().__init__()
        if eval_num_retrieved is not None:
            warnings.warn(
                "model.eval_num_retrieved is deprecated: use model.num_retrieved",
                DeprecationWarning,
                stacklevel=2,
            )
            num_retrieved = eval_num_retrieved
        check_at_least(1, num_beams=num_beams, max_input_length=max_input_length)
        check_at_least(1, max_output_length=max_output_length)
        check_at_least(0, num_retrieved=num_retrieved, warmup_steps=warmup_steps)
        check_at_least(0, log_io_every_n_steps=log_io_every_n_steps)
        self.save_hyperparameters()
        self.lr, self.warmup_steps, self.weight_decay = lr, warmup_steps, weight_decay
        self.num_beams, self.length_penalty = num_beams, length_penalty
        self.max_input_length, self.max_output_length = max_input_length, max_output_length
        self.log_io_every_n_steps = log_io_every_n_steps
        model = self.build_backbone(model_name, model_config)
        self.model = cast("T5ForConditionalGeneration", model)
        self.tokenizer = ByteTokenizer()
        self.inputs = training_inputs(
            max_input_length, keep_marks, num_retrieved, retriever_ckpt,
            retriever_corpus, retriever_index, retriever_exact,
        )  # fmt: skip
        self.topk_val, self.topk_test = topk_metrics(num_beams), topk_metrics(num_beams)
        self._last_io_step = -1

    @property
    def retriever(self) -> Retriever | None:
        """The attached premise retriever (see :meth:`attach_retriever`)."""
        return self.inputs.retriever

    def attach_retriever(self, retriever: Retriever | None) -> None:
        """Retrieves premises with ``retriever`` in validation, test, predict and generate.

        Args:
            retriever: any :class:`Retriever` (frozen and put in eval mode when it is a
                module), or None to detach.
        """
        self.inputs.attach(retriever)

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

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        """Computes and logs ``loss_train``; logs an example now and then."""
        loss = self(batch.state_ids, batch.state_mask, batch.tactic_ids)
        self.log("loss_train", loss, on_epoch=True, sync_dist=True, batch_size=len(batch))
        every = self.log_io_every_n_steps
        if every and self.global_step % every == 0 and self.global_step != self._last_io_step:
            self._last_io_step = self.global_step  # once per step under gradient accumulation
            self._log_io_texts("train", batch)
        return loss

    # ---------------------------------------------------------------- evaluation

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        """Logs ``loss_val`` and ``top{k}_acc_val`` for k = 1..num_beams."""
        self._evaluate("val", batch, batch_idx, cast(Sequence[TopkAccuracy], self.topk_val))

    def test_step(self, batch: Batch, batch_idx: int) -> None:
        """Logs ``loss_test`` and ``top{k}_acc_test`` for k = 1..num_beams."""
        self._evaluate("test", batch, batch_idx, cast(Sequence[TopkAccuracy], self.topk_test))

    def predict_step(self, batch: Batch, batch_idx: int) -> list[dict[str, Any]]:
        """Ranked tactics (``num_beams`` beams) for every example of the batch.

        Returns:
            One JSON-ready row per example: where it is, its state, the reference tactic
            and ``tactics``, a list of ``{"tactic", "score"}`` (log-probability), best first.
        """
        batch = self._with_retrieved_inputs(batch)
        return prediction_rows(batch.examples, self._decode(batch))

    def configure_callbacks(self) -> list[L.Callback]:
        """The step progress bar, and a one-line validation summary (loss, top-k
        accuracy) after each validation."""
        return [*super().configure_callbacks(), ValidationSummary()]

    def _with_retrieved_inputs(self, batch: Batch) -> Batch:
        """The batch with inputs rebuilt from freshly retrieved premises (no dropping)."""
        if not self.inputs.retrieves:
            return batch
        texts = self.inputs.build(_queries(batch), self.device)
        ids, mask = self.tokenizer.batch_encode(texts, self.max_input_length)  # (batch, len) x2
        device = self.device
        return replace(
            batch, state=tuple(texts), state_ids=ids.to(device), state_mask=mask.to(device)
        )

    def _decode(self, batch: Batch) -> list[Candidates]:
        return decode_candidates(
            self.model,
            self.tokenizer,
            batch.state_ids,  # (batch, input_len)
            batch.state_mask,  # (batch, input_len)
            self.num_beams,
            self.max_output_length,
            self.length_penalty,
        )

    def _evaluate(
        self, split: str, batch: Batch, batch_idx: int, metrics: Sequence[TopkAccuracy]
    ) -> None:
        size = len(batch)
        batch = self._with_retrieved_inputs(batch)
        loss = self(batch.state_ids, batch.state_mask, batch.tactic_ids)
        self.log(f"loss_{split}", loss, on_epoch=True, sync_dist=True, batch_size=size)
        predictions = [[text for text, _ in row] for row in self._decode(batch)]
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

    def inference_generator(self) -> InferenceGenerator:
        """This module's model, inputs and retriever as a plain inference generator."""
        backend = TorchBackend(
            self.model,
            self.max_input_length,
            self.max_output_length,
            self.length_penalty,
            self.tokenizer,
        )
        return InferenceGenerator(backend, self.inputs)

    def generate_queries(
        self, queries: Sequence[Query], num_samples: int, options: GenerationOptions | None = None
    ) -> list[Candidates]:
        """See :meth:`TacticGenerator.generate_queries`: this module's model and inputs
        through :meth:`inference_generator`."""
        return self.inference_generator().generate_queries(queries, num_samples, options)

    def export(self, out_dir: str | os.PathLike[str], overwrite: bool = False) -> Path:
        """Writes the model and tokenizer as a transformers directory (atomically).

        Args:
            out_dir: the directory to create.
            overwrite: replace an existing non-empty directory.

        Returns:
            The export directory.
        """
        return export_pretrained(self.model, out_dir, overwrite=overwrite)


def _queries(batch: Batch) -> list[Query]:
    return [Query(e.state, e.file_path, e.full_name, e.start) for e in batch.examples]


def check_at_least(low: int, **values: int) -> None:
    """Refuses, in one line, a constructor argument below ``low``.

    Args:
        low: the least value allowed.
        **values: the arguments by name.

    Raises:
        ConfigError: naming the first one below.
    """
    for name, value in values.items():
        if value < low:
            raise ConfigError(f"{name} must be >= {low}, got {value}")


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines() or [""])
