"""Inference without a Trainer: ``load_generator`` and the generator object it returns.

``load_generator(path)`` reads a Lightning ``.ckpt`` written by ``tacgen fit``, a directory
written by ``tacgen export``, or a ReProver-layout transformers directory, and returns an
:class:`InferenceGenerator`: a decoding :class:`~tacgen.generator.backends.Backend` behind
an :class:`~tacgen.generator.inputs.InputBuilder` (retrieval, when a retriever is given).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tacgen.core.errors import UsageError
from tacgen.core.records import Query
from tacgen.generator.backends import Backend, TorchBackend
from tacgen.generator.decoding import Candidates
from tacgen.generator.inputs import InputBuilder
from tacgen.generator.interface import TacticGenerator
from tacgen.nn.architectures import build_model, model_from_config, t5_config
from tacgen.nn.checkpoint import read_checkpoint
from tacgen.nn.device import resolve_device
from tacgen.nn.module import BackboneSpec
from tacgen.retrieval.interface import Retriever

GENERATOR_SPEC = BackboneSpec(
    "seq2seq", attribute="model", config_key="t5_config", noun="generator"
)
"""The training module's backbone; checkpoints keep its T5 config under ``t5_config``, so
that they reload without network access."""

_SETTINGS = {
    "max_input_length": 2300,
    "max_output_length": 512,
    "length_penalty": 0.0,
    "num_retrieved": 100,
    "keep_marks": True,
    "retriever_ckpt": None,
    "retriever_corpus": None,
    "retriever_index": None,
}
"""What ``load_generator`` takes as options, with the defaults of a transformers directory
(a checkpoint's own hyperparameters replace them)."""


class InferenceGenerator(TacticGenerator):
    """A loaded model ready to suggest tactics: inputs built, then decoded by a backend."""

    def __init__(self, backend: Backend, inputs: InputBuilder) -> None:
        """Puts a backend behind the generator interface.

        Args:
            backend: decodes input texts (e.g. :class:`TorchBackend`).
            inputs: builds input texts from queries (retrieval, budget, marks).
        """
        self.backend = backend
        self.inputs = inputs

    @property
    def retriever(self) -> Retriever | None:
        """The attached premise retriever, if any."""
        return self.inputs.retriever

    def generate_queries(self, queries: Sequence[Query], num_samples: int) -> list[Candidates]:
        """Suggests tactics for several queries (see :meth:`TacticGenerator.generate_queries`).

        Args:
            queries: the proof states and their theorems.
            num_samples: candidates searched for per query.

        Returns:
            For each query, distinct tactics with log-probability scores, best first.
        """
        if num_samples < 1:
            raise UsageError(f"num_samples must be >= 1, got {num_samples}")
        return self.backend.decode(self.inputs.build(queries), num_samples)


def read_generator_source(path: Path) -> tuple[Any, dict[str, Any]]:
    """The seq2seq model of a checkpoint or directory, and the settings stored with it.

    Args:
        path: a ``.ckpt`` written by ``tacgen fit`` or a transformers directory.

    Returns:
        ``(model in train mode on the CPU, settings)``: the checkpoint's
        ``load_generator`` options (none for a directory).
    """
    if path.is_dir():
        return build_model(str(path), "seq2seq"), {}
    if not path.exists():
        raise FileNotFoundError(f"generator checkpoint does not exist: {path}")
    hparams, state_dict = read_checkpoint(
        path, GENERATOR_SPEC.config_key, None, {}, "RetrievalAugmentedGenerator"
    )
    model = model_from_config(t5_config(hparams["model_config"], str(path)))
    prefix = "model."
    model.load_state_dict(
        {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
    )
    if hparams.get("eval_num_retrieved") is not None:  # the deprecated name
        hparams["num_retrieved"] = hparams["eval_num_retrieved"]
    return model, {k: v for k, v in hparams.items() if k in _SETTINGS}


def load_generator(
    path: str | os.PathLike[str],
    device: str = "auto",
    retriever: Retriever | None = None,
    **options: Any,
) -> InferenceGenerator:
    """Loads a tactic generator for inference.

    Args:
        path: a Lightning ``.ckpt`` written by ``tacgen fit``, a directory written by
            ``tacgen export``, or a ByT5 ``T5ForConditionalGeneration`` directory laid out
            like ReProver's published generator.
        device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda:1"``, ...
        retriever: a premise retriever to use (overrides ``retriever_ckpt``).
        **options: ``max_input_length``, ``max_output_length``, ``length_penalty``,
            ``num_retrieved``, ``keep_marks``, and ``retriever_ckpt`` /
            ``retriever_corpus`` / ``retriever_index`` to load a dense retriever
            (see :func:`tacgen.retrieval.loading.load_retriever`); a checkpoint's own
            settings are the defaults.

    Returns:
        The generator, in eval mode, on ``device``.

    Raises:
        FileNotFoundError: when ``path`` does not exist.
        CheckpointError: when it is not a generator checkpoint or model directory.
        UsageError: for an unknown option.
    """
    unknown = sorted(set(options) - set(_SETTINGS))
    if unknown:
        raise UsageError(f"unknown load_generator options {unknown}; known: {sorted(_SETTINGS)}")
    target = resolve_device(device)
    model, stored = read_generator_source(Path(path).expanduser())
    settings = {**_SETTINGS, **stored, **{k: v for k, v in options.items() if v is not None}}
    model = model.to(target).eval()
    if retriever is None and settings["retriever_ckpt"]:
        from tacgen.retrieval.loading import load_retriever

        retriever = load_retriever(
            settings["retriever_ckpt"],
            settings["retriever_corpus"],
            settings["retriever_index"],
            device=target,
            progress=True,
        )
    backend = TorchBackend(
        model,
        settings["max_input_length"],
        settings["max_output_length"],
        settings["length_penalty"],
    )
    inputs = InputBuilder(
        settings["max_input_length"], settings["keep_marks"], settings["num_retrieved"], retriever
    )
    model.requires_grad_(False)
    return InferenceGenerator(backend, inputs)
