"""How causal generators are built, stored and exported: LoRA, tokenizers in checkpoints,
the saved prompt template and its enforcement, and ``save_pretrained`` exports.

A causal checkpoint (``tacgen fit`` with :class:`~tacgen.generator.causal_module.CausalGenerator`)
holds the model config under ``causal_config``, the tokenizer's files and the template
in its hyperparameters, the resolved template under ``prompt_template``, and the weights:
all of them, or, with LoRA, the adapter's only (the base weights are read again from the
base model's directory or hub cache). An export (``tacgen export --format hf``) is a
transformers directory (adapter merged) with the tokenizer and :data:`EXPORT_FILE`.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from tacgen.core.atomic import staged_tree
from tacgen.core.errors import CheckpointError, ConfigError, one_line
from tacgen.generator.templates import PromptTemplate
from tacgen.nn.causal import (
    CAUSAL_ARCHITECTURES,
    build_causal,
    byte_level_tokenizer,
    causal_config,
    causal_from_config,
)
from tacgen.nn.module import BackboneSpec

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

CAUSAL_SPEC = BackboneSpec(
    "causal", attribute="model", config_key="causal_config", noun="causal generator"
)
"""The causal module's backbone; checkpoints keep its config under ``causal_config``."""
TEMPLATE_KEY = "prompt_template"
"""The checkpoint key of the resolved template (:meth:`PromptTemplate.to_dict`)."""
EXPORT_FILE = "tacgen_causal.json"
"""Beside an exported causal model: ``{"kind": "causal", "template": ..., "settings": ...}``
(a ``tacgen_*.json`` name: CTranslate2 conversions copy it, so a converted directory keeps
its template)."""
DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")
"""LoRA's default target modules: the attention projections of Qwen2 and Llama."""


@dataclass(frozen=True)
class LoraSettings:
    """A LoRA adapter's shape (peft's ``LoraConfig``)."""

    r: int
    """The rank (> 0)."""
    alpha: int = 16
    """The scaling numerator: updates are scaled by ``alpha / r``."""
    dropout: float = 0.05
    """Dropout on the adapter's input."""
    target_modules: tuple[str, ...] = DEFAULT_TARGETS
    """Names of the linear layers that get an adapter."""

    def __post_init__(self) -> None:
        if self.r < 1 or self.alpha <= 0 or not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"need lora_r >= 1, lora_alpha > 0, 0 <= lora_dropout < 1: {self}")
        if not self.target_modules:
            raise ConfigError("lora_target_modules is empty")


def apply_lora(model: PreTrainedModel, lora: LoraSettings) -> Any:
    """Wraps a model in a peft LoRA adapter (only the adapter trains).

    Raises:
        ConfigError: when peft is not installed or no target module exists.
    """
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as error:
        raise ConfigError("LoRA needs peft: pip install 'tacgen[lora]'") from error
    config = LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=list(lora.target_modules),
        task_type="CAUSAL_LM",
    )
    try:
        with warnings.catch_warnings():
            # peft 0.21 asks transformers 5 the deprecated name; nothing for the user to do.
            warnings.filterwarnings(
                "ignore",
                message=".*is_gradient_checkpointing` is deprecated",
                category=FutureWarning,
            )
            return get_peft_model(model, config)
    except ValueError as error:  # no such target module
        raise ConfigError(f"LoRA: {one_line(error)}") from error


def is_peft(model: Any) -> bool:
    """Whether a model is wrapped by peft."""
    return hasattr(model, "get_base_model") and hasattr(model, "peft_config")


def merged(model: Any) -> PreTrainedModel:
    """A plain transformers model: a peft model's adapter merged into a copy of it.

    Args:
        model: a transformers model, or a peft one (left as it is).

    Returns:
        The model itself, or the merged copy.
    """
    if not is_peft(model):
        return model  # type: ignore[no-any-return]
    import copy

    return copy.deepcopy(model).merge_and_unload()  # type: ignore[no-any-return]


def tokenizer_files(tokenizer: PreTrainedTokenizerBase) -> dict[str, str]:
    """The text files ``save_pretrained`` writes for a tokenizer, by name (checkpoints keep
    them, so that a fine-tuned hub model reloads without its directory)."""
    with tempfile.TemporaryDirectory() as folder:
        tokenizer.save_pretrained(folder)
        return {
            p.name: p.read_text(encoding="utf-8") for p in Path(folder).iterdir() if p.is_file()
        }


def tokenizer_from_files(files: dict[str, str]) -> PreTrainedTokenizerBase:
    """The tokenizer :func:`tokenizer_files` stored."""
    from transformers import AutoTokenizer

    with tempfile.TemporaryDirectory() as folder:
        for name, text in files.items():
            (Path(folder) / Path(name).name).write_text(text, encoding="utf-8")
        return AutoTokenizer.from_pretrained(folder, local_files_only=True)


