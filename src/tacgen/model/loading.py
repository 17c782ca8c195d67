"""Building, loading and exporting the T5 seq2seq model behind the tactic generator.

A model is named by one of:

* a named architecture trained from scratch (:data:`NAMED_CONFIGS`: ``"tiny"``,
  ``"byt5-small"``);
* a path to a ``config.json`` (trained from scratch);
* a local directory written by ``save_pretrained`` (ReProver's published generator
  ``kaiyuy/leandojo-lean4-tacgen-byt5-small`` has this layout);
* a hub name, loaded through the local Hugging Face cache.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from tacgen.modelsource import BYTE_VOCAB, one_line, read_config_file, resolve_model_name

if TYPE_CHECKING:
    from transformers import T5Config, T5ForConditionalGeneration

"""The smallest usable vocabulary: 3 special tokens (pad, eos, unk) + 256 bytes."""

TINY_CONFIG: dict[str, Any] = {
    "vocab_size": 384,
    "d_model": 192,
    "d_ff": 512,
    "d_kv": 32,
    "num_heads": 6,
    "num_layers": 2,
    "num_decoder_layers": 2,
    "feed_forward_proj": "gated-gelu",
    "dropout_rate": 0.1,
    "tie_word_embeddings": False,
    "decoder_start_token_id": 0,
    "pad_token_id": 0,
    "eos_token_id": 1,
}
"""A demo-sized ByT5: learns a small corpus in minutes on two CPU cores."""

BYT5_SMALL_CONFIG: dict[str, Any] = {
    "vocab_size": 384,
    "d_model": 1472,
    "d_ff": 3584,
    "d_kv": 64,
    "num_heads": 6,
    "num_layers": 12,
    "num_decoder_layers": 4,
    "feed_forward_proj": "gated-gelu",
    "dropout_rate": 0.1,
    "tie_word_embeddings": False,
    "decoder_start_token_id": 0,
    "pad_token_id": 0,
    "eos_token_id": 1,
}
"""The shape of the public ``google/byt5-small`` (ReProver's generator backbone)."""

NAMED_CONFIGS: dict[str, dict[str, Any]] = {"tiny": TINY_CONFIG, "byt5-small": BYT5_SMALL_CONFIG}
"""Architectures that ``build_seq2seq`` builds from scratch by name."""

# transformers 5 always ties T5's lm_head to the input embeddings and, when loading a
# checkpoint whose lm_head differs (every ByT5 / ReProver checkpoint), warns that the
# config should say tie_word_embeddings=False, which its T5Config then ignores. The
# untied weights are loaded correctly, so this one message is noise.
_UNTIED_WARNING = "both are present in the checkpoints with different values"


class _DropUntiedWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return _UNTIED_WARNING not in record.getMessage()


@contextlib.contextmanager
def _quiet_untied_warning() -> Iterator[None]:
    log = logging.getLogger("transformers.modeling_utils")
    drop = _DropUntiedWarning()
    log.addFilter(drop)
    try:
        yield
    finally:
        log.removeFilter(drop)


def config_from_dict(values: Mapping[str, Any], source: str = "config") -> T5Config:
    """Builds and checks a T5 config.

    Args:
        values: ``T5Config`` fields (``model_type`` and ``architectures`` may be present).
        source: what the values came from, for error messages.

    Returns:
        The config.

    Raises:
        ValueError: when the values are not a valid T5 config for byte-level input.
    """
    from transformers import T5Config

    model_type = values.get("model_type", "t5")
    if model_type != "t5":
        raise ValueError(f"bad model config {source}: model_type is {model_type!r}, not 't5'")
    try:
        config = T5Config.from_dict(dict(values))
    except Exception as error:  # TypeError, ValueError, huggingface_hub's StrictDataclassError
        raise ValueError(f"bad model config {source}: {one_line(error)}") from error
    if config.vocab_size < BYTE_VOCAB:
        raise ValueError(
            f"bad model config {source}: vocab_size {config.vocab_size} < {BYTE_VOCAB} "
            "(3 special tokens + 256 bytes)"
        )
    return config


def _untie_lm_head(model: T5ForConditionalGeneration) -> None:
    # ByT5 keeps a separate output projection. Fan-in scaling (std d_model ** -0.5) gives
    # unit-variance logits at init; transformers' std=1.0 starts from a loss of ~40.
    weight = torch.empty_like(model.shared.weight)
    std = model.config.initializer_factor * model.config.d_model**-0.5
    torch.nn.init.normal_(weight, mean=0.0, std=std)
    model.lm_head.weight = torch.nn.Parameter(weight)
    tied = getattr(model, "all_tied_weights_keys", None)
    if isinstance(tied, dict):
        # Otherwise save_pretrained drops lm_head.weight as a duplicate of shared.weight.
        tied.pop("lm_head.weight", None)


def model_from_config(config: T5Config) -> T5ForConditionalGeneration:
    """A randomly initialized model, in train mode, with the config's embedding tying.

    Args:
        config: the architecture.

    Returns:
        The model.
    """
    from transformers import T5ForConditionalGeneration

    model = T5ForConditionalGeneration(config)
    # transformers 5 records tie_word_embeddings=False as scale_decoder_outputs=False and
    # ties anyway; transformers 4 honours tie_word_embeddings itself.
    untied = getattr(config, "scale_decoder_outputs", config.tie_word_embeddings) is False
    if untied and model.lm_head.weight is model.shared.weight:
        _untie_lm_head(model)
    return model.train()


def _from_pretrained(name: str) -> T5ForConditionalGeneration:
    from transformers import T5ForConditionalGeneration

    try:
        with _quiet_untied_warning():
            model = T5ForConditionalGeneration.from_pretrained(name, dtype=torch.float32)
    except OSError as error:
        raise FileNotFoundError(f"cannot load model {name!r}: {one_line(error)}") from error
    if model.config.vocab_size < BYTE_VOCAB:
        raise ValueError(f"model {name!r} has vocab_size {model.config.vocab_size}, not byte-level")
    # from_pretrained returns eval mode; training needs dropout on.
    return model.train()


def build_seq2seq(model_name: str) -> T5ForConditionalGeneration:
    """Builds the seq2seq model that ``model_name`` names (see the module docstring).

    Args:
        model_name: a named architecture, a ``config.json`` path, a ``save_pretrained``
            directory, or a hub name available in the local cache.

    Returns:
        The model in train mode, float32.

    Raises:
        FileNotFoundError: when a path does not exist, a directory has no ``config.json``,
            or a hub name cannot be loaded.
        ValueError: when the config is not a valid byte-level T5 config.
    """
    kind, source = resolve_model_name(model_name, NAMED_CONFIGS, "model")
    if kind == "named":
        return model_from_config(config_from_dict(source, model_name))
    if kind == "file":
        return model_from_config(config_from_dict(read_config_file(source, "model"), str(source)))
    return _from_pretrained(source)


def export_pretrained(
    model: T5ForConditionalGeneration, out_dir: str | os.PathLike[str], overwrite: bool = False
) -> Path:
    """Writes a model and the byte tokenizer as a Hugging Face directory.

    ``T5ForConditionalGeneration.from_pretrained(out_dir)`` and
    ``AutoTokenizer.from_pretrained(out_dir)`` load the result as is. Files are written
    to a temporary sibling directory that is renamed at the end, so ``out_dir`` never
    holds a partial export.

    Args:
        model: the model to export.
        out_dir: the directory to create.
        overwrite: replace ``out_dir`` if it exists and is not empty.

    Returns:
        The export directory.

    Raises:
        FileExistsError: when ``out_dir`` exists, is not empty and ``overwrite`` is False.
    """
    from tacgen.data.tokenizer import ByteTokenizer

    target = Path(out_dir)
    occupied = target.exists() and (not target.is_dir() or any(target.iterdir()))
    if occupied and not overwrite:
        raise FileExistsError(f"export directory exists and is not empty: {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        model.save_pretrained(staging)
        ByteTokenizer().save_pretrained(str(staging))
        if target.exists():
            # Move the old export aside first so the rename below cannot fail half-way.
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / target.name)
            shutil.rmtree(old)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def check_checkpoint_file(path: Path) -> None:
    """Raises a one-line error unless ``path`` looks like a ``torch.save`` checkpoint.

    ``torch.save`` writes a zip archive; a missing, empty, truncated or foreign file fails
    this cheap check before torch or Lightning produce a multi-line traceback.

    Args:
        path: the checkpoint file.

    Raises:
        FileNotFoundError: when the file does not exist.
        ValueError: when it is not a complete zip archive.
    """
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    if path.stat().st_size == 0:
        raise ValueError(f"cannot read checkpoint {path}: the file is empty")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"cannot read checkpoint {path}: not a torch.save archive (corrupt?)")
