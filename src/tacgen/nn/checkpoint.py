"""Checkpoint I/O shared by the generator and the retriever: checking, reading, exporting.

Lightning checkpoints written by tacgen store the backbone's T5 config under a key of
their own (``t5_config``, ``t5_encoder_config``), so they reload without network access.
"""

from __future__ import annotations

import inspect
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from tacgen.core.atomic import staged_tree
from tacgen.core.errors import CheckpointError, one_line

if TYPE_CHECKING:
    from transformers import PreTrainedModel


def check_checkpoint_file(path: Path) -> None:
    """Raises a one-line error unless ``path`` looks like a ``torch.save`` checkpoint.

    ``torch.save`` writes a zip archive; a missing, empty, truncated or foreign file fails
    this cheap check before torch or Lightning produce a multi-line traceback.

    Args:
        path: the checkpoint file.

    Raises:
        FileNotFoundError: when the file does not exist.
        CheckpointError: when it is not a complete zip archive.
    """
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    if path.stat().st_size == 0:
        raise CheckpointError(f"cannot read checkpoint {path}: the file is empty")
    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"cannot read checkpoint {path}: not a torch.save archive (corrupt?)")


def check_checkpoint_kind(path: Path, config_key: str, noun: str) -> None:
    """Raises a one-line error when ``path`` is a checkpoint of another tacgen class.

    The file is memory-mapped, so this costs little even for a large checkpoint. A file that
    does not load as a plain checkpoint is left for the caller's loader to report.

    Args:
        path: a ``torch.save`` checkpoint.
        config_key: the key the expected class stores its backbone config under.
        noun: what the expected class is called in messages (``generator``, ``retriever``).

    Raises:
        CheckpointError: when the checkpoint stores another class's backbone config.
    """
    try:
        checkpoint = torch.load(path, map_location="cpu", mmap=True, weights_only=True)
    except Exception:  # anything else is the loader's to report
        return
    if not isinstance(checkpoint, dict) or config_key in checkpoint:
        return
    other = checkpoint_kind(checkpoint)
    if other is not None:
        raise CheckpointError(f"{path} is a {other[0]} checkpoint, not a {noun} one")


KINDS = {
    "t5_config": "generator",
    "t5_encoder_config": "retriever",
    "causal_config": "causal generator",
}
"""The backbone config key of each tacgen checkpoint kind (``BackboneSpec.config_key``)."""


def checkpoint_kind(checkpoint: dict[str, Any]) -> tuple[str, str] | None:
    """What tacgen class wrote a loaded checkpoint.

    Args:
        checkpoint: the loaded checkpoint dict.

    Returns:
        (``generator`` or ``retriever``, its backbone config key), or None for neither.
    """
    for key, kind in KINDS.items():
        if key in checkpoint:
            return kind, key
    return None


def read_checkpoint(
    path: Path,
    config_key: str,
    init: Callable[..., Any] | None,
    overrides: dict[str, Any],
    what: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Reads a Lightning checkpoint of a module that stores its backbone's config.

    Args:
        path: the ``.ckpt`` file.
        config_key: the checkpoint key holding the T5 config.
        init: the module's ``__init__``: stored arguments it does not take (LightningCLI
            adds ``_instantiator``) are dropped; None keeps them all.
        overrides: arguments replacing the stored ones.
        what: the module's class name, for error messages.

    Returns:
        ``(constructor arguments with model_config, state_dict)``.

    Raises:
        CheckpointError: when the file is not such a checkpoint.
    """
    check_checkpoint_file(path)
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise CheckpointError(f"cannot read checkpoint {path}: {one_line(error)[:200]}") from error
    if not isinstance(checkpoint, dict) or config_key not in checkpoint:
        raise CheckpointError(f"not a {what} checkpoint (no {config_key}): {path}")
    stored = {**checkpoint.get("hyper_parameters", {}), **overrides}
    if init is not None:
        accepted = inspect.signature(init).parameters
        stored = {k: v for k, v in stored.items() if k in accepted}
    hparams = dict(stored)
    hparams["model_config"] = checkpoint[config_key]
    return hparams, checkpoint["state_dict"]


def read_provenance(path: Path) -> dict[str, Any] | None:
    """The training-data record of a ``.ckpt`` (None for a directory or an older checkpoint).

    Args:
        path: a checkpoint written by ``tacgen fit`` (memory-mapped, not read whole).

    Returns:
        The record of :mod:`tacgen.data.provenance`, if any.
    """
    from tacgen.data.provenance import KEY

    if not path.is_file():
        return None
    check_checkpoint_file(path)
    checkpoint = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    record = checkpoint.get(KEY) if isinstance(checkpoint, dict) else None
    return record if isinstance(record, dict) else None


def export_pretrained(
    model: PreTrainedModel, out_dir: str | os.PathLike[str], overwrite: bool = False
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
    from tacgen.nn.tokenizer import ByteTokenizer

    target = Path(out_dir)
    with staged_tree(target, overwrite) as staging:
        model.save_pretrained(staging)
        ByteTokenizer().save_pretrained(str(staging))
    return target