def build_backbone(
    model_name: str,
    model_config: dict[str, Any] | None,
    files: dict[str, str] | None,
    lora: LoraSettings | None,
) -> tuple[Any, PreTrainedTokenizerBase]:
    """The model and tokenizer of a causal module.

    Args:
        model_name: see :func:`tacgen.nn.causal.build_causal`.
        model_config: a stored config (random weights, loaded from a checkpoint after);
            ignored with LoRA, whose base weights come from ``model_name``.
        files: stored tokenizer files (:func:`tokenizer_files`); the byte-level tokenizer
            when None with ``model_config``.
        lora: the adapter, or None for full fine-tuning.

    Returns:
        The model (train mode; a peft model with LoRA) and its tokenizer.

    Raises:
        ConfigError: for LoRA on a model trained from scratch (no base weights to keep).
    """
    if lora is not None:
        if model_name in CAUSAL_ARCHITECTURES:
            raise ConfigError(
                f"LoRA adapts pretrained weights: {model_name!r} is built with random ones; "
                "give model_name a save_pretrained directory or a hub name"
            )
        model, tokenizer = build_causal(model_name)
        return apply_lora(model, lora), tokenizer_from_files(files) if files else tokenizer
    if model_config is None:
        return build_causal(model_name)
    model = causal_from_config(causal_config(model_config, "model_config"))
    if files:
        return model, tokenizer_from_files(files)
    return model, byte_level_tokenizer()


def check_template(
    stored: PromptTemplate, requested: PromptTemplate, force: bool, where: str
) -> None:
    """Refuses, in one line, to query a model with another template than its own.

    Args:
        stored: the template the model was trained with.
        requested: the template asked for.
        force: allow it anyway (fine-tuning on a new format, a deliberate experiment).
        where: the checkpoint or directory, for the message.

    Raises:
        ConfigError: when they differ and ``force`` is False.
    """
    if stored == requested or force:
        return
    mine, asked = stored.name, requested.name
    if mine == asked:  # two custom ones, or a named one redefined since
        mine, asked = repr(stored.to_dict()), repr(requested.to_dict())
    raise ConfigError(
        f"{where} was trained with prompt template {mine}, not {asked}; "
        "pass --force-template (force_template=True) to use it anyway"
    )


def stored_template(path: Path) -> PromptTemplate | None:
    """The template saved in a causal checkpoint or export directory, if any."""
    if path.is_dir():
        info = read_export_file(path)
        return PromptTemplate.from_dict(info["template"]) if "template" in info else None
    checkpoint = torch.load(path, map_location="cpu", mmap=True, weights_only=True)
    values = checkpoint.get(TEMPLATE_KEY) if isinstance(checkpoint, dict) else None
    return PromptTemplate.from_dict(values) if isinstance(values, dict) else None


def read_export_file(path: Path) -> dict[str, Any]:
    """The :data:`EXPORT_FILE` of a directory (empty when there is none)."""
    file = path / EXPORT_FILE
    if not file.is_file():
        return {}
    try:
        values = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CheckpointError(f"cannot read {file}: {one_line(error)}") from error
    if not isinstance(values, dict):
        raise CheckpointError(f"{file} is not a JSON object")
    return values


_SEQ2SEQ_TYPES = {"t5", "mt5", "umt5"}


def is_causal_source(path: Path) -> bool:
    """Whether a path is a causal checkpoint or a causal transformers directory.

    Args:
        path: a ``.ckpt`` or a model directory.

    Returns:
        True for a checkpoint holding ``causal_config``, a directory with a causal
        :data:`EXPORT_FILE`, or a directory whose ``config.json`` is a decoder-only model.
    """
    if path.is_file():
        try:
            checkpoint = torch.load(path, map_location="cpu", mmap=True, weights_only=True)
        except Exception:  # not a checkpoint: the seq2seq loader reports it
            return False
        return isinstance(checkpoint, dict) and CAUSAL_SPEC.config_key in checkpoint
    if not path.is_dir():
        return False
    if read_export_file(path).get("kind") == "causal":
        return True
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    model_type = config.get("model_type") if isinstance(config, dict) else None
    return (
        bool(model_type)
        and model_type not in _SEQ2SEQ_TYPES
        and not config.get("is_encoder_decoder", False)
    )


def export_causal(
    model: Any,
    tokenizer: PreTrainedTokenizerBase,
    template: PromptTemplate,
    settings: dict[str, Any],
    out_dir: str | os.PathLike[str],
    overwrite: bool = False,
) -> Path:
    """Writes a causal model (adapter merged), its tokenizer and :data:`EXPORT_FILE`
    (template and generation settings) as a transformers directory, atomically.

    Args:
        model: the model (transformers or peft).
        tokenizer: its tokenizer.
        template: the template it was trained with.
        settings: ``load_generator`` settings (lengths, retrieval).
        out_dir: the directory to create.
        overwrite: replace an existing non-empty directory.

    Returns:
        The export directory.

    Raises:
        FileExistsError: when ``out_dir`` is not empty and ``overwrite`` is False.
    """
    target = Path(out_dir)
    with staged_tree(target, overwrite) as staging:
        merged(model).save_pretrained(staging)
        tokenizer.save_pretrained(str(staging))
        info = {"kind": "causal", "template": template.to_dict(), "settings": settings}
        (staging / EXPORT_FILE).write_text(json.dumps(info, indent=2), encoding="utf-8")
    return target


def adapter_keys(names: Sequence[str]) -> frozenset[str]:
    """The state-dict keys of a LoRA adapter among parameter names."""
    return frozenset(name for name in names if ".lora_" in name)
