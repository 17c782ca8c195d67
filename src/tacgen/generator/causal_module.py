"""``CausalGenerator``: a decoder-only tactic generator as a LightningModule.

``tacgen fit`` trains it from the same :class:`~tacgen.generator.datamodule.GeneratorDataModule`
as the T5 generator (retrieved premises included) when a config names it::

    model:
      class_path: tacgen.generator.causal_module.CausalGenerator
      init_args: {model_name: tiny-qwen2, template: bfs}

Each example is ``template.render(premises + state, full_name, proof_before)`` followed
by the tactic's continuation (:mod:`~tacgen.generator.causal_batch`); the loss is on the
continuation only. Validation and test log the loss and beam-search top-k accuracy, as
for T5; decoding goes through :class:`~tacgen.generator.causal_backend.CausalTorchBackend`,
the backend ``load_generator`` uses.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import lightning as L
import torch

from tacgen.core.errors import CheckpointError
from tacgen.core.records import Query
from tacgen.generator.batch import Batch
from tacgen.generator.callbacks import ValidationSummary, prediction_rows
from tacgen.generator.causal_backend import CausalTorchBackend
from tacgen.generator.causal_batch import CausalBatch, encode_examples
from tacgen.generator.causal_io import (
    CAUSAL_SPEC,
    DEFAULT_TARGETS,
    TEMPLATE_KEY,
    LoraSettings,
    adapter_keys,
    build_backbone,
    check_template,
    export_causal,
    is_peft,
    stored_template,
    tokenizer_files,
)
from tacgen.generator.inference import InferenceGenerator
from tacgen.generator.inputs import training_inputs
from tacgen.generator.interface import TacticGenerator
from tacgen.generator.metrics import TopkAccuracy, topk_metrics
from tacgen.generator.module import check_at_least
from tacgen.generator.options import DEFAULT_OPTIONS, Candidates, GenerationOptions
from tacgen.generator.templates import TEMPLATES, PromptTemplate, resolve_template
from tacgen.nn.module import T5Module


class CausalGenerator(T5Module, TacticGenerator, spec=CAUSAL_SPEC):
    """A causal language model generating a tactic after a prompt template."""

    def __init__(
        self,
        model_name: str = "tiny-qwen2",
        template: str = "bfs",
        lr: float = 5e-4,
        warmup_steps: int = 100,
        weight_decay: float = 0.0,
        num_beams: int = 4,
        max_input_length: int = 1024,
        max_output_length: int = 128,
        retriever_ckpt: str | None = None,
        num_retrieved: int = 100,
        retriever_corpus: str | None = None,
        retriever_index: str | None = None,
        retriever_exact: bool = False,
        keep_marks: bool = True,
        lora_r: int = 0,
        lora_alpha: int = 16,
        lora_dropout: float = 0.05,
        lora_target_modules: list[str] | None = None,
        force_template: bool = False,
        model_config: dict[str, Any] | None = None,
        tokenizer_files: dict[str, str] | None = None,
    ) -> None:
        """Builds the generator.

        Args:
            model_name: a named architecture trained from scratch (``tiny-qwen2``,
                ``tiny-llama``, ``qwen2-0.5b``), a ``save_pretrained`` directory, or a hub
                name in the local cache (see :func:`tacgen.nn.causal.build_causal`).
            template: a prompt template name (``bfs``, ``internlm-step``,
                ``reprover-causal``) or a format string with ``{state}`` (and optionally
                ``{name}``, ``{proof_before}``); saved with the model and enforced.
            lr: peak learning rate of AdamW.
            warmup_steps: optimizer steps of linear warm-up before the cosine decay.
            weight_decay: AdamW's decoupled weight decay.
            num_beams: beams (and candidates) of beam search in validation and test.
            max_input_length: prompt budget in tokens (a longer prompt keeps its tail);
                also the data module's byte budget for premises and state (linked).
            max_output_length: the most continuation tokens, eos included.
            retriever_ckpt: a premise retriever checkpoint used by ``generate`` and in
                validation/test/predict instead of the data module's predictions.
            num_retrieved: premises retrieved per state when a retriever is attached.
            retriever_corpus: the retriever's corpus; the one it was trained with when None.
            retriever_index: an embeddings file (``tacgen index``) for that corpus.
            retriever_exact: search the embeddings exactly even beside an ANN index.
            keep_marks: keep ``<a>…</a>`` in retrieved premises (linked from the data
                module's ``keep_marks``).
            lora_r: the rank of a LoRA adapter (peft); 0 fine-tunes every weight. LoRA
                needs pretrained weights (a directory or hub name), and checkpoints then
                keep the adapter only.
            lora_alpha: LoRA's scaling numerator (updates scaled by ``alpha / r``).
            lora_dropout: dropout on the adapter's input.
            lora_target_modules: the linear layers adapted; the attention projections
                (``q_proj``, ``k_proj``, ``v_proj``, ``o_proj``) when None.
            force_template: load or resume a checkpoint trained with another template.
            model_config: a causal config dict; when given (checkpoints store it), the
                model is built from it with random weights, then loaded.
            tokenizer_files: the tokenizer's files (checkpoints store them), so that a
                fine-tuned hub model reloads without its directory.
        """
        super().__init__()
        check_at_least(1, num_beams=num_beams, max_input_length=max_input_length)
        check_at_least(1, max_output_length=max_output_length)
        check_at_least(0, num_retrieved=num_retrieved, warmup_steps=warmup_steps)
        check_at_least(0, lora_r=lora_r)
        self.save_hyperparameters()
        self.template = resolve_template(template)
        self.force_template = force_template
        self.lr, self.warmup_steps, self.weight_decay = lr, warmup_steps, weight_decay
        self.num_beams = num_beams
        self.max_input_length, self.max_output_length = max_input_length, max_output_length
        targets = tuple(lora_target_modules or DEFAULT_TARGETS)
        lora = LoraSettings(lora_r, lora_alpha, lora_dropout, targets) if lora_r else None
        self.model, self.tokenizer = build_backbone(model_name, model_config, tokenizer_files, lora)
        self.adapter = adapter_keys([n for n, _ in self.named_parameters()]) if lora else None
        """The adapter's state-dict keys with LoRA (what checkpoints keep), else None."""
        self.inputs = training_inputs(
            max_input_length, keep_marks, num_retrieved, retriever_ckpt,
            retriever_corpus, retriever_index, retriever_exact,
        )  # fmt: skip
        self.topk_val, self.topk_test = topk_metrics(num_beams), topk_metrics(num_beams)

    @property
    def backbone(self) -> Any:
        """The transformers model (under the adapter, with LoRA)."""
        return self.model.get_base_model() if is_peft(self.model) else self.model

    # ---------------------------------------------------------------- batches

    def transfer_batch_to_device(
        self, batch: Any, device: torch.device, dataloader_idx: int
    ) -> Any:
        """Turns the data module's :class:`Batch` into a :class:`CausalBatch` (outside
        training, with premises retrieved afresh when a retriever is attached), then moves
        it (see :meth:`T5Module.transfer_batch_to_device`)."""
        if isinstance(batch, Batch):
            training = self._trainer is not None and self.trainer.training
            batch = self.encode_batch(batch, retrieve=not training)
        return super().transfer_batch_to_device(batch, device, dataloader_idx)

    def encode_batch(self, batch: Batch, retrieve: bool = False) -> CausalBatch:
        """Renders and tokenizes a batch (see :mod:`~tacgen.generator.causal_batch`).

        Args:
            batch: a collated batch of the generator data module.
            retrieve: rebuild the inputs with the attached retriever's premises.

        Returns:
            The causal batch (on the CPU).
        """
        states: Sequence[str] = batch.state
        if retrieve and self.inputs.retrieves:
            queries = [Query(e.state, e.file_path, e.full_name, e.start) for e in batch.examples]
            states = self.inputs.build(queries, self.device)
        befores = batch.proof_before or tuple(() for _ in batch.examples)
        prompts = tuple(
            self.template.render(state, example.full_name, before)
            for state, example, before in zip(states, batch.examples, befores)
        )
        ids, mask, labels = encode_examples(
            self.tokenizer, self.template, prompts, batch.tactic,
            self.max_input_length, self.max_output_length,
        )  # fmt: skip  # (batch, len) x3
        return CausalBatch(prompts, batch.tactic, batch.examples, ids, mask, labels)

    # ---------------------------------------------------------------- training

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor
    ) -> torch.Tensor:
        """Teacher-forced loss on the continuation tokens.

        Args:
            input_ids: (batch, len) prompt and continuation ids.
            attention_mask: (batch, len) mask.
            labels: (batch, len) continuation ids, -100 elsewhere.

        Returns:
            The mean token cross-entropy over the continuations (scalar).
        """
        output = self.model(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
        loss: torch.Tensor = output.loss
        return loss

    def training_step(self, batch: CausalBatch, batch_idx: int) -> torch.Tensor:
        """Computes and logs ``loss_train``."""
        loss = self(batch.input_ids, batch.attention_mask, batch.labels)
        self.log("loss_train", loss, on_epoch=True, sync_dist=True, batch_size=len(batch))
        return loss

    # ---------------------------------------------------------------- evaluation

    def validation_step(self, batch: CausalBatch, batch_idx: int) -> None:
        """Logs ``loss_val`` and ``top{k}_acc_val`` for k = 1..num_beams."""
        self._evaluate("val", batch, cast(Sequence[TopkAccuracy], self.topk_val))

    def test_step(self, batch: CausalBatch, batch_idx: int) -> None:
        """Logs ``loss_test`` and ``top{k}_acc_test`` for k = 1..num_beams."""
        self._evaluate("test", batch, cast(Sequence[TopkAccuracy], self.topk_test))

    def predict_step(self, batch: CausalBatch, batch_idx: int) -> list[dict[str, Any]]:
        """Ranked tactics (``num_beams`` beams) per example, as the T5 generator's rows."""
        candidates = self.backend().decode(batch.prompts, self.num_beams, DEFAULT_OPTIONS)
        return prediction_rows(batch.examples, candidates)

    def configure_callbacks(self) -> list[L.Callback]:
        """The step progress bar and the one-line validation summary."""
        return [*super().configure_callbacks(), ValidationSummary()]

    def _evaluate(self, split: str, batch: CausalBatch, metrics: Sequence[TopkAccuracy]) -> None:
        size = len(batch)
        loss = self(batch.input_ids, batch.attention_mask, batch.labels)
        self.log(f"loss_{split}", loss, on_epoch=True, sync_dist=True, batch_size=size)
        ranked = self.backend().decode(batch.prompts, self.num_beams, DEFAULT_OPTIONS)
        predictions = [[text for text, _ in row] for row in ranked]
        for metric in metrics:
            metric.update(predictions, list(batch.tactics))
            name = f"top{metric.k}_acc_{split}"
            self.log(name, metric, on_step=False, on_epoch=True, sync_dist=True, batch_size=size)

    # ---------------------------------------------------------------- checkpoints

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Stores the config (as T5 modules do), the tokenizer's files, the template; with
        LoRA, drops every weight but the adapter's."""
        super().on_save_checkpoint(checkpoint)
        checkpoint[TEMPLATE_KEY] = self.template.to_dict()
        hparams = checkpoint.get("hyper_parameters")
        if isinstance(hparams, dict):
            hparams["tokenizer_files"] = tokenizer_files(self.tokenizer)
        if self.adapter is not None:
            weights = checkpoint["state_dict"]
            checkpoint["state_dict"] = {k: v for k, v in weights.items() if k in self.adapter}

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Refuses (one line) to resume with another template unless ``force_template``."""
        super().on_load_checkpoint(checkpoint)
        values = checkpoint.get(TEMPLATE_KEY)
        if isinstance(values, dict):
            stored = PromptTemplate.from_dict(values)
            check_template(stored, self.template, self.force_template, "the checkpoint")

    def load_state_dict(self, state_dict: Any, strict: bool = True, assign: bool = False) -> Any:
        """As torch's; with LoRA, a checkpoint holds the adapter only, and the base weights
        (from ``model_name``) are kept."""
        if self.adapter is None:
            return super().load_state_dict(state_dict, strict=strict, assign=assign)
        result = super().load_state_dict(state_dict, strict=False, assign=assign)
        missing = sorted(set(result.missing_keys) & self.adapter)
        if strict and (missing or result.unexpected_keys):
            extra = list(result.unexpected_keys)[:3]
            raise CheckpointError(
                f"the LoRA checkpoint does not match the adapter: missing {missing[:3]}, "
                f"unexpected {extra} (lora_r / lora_target_modules changed?)"
            )
        return result

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], device: str | torch.device = "cpu", **overrides: Any
    ) -> CausalGenerator:
        """Loads a checkpoint for inference (see :meth:`T5Module.load`); a ``template``
        override must equal the stored one unless ``force_template=True``."""
        source = Path(path).expanduser()
        exported = stored_template(source) if source.is_dir() else None
        if exported is not None and "template" not in overrides:
            known = TEMPLATES.get(exported.name) == exported
            overrides["template"] = exported.name if known else exported.prompt
        module = super().load(source, device, **overrides)
        stored = exported or (stored_template(source) if source.is_file() else None)
        if stored is not None:
            check_template(stored, module.template, module.force_template, str(source))
        return module

    # ---------------------------------------------------------------- generation

    def backend(self) -> CausalTorchBackend:
        """This module's model as a torch decoding backend."""
        return CausalTorchBackend(
            self.model, self.tokenizer, self.template, self.max_input_length,
            self.max_output_length,
        )  # fmt: skip

    def settings(self) -> dict[str, Any]:
        """The ``load_generator`` settings of this module (lengths, retrieval)."""
        keys: tuple[str, ...] = (
            "max_input_length",
            "max_output_length",
            "num_retrieved",
            "keep_marks",
        )
        keys += ("retriever_ckpt", "retriever_corpus", "retriever_index", "retriever_exact")
        return {k: self.hparams[k] for k in keys}

    def inference_generator(self) -> InferenceGenerator:
        """This module's model, template, inputs and retriever as an inference generator."""
        return InferenceGenerator(self.backend(), self.inputs, self.template)

    def generate_queries(
        self, queries: Sequence[Query], num_samples: int, options: GenerationOptions | None = None
    ) -> list[Candidates]:
        """See :meth:`TacticGenerator.generate_queries` (through :meth:`inference_generator`)."""
        return self.inference_generator().generate_queries(queries, num_samples, options)

    def score_queries(
        self, queries: Sequence[Query], tactics: Sequence[Sequence[str]]
    ) -> list[list[float]]:
        """See :meth:`TacticGenerator.score_queries` (through :meth:`inference_generator`)."""
        return self.inference_generator().score_queries(queries, tactics)

    def token_counts(
        self, queries: Sequence[Query], tactics: Sequence[Sequence[str]]
    ) -> list[list[int]]:
        """The tokens each tactic's score sums over (see
        :meth:`InferenceGenerator.token_counts`)."""
        return self.inference_generator().token_counts(queries, tactics)

    def export(self, out_dir: str | os.PathLike[str], overwrite: bool = False) -> Path:
        """Writes the model (adapter merged), tokenizer, template and settings as a
        transformers directory, atomically (see :func:`export_causal`)."""
        return export_causal(
            self.model, self.tokenizer, self.template, self.settings(), out_dir, overwrite
        )
